# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every inventory's istio_edge_apps is valid for app_route (the schema and the inventories cannot drift apart)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os
import re

import pytest
import yaml

from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.build import build_app
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.validate import normalize_apps

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", ".."))
APP_FILES = sorted(glob.glob(os.path.join(REPO, "inventories", "*", "group_vars", "all", "*.yml")))


# An inventory may template per-cluster values (inventories/fleet: "www.{{ istio_edge_domain }}"); the schema is
# checked with each expression replaced by a valid DNS label, as Ansible would render it for a cluster.
TEMPLATE = re.compile(r"{{.*?}}")


def load_rendered(path):
    with open(path) as handle:
        return yaml.safe_load(TEMPLATE.sub("rendered", handle.read())) or {}


def inventory_apps():
    found = []
    for path in APP_FILES:
        data = load_rendered(path)
        if "istio_edge_apps" in data:
            found.append((os.path.relpath(path, REPO), data["istio_edge_apps"]))
    return found


def test_the_inventories_declare_apps():
    names = [path.split(os.sep)[1] for path, apps in inventory_apps()]
    assert "onprem" in names and "local" in names


@pytest.mark.parametrize("path, apps", inventory_apps(), ids=[p for p, a in inventory_apps()])
def test_inventory_apps_are_valid(path, apps):
    normalized = normalize_apps(apps)
    assert normalized, path
    for app in normalized:
        objects = build_app(app, {"istio": "ingress"})
        assert any(o["kind"] == "VirtualService" for o in objects)


def test_onprem_has_the_manual_lb_apps():
    apps = dict(inventory_apps())[os.path.join("inventories", "onprem", "group_vars", "all", "apps.yml")]
    by_name = dict((a["name"], a) for a in normalize_apps(apps))
    assert by_name["mysql"]["tcp"][0]["port"] == 3306
    assert [s["port"] for s in by_name["counter"]["gateway"]["servers"]] == [80, 443]
