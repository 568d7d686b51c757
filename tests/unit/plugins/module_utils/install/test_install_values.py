# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Values normalisation/comparison and the per-release decision (idempotence without helm-diff)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.install.values import (
    changed_paths, decide, normalize_values)

SPEC = {"name": "istio-ingress", "namespace": "istio-ingress", "version": "1.30.0", "field": "gateways[0]",
        "values": {"service": {"type": "NodePort", "ports": [{"name": "http2", "port": 80, "nodePort": 30080}]}}}


def deployed(**kw):
    base = {"status": "deployed", "version": "1.30.0", "revision": 3, "values": {
        "service": {"ports": [{"name": "http2", "nodePort": 30080.0, "port": 80.0}], "type": "NodePort"}}}
    base.update(kw)
    return base


def test_helm_json_numbers_and_null_equal_what_ansible_passes():
    assert normalize_values(None) == {}
    assert changed_paths({}, None) == []
    assert changed_paths({"a": 1, "b": [1, 2]}, {"a": 1.0, "b": [1.0, 2.0]}) == []
    assert changed_paths({"x": 1.5}, {"x": 1.5}) == []
    assert changed_paths({"x": 1.5}, {"x": 1}) == ["x"]
    assert changed_paths({"a": True}, {"a": 1}) == ["a"]   # no coercion between bool and numbers
    assert changed_paths({"a": "1"}, {"a": 1}) == ["a"]
    assert changed_paths({"a": None}, {"a": None}) == []


def test_changed_paths_are_dotted_and_sorted():
    assert changed_paths({"service": {"type": "NodePort", "annotations": {"a": "1"}}, "labels": {}},
                         {"service": {"type": "LoadBalancer"}, "labels": {}}) == ["service.annotations", "service.type"]
    assert changed_paths({"service": {"ports": [{"port": 80}]}}, {"service": {"ports": [{"port": 81}]}}) == [
        "service.ports"]
    assert changed_paths({}, None) == []


def test_no_change_when_version_and_values_match():
    assert decide(SPEC, deployed()) == {"action": "none", "reasons": []}


def test_install_when_missing_or_uninstalled():
    assert decide(SPEC, None)["action"] == "install"
    assert decide(SPEC, deployed(status="uninstalled"))["action"] == "install"


def test_upgrade_on_values_change_names_the_path():
    spec = dict(SPEC, values={"service": {"type": "LoadBalancer", "ports": SPEC["values"]["service"]["ports"]}})
    result = decide(spec, deployed())
    assert result["action"] == "upgrade"
    assert result["reasons"] == ["values changed: service.type"]


def test_upgrade_on_version_change_and_on_failed_last_revision():
    assert decide(SPEC, deployed(version="1.29.3"))["reasons"] == ["chart version 1.29.3 -> 1.30.0"]
    result = decide(SPEC, deployed(status="failed", revision=4))
    assert result["action"] == "upgrade" and result["reasons"] == ["last revision 4 is failed"]


@pytest.mark.parametrize("status", ["pending-install", "pending-upgrade", "pending-rollback", "uninstalling"])
def test_pending_release_is_an_error_before_any_write(status):
    with pytest.raises(EdgeError) as info:
        decide(SPEC, deployed(status=status))
    assert info.value.field == "gateways[0]" and info.value.code == "release_pending"
    assert "helm rollback istio-ingress -n istio-ingress" in str(info.value)


def test_absent():
    assert decide(SPEC, None, "absent")["action"] == "none"
    assert decide(SPEC, deployed(), "absent")["action"] == "uninstall"
    assert decide(SPEC, deployed(status="pending-install"), "absent")["action"] == "uninstall"
