# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fake ARM + AAD HTTPS server (private to the tests). Started by ``fake_arm.py up``.

Serves, on 127.0.0.1 over HTTPS:
- AAD: ``/{tenant}/v2.0/.well-known/openid-configuration``, ``/{tenant}/oauth2/v2.0/token`` (client
  credentials; a wrong secret is refused with AADSTS7000215), ``/common/discovery/instance``;
- ARM: ``/subscriptions/...`` for Microsoft.Cdn (Front Door) and Microsoft.Network (Private Link Services,
  their private endpoint connections, Front Door WAF policies) and resource groups, with bearer tokens the
  fake AAD issued, ``api-version`` required, long-running operations, ARM error bodies;
- control (tests only, no auth): ``/_fake/health``, ``/_fake/reset``, ``/_fake/seed``, ``/_fake/resources``,
  ``/_fake/requests`` (counts by method; DELETE clears), ``/_fake/faults`` (e.g. 429 + Retry-After),
  ``/_fake/config`` (``lro_polls``, ``lro_retry_after``, ``domain_validation_token``: false leaves custom domains
  without their DNS TXT token), ``/_fake/connection`` (a third party approves/rejects a private endpoint
  connection with its own description).
"""

import argparse
import json
import os
import re
import secrets
import signal
import ssl
import sys
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import arm_cdn  # noqa: E402
import arm_network  # noqa: E402
from arm_store import ArmError, Ref, Store  # noqa: E402

OP_RE = re.compile(r"/providers/[^/]+/operationresults/([0-9a-f-]+)$", re.I)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-arm/1.0"

    def log_message(self, fmt, *args):
        self.server.log("%s %s" % (self.address_string(), fmt % args))

    def do_GET(self):
        self.dispatch("GET")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_POST(self):
        self.dispatch("POST")

    # -- plumbing ---------------------------------------------------------------------------------------
    def send(self, status, body=None, headers=None, content_type="application/json; charset=utf-8"):
        data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        self.send_response(status)
        self.send_header("x-ms-request-id", str(uuid.uuid4()))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if data or status not in (204,):
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)

    def dispatch(self, method):
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            if path.startswith("/_fake/"):
                return self.control(method, path, query, raw)
            if path.lower().startswith("/subscriptions"):
                return self.arm(method, path, query, raw)
            return self.aad(method, path, raw)
        except ArmError as exc:
            self.send(exc.status, exc.body(), exc.headers)
        except Exception:  # noqa: BLE001 - report, keep serving
            self.server.log(traceback.format_exc())
            self.send(500, {"error": {"code": "InternalServerError", "message": "fake ARM bug: see its log"}})

    # -- ARM --------------------------------------------------------------------------------------------
    def arm(self, method, path, query, raw):
        store = self.server.store
        with store.lock:
            entry = {"method": method, "path": path, "time": time.time()}
            store.requests.append(entry)
            status, body, headers = self._arm(store, method, path, query, raw)
            entry["status"] = status
        base = self.server.base_url
        api = (query.get("api-version") or [""])[0]
        headers = dict((k, v.replace("{base}", base).replace("{api}", api)) for k, v in headers.items())
        self.send(status, body, headers)

    def _arm(self, store, method, path, query, raw):
        try:
            auth = self.headers.get("Authorization") or ""
            if not auth.startswith("Bearer ") or auth[7:] not in store.tokens:
                raise ArmError(401, "InvalidAuthenticationToken" if auth else "AuthenticationFailed",
                               "The access token is invalid." if auth else
                               "Authentication failed. The 'Authorization' header is missing.")
            fault = store.take_fault(method, path)
            if fault:
                headers = {}
                if fault.get("retry_after") is not None:
                    headers["Retry-After"] = str(fault["retry_after"])
                raise ArmError(int(fault.get("status", 429)), fault.get("code", "TooManyRequests"),
                               fault.get("message", "The request was throttled (injected fault)."), headers)
            if not query.get("api-version"):
                raise ArmError(400, "MissingApiVersionParameter",
                               "The api-version query parameter (?api-version=) is required for all requests.")
            match = OP_RE.search(path)
            if match and method == "GET":
                return store.op_status(match.group(1), (query.get("monitor") or [""])[0] == "location")
            ref = Ref.parse(path)
            if ref is None:
                raise ArmError(404, "NotFound", "No route for %s." % path)
            body = None
            if method in ("PUT", "PATCH", "POST"):
                try:
                    body = json.loads(raw.decode() or "{}")
                except ValueError:
                    raise ArmError(400, "InvalidRequestContent", "The request content was invalid JSON.")
                if not isinstance(body, dict):
                    raise ArmError(400, "InvalidRequestContent", "The request content must be a JSON object.")
            if ref.provider is None and (ref.collection in (None, "resourcegroups")):
                return arm_network.handle_resource_group(store, method, ref, body)
            return store.handle(method, ref, body, path)
        except ArmError as exc:
            return exc.status, exc.body(), exc.headers

    # -- AAD --------------------------------------------------------------------------------------------
    def aad(self, method, path, raw):
        cfg = self.server.aad
        seg = [s for s in path.split("/") if s]
        base = self.server.base_url
        if path.startswith("/common/discovery/instance"):
            host = base.split("://", 1)[1]
            return self.send(200, {"tenant_discovery_endpoint": "%s/%s/v2.0/.well-known/openid-configuration"
                                   % (base, cfg["tenant"]), "api-version": "1.1",
                                   "metadata": [{"preferred_network": host, "preferred_cache": host,
                                                 "aliases": [host]}]})
        if not seg:
            raise ArmError(404, "NotFound", "No route for %s." % path)
        tenant = seg[0]
        if tenant.lower() not in (cfg["tenant"].lower(), "organizations", "common"):
            return self.send(400, {"error": "invalid_request", "error_codes": [90002],
                                   "error_description": "AADSTS90002: Tenant '%s' not found. Check to make sure "
                                                        "you have the correct tenant ID." % tenant})
        if path.endswith("/.well-known/openid-configuration"):
            root = "%s/%s" % (base, cfg["tenant"])
            return self.send(200, {
                "token_endpoint": root + "/oauth2/v2.0/token",
                "authorization_endpoint": root + "/oauth2/v2.0/authorize",
                "device_authorization_endpoint": root + "/oauth2/v2.0/devicecode",
                "end_session_endpoint": root + "/oauth2/v2.0/logout",
                "jwks_uri": root + "/discovery/v2.0/keys", "issuer": root + "/v2.0",
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
                "response_types_supported": ["code", "id_token", "token"], "tenant_region_scope": None})
        if path.endswith("/oauth2/v2.0/token") and method == "POST":
            form = dict((k, v[0]) for k, v in parse_qs(raw.decode()).items())
            if form.get("client_id") != cfg["client_id"]:
                return self.send(400, {"error": "unauthorized_client", "error_codes": [700016],
                                       "error_description": "AADSTS700016: Application with identifier '%s' was "
                                                            "not found in the directory." % form.get("client_id")})
            if form.get("client_secret") != cfg["client_secret"]:
                return self.send(401, {"error": "invalid_client", "error_codes": [7000215],
                                       "error_description": "AADSTS7000215: Invalid client secret provided. "
                                                            "Ensure the secret being sent in the request is the "
                                                            "client secret value, not the client secret ID."})
            token = secrets.token_hex(24)
            with self.server.store.lock:
                self.server.store.tokens.add(token)
            return self.send(200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
                                   "access_token": token})
        raise ArmError(404, "NotFound", "No route for %s." % path)

    # -- control ----------------------------------------------------------------------------------------
    def control(self, method, path, query, raw):
        store = self.server.store
        body = json.loads(raw.decode() or "null") if raw else None
        with store.lock:
            if path == "/_fake/health":
                return self.send(200, {"ok": True})
            if path == "/_fake/reset" and method == "POST":
                store.reset()
                return self.send(200, {"ok": True})
            if path == "/_fake/requests":
                if method == "DELETE":
                    store.requests = []
                    return self.send(200, {"ok": True})
                return self.send(200, {"counts": store.counts(), "log": list(store.requests)})
            if path == "/_fake/resources":
                kind = (query.get("type") or [""])[0].lower()
                items = [r.body for r in store.resources.values() if not kind or r.ref.type_key == kind]
                return self.send(200, {"value": items, "resource_groups": list(store.resource_groups.values())})
            if path == "/_fake/faults":
                if method == "DELETE":
                    store.faults = []
                else:
                    store.faults.append(body)
                return self.send(200, {"faults": store.faults})
            if path == "/_fake/config" and method == "POST":
                store.config.update(body or {})
                return self.send(200, store.config)
            if path == "/_fake/seed" and method == "POST":
                return self.send(200, self.seed(store, body or {}))
            if path == "/_fake/connection" and method == "POST":
                return self.send(200, arm_network.third_party_update(store, body or {}))
        raise ArmError(404, "NotFound", "No control route %s %s." % (method, path))

    def seed(self, store, body):
        """Put a resource (or a resource group) straight into the store, already Succeeded."""
        ref = Ref.parse(body["id"])
        if ref.provider is None:
            return arm_network.handle_resource_group(store, "PUT", ref, body.get("body") or {"location": "eastus"})[1]
        spec = store.spec_for(ref)
        stored = spec.build(store, ref, body.get("body") or {}, None)
        stored.update({"id": store.display_id(ref, spec), "name": ref.name, "type": spec.arm_type})
        stored["properties"]["provisioningState"] = "Succeeded"
        from arm_store import Resource
        store.resources[ref.key] = Resource(ref, stored)
        return stored


class FakeArmServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port, cert, key, aad, subscriptions, log_path=None):
        ThreadingHTTPServer.__init__(self, ("127.0.0.1", port), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.socket = ctx.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)
        self.base_url = "https://127.0.0.1:%d" % self.server_address[1]
        self.aad = aad
        specs = dict(arm_cdn.SPECS)
        specs.update(arm_network.SPECS)
        self.store = Store(specs, subscriptions)
        self._log = open(log_path, "a") if log_path else None
        self._log_lock = threading.Lock()

    def log(self, line):
        if self._log:
            with self._log_lock:
                self._log.write(line.rstrip() + "\n")
                self._log.flush()


def main(argv=None):
    parser = argparse.ArgumentParser(description="fake ARM + AAD over HTTPS on 127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--subscription", action="append", required=True)
    parser.add_argument("--log")
    parser.add_argument("--port-file", help="write the bound port here once listening")
    args = parser.parse_args(argv)
    server = FakeArmServer(args.port, args.cert, args.key,
                           {"tenant": args.tenant, "client_id": args.client_id, "client_secret": args.client_secret},
                           args.subscription, args.log)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as handle:
            handle.write(str(server.server_address[1]))
        os.rename(args.port_file + ".tmp", args.port_file)
    server.log("listening on %s" % server.base_url)
    server.serve_forever()


if __name__ == "__main__":
    main()
