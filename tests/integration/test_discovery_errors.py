# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Discovery errors are errors: only "the API is not served" means "Istio is not installed".

The modules talk to the real kube-apiserver through a small proxy (tests/integration/fault_proxy.py) that answers
``GET /apis/networking.istio.io/v1`` with what an unlucky cluster sends: 429 (API Priority and Fairness), 503, 403,
or a dropped connection. ``playbooks/unexpose-app.yml`` and app_route ``state: absent`` must then fail, name the
API and the code, and delete nothing - before, they reported "0 deleted" and "Nothing is left of blog." while
the routes stayed on the internet. With the proxy answering normally again, the same run removes the app.
"""

import os

import pytest

from ansible_runner import REPO, task_result as task
from app_route_support import (  # noqa: F401  # pylint: disable=unused-import
    delete_namespace, gw_ns, istio_crds, list_owned, make_workload, new_namespace, run_app_route)
from fault_proxy import FaultProxy, kubeconfig_through

UNEXPOSE = os.path.join(REPO, "playbooks", "unexpose-app.yml")
DISCOVERY = "GET /apis/networking.istio.io/v1"
TOKEN = "testbed-token"        # the test bed's API server accepts this bearer token (tests/testbed)
THROTTLED = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "TooManyRequests", "code": 429,
             "message": "Too many requests, please try again later.", "details": {"retryAfterSeconds": 1}}


@pytest.fixture
def proxy(testbed, tmp_path):
    front = FaultProxy(testbed["api_server"], ca_cert=testbed["ca_cert"])
    front.kubeconfig = kubeconfig_through(front, TOKEN, str(tmp_path / "kubeconfig-proxy"))
    yield front
    front.close()


@pytest.fixture
def blog(ansible, kube, gw_ns):
    """App blog, exposed for real: a Gateway, a VirtualService and a DestinationRule."""
    ns = new_namespace(kube, "blog")
    make_workload(kube, ns, "web", {"http": 80})
    app = {"name": "blog", "namespace": ns, "hosts": ["blog.%s.example.com" % ns],
           "http": [{"route": [{"host": "web", "port": 80}]}],
           "destination_rules": [{"host": "web", "traffic_policy": {"loadBalancer": {"simple": "ROUND_ROBIN"}}}]}
    created = run_app_route(ansible, gw_ns, [app])
    assert not created["failed"], created["msg"]
    yield app
    delete_namespace(kube, ns)


def owned(kube, ns):
    return dict((kind, list_owned(kube, kind, ns, app="blog"))
                for kind in ("Gateway", "VirtualService", "DestinationRule"))


def unexpose(ansible, proxy, app, gw_ns):
    return ansible.playbook(UNEXPOSE, extra_vars={
        "istio_edge_apps": [app], "istio_edge_app": "blog",
        "istio_edge_gateway": {"name": "istio-ingress", "namespace": gw_ns}},
        env={"K8S_AUTH_KUBECONFIG": proxy.kubeconfig}, args=("-c", "local"))


def test_unexpose_while_discovery_is_throttled_fails_and_deletes_nothing(ansible, kube, gw_ns, proxy, blog):
    ns = blog["namespace"]
    before = owned(kube, ns)
    assert before == {"Gateway": ["blog-gateway"], "VirtualService": ["blog"], "DestinationRule": ["blog-web"]}
    proxy.fault(lambda key: key == DISCOVERY, 429, THROTTLED)

    rc, out, results = unexpose(ansible, proxy, blog, gw_ns)
    assert rc != 0, out[-3000:]
    failed = [r for r in results if r.get("_status") == "failed" or r.get("failed")]
    assert failed, out[-3000:]
    msg = failed[0]["msg"]
    assert "GET /apis/networking.istio.io/v1 answered 429 (TooManyRequests)" in msg, msg
    assert "nothing was changed" in msg and failed[0].get("code") == 429, failed[0]
    assert "Nothing is left of blog" not in out
    assert (DISCOVERY, 429) in proxy.answered
    assert owned(kube, ns) == before                       # nothing deleted by guess

    # the read-back of the playbook (app_route state=absent in check mode) does not pass by the same path
    readback = ansible.module("app_route", {"apps": [blog], "only": "blog", "state": "absent"}, check=True,
                              env={"K8S_AUTH_KUBECONFIG": proxy.kubeconfig})
    assert readback["failed"] is True and readback["code"] == 429, readback
    assert "networking.istio.io/v1" in readback["msg"]

    # the cluster answers again: the same run removes the app, and says so
    proxy.clear()
    rc, out, results = unexpose(ansible, proxy, blog, gw_ns)
    assert rc == 0, out[-5000:]
    assert task(results, "Ensure the apps' routes")["summary"]["deleted"] == 3
    assert "Nothing is left of blog." in task(results, "Check that nothing of theirs is left")["msg"]
    assert owned(kube, ns) == {"Gateway": [], "VirtualService": [], "DestinationRule": []}


@pytest.mark.parametrize("status, expected", [
    (503, "answered 503 (ServiceUnavailable)"),
    (403, "answered 403 (Forbidden)"),
    (None, "failed:"),
])
def test_other_discovery_failures_are_named_and_delete_nothing(ansible, kube, gw_ns, proxy, blog, status,
                                                               expected):
    ns = blog["namespace"]
    before = owned(kube, ns)
    body = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": status,
            "reason": {503: "ServiceUnavailable", 403: "Forbidden"}.get(status), "message": "injected"}
    proxy.fault(lambda key: key == DISCOVERY, status, body if status else b"")
    result = ansible.module("app_route", {"apps": [blog], "only": "blog", "state": "absent"},
                            env={"K8S_AUTH_KUBECONFIG": proxy.kubeconfig})
    assert result["failed"] is True, result
    assert DISCOVERY in result["msg"] and expected in result["msg"], result["msg"]
    assert result.get("code") == (status or "unreachable"), result
    assert result["changed"] is False
    assert owned(kube, ns) == before
    if status == 503:   # the client retries a 503 of a GET before giving up
        assert len([a for a in proxy.answered if a[0] == DISCOVERY]) > 1
