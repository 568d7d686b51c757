# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/unexpose-app.yml refuses an app the inventory does not declare (a typo, or another inventory's app),
listing the declared ones, and removes it anywhere only with istio_edge_allow_undeclared=true."""

import os
import uuid

from ansible_runner import REPO, task_result as task
from app_route_support import OWNED, apply, delete_namespace, ensure_istio_crds, list_owned, new_namespace

ONPREM = os.path.join(REPO, "inventories", "onprem")  # declares the apps counter and mysql
UNEXPOSE = os.path.join(REPO, "playbooks", "unexpose-app.yml")
CHECK = "Check that the app to remove is declared in istio_edge_apps"


def _foreign_app(kube, app):
    """A VirtualService of an app another inventory declared, in a namespace of its own."""
    ns = new_namespace(kube, "other")
    labels = dict(label.split("=") for label in OWNED.split(","))
    labels["istio-edge.meshops.io/app"] = app
    apply(kube, {"apiVersion": "networking.istio.io/v1beta1", "kind": "VirtualService",
                 "metadata": {"name": app, "namespace": ns, "labels": labels},
                 "spec": {"hosts": ["%s.example.com" % app], "http": [{"route": [{"destination": {"host": "web"}}]}]}})
    return ns


def test_a_typo_is_refused_listing_the_declared_apps(ansible, kube):
    ensure_istio_crds(kube)
    rc, out, results = ansible.playbook(UNEXPOSE, inventory=ONPREM, extra_vars={"istio_edge_app": "countr"})
    assert rc != 0, out[-3000:]
    msg = task(results, CHECK)["msg"]
    assert "istio_edge_app=countr is not an app of istio_edge_apps (declared: counter, mysql)" in msg, msg
    assert "istio_edge_allow_undeclared=true" in msg and "nothing was removed" in msg
    # the play stopped before app_route ran
    assert not [r for r in results if r["_task"].endswith("Ensure the apps' routes (one app_route call for every "
                                                          "app) are absent")]


def test_another_inventorys_app_stays_unless_explicitly_allowed(ansible, kube):
    ensure_istio_crds(kube)
    app = "legacy-%s" % uuid.uuid4().hex[:6]
    ns = _foreign_app(kube, app)
    try:
        rc, out, results = ansible.playbook(UNEXPOSE, inventory=ONPREM, extra_vars={"istio_edge_app": app})
        assert rc != 0, out[-3000:]
        assert "is not an app of istio_edge_apps (declared: counter, mysql)" in task(results, CHECK)["msg"]
        assert list_owned(kube, "VirtualService", ns, app=app) == [app]

        rc, out, results = ansible.playbook(UNEXPOSE, inventory=ONPREM, extra_vars={
            "istio_edge_app": app, "istio_edge_allow_undeclared": True})
        assert rc == 0, out[-5000:]
        assert task(results, "Ensure the apps' routes")["summary"]["deleted"] == 1
        assert list_owned(kube, "VirtualService", ns, app=app) == []
        assert "Nothing is left of %s." % app in task(results, "Check that nothing of theirs is left")["msg"]
    finally:
        delete_namespace(kube, ns)
