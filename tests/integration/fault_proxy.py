# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small HTTP proxy on 127.0.0.1 in front of a real server, answering chosen requests with a fault.

* ``FaultProxy(upstream, ca_cert=None, classify=None)``: forwards every request to ``upstream`` (http or https,
  verified with ``ca_cert``); ``fault(match, status, body=..., count=None)`` answers the requests ``match``
  selects (a callable of the request key) with ``status`` instead, ``count`` times (None: until cleared), or
  drops the connection when ``status`` is None. ``calls`` counts requests per key, ``answered`` lists
  ``(key, status)`` of what the proxy itself answered.
* ``ThrottlingProxy(upstream)``: moto's server behind AWS query-protocol throttling: ``throttle[action] = n``
  answers the next ``n`` calls of that action ``400 Throttling`` as AWS does.
* ``kubeconfig_through(proxy, token, path)``: a kubeconfig whose server is the proxy (plain HTTP; the bearer token
  is passed through to the API server).
"""

import http.client
import json
import ssl
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import yaml

_HOP_HEADERS = ("content-length", "transfer-encoding", "connection", "keep-alive")


class FaultProxy:
    def __init__(self, upstream, ca_cert=None, classify=None):
        self.upstream = urlsplit(upstream)
        self.context = ssl.create_default_context(cafile=ca_cert) if self.upstream.scheme == "https" else None
        self.classify = classify or (lambda method, path, body: "%s %s" % (method, path.split("?", 1)[0]))
        self.rules = []
        self.calls = {}
        self.answered = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _handle(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                key = proxy.classify(self.command, self.path, body)
                rule = proxy._take(key)
                if rule is not None:
                    if rule["status"] is None:          # a dropped connection
                        self.close_connection = True
                        self.connection.shutdown(2)
                        return
                    return self._send(rule["status"], dict(rule["headers"]), rule["body"])
                status, headers, data = proxy._forward(self.command, self.path, dict(self.headers.items()), body)
                self._send(status, headers, data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

            def _send(self, status, headers, data):
                self.send_response(status)
                for name, value in headers.items():
                    if name.lower() not in _HOP_HEADERS:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.handle_error = lambda request, address: None    # dropped connections are on purpose
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def fault(self, match, status, body=b"", headers=None, count=None):
        """Answer the requests ``match(key)`` selects with ``status`` (None: drop the connection)."""
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers = dict({"Content-Type": "application/json"}, **(headers or {}))
        with self.lock:
            self.rules.append({"match": match, "status": status, "body": body, "headers": headers or {},
                               "count": count})

    def clear(self):
        with self.lock:
            del self.rules[:]

    def _take(self, key):
        with self.lock:
            self.calls[key] = self.calls.get(key, 0) + 1
            for rule in self.rules:
                if rule["match"](key) and rule["count"] != 0:
                    if rule["count"] is not None:
                        rule["count"] -= 1
                    self.answered.append((key, rule["status"]))
                    return rule
        return None

    def _forward(self, method, path, headers, body):
        host, port = self.upstream.hostname, self.upstream.port
        if self.context is not None:
            conn = http.client.HTTPSConnection(host, port, timeout=60, context=self.context)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=60)
        headers = dict((k, v) for k, v in headers.items() if k.lower() not in ("host", "connection"))
        conn.request(method, path, body=body or None, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, dict(resp.getheaders()), data

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _query_action(method, path, body):
    return (parse_qs(body.decode("utf-8", "replace")).get("Action") or ["?"])[0]


class ThrottlingProxy(FaultProxy):
    """moto's server behind AWS throttling: ``throttle[action] = n`` answers the next ``n`` calls of a
    query-protocol action (ELBv2) ``400 Throttling``; ``calls`` counts every call per action."""

    def __init__(self, upstream):
        FaultProxy.__init__(self, upstream, classify=_query_action)
        self.throttle = {}

    def _take(self, key):
        with self.lock:
            self.calls[key] = self.calls.get(key, 0) + 1
            if self.throttle.get(key, 0) <= 0:
                return None
            self.throttle[key] -= 1
        body = (b'<ErrorResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">'
                b"<Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
                b"</Error><RequestId>%s</RequestId></ErrorResponse>" % uuid.uuid4().hex.encode())
        return {"status": 400, "headers": {"Content-Type": "text/xml"}, "body": body}


def kubeconfig_through(proxy, token, path):
    """Write a kubeconfig at ``path`` whose server is ``proxy`` (plain HTTP, bearer ``token``); returns path."""
    doc = {"apiVersion": "v1", "kind": "Config", "current-context": "proxy",
           "clusters": [{"name": "proxy", "cluster": {"server": proxy.url}}],
           "users": [{"name": "proxy", "user": {"token": token}}],
           "contexts": [{"name": "proxy", "context": {"cluster": "proxy", "user": "proxy"}}]}
    with open(path, "w") as handle:
        yaml.safe_dump(doc, handle)
    return path
