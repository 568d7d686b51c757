# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which reads a run sends: a first look from the API server's watch cache, a consistent read before writing.

A no-op run (what AWX runs all day) LISTs every kind once with ``resourceVersion=0`` - served from the API server's
watch cache, several times faster for custom resources than a quorum read from etcd on servers before 1.31 - and
writes nothing. A run that writes reads again under its Leases without ``resourceVersion``: the writes are decided
on a consistent read. The module talks to the real kube-apiserver through tests/integration/fault_proxy.py, which
records every request with its query.
"""

from urllib.parse import parse_qs, urlsplit

import pytest

from app_route_support import (  # noqa: F401  # pylint: disable=unused-import
    gw_ns, istio_crds, make_workload, no_leftover_claims, run_app_route)
from fault_proxy import FaultProxy, kubeconfig_through

TOKEN = "testbed-token"        # the test bed's API server accepts this bearer token (tests/testbed)
ISTIO_LISTS = ("/apis/networking.istio.io/v1/gateways", "/apis/networking.istio.io/v1/virtualservices")


def _key(method, path, dummy_body):
    parts = urlsplit(path)
    version = (parse_qs(parts.query).get("resourceVersion") or [None])[0]
    return "%s %s rv=%s" % (method, parts.path, version)


@pytest.fixture
def proxy(testbed, tmp_path):
    front = FaultProxy(testbed["api_server"], ca_cert=testbed["ca_cert"], classify=_key)
    front.kubeconfig = kubeconfig_through(front, TOKEN, str(tmp_path / "kubeconfig-proxy"))
    yield front
    front.close()


def _lists(proxy, path):
    return dict((key.rsplit(" ", 1)[1], n) for key, n in proxy.calls.items() if key.startswith("GET %s rv=" % path))


def test_no_op_reads_from_the_watch_cache_and_writes_read_consistently(ansible, kube, namespace, gw_ns, proxy):
    make_workload(kube, namespace, "web", {"http": 8080})
    app = {"name": "shop", "namespace": namespace, "hosts": ["shop.%s.example.com" % namespace],
           "http": [{"route": [{"host": "web", "port": 8080}]}]}

    first = run_app_route(ansible, gw_ns, [app], kubeconfig=proxy.kubeconfig)
    assert not first["failed"], first["msg"]
    assert first["summary"]["created"] == 2
    for path in ISTIO_LISTS:
        # the first look from the cache, then the read that decided the writes, under the Leases: consistent
        assert _lists(proxy, path) == {"rv=0": 1, "rv=None": 1}, (path, proxy.calls)

    proxy.calls.clear()
    second = run_app_route(ansible, gw_ns, [app], kubeconfig=proxy.kubeconfig)
    assert not second["failed"], second["msg"]
    assert second["changed"] is False and second["api_requests"]["write"] == 0
    for path in ISTIO_LISTS:
        assert _lists(proxy, path) == {"rv=0": 1}, (path, proxy.calls)
    writes = [k for k in proxy.calls if k.split(" ", 1)[0] in ("POST", "PUT", "PATCH", "DELETE")]
    assert writes == [], writes
