# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a discovery answer that is not "served" or "not served" reads (k8s/discovery.py); the requests themselves
run against the real API server in tests/integration/test_discovery_errors.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s import discovery

kubernetes = pytest.importorskip("kubernetes")
urllib3 = pytest.importorskip("urllib3")

PATH = "/apis/networking.istio.io/v1"


def api_exception(status, reason, body):
    exc = kubernetes.client.exceptions.ApiException(status=status, reason=reason)
    exc.body = json.dumps(body) if isinstance(body, dict) else body
    return exc


def test_a_throttled_discovery_names_the_request_the_code_and_the_api():
    err = discovery._api_exception_error(PATH, api_exception(429, "Too Many Requests", {
        "kind": "Status", "reason": "TooManyRequests", "message": "Too many requests, please try again later."}))
    assert str(err).startswith("GET /apis/networking.istio.io/v1 answered 429 (TooManyRequests): Too many "
                               "requests, please try again later.")
    assert "Whether the cluster serves networking.istio.io/v1 is unknown" in str(err)
    assert err.code == 429 and "API Priority and Fairness" in err.hint
    assert not isinstance(err, discovery.NotServedError)


def test_forbidden_and_server_errors():
    err = discovery._api_exception_error("/apis/networking.istio.io", api_exception(403, "Forbidden", "nope"))
    assert err.code == 403 and "answered 403 (Forbidden): nope" in str(err) and "system:discovery" in err.hint
    err = discovery._api_exception_error(PATH, api_exception(500, "Internal Server Error", ""))
    assert err.code == 500 and "answered 500 (Internal Server Error)." in str(err)


def test_retried_5xx_and_dropped_connections():
    gave_up = urllib3.exceptions.MaxRetryError(None, PATH, urllib3.exceptions.ResponseError(
        "too many 503 error responses"))
    err = discovery._transport_error(PATH, "https://127.0.0.1:6443", gave_up)
    assert err.code == 503 and "answered 503 (ServiceUnavailable): after retries" in str(err)
    dropped = urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError(104, "reset"))
    err = discovery._transport_error(PATH, "https://127.0.0.1:6443", dropped)
    assert err.code == "unreachable" and str(err).startswith("GET %s on https://127.0.0.1:6443 failed:" % PATH)


def test_not_served_is_its_own_error():
    err = discovery.not_served_error("The cluster does not serve x.", hint="Install it.")
    assert isinstance(err, discovery.NotServedError) and err.code == discovery.NOT_SERVED
