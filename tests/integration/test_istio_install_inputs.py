# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""istio_install on the test bed: gateway shapes (several gateways, selector from the release name or
labels.istio, ports replacing the defaults with pinned nodePorts, no Service), check mode on a fresh
install, and bad inputs - each failing with the option named and nothing written. With helm 3 and helm 4.

These tests leave base/istiod alone (``enabled: false``): the CRDs are cluster-wide and belong to the
lifecycle tests (test_istio_install.py). Test-bed settings are explained in test_istio_install_support.py.
"""

import uuid

import pytest

from test_istio_install_support import (  # noqa: F401  # pylint: disable=unused-import
    NEW, OLD, TESTBED_ISTIOD_VALUES, chart_dir, gateway, helm_binaries, helm_repo, install_args, live, release,
    uninstall)

HELMS = ["helm3", "helm4"]
GATEWAYS_ONLY = {"base": {"enabled": False}, "istiod": {"enabled": False}, "wait_crds": False}


@pytest.fixture
def fresh_ns(kube, testbed):
    """A namespace name that does not exist yet; whatever the test installed there is removed afterwards."""
    name = "gw-" + uuid.uuid4().hex[:8]
    yield name
    for rel in ("istio-ingress", "istio-ingressgateway", "istio-ingress-external", "istio-ingress-internal",
                "mesh-gateway", "istiod"):
        uninstall(testbed, rel, name)
    try:
        kube.resources.get(api_version="v1", kind="Namespace").delete(name=name)
    except Exception:  # noqa: BLE001 - it may never have been created
        pass


def namespaces(kube):
    return set(item.metadata.name for item in kube.resources.get(api_version="v1", kind="Namespace").get().items)


@pytest.mark.parametrize("helm", HELMS)
def test_several_gateways_and_their_real_selectors(ansible, kube, testbed, helm, fresh_ns, chart_dir):
    binary = helm_binaries(testbed)[helm]
    node_base = 31000 if helm == "helm3" else 31500
    ports = [{"name": "status-port", "port": 15021, "targetPort": 15021, "protocol": "TCP", "nodePort": node_base + 21},
             {"name": "http2", "port": 80, "targetPort": 80, "protocol": "TCP", "nodePort": node_base + 80},
             {"name": "mysql", "port": 3306, "targetPort": 3306, "protocol": "TCP", "nodePort": node_base + 306}]
    gateways = [
        gateway("istio-ingressgateway", fresh_ns, service={"type": "NodePort", "ports": ports,
                                                           "externalTrafficPolicy": "Local"}),
        gateway("istio-ingress-internal", fresh_ns, labels={"istio": "internal-ingress", "team": "edge"},
                service={"type": "ClusterIP"}),
        gateway("mesh-gateway", fresh_ns, service={"type": "None"}),
    ]
    args = install_args(helm, binary, chart_dir, NEW, gateways, **GATEWAYS_ONLY)
    result = ansible.module("istio_install", args)
    assert not result["failed"], result["msg"]
    names = [r["name"] for r in result["releases"]]
    assert names == ["istio-ingressgateway", "istio-ingress-internal", "mesh-gateway"]
    first, internal, mesh = result["gateways"]
    # istio=<release name without istio->: the legacy-looking name gives istio=ingressgateway
    assert first["selector"] == {"app": "istio-ingressgateway", "istio": "ingressgateway"}
    assert first["node_ports"] == {"status-port": node_base + 21, "http2": node_base + 80, "mysql": node_base + 306}
    svc = live(kube, "v1", "Service", "istio-ingressgateway", fresh_ns)
    assert [p["name"] for p in svc["spec"]["ports"]] == ["status-port", "http2", "mysql"]  # replaced, not merged
    assert svc["spec"]["externalTrafficPolicy"] == "Local"
    assert svc["spec"]["selector"] == first["selector"]
    # labels.istio overrides; the value is read back from the live pod template
    assert internal["selector"] == {"app": "istio-ingress-internal", "istio": "internal-ingress"}
    pod_labels = live(kube, "apps/v1", "Deployment", "istio-ingress-internal", fresh_ns)["spec"]["template"][
        "metadata"]["labels"]
    assert pod_labels["istio"] == "internal-ingress" and pod_labels["team"] == "edge"
    assert internal["service_type"] == "ClusterIP" and internal["node_ports"] == {}
    # service.type None: no Service at all
    assert mesh["service"] is None and live(kube, "v1", "Service", "mesh-gateway", fresh_ns) is None
    assert mesh["selector"] == {"app": "mesh-gateway", "istio": "mesh-gateway"}
    again = ansible.module("istio_install", args)
    assert not again["changed"]
    gone = ansible.module("istio_install", dict(args, state="absent"))
    assert [r["action"] for r in gone["releases"]] == ["uninstall"] * 3
    assert [r["name"] for r in gone["releases"]] == ["mesh-gateway", "istio-ingress-internal", "istio-ingressgateway"]


@pytest.mark.parametrize("helm", HELMS)
def test_check_mode_on_a_fresh_install_predicts_from_the_chart(ansible, kube, testbed, helm, fresh_ns, chart_dir):
    binary = helm_binaries(testbed)[helm]
    args = install_args(helm, binary, chart_dir, NEW, [gateway("istio-ingressgateway", fresh_ns)], **GATEWAYS_ONLY)
    result = ansible.module("istio_install", args, check=True, diff=True)
    assert not result["failed"], result["msg"]
    assert result["changed"] and result["releases"][0]["action"] == "install"
    assert result["releases"][0]["status"] == "not-installed"
    gw = result["gateways"][0]
    assert gw["source"] == "rendered" and gw["selector"] == {"app": "istio-ingressgateway", "istio": "ingressgateway"}
    assert gw["service_type"] == "LoadBalancer"
    assert any("kind: Deployment" in d["after"] for d in result["diff"])
    assert release(testbed, "istio-ingressgateway", fresh_ns) is None
    assert fresh_ns not in namespaces(kube)   # not even the namespace was created


@pytest.mark.parametrize("helm", HELMS)
def test_failed_first_install_leaves_nothing(ansible, kube, testbed, helm, fresh_ns, chart_dir):
    """A value the API server rejects on every Kubernetes version - an annotation key with a space and a '!' in
    istiod's serviceAnnotations - fails istiod's first install after helm has created the objects before the
    Service: the release is uninstalled, nothing of it is left."""
    binary = helm_binaries(testbed)[helm]
    values = dict(TESTBED_ISTIOD_VALUES, serviceAnnotations={"team owner!": "mesh"})
    args = install_args(helm, binary, chart_dir, NEW, [], istio_namespace=fresh_ns, base={"enabled": False},
                        istiod={"values": values}, wait_crds=False)
    result = ansible.module("istio_install", args)
    assert result["failed"]
    assert result["field"] == "istiod.values" and result["code"] == "invalid", result["msg"]
    assert "team owner!" in result["msg"] and "Service" in result["msg"]
    assert "nothing is left" in result["msg"] or "was uninstalled" in result["msg"]
    assert release(testbed, "istiod", fresh_ns) is None
    for api_version, kind in (("v1", "ServiceAccount"), ("v1", "ConfigMap"), ("apps/v1", "Deployment"),
                              ("v1", "Service")):
        items = kube.resources.get(api_version=api_version, kind=kind).get(
            namespace=fresh_ns, label_selector="app.kubernetes.io/instance=istiod").to_dict()["items"]
        assert items == [], "%s left behind: %s" % (kind, [i["metadata"]["name"] for i in items])


@pytest.mark.parametrize("helm", HELMS)
def test_missing_chart_version_in_a_local_directory(ansible, kube, testbed, helm, fresh_ns, chart_dir):
    args = install_args(helm, helm_binaries(testbed)[helm], chart_dir, "1.28.0",
                        [gateway("istio-ingress", fresh_ns)], **GATEWAYS_ONLY)
    result = ansible.module("istio_install", args)
    assert result["failed"] and result["field"] == "chart_version"
    assert "%s, %s" % (OLD, NEW) in result["msg"]
    assert fresh_ns not in namespaces(kube)


@pytest.mark.parametrize("helm", HELMS)
def test_missing_chart_version_in_a_helm_repository_keeps_helms_message(
        ansible, kube, testbed, helm, fresh_ns, helm_repo):
    args = install_args(helm, helm_binaries(testbed)[helm], helm_repo, "1.28.0",
                        [gateway("istio-ingress", fresh_ns)], **GATEWAYS_ONLY)
    result = ansible.module("istio_install", args)
    assert result["failed"] and result["field"] == "chart_version" and result["code"] == "chart_not_found"
    assert 'version "1.28.0" not found' in result["msg"] and helm_repo in result["msg"]
    assert fresh_ns not in namespaces(kube)


@pytest.mark.parametrize("helm", HELMS)
def test_unreachable_chart_repository(ansible, kube, testbed, helm, fresh_ns):
    args = install_args(helm, helm_binaries(testbed)[helm], "http://127.0.0.1:1/charts", NEW,
                        [gateway("istio-ingress", fresh_ns)], **GATEWAYS_ONLY)
    result = ansible.module("istio_install", args)
    assert result["failed"] and result["field"] == "chart_repo"
    assert "127.0.0.1:1" in result["msg"]
    assert fresh_ns not in namespaces(kube)


@pytest.mark.parametrize("helm", HELMS)
def test_cluster_unreachable(ansible, testbed, helm, fresh_ns, chart_dir, tmp_path):
    with open(testbed["kubeconfig"]) as handle:
        text = handle.read()
    port = testbed["api_server"].rsplit(":", 1)[1]
    bad = tmp_path / "kubeconfig"
    bad.write_text(text.replace("127.0.0.1:%s" % port, "127.0.0.1:1"))
    args = install_args(helm, helm_binaries(testbed)[helm], chart_dir, NEW, [gateway("istio-ingress", fresh_ns)],
                        kubeconfig=str(bad), **GATEWAYS_ONLY)
    result = ansible.module("istio_install", args)
    assert result["failed"] and result["field"] == "host" and result["code"] == "unreachable"
    assert "127.0.0.1:1" in result["msg"]


def test_kubeconfig_missing(ansible, testbed, fresh_ns, chart_dir):
    args = install_args("helm3", testbed["helm3"], chart_dir, NEW, [gateway("istio-ingress", fresh_ns)],
                        kubeconfig="/nonexistent/kubeconfig", **GATEWAYS_ONLY)
    result = ansible.module("istio_install", args)
    assert result["failed"] and result["field"] == "kubeconfig"
    assert "does not exist" in result["msg"]   # the path itself is masked: kubeconfig is a no_log option


@pytest.mark.parametrize("extra,field", [
    ({"helm_binary": "/nonexistent/helm"}, "helm_binary"),
    ({"helm_server_side": "maybe"}, "helm_server_side"),
    ({"helm_server_side": True}, "helm_server_side"),       # helm 3 cannot apply server-side
    ({"helm_extra_args": ["--set", "x=1"]}, "helm_extra_args[0]"),
    ({"chart_repo": "/nonexistent/charts"}, "chart_repo"),
    ({"chart_version": "^1.30"}, "chart_version"),
    ({"create_namespace": False}, "gateways[0].namespace"),
])
def test_bad_options_name_the_field_and_write_nothing(ansible, kube, testbed, fresh_ns, chart_dir, extra, field):
    args = install_args("helm3", testbed["helm3"], chart_dir, NEW, [gateway("istio-ingress", fresh_ns)],
                        **GATEWAYS_ONLY)
    args.update(extra)
    result = ansible.module("istio_install", args)
    assert result["failed"]
    assert result["field"] == field, result["msg"]
    assert result["msg"].startswith(field)
    assert fresh_ns not in namespaces(kube)


def test_unknown_choice_is_refused_by_the_argument_spec(ansible, testbed):
    result = ansible.module("istio_install", {"state": "latest", "chart_version": NEW})
    assert result["failed"] and "state" in result["msg"] and "present" in result["msg"]
