# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Warning headers of the API server reach the collection: the real kubernetes ApiClient against a small HTTP
server on 127.0.0.1 that answers like kube-apiserver does for a deprecated API (``Warning: 299 - "..."``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.client import (
    AUTH_KEYS, get_api_client, parse_warning_header, pop_api_warnings)

try:
    from kubernetes.client.exceptions import ApiException
except ImportError:  # pragma: no cover - the kubernetes library is a test requirement
    ApiException = Exception

INGRESS = "extensions/v1beta1 Ingress is deprecated in v1.14+, unavailable in v1.22+; use networking.k8s.io/v1 Ingress"
ENDPOINTS = "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass

    def do_GET(self):  # pylint: disable=invalid-name
        if self.path.startswith("/missing"):
            body, status = {"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404}, 404
        else:
            body, status = {"kind": "List", "items": []}, 200
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        # as kube-apiserver sends them: one header line per warning, the text a quoted string
        self.send_header("Warning", '299 - "%s"' % INGRESS)
        if self.path.startswith("/endpoints") or status == 404:
            self.send_header("Warning", '299 - "%s"' % ENDPOINTS)
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(name="server")
def server_fixture():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    pop_api_warnings()
    yield "http://127.0.0.1:%d" % httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()
    pop_api_warnings()


def _api(server):
    params = dict((key, None) for key in AUTH_KEYS)
    params.update(host=server, api_key="token-for-the-test")
    return get_api_client(params)


def _get(api, path, **kwargs):
    return api.call_api(path, "GET", auth_settings=["BearerToken"], response_types_map={200: "object"},
                        _return_http_data_only=True, **kwargs)


def test_warnings_of_every_response_are_collected_once_each(server):
    api = _api(server)
    assert _get(api, "/ingresses") == {"kind": "List", "items": []}
    _get(api, "/ingresses")
    _get(api, "/endpoints")
    assert pop_api_warnings() == [INGRESS, ENDPOINTS]
    assert pop_api_warnings() == []  # taken once


def test_warnings_of_refused_requests_and_raw_responses_are_collected(server):
    api = _api(server)
    with pytest.raises(ApiException) as raised:
        _get(api, "/missing")
    assert raised.value.status == 404
    assert pop_api_warnings() == [INGRESS, ENDPOINTS]
    raw = api.call_api("/ingresses", "GET", auth_settings=["BearerToken"], _preload_content=False)
    assert json.loads((raw[0] if isinstance(raw, tuple) else raw).data) == {"kind": "List", "items": []}
    assert pop_api_warnings() == [INGRESS]


def test_the_client_is_wrapped_once():
    from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.client import collect_warnings
    params = dict((key, None) for key in AUTH_KEYS)
    params.update(host="http://127.0.0.1:9", api_key="x")
    api = get_api_client(params)
    wrapped = api.rest_client.request
    assert collect_warnings(api).rest_client.request is wrapped


@pytest.mark.parametrize("value, texts", [
    ('299 - "%s"' % INGRESS, [INGRESS]),
    ('299 - "one, with a comma", 299 - "two"', ["one, with a comma", "two"]),
    ('299 kube-apiserver "quoted \\"name\\" here" "Sat, 22 Nov 2026 10:00:00 GMT"', ['quoted "name" here']),
    ('not the RFC format', ["not the RFC format"]),
    ('', []),
])
def test_parse_warning_header(value, texts):
    assert parse_warning_header(value) == texts
