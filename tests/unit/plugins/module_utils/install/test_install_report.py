# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Result entries and diffs of istio_install (pure)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.install.report import (
    manifest_diff, predicted_entry, release_entry, values_diff, version_diff)

SPEC = {"name": "istiod", "namespace": "istio-system", "component": "istiod", "chart": "istiod", "version": "1.30.0"}
BEFORE = {"name": "istiod", "chart": "istiod", "version": "1.29.3", "appVersion": "1.29.3", "revision": 2,
          "status": "deployed"}
AFTER = {"name": "istiod", "chart": "istiod", "version": "1.30.0", "appVersion": "1.30.0", "revision": 3,
         "status": "deployed", "applyMethod": "csa"}
UPGRADE = {"action": "upgrade", "reasons": ["chart version 1.29.3 -> 1.30.0"]}


def test_release_entry_after_upgrade():
    entry = release_entry(SPEC, UPGRADE, AFTER, BEFORE)
    assert entry["revision"] == 3 and entry["chart_version"] == "1.30.0" and entry["changed"]
    assert entry["previous"] == {"chart_version": "1.29.3", "revision": 2, "status": "deployed"}
    assert entry["apply_method"] == "csa" and entry["reasons"] == UPGRADE["reasons"]


def test_unchanged_entry_has_no_previous():
    entry = release_entry(SPEC, {"action": "none", "reasons": []}, BEFORE, BEFORE)
    assert not entry["changed"] and "previous" not in entry and entry["revision"] == 2


def test_check_mode_entry_reports_the_current_state_and_the_target_version():
    entry = predicted_entry(SPEC, UPGRADE, BEFORE)
    assert entry["revision"] == 2 and entry["chart_version"] == "1.29.3"
    assert entry["chart_version_after"] == "1.30.0" and entry["changed"]
    missing = predicted_entry(SPEC, {"action": "install", "reasons": []}, None)
    assert missing["status"] == "not-installed" and missing["revision"] is None


def test_diffs():
    diff = values_diff(SPEC, {"pdb": {"create": 1.0}}, {"pdb": {"create": 1}})
    assert diff["before"] == diff["after"] == "pdb:\n  create: 1\n"
    assert values_diff(SPEC, None, {"a": 1})["before"] == ""
    assert version_diff(SPEC, "1.29.3", "1.30.0")["after"] == "istiod 1.30.0\n"
    assert version_diff(SPEC, "1.29.3", None)["after"] == ""
    assert "helm template" in manifest_diff(SPEC, "a", "b", True)["after_header"]
