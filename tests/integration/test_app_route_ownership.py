# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Never take what is not ours: a hand-made VirtualService with an app's name (another team's host, a tcp route,
exportTo) is refused, naming it and its field managers; with adopt it becomes exactly the app's, and re-runs
send no write."""

from app_route_support import (  # noqa: F401  # pylint: disable=unused-import
    apply, get, gw_ns, istio_crds, make_workload, no_leftover_claims, run_app_route as run)

NET = "networking.istio.io/v1"
ME = "meshops.istio_edge"


def fx_app(ns, **extra):
    app = {"name": "fx", "namespace": ns, "hosts": ["fx.%s.example.com" % ns],
           "http": [{"match": [{"prefix": "/"}], "route": [{"host": "web", "port": 8080}]}]}
    app.update(extra)
    return app


def hand_made(kube, ns):
    """Another team's VirtualService ns/fx, written by two managers: their apply and a later edit."""
    apply(kube, {"apiVersion": NET, "kind": "Gateway", "metadata": {"name": "pay", "namespace": ns},
                 "spec": {"selector": {"istio": "ingress"},
                          "servers": [{"port": {"number": 9000, "name": "tcp-9000", "protocol": "TCP"},
                                       "hosts": ["payments.example.com"]}]}})
    apply(kube, {"apiVersion": NET, "kind": "VirtualService",
                 "metadata": {"name": "fx", "namespace": ns, "labels": {"team": "payments"},
                              "annotations": {"payments.example.com/owner": "pay-team"}},
                 "spec": {"hosts": ["payments.example.com"], "gateways": ["%s/pay" % ns],
                          "tcp": [{"match": [{"port": 9000}], "route": [{"destination": {"host": "pay"}}]}]}})
    res = kube.resources.get(api_version=NET, kind="VirtualService")
    res.patch(name="fx", namespace=ns, body={"spec": {"exportTo": ["."]}},
              content_type="application/merge-patch+json", field_manager="payments-edit")
    return get(kube, NET, "VirtualService", "fx", ns)


def managers(obj):
    return sorted((e["manager"], e["operation"]) for e in obj["metadata"].get("managedFields") or []
                  if not e.get("subresource"))


def test_a_hand_made_object_with_the_apps_name_is_refused_naming_it_and_its_managers(
        ansible, kube, namespace, gw_ns):
    make_workload(kube, namespace, "web", {"http": 8080})
    before = hand_made(kube, namespace)
    result = run(ansible, gw_ns, [fx_app(namespace)])
    assert result["failed"], result
    for words in ("apps[fx]: VirtualService %s/fx exists and is not managed by meshops.istio_edge" % namespace,
                  "istio-edge.meshops.io/app=fx", "field managers: payments-edit (Update), tests (Apply)",
                  "Nothing was changed", "adopt: true"):
        assert words in result["msg"], result["msg"]
    assert result["code"] == "NotOwned"
    after = get(kube, NET, "VirtualService", "fx", namespace)
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert get(kube, NET, "Gateway", "fx-gateway", namespace) is None  # nothing of the app was written either


def test_adopt_makes_it_exactly_the_apps_and_reruns_send_no_write(ansible, kube, namespace, gw_ns):
    make_workload(kube, namespace, "web", {"http": 8080})
    hand_made(kube, namespace)
    app = fx_app(namespace, adopt=True)
    # check mode predicts the take-over and writes nothing
    predicted = run(ansible, gw_ns, [app], check=True)
    assert not predicted["failed"], predicted["msg"]
    assert "would take over VirtualService %s/fx" % namespace in " ".join(predicted["warnings"])
    assert get(kube, NET, "VirtualService", "fx", namespace)["spec"]["hosts"] == ["payments.example.com"]

    result = run(ansible, gw_ns, [app], diff=True)
    assert not result["failed"], result["msg"]
    actions = dict((o["kind"], o["action"]) for o in result["apps"][0]["objects"])
    assert actions == {"Gateway": "created", "VirtualService": "adopted"}
    assert result["summary"]["adopted"] == 1
    warning = [w for w in result["warnings"] if w.startswith("apps[fx].adopt:")][0]
    for words in ("took over VirtualService %s/fx" % namespace, "payments-edit (Update)",
                  "it no longer routes payments.example.com", "removed spec.exportTo, spec.tcp"):
        assert words in warning, warning
    vs = get(kube, NET, "VirtualService", "fx", namespace)
    assert vs["spec"] == {"hosts": app["hosts"], "gateways": ["%s/fx-gateway" % namespace],
                          "http": [{"match": [{"uri": {"prefix": "/"}}],
                                    "route": [{"destination": {"host": "web", "port": {"number": 8080}}}]}]}
    assert vs["metadata"]["labels"] == {"app.kubernetes.io/managed-by": ME, "istio-edge.meshops.io/app": "fx"}
    assert not vs["metadata"].get("annotations")
    assert managers(vs) == [(ME, "Apply")]

    # re-runs: unchanged, and no write at all
    again = run(ansible, gw_ns, [app])
    assert not again["failed"] and again["changed"] is False, again
    assert again["api_requests"]["write"] == 0 and "lease" not in again
    assert again["apps"][0]["objects"] == [] and again["apps"][0]["unchanged"] == 2
    # without adopt from now on: it is the app's own object
    assert run(ansible, gw_ns, [fx_app(namespace)])["changed"] is False

    # what the app stops declaring goes (no other manager keeps it alive)
    two_hosts = fx_app(namespace, hosts=app["hosts"] + ["fx2.%s.example.com" % namespace])
    assert not run(ansible, gw_ns, [two_hosts])["failed"]
    assert not run(ansible, gw_ns, [fx_app(namespace)])["failed"]
    assert get(kube, NET, "VirtualService", "fx", namespace)["spec"]["hosts"] == app["hosts"]


def test_an_object_of_the_app_edited_by_someone_else_is_taken_back_while_adopt_is_set(ansible, kube, namespace,
                                                                                      gw_ns):
    make_workload(kube, namespace, "web", {"http": 8080})
    app = fx_app(namespace)
    assert not run(ansible, gw_ns, [app])["failed"]
    res = kube.resources.get(api_version=NET, kind="VirtualService")
    res.patch(name="fx", namespace=namespace, body={"spec": {"exportTo": ["."]}},
              content_type="application/merge-patch+json", field_manager="kubectl-edit")
    # without adopt, a field only someone else set is theirs: nothing to write
    assert run(ansible, gw_ns, [app])["changed"] is False
    result = run(ansible, gw_ns, [dict(app, adopt=True)])
    assert not result["failed"] and result["summary"]["adopted"] == 1, result
    vs = get(kube, NET, "VirtualService", "fx", namespace)
    assert "exportTo" not in vs["spec"] and managers(vs) == [(ME, "Apply")]
    assert run(ansible, gw_ns, [dict(app, adopt=True)])["changed"] is False


def test_another_apps_object_is_refused_even_with_adopt(ansible, kube, namespace, gw_ns):
    make_workload(kube, namespace, "web", {"http": 8080})
    owner = fx_app(namespace, name="owner", gateway={"name": "shared-gw"})
    assert not run(ansible, gw_ns, [owner])["failed"]
    thief = fx_app(namespace, gateway={"name": "shared-gw"}, adopt=True)
    result = run(ansible, gw_ns, [thief])
    assert result["failed"] and "Gateway %s/shared-gw is owned by app owner" % namespace in result["msg"]
    gw = get(kube, NET, "Gateway", "shared-gw", namespace)
    assert gw["metadata"]["labels"]["istio-edge.meshops.io/app"] == "owner"
