# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes connection options and the one client factory of the collection (private).

The options are those kubernetes.core users know (``kubeconfig``, ``context``, ``host``, ``api_key``,
``validate_certs``, ``ca_cert``, ``client_cert``, ``client_key`` and the ``K8S_AUTH_*`` variables).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import tempfile
import threading

from ansible.module_utils.basic import env_fallback

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError

try:
    import urllib3
    from kubernetes import client as k8s_client
    from kubernetes import config as k8s_config
    from kubernetes.config.config_exception import ConfigException
    from kubernetes.dynamic import DynamicClient
    HAS_KUBERNETES = True
except ImportError:
    HAS_KUBERNETES = False

try:
    import yaml
    HAS_YAML = True
except ImportError:
    HAS_YAML = False


K8S_AUTH_ARG_SPEC = dict(
    kubeconfig=dict(type="raw", no_log=True, fallback=(env_fallback, ["K8S_AUTH_KUBECONFIG"])),
    context=dict(type="str", fallback=(env_fallback, ["K8S_AUTH_CONTEXT"])),
    host=dict(type="str", fallback=(env_fallback, ["K8S_AUTH_HOST"])),
    api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["K8S_AUTH_API_KEY"])),
    validate_certs=dict(type="bool", aliases=["verify_ssl"], fallback=(env_fallback, ["K8S_AUTH_VERIFY_SSL"])),
    ca_cert=dict(type="path", aliases=["ssl_ca_cert"], fallback=(env_fallback, ["K8S_AUTH_SSL_CA_CERT"])),
    client_cert=dict(type="path", aliases=["cert_file"], fallback=(env_fallback, ["K8S_AUTH_CERT_FILE"])),
    client_key=dict(type="path", aliases=["key_file"], no_log=False, fallback=(env_fallback, ["K8S_AUTH_KEY_FILE"])),
)

AUTH_KEYS = tuple(K8S_AUTH_ARG_SPEC)


def _kubeconfig_source(params):
    """(path, dict) from the ``kubeconfig`` option; errors name the option and the fix."""
    value = params.get("kubeconfig")
    if value is None or value == "":  # an empty K8S_AUTH_KUBECONFIG means "not set"
        return None, None
    if isinstance(value, dict):
        return None, value
    path = os.path.expanduser(str(value))
    if not os.path.isfile(path):
        raise EdgeError(
            "kubeconfig: file %s does not exist." % path, field="kubeconfig",
            hint="Point kubeconfig (or K8S_AUTH_KUBECONFIG) at a readable kubeconfig file, or pass host with "
                 "api_key or client_cert/client_key.")
    return path, None


def build_configuration(params):
    """A ``kubernetes.client.Configuration`` from the connection options (no request is made)."""
    path, data = _kubeconfig_source(params)
    cfg = k8s_client.Configuration()
    explicit = params.get("host") and (params.get("api_key") or params.get("client_cert"))
    try:
        if data is not None:
            k8s_config.load_kube_config_from_dict(data, context=params.get("context"), client_configuration=cfg)
        elif path is not None or not explicit:
            default = os.path.expanduser(os.environ.get("KUBECONFIG", "~/.kube/config").split(os.pathsep)[0])
            if path is None and not os.path.isfile(default):
                if os.environ.get("KUBERNETES_SERVICE_HOST"):
                    k8s_config.load_incluster_config(client_configuration=cfg)
                elif not params.get("host"):
                    raise EdgeError(
                        "kubeconfig: no kubeconfig given and %s does not exist." % default, field="kubeconfig",
                        hint="Set kubeconfig (or K8S_AUTH_KUBECONFIG), or host with api_key/client_cert.")
            else:
                k8s_config.load_kube_config(config_file=path or default, context=params.get("context"),
                                            client_configuration=cfg)
    except ConfigException as exc:
        field = "context" if params.get("context") and "context" in str(exc).lower() else "kubeconfig"
        raise EdgeError("%s: the kubeconfig cannot be used: %s" % (field, exc), field=field,
                        hint="Check the kubeconfig file and the context name.")
    if params.get("host"):
        cfg.host = params["host"]
    if params.get("api_key"):
        cfg.api_key = {_token_key(cfg): "Bearer %s" % params["api_key"]}
    if params.get("ca_cert"):
        cfg.ssl_ca_cert = params["ca_cert"]
    if params.get("client_cert"):
        cfg.cert_file = params["client_cert"]
    if params.get("client_key"):
        cfg.key_file = params["client_key"]
    if params.get("validate_certs") is not None:
        cfg.verify_ssl = params["validate_certs"]
    if not cfg.host or cfg.host == "http://localhost":
        if not (path or data or params.get("host") or os.environ.get("KUBERNETES_SERVICE_HOST")):
            raise EdgeError("host: no Kubernetes API server configured.", field="host",
                            hint="Set kubeconfig, or host with credentials.")
    return cfg


def _token_key(cfg):
    """The api_key slot holding the bearer token ('BearerToken' in current clients, 'authorization' before)."""
    return "BearerToken" if "BearerToken" in cfg.auth_settings() else "authorization"


def bearer_token(cfg):
    """The bearer token of a configuration, or None."""
    for key in ("BearerToken", "authorization"):
        value = (cfg.api_key or {}).get(key)
        if value:
            return value.split(" ", 1)[-1]
    return None


_CACHE = {}


