# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The app schema as an argument spec (routes/args.py): what Ansible's validator refuses, and that the spec,
the documentation (doc fragment app_schema), the modules and the inventories agree."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import os
import re

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.meshops.istio_edge.plugins.module_utils.routes import regex
from ansible_collections.meshops.istio_edge.plugins.module_utils.diagnose.args import (
    argument_spec as edge_path_info_spec)
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.args import APP, apps_option
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.args import argument_spec as app_route_spec
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.validate import normalize_apps

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", ".."))
VALIDATOR = ArgumentSpecValidator({"apps": apps_option(default=[])})


def errors(apps):
    return " | ".join(VALIDATOR.validate({"apps": apps}).error_messages)


def app(**extra):
    out = {"name": "shop", "namespace": "shop", "hosts": ["shop.example.com"], "http": [{"route": [{"host": "web"}]}]}
    out.update(extra)
    return out


@pytest.mark.parametrize("apps, words", [
    ([app(http=[{"route": [{"host": "web"}], "timout": "1s"}])], ["apps.http.timout", "Supported parameters"]),
    ([app(htp=[])], ["apps.htp"]),
    ([app(http=[{"route": [{"hots": "web"}]}])], ["apps.http.route.hots", "host found in apps -> http -> route"]),
    ([app(http=[{"match": [{"prefix": "/"}]}])], ["missing required arguments: route found in apps -> http"]),
    ([app(http=[{"route": "web"}])], ["'route' found in 'apps -> http'", "dict"]),
    ([app(http={"route": []})], ["'http'", "list"]),
    ([app(http=[{"route": [{"host": "web"}], "match": [{"prefix": "/", "exact": "/"}]}])],
     ["mutually exclusive: prefix|exact|regex found in apps -> http -> match"]),
    ([app(gateway={}, use_gateway="a/b")], ["mutually exclusive: gateway|use_gateway found in apps"]),
    ([app(http=[{"route": [{"host": "web"}], "retries": {"per_try_timeout": "1s"}}])],
     ["attempts found in apps -> http -> retries"]),
    ([app(http=[{"route": [{"host": "web"}], "fault": {}}])], ["one of the following is required: abort, delay"]),
    ([app(http=[{"route": [{"host": "web"}], "fault": {"abort": {"percentage": 5}}}])], ["http_status"]),
    ([app(gateway={"servers": [{"protocol": "HTTP"}]})], ["port found in apps -> gateway -> servers"]),
    ([app(gateway={"servers": [{"port": 80, "tls": {}}]})], ["apps.gateway.servers.tls"]),
    ([app(sidecar_injection="maybe")], ["sidecar_injection", "bool"]),
    ([app(tcp=[{"port": 3306}])], ["route found in apps -> tcp"]),
    ([app(tcp=[{"port": 3306, "route": [{"host": "db", "subset": "v1"}]}])], ["apps.tcp.route.subset"]),
    ([app(destination_rules=[{"name": "x"}])], ["host found in apps -> destination_rules"]),
    ([app(destination_rules=[{"host": "web", "subsets": [{"name": "v1"}]}])],
     ["labels found in apps -> destination_rules -> subsets"]),
    ([app(destination_rules=[{"host": "web", "traffic_policy": "ROUND_ROBIN"}])], ["traffic_policy", "dict"]),
    ([{"namespace": "shop"}], ["missing required arguments: name found in apps"]),
])
def test_the_argument_spec_refuses_naming_the_path(apps, words):
    message = errors(apps)
    for word in words:
        assert word in message, message


def test_missing_suboptions_are_none_and_bools_default_to_false():
    result = VALIDATOR.validate({"apps": [app(http=[{"route": [{"host": "web"}], "match": [{"prefix": "/"}]}])]})
    shop = result.validated_parameters["apps"][0]
    assert shop["gateway"] is None and shop["use_gateway"] is None and shop["sidecar_injection"] is False
    assert shop["http"][0]["retries"] is None and shop["http"][0]["match"][0]["ignore_uri_case"] is False
    assert shop["http"][0]["route"][0] == {"host": "web", "port": None, "weight": None, "subset": None}


