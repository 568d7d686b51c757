# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whose an object with an app's name is (routes/ownership.py) and the patch that makes a taken-over object
exactly the app's (k8s/adopt.py) - pure parts; the take-over itself runs on the test bed in
tests/integration/test_app_route_ownership.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.adopt import (
    exact_patch, foreign_managers, managers, our_entries)
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.build import build_app
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.ownership import (
    check_names, owned_by, take_over_warning, takes_over)
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.validate import normalize_apps

ME = "meshops.istio_edge"


def app(**extra):
    raw = {"name": "fx", "namespace": "rt", "hosts": ["fx.example.com"], "http": [{"route": [{"host": "web"}]}]}
    raw.update(extra)
    return normalize_apps([raw])[0]


def desired_vs(the_app):
    return [o for o in build_app(the_app, {"istio": "ingress"}) if o["kind"] == "VirtualService"][0]


def entry(manager, operation, subresource=None):
    out = {"manager": manager, "operation": operation, "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {}}}
    if subresource:
        out["subresource"] = subresource
    return out


def hand_made(labels=None, entries=None):
    """Another team's VirtualService rt/fx: their host, a tcp route, exportTo, kubectl's annotation."""
    return {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
            "metadata": {"name": "fx", "namespace": "rt", "resourceVersion": "41", "labels": labels or {"team": "pay"},
                         "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"},
                         "managedFields": entries if entries is not None else [
                             entry("kubectl-client-side-apply", "Update"), entry("istiod", "Update", "status")]},
            "spec": {"hosts": ["payments.example.com"], "gateways": ["rt/pay"], "exportTo": ["."],
                     "tcp": [{"match": [{"port": 9000}], "route": [{"destination": {"host": "pay"}}]}]}}


def by_kind_of(*objects):
    index = dict(((o["metadata"]["namespace"], o["metadata"]["name"]), o) for o in objects)
    return lambda kind: dict((k, v) for k, v in index.items() if kind == "VirtualService")


def test_managers_leave_status_writers_out():
    live = hand_made()
    assert managers(live) == ["kubectl-client-side-apply (Update)"]
    assert managers({"metadata": {}}) == []
    ours = hand_made(entries=[entry(ME, "Apply"), entry("kubectl-edit", "Update")])
    assert foreign_managers(ours, ME) == ["kubectl-edit (Update)"]
    assert our_entries(ours, ME) == [entry(ME, "Apply")]
    assert foreign_managers(hand_made(entries=[entry(ME, "Apply")]), ME) == []
    assert foreign_managers(hand_made(entries=[entry(ME, "Update")]), ME) == ["meshops.istio_edge (Update)"]


def test_an_unlabelled_object_with_the_apps_name_is_refused_naming_it_and_its_managers():
    fx = app()
    problems = check_names(fx, [desired_vs(fx)], by_kind_of(hand_made()), "apps[fx]")
    assert len(problems) == 1 and problems[0].path == "apps[fx]" and problems[0].code == "NotOwned"
    text = problems[0].text()
    for word in ("VirtualService rt/fx exists and is not managed by meshops.istio_edge",
                 "app.kubernetes.io/managed-by=meshops.istio_edge", "istio-edge.meshops.io/app=fx",
                 "field managers: kubectl-client-side-apply (Update)", "adopt: true"):
        assert word in text, word
    # with adopt it is no problem: it is taken over
    assert check_names(app(adopt=True), [desired_vs(fx)], by_kind_of(hand_made()), "apps[fx]") == []
    # another app's object is refused even with adopt
    other = hand_made(labels={"app.kubernetes.io/managed-by": ME, "istio-edge.meshops.io/app": "pay"})
    problems = check_names(app(adopt=True), [desired_vs(fx)], by_kind_of(other), "apps[fx]")
    assert problems[0].code == "OwnedByAnotherApp" and "owned by app pay" in problems[0].problem
    # only one label (managed-by without the app's name) is not ours either
    half = hand_made(labels={"app.kubernetes.io/managed-by": ME})
    assert owned_by(half) is None and check_names(fx, [desired_vs(fx)], by_kind_of(half), "apps[fx]")


def test_takes_over_only_with_adopt_and_while_others_hold_fields():
    labels = {"app.kubernetes.io/managed-by": ME, "istio-edge.meshops.io/app": "fx"}
    assert not takes_over(app(), hand_made(), ME)
    assert takes_over(app(adopt=True), hand_made(), ME)
    assert not takes_over(app(adopt=True), None, ME)
    clean = hand_made(labels=labels, entries=[entry(ME, "Apply"), entry("istiod", "Update", "status")])
    assert not takes_over(app(adopt=True), clean, ME)
    edited = hand_made(labels=labels, entries=[entry(ME, "Apply"), entry("kubectl-edit", "Update")])
    assert takes_over(app(adopt=True), edited, ME) and not takes_over(app(), edited, ME)


def test_exact_patch_replaces_spec_labels_and_managers_and_is_guarded_by_the_resource_version():
    fx = app(adopt=True)
    want = desired_vs(fx)
    live = hand_made()
    ops = exact_patch(want, live, [entry(ME, "Apply")])
    assert ops[0] == {"op": "test", "path": "/metadata/resourceVersion", "value": "41"}
    by_path = dict((o["path"], o) for o in ops)
    assert by_path["/metadata/labels"]["value"] == want["metadata"]["labels"]
    assert by_path["/metadata/annotations"]["op"] == "remove"
    assert by_path["/spec"] == {"op": "replace", "path": "/spec", "value": want["spec"]}
    assert by_path["/metadata/managedFields"]["value"] == [entry(ME, "Apply")]
    # check mode: no managedFields op; nothing about status
    assert "/metadata/managedFields" not in [o["path"] for o in exact_patch(want, live)]
    assert "/status" not in [o["path"] for o in exact_patch(want, dict(live, status={"x": 1}))]


def test_take_over_warning_says_what_goes():
    fx = app(adopt=True)
    text = take_over_warning(fx, desired_vs(fx), hand_made(), check_mode=False)
    assert text.startswith("apps[fx].adopt: took over VirtualService rt/fx (field managers: kubectl-client-side-apply")
    for word in ("it no longer routes payments.example.com", "removed spec.exportTo, spec.tcp",
                 "replaced spec.gateways, spec.hosts"):
        assert word in text, word
    assert "would take over" in take_over_warning(fx, desired_vs(fx), hand_made(), check_mode=True)