def get_api_client(params):
    """A cached ``ApiClient`` for these connection options."""
    if not HAS_KUBERNETES:
        raise EdgeError("The kubernetes Python library is required (pip install 'kubernetes<37').")
    key = tuple((k, repr(params.get(k))) for k in AUTH_KEYS)
    if key not in _CACHE:
        cfg = build_configuration(params)
        cfg.retries = urllib3.Retry(total=3, connect=3, read=0, backoff_factor=0.3,
                                    status_forcelist=(502, 503, 504), allowed_methods=frozenset(["GET"]))
        api = k8s_client.ApiClient(configuration=cfg)
        collect_warnings(api)
        _CACHE[key] = api
    return _CACHE[key]


# -- Warning headers ------------------------------------------------------------------------------------
# The API server reports deprecations and dropped fields in "Warning: 299 - <text>" response headers; the
# kubernetes client drops them. Every ApiClient of the collection records them here, once each, and
# run_module turns them into Ansible warnings.
_WARNINGS = []
_WARNINGS_LOCK = threading.Lock()
_WARNING_VALUE = re.compile(r'\s*(\d{3})\s+(\S+)\s+"((?:[^"\\]|\\.)*)"(?:\s+"[^"]*")?\s*(?:,|$)')


def parse_warning_header(value):
    """The texts of one ``Warning`` header value (RFC 7234: ``299 - "text"``, several separated by commas)."""
    texts = []
    pos = 0
    value = value or ""
    while pos < len(value):
        match = _WARNING_VALUE.match(value, pos)
        if not match:
            rest = value[pos:].strip(" ,")
            if rest:
                texts.append(rest)
            break
        texts.append(re.sub(r"\\(.)", r"\1", match.group(3)))
        pos = match.end()
    return [text for text in texts if text]


def _header_values(headers):
    if headers is None:
        return []
    if hasattr(headers, "getlist"):
        return headers.getlist("Warning")
    return [v for k, v in dict(headers).items() if k.lower() == "warning"]


def record_warnings(headers):
    """Record the texts of the ``Warning`` headers of one response (a header mapping), each text once."""
    for value in _header_values(headers):
        for text in parse_warning_header(value):
            with _WARNINGS_LOCK:
                if text not in _WARNINGS:
                    _WARNINGS.append(text)


def pop_api_warnings():
    """The warnings the API server sent since the last call, in the order first seen."""
    with _WARNINGS_LOCK:
        texts = list(_WARNINGS)
        del _WARNINGS[:]
    return texts


def _response_headers(response):
    raw = getattr(response, "urllib3_response", response)  # a RESTResponse, or urllib3's with _preload_content=False
    return getattr(raw, "headers", None)


def collect_warnings(api):
    """Make ``api`` (an ``ApiClient``) record the Warning headers of every response, errors included."""
    rest = api.rest_client
    if getattr(rest.request, "records_warnings", False):
        return api
    send = rest.request

    def request(*args, **kwargs):
        try:
            response = send(*args, **kwargs)
        except k8s_client.exceptions.ApiException as exc:
            record_warnings(exc.headers)
            raise
        record_warnings(_response_headers(response))
        return response

    request.records_warnings = True
    rest.request = request
    return api


def get_dynamic_client(params):
    """A ``DynamicClient``; an unreachable cluster becomes an EdgeError naming the server."""
    api = get_api_client(params)
    try:
        return DynamicClient(api)
    except urllib3.exceptions.HTTPError as exc:
        raise unreachable_error(api.configuration.host, exc)
    except k8s_client.exceptions.ApiException as exc:
        from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.errors import api_error
        raise api_error(exc, "discover the API of %s" % api.configuration.host)


def unreachable_error(host, exc):
    reason = getattr(exc, "reason", None) or exc
    return EdgeError(
        "Cannot reach the Kubernetes API server at %s: %s" % (host, reason), field="host", code="unreachable",
        hint="Check that the cluster is up and that kubeconfig/context/host point at it (nothing was changed).")


def write_kubeconfig(params, directory=None):
    """Write a private (0600) kubeconfig for CLI tools such as helm; returns its path.

    A user-supplied kubeconfig file is used as is (with ``context``); otherwise one is rendered from the
    resolved configuration. The caller removes the file.
    """
    path, data = _kubeconfig_source(params)
    if path and not (params.get("host") or params.get("api_key") or params.get("client_cert")):
        return path, False
    cfg = build_configuration(params)
    user = {}
    token = bearer_token(cfg)
    if token:
        user["token"] = token
    if cfg.cert_file:
        user["client-certificate"] = cfg.cert_file
    if cfg.key_file:
        user["client-key"] = cfg.key_file
    cluster = {"server": cfg.host}
    if cfg.ssl_ca_cert:
        cluster["certificate-authority"] = cfg.ssl_ca_cert
    if not cfg.verify_ssl:
        cluster["insecure-skip-tls-verify"] = True
    doc = {
        "apiVersion": "v1", "kind": "Config", "current-context": "edge",
        "clusters": [{"name": "edge", "cluster": cluster}],
        "users": [{"name": "edge", "user": user}],
        "contexts": [{"name": "edge", "context": {"cluster": "edge", "user": "edge"}}],
    }
    fd, out = tempfile.mkstemp(prefix="istio-edge-kubeconfig-", suffix=".yaml", dir=directory)
    with os.fdopen(fd, "w") as handle:
        yaml.safe_dump(doc, handle)
    os.chmod(out, 0o600)
    return out, True
