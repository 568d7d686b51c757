# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection options resolve to a client configuration (no request is made, nothing is mocked)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

import pytest
import yaml

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.client import (
    AUTH_KEYS, K8S_AUTH_ARG_SPEC, bearer_token, build_configuration, write_kubeconfig)

KUBECONFIG = {
    "apiVersion": "v1", "kind": "Config", "current-context": "one",
    "clusters": [{"name": "c1", "cluster": {"server": "https://one.example:6443", "insecure-skip-tls-verify": True}},
                 {"name": "c2", "cluster": {"server": "https://two.example:6443", "insecure-skip-tls-verify": True}}],
    "users": [{"name": "u", "user": {"token": "s3cr3t-token"}}],
    "contexts": [{"name": "one", "context": {"cluster": "c1", "user": "u"}},
                 {"name": "two", "context": {"cluster": "c2", "user": "u"}}],
}


def params(**kwargs):
    base = dict((k, None) for k in AUTH_KEYS)
    base.update(kwargs)
    return base


def test_secrets_are_no_log_and_env_fallbacks_exist():
    assert K8S_AUTH_ARG_SPEC["api_key"]["no_log"] is True
    assert K8S_AUTH_ARG_SPEC["kubeconfig"]["no_log"] is True
    for key in AUTH_KEYS:
        assert K8S_AUTH_ARG_SPEC[key]["fallback"][1][0].startswith("K8S_AUTH_")


def test_credentials_from_the_environment_are_no_log(monkeypatch):
    from ansible.module_utils.common.parameters import set_fallbacks
    for key in AUTH_KEYS:
        monkeypatch.delenv(K8S_AUTH_ARG_SPEC[key]["fallback"][1][0], raising=False)
    monkeypatch.setenv("K8S_AUTH_HOST", "https://api.example:6443")
    monkeypatch.setenv("K8S_AUTH_API_KEY", "env-token")
    assert set_fallbacks(K8S_AUTH_ARG_SPEC, {}) == {"env-token"}


def test_kubeconfig_dict_and_context():
    cfg = build_configuration(params(kubeconfig=KUBECONFIG))
    assert cfg.host == "https://one.example:6443"
    assert bearer_token(cfg) == "s3cr3t-token"
    cfg = build_configuration(params(kubeconfig=KUBECONFIG, context="two"))
    assert cfg.host == "https://two.example:6443"


def test_unknown_context_names_the_option():
    with pytest.raises(EdgeError) as err:
        build_configuration(params(kubeconfig=KUBECONFIG, context="nope"))
    assert err.value.field == "context"


def test_missing_kubeconfig_file_names_the_option_and_the_fix(tmp_path):
    with pytest.raises(EdgeError) as err:
        build_configuration(params(kubeconfig=str(tmp_path / "absent")))
    assert err.value.field == "kubeconfig"
    assert "K8S_AUTH_KUBECONFIG" in str(err.value)


def test_explicit_host_and_token_without_kubeconfig(tmp_path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "none"))
    cfg = build_configuration(params(host="https://api.example:443", api_key="tok", validate_certs=False))
    assert cfg.host == "https://api.example:443"
    assert bearer_token(cfg) == "tok"
    assert cfg.verify_ssl is False


def test_written_kubeconfig_is_private_and_complete(tmp_path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "none"))
    path, temporary = write_kubeconfig(params(host="https://api.example:443", api_key="tok", validate_certs=False),
                                       directory=str(tmp_path))
    assert temporary
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with open(path) as handle:
        doc = yaml.safe_load(handle)
    assert doc["clusters"][0]["cluster"]["server"] == "https://api.example:443"
    assert doc["clusters"][0]["cluster"]["insecure-skip-tls-verify"] is True
    assert doc["users"][0]["user"]["token"] == "tok"


def test_user_kubeconfig_file_is_passed_through(tmp_path):
    path = tmp_path / "kc"
    path.write_text(yaml.safe_dump(KUBECONFIG))
    out, temporary = write_kubeconfig(params(kubeconfig=str(path)))
    assert out == str(path) and temporary is False
