# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""istio_install on the test bed, the whole life of an install, once with helm 3 and once with helm 4:
install -> no-op rerun -> check mode writes nothing -> values upgrade -> chart version upgrade (from a
Helm repository URL) -> failed upgrade rolled back -> readiness timeout rolled back -> uninstall.

The tests of one helm version run in order and build on each other (module-scoped ``helm`` fixture).
Istio's base chart owns cluster-wide CRDs, so, as on a real cluster, base lives in one place
(istio-system/istio-base) and the helm 3 and helm 4 lifecycles run one after the other.
Not testable here: OCI registries (no registry can run on this machine; the oci:// chart reference is
unit-tested), and readiness of real pods (no kubelet: pods never start, so waits are off except where a
timeout is the point of the test).
"""

import uuid

import pytest

from test_istio_install_support import (  # noqa: F401  # pylint: disable=unused-import
    NEW, OLD, by_name, chart_dir, gateway, helm_binaries, helm_repo, install_args, live, release, snapshot,
    uninstall)

ISTIO_NS = "istio-system"
CRDS = ("gateways.networking.istio.io", "virtualservices.networking.istio.io",
        "destinationrules.networking.istio.io", "telemetries.telemetry.istio.io")


@pytest.fixture(scope="module", params=["helm3", "helm4"])
def helm(request, testbed, kube):
    """(name, binary, gateway namespace) for one lifecycle; starts from a cluster without Istio releases."""
    for name in ("istiod", "istio-base"):
        uninstall(testbed, name, ISTIO_NS)
    gw_ns = "gw-%s-%s" % (request.param, uuid.uuid4().hex[:6])
    yield request.param, helm_binaries(testbed)[request.param], gw_ns
    uninstall(testbed, "istio-ingress", gw_ns)
    try:
        kube.resources.get(api_version="v1", kind="Namespace").delete(name=gw_ns)
    except Exception:  # noqa: BLE001 - best effort cleanup
        pass


def args_for(helm, chart_repo, version, service=None, **extra):
    name, binary, gw_ns = helm
    values = {"service": service or {"type": "NodePort"}}
    labels = extra.pop("labels", None)
    if labels:
        values["labels"] = labels
    return install_args(name, binary, chart_repo, version, [gateway("istio-ingress", gw_ns, **values)], **extra)


def test_install(ansible, kube, testbed, helm, chart_dir):
    result = ansible.module("istio_install", args_for(helm, chart_dir, OLD))
    assert not result["failed"], result["msg"]
    assert result["changed"]
    rel = by_name(result)
    assert [r["name"] for r in result["releases"]] == ["istio-base", "istiod", "istio-ingress"]
    for name in ("istio-base", "istiod", "istio-ingress"):
        assert rel[name]["action"] == "install" and rel[name]["revision"] == 1
        assert rel[name]["status"] == "deployed" and rel[name]["chart_version"] == OLD
    assert result["helm_version"].startswith("v3." if helm[0] == "helm3" else "v4.")
    # the CRDs exist and are Established; the gateway facts come from the live objects
    for crd in CRDS:
        obj = live(kube, "apiextensions.k8s.io/v1", "CustomResourceDefinition", crd, None)
        conds = dict((c["type"], c["status"]) for c in obj["status"]["conditions"])
        assert conds["Established"] == "True"
    gw = result["gateways"][0]
    assert gw["source"] == "live" and gw["selector"] == {"app": "istio-ingress", "istio": "ingress"}
    assert gw["service"] == "istio-ingress" and gw["service_type"] == "NodePort" and gw["status_port"] == 15021
    svc = live(kube, "v1", "Service", "istio-ingress", helm[2])
    assert gw["node_ports"] == dict((p["name"], p["nodePort"]) for p in svc["spec"]["ports"])
    assert [p["name"] for p in svc["spec"]["ports"]] == ["status-port", "http2", "https"]
    assert release(testbed, "istio-ingress", helm[2])["version"] == OLD


def test_second_run_changes_nothing(ansible, kube, helm, chart_dir):
    before = snapshot(kube, [ISTIO_NS, helm[2]])
    result = ansible.module("istio_install", args_for(helm, chart_dir, OLD))
    assert not result["failed"], result["msg"]
    assert not result["changed"]
    assert all(r["action"] == "none" and r["revision"] == 1 for r in result["releases"])
    assert snapshot(kube, [ISTIO_NS, helm[2]]) == before


def test_check_mode_writes_nothing(ansible, kube, testbed, helm, chart_dir, helm_repo):
    before = snapshot(kube, [ISTIO_NS, helm[2]])
    wanted = args_for(helm, helm_repo, NEW, service={"type": "NodePort", "annotations": {"team": "edge"}})
    result = ansible.module("istio_install", wanted, check=True, diff=True)
    assert not result["failed"], result["msg"]
    assert result["changed"]
    rel = by_name(result)
    assert all(r["action"] == "upgrade" for r in result["releases"])
    assert rel["istio-ingress"]["revision"] == 1 and rel["istio-ingress"]["chart_version_after"] == NEW
    assert "values changed: service.annotations" in rel["istio-ingress"]["reasons"]
    assert result["gateways"][0]["source"] == "rendered"
    diffs = result["diff"]
    values = [d for d in diffs if d["after_header"] == "%s/istio-ingress values (wanted)" % helm[2]][0]
    assert "team: edge" in values["after"] and "team: edge" not in values["before"]
    manifest = [d for d in diffs if d["after_header"].startswith("%s/istio-ingress manifest" % helm[2])][0]
    assert "helm.sh/chart: \"gateway-%s\"" % NEW in manifest["after"]
    assert "helm.sh/chart: \"gateway-%s\"" % OLD in manifest["before"]
    # nothing written: revisions and objects unchanged
    assert snapshot(kube, [ISTIO_NS, helm[2]]) == before
    assert release(testbed, "istio-ingress", helm[2])["revision"] == 1


def test_values_change_upgrades_only_that_release(ansible, kube, helm, chart_dir):
    result = ansible.module("istio_install", args_for(
        helm, chart_dir, OLD, service={"type": "NodePort", "annotations": {"team": "edge"}}), diff=True)
    assert not result["failed"], result["msg"]
    rel = by_name(result)
    assert rel["istio-ingress"]["action"] == "upgrade" and rel["istio-ingress"]["revision"] == 2
    assert rel["istio-ingress"]["previous"]["revision"] == 1
    assert rel["istiod"]["action"] == "none" and rel["istiod"]["revision"] == 1
    assert live(kube, "v1", "Service", "istio-ingress", helm[2])["metadata"]["annotations"]["team"] == "edge"
    assert result["diff"], "diff mode shows the change"


def test_chart_version_upgrade_from_a_helm_repository(ansible, kube, testbed, helm, helm_repo):
    result = ansible.module("istio_install", args_for(
        helm, helm_repo, NEW, service={"type": "NodePort", "annotations": {"team": "edge"}}))
    assert not result["failed"], result["msg"]
    rel = by_name(result)
    assert rel["istio-base"]["revision"] == 2 and rel["istiod"]["revision"] == 2
    assert rel["istio-ingress"]["revision"] == 3
    assert all(r["chart_version"] == NEW and r["app_version"] == NEW for r in result["releases"])
    assert rel["istiod"]["reasons"] == ["chart version %s -> %s" % (OLD, NEW)]
    deploy = live(kube, "apps/v1", "Deployment", "istio-ingress", helm[2])
    assert deploy["metadata"]["labels"]["helm.sh/chart"] == "gateway-%s" % NEW
    if helm[0] == "helm4":
        assert rel["istiod"]["apply_method"] == "csa"   # helm_server_side: false (test-bed setting)
    again = ansible.module("istio_install", args_for(
        helm, helm_repo, NEW, service={"type": "NodePort", "annotations": {"team": "edge"}}))
    assert not again["changed"], again["releases"]


def test_failed_upgrade_is_rolled_back_and_explained(ansible, kube, testbed, helm, helm_repo):
    """labels.istio changes the Deployment selector, which is immutable: the API server refuses the upgrade."""
    result = ansible.module("istio_install", args_for(
        helm, helm_repo, NEW, service={"type": "NodePort", "annotations": {"team": "edge"}},
        labels={"istio": "ingressgateway"}))
    assert result["failed"]
    assert result["field"] == "gateways[0].values" and result["code"] == "immutable"
    assert "field is immutable" in result["msg"]
    assert "rolled back to revision 3 (now revision 5, deployed)" in result["msg"]
    assert result["rolled_back"] is True
    meta = release(testbed, "istio-ingress", helm[2])
    assert meta["revision"] == 5 and meta["status"] == "deployed"
    deploy = live(kube, "apps/v1", "Deployment", "istio-ingress", helm[2])
    assert deploy["spec"]["selector"]["matchLabels"] == {"app": "istio-ingress", "istio": "ingress"}
    # istio-base and istiod were fine and untouched
    assert release(testbed, "istiod", ISTIO_NS)["revision"] == 2


def test_readiness_timeout_after_upgrade_is_rolled_back(ansible, kube, testbed, helm, helm_repo):
    """No pod ever runs on the test bed: waiting for the gateway times out, and the upgrade is undone."""
    wanted = args_for(helm, helm_repo, NEW, service={"type": "NodePort", "annotations": {"team": "edge2"}},
                      wait_gateways=True, timeout=3)
    result = ansible.module("istio_install", wanted)
    assert result["failed"]
    assert result["field"] == "wait_gateways" and result["code"] == "not_ready"
    assert "Deployment %s/istio-ingress" % helm[2] in result["msg"]
    assert "rolled back to revision 5 (now revision 7, deployed)" in result["msg"]
    svc = live(kube, "v1", "Service", "istio-ingress", helm[2])
    assert svc["metadata"]["annotations"]["team"] == "edge"


def test_uninstall_in_reverse_order(ansible, kube, testbed, helm):
    name, binary, gw_ns = helm
    args = {"state": "absent", "helm_binary": binary, "gateways": [{"name": "istio-ingress", "namespace": gw_ns}]}
    check = ansible.module("istio_install", args, check=True)
    assert check["changed"] and release(testbed, "istio-ingress", gw_ns) is not None
    result = ansible.module("istio_install", args)
    assert not result["failed"], result["msg"]
    assert [(r["name"], r["action"]) for r in result["releases"]] == [
        ("istio-ingress", "uninstall"), ("istiod", "uninstall"), ("istio-base", "uninstall")]
    for rel_name, ns in (("istio-ingress", gw_ns), ("istiod", ISTIO_NS), ("istio-base", ISTIO_NS)):
        assert release(testbed, rel_name, ns) is None
    assert live(kube, "apps/v1", "Deployment", "istio-ingress", gw_ns) is None
    # Istio's base chart keeps its CRDs (helm.sh/resource-policy: keep)
    assert live(kube, "apiextensions.k8s.io/v1", "CustomResourceDefinition", CRDS[0], None) is not None
    again = ansible.module("istio_install", args)
    assert not again["failed"] and not again["changed"]