def _fragment_options():
    path = os.path.join(REPO, "plugins", "doc_fragments", "app_schema.py")
    tree = ast.parse(open(path).read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and node.targets[0].id == "DOCUMENTATION":
            return yaml.safe_load(node.value.value)["options"]["apps"]["suboptions"]
    raise AssertionError("no DOCUMENTATION in %s" % path)


def _compare(spec, doc, path):
    assert sorted(spec) == sorted(doc), (path, sorted(spec), sorted(doc))
    for key, option in spec.items():
        where = "%s.%s" % (path, key)
        documented = doc[key]
        assert option.get("type", "str") == documented.get("type", "str"), where
        assert option.get("elements") == documented.get("elements"), where
        assert bool(option.get("required")) == bool(documented.get("required")), where
        assert option.get("default") == documented.get("default"), where
        assert documented.get("description"), where
        if option.get("options") or documented.get("suboptions"):
            _compare(option.get("options") or {}, documented.get("suboptions") or {}, where)


def test_the_documentation_mirrors_the_argument_spec():
    """ansible-doc shows every key, down to apps[].http[].route[] (validate-modules checks the same in sanity)."""
    doc = _fragment_options()
    _compare(APP, doc, "apps")
    assert doc["http"]["suboptions"]["route"]["suboptions"]["subset"]["type"] == "str"


@pytest.mark.parametrize("module, spec", [("app_route", app_route_spec), ("edge_path_info", edge_path_info_spec)])
def test_both_modules_use_the_schema(module, spec):
    assert spec()["apps"]["options"] is APP
    source = open(os.path.join(REPO, "plugins", "modules", module + ".py")).read()
    assert "meshops.istio_edge.app_schema" in source


def test_the_inventories_pass_the_argument_spec_and_the_module_checks():
    found = 0
    for root, _dirs, files in os.walk(os.path.join(REPO, "inventories")):
        for name in files:
            if not name.endswith(".yml"):
                continue
            with open(os.path.join(root, name)) as handle:  # templated values rendered as a DNS label
                data = yaml.safe_load(re.sub(r"{{.*?}}", "rendered", handle.read())) or {}
            if isinstance(data, dict) and "istio_edge_apps" in data:
                result = VALIDATOR.validate({"apps": data["istio_edge_apps"]})
                assert not result.error_messages, (name, result.error_messages)
                assert normalize_apps(result.validated_parameters["apps"])
                found += 1
    assert found >= 2


def test_regex_needs_googles_re2_binding_and_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(regex, "_re2", None)
    monkeypatch.setattr(regex, "_ENGINE", [])
    problem, fix = regex.regex_problem("/api")
    assert "google-re2" in problem and "pip install google-re2" in fix


def test_a_re2_module_that_falls_back_to_python_re_is_not_trusted(monkeypatch):
    import re as python_re

    class Fallback(object):
        error = python_re.error

        class Options(object):
            log_errors = True

        @staticmethod
        def compile(text, options=None):
            return python_re.compile(text)

    monkeypatch.setattr(regex, "_re2", Fallback)
    monkeypatch.setattr(regex, "_ENGINE", [])
    assert "google-re2" in regex.regex_problem("/(?=a)")[0]


def test_re2_is_what_the_check_uses():
    assert regex.regex_problem("^/api\\z") == (None, None)  # Python's re refuses \z
    assert "RE2" in regex.regex_problem("/(?<=a)b")[0]      # Python's re accepts a lookbehind
    assert "\\C" in regex.regex_problem("/a\\Cb")[0]         # RE2 takes it, Istio's Go regexp does not
    assert regex.regex_problem("/a\\\\Cb") == (None, None)   # an escaped backslash before C
