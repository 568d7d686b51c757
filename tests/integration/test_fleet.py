# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fleet in one run: three API servers of their own (kube-apiserver + etcd, no controller manager, free ports),
each a host of one inventory in two environments, reached with its own connection variables - a kubeconfig and
a context, a kubeconfig alone, an API server URL with a token and a CA. Nothing comes from the environment: the
runs have no K8S_AUTH_* and KUBECONFIG points at a file that does not exist, so a cluster whose variables were not
used would fail.

The inventory is inventories/local's (the fixture charts, helm 4 with the test bed's settings, the demo apps), one
app changed on one cluster with istio_edge_app_overrides. The apps' destination Services are made here, as
tests/testbed/demo-workloads.yml makes them for `make local`. The tests run in order and build on each other:
converge from the installed collection, a stopped API server, a re-run limited to it, a wave rollout halting.
"""

import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from ansible_runner import REPO, Ansible, task_result as task
from app_route_support import apply, make_workload
from testbed import HELM4, TestBed as _Bed  # aliased: pytest would try to collect Test* classes

LOCAL = os.path.join(REPO, "inventories", "local", "group_vars", "all")
CHARTS = os.path.join(REPO, "tests", "fixtures", "charts")
EXPOSE = os.path.join(REPO, "playbooks", "expose-app.yml")
DIAGNOSE = os.path.join(REPO, "playbooks", "diagnose.yml")
CLUSTERS = ("dev-a", "prod-b", "prod-c")
WORKLOADS = {"shop": {"shop-api": 8080, "shop-web": 80}, "blog": {"blog": 80}, "news": {"news": 80}}
SUMMARY = "Summarize the clusters"
STATS = "Publish the clusters' results for AWX"


def _client(kubeconfig):
    from kubernetes import config
    from kubernetes.dynamic import DynamicClient
    return DynamicClient(config.new_client_from_config(config_file=kubeconfig))


def _write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        yaml.safe_dump(data, handle, sort_keys=False)


def _load(name):
    with open(os.path.join(LOCAL, name)) as handle:
        return yaml.safe_load(handle)


def _inventory(path, beds):
    """inventories/local's variables for three clusters in two environments, each with its own connection."""
    a, b, c = (beds[name] for name in CLUSTERS)
    _write(os.path.join(path, "hosts.yml"), {"all": {
        "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
        "children": {
            "dev": {"hosts": {"dev-a": {"istio_edge_k8s_kubeconfig": a["kubeconfig"],
                                        "istio_edge_k8s_context": "testbed"}}},
            "prod": {"hosts": {
                "prod-b": {"istio_edge_k8s_kubeconfig": b["kubeconfig"], "istio_edge_region": "test-2"},
                "prod-c": {"istio_edge_k8s_host": c["api_server"], "istio_edge_k8s_api_key": "testbed-token",
                           "istio_edge_k8s_ca_cert": c["ca_cert"], "istio_edge_region": "test-3",
                           # one cluster's blog answers another host name
                           "istio_edge_app_overrides": {"blog": {"hosts": ["blog.prod-c.example"]}}},
            }},
        }}})
    istio = _load("istio.yml")
    istio["istio_chart_repo"] = CHARTS   # the local inventory's path is relative to the repository's playbooks
    _write(os.path.join(path, "group_vars", "all", "istio.yml"), istio)
    _write(os.path.join(path, "group_vars", "all", "apps.yml"), _load("apps.yml"))


def _summary(results):
    """{cluster: line} from the summary's lines (the first line counts, the last may offer a --limit)."""
    lines = task(results, SUMMARY)["msg"]
    out = {}
    for line in lines[1:]:
        match = re.match(r"^(\S+?)(?: \[[^]]*\])?: (converged|changed|failed|not started|healthy|broken)\b", line)
        if match:
            out[match.group(1)] = line
    return lines[0], out


def _stats(results):
    return task(results, STATS)["ansible_stats"]["data"]["istio_edge_fleet"]


def _vs(kube, name, namespace):
    res = kube.resources.get(api_version="networking.istio.io/v1beta1", kind="VirtualService")
    try:
        return res.get(name=name, namespace=namespace).to_dict()
    except Exception:  # noqa: BLE001 - NotFound
        return None


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    """Three API servers, an inventory of them, and ansible-playbook without any connection in its environment."""
    base = tmp_path_factory.mktemp("fleet")
    beds, infos = {}, {}
    try:
        for name in CLUSTERS:
            beds[name] = _Bed(str(base / name))
            infos[name] = beds[name].up(kcm=False)
        kubes = {}
        for name in CLUSTERS:
            kube = kubes[name] = _client(infos[name]["kubeconfig"])
            for namespace, services in WORKLOADS.items():
                apply(kube, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
                for service, port in services.items():
                    make_workload(kube, namespace, service, {"http": port})
        inventory = str(base / "inventory")
        _inventory(inventory, infos)
        os.makedirs(str(base / "ansible"))
        runner = Ansible(str(base / "ansible"), env={"MESHOPS_HELM4": HELM4,
                                                     "KUBECONFIG": str(base / "no-such-kubeconfig")})
        for key in [k for k in runner.env if k.startswith("K8S_AUTH_")]:
            del runner.env[key]
        yield dict(beds=beds, infos=infos, kubes=kubes, inventory=inventory, ansible=runner, base=base)
    finally:
        for bed in beds.values():
            bed.down()


def test_every_cluster_converges_from_the_installed_collection(fleet, tmp_path):
    """meshops.istio_edge.expose_app from `ansible-galaxy collection install` of the built tarball, forks 3."""
    dist, installed = str(tmp_path / "dist"), str(tmp_path / "installed")
    galaxy = os.path.join(os.path.dirname(sys.executable), "ansible-galaxy")
    subprocess.run([galaxy, "collection", "build", REPO, "--output-path", dist], check=True, stdout=subprocess.PIPE)
    tarball = os.path.join(dist, os.listdir(dist)[0])
    members = subprocess.run(["tar", "tzf", tarball], check=True, stdout=subprocess.PIPE,
                             universal_newlines=True).stdout.split()
    assert "playbooks/expose_app.yml" in members and "playbooks/vars/fleet.yml" in members
    assert not [m for m in members if m.split("/")[0] in ("tests", "bench", "inventories", "extensions")]
    # --force: a collection of the same version on the caller's collections path must not make galaxy skip it
    subprocess.run([galaxy, "collection", "install", "--offline", "--force", "-p", installed, tarball], check=True,
                   stdout=subprocess.PIPE, env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=installed))

    rc, out, results = fleet["ansible"].playbook(
        "meshops.istio_edge.expose_app", inventory=fleet["inventory"], verbosity=2, args=("-f", "3"),
        env={"ANSIBLE_COLLECTIONS_PATH": installed})
    assert rc == 0, out[-6000:]
    # the installed collection's playbook ran, not the repository's
    assert "task path: %s/ansible_collections/meshops/istio_edge/playbooks/expose_app.yml" % installed in out
    assert "task path: %s/playbooks" % REPO not in out
    head, lines = _summary(results)
    assert head == "expose_app on 3 cluster(s): 3 changed", head
    assert sorted(lines) == sorted(CLUSTERS)
    assert "prod-c [nodeport, test-3]: changed - 2 app(s)" in lines["prod-c"]
    assert "Istio releases changed" in lines["prod-c"]
    stats = _stats(results)
    assert sorted(stats["clusters"]) == sorted(CLUSTERS) and stats["failed"] == [] and stats["retry_limit"] == ""
    assert stats["counts"] == {"changed": 3}
    assert stats["clusters"]["prod-b"]["apps"] == ["shop", "blog"]
    for name in CLUSTERS:
        kube = fleet["kubes"][name]
        gateway = kube.resources.get(api_version="v1", kind="Service").get(name="istio-ingress",
                                                                           namespace="istio-ingress").to_dict()
        assert gateway["spec"]["type"] == "NodePort"   # Istio installed by helm on each cluster
        blog = _vs(kube, "blog", "blog")
        assert blog["spec"]["hosts"] == (["blog.prod-c.example"] if name == "prod-c" else ["blog.local.example"])
        assert _vs(kube, "shop", "shop")["spec"]["hosts"] == ["shop.local.example"]

    # the repository path, a second time: nothing to do anywhere
    rc, out, results = fleet["ansible"].playbook(EXPOSE, inventory=fleet["inventory"], args=("-f", "3"))
    assert rc == 0, out[-6000:]
    head, lines = _summary(results)
    assert head == "expose_app on 3 cluster(s): 3 converged", head
    assert "dev-a [nodeport]: converged - 2 app(s), objects: 0 created, 0 updated, 0 deleted" in lines["dev-a"]


def test_a_stopped_cluster_fails_alone_and_a_limited_rerun_finishes_it(fleet):
    bed, info = fleet["beds"]["prod-b"], fleet["infos"]["prod-b"]
    bed.stop_apiserver()
    try:
        rc, out, results = fleet["ansible"].playbook(EXPOSE, inventory=fleet["inventory"], args=("-f", "3"))
        assert rc == 2, out[-6000:]
        head, lines = _summary(results)
        assert head == "expose_app on 3 cluster(s): 2 converged, 1 failed", head
        assert lines["dev-a"].startswith("dev-a [nodeport]: converged") and lines["prod-c"].startswith(
            "prod-c [nodeport, test-3]: converged")
        assert lines["prod-b"].startswith('prod-b [nodeport, test-2]: failed - at "'), lines["prod-b"]
        assert info["api_server"] in lines["prod-b"] and "refused" in lines["prod-b"], lines["prod-b"]
        assert task(results, SUMMARY)["msg"][-1] == "Re-run the clusters that did not finish: --limit prod-b"
        stats = _stats(results)
        assert stats["failed"] == ["prod-b"] and stats["retry_limit"] == "prod-b"
        assert stats["clusters"]["prod-b"]["status"] == "failed" and stats["clusters"]["prod-b"]["changed"] is False
        failed = [r for r in results if r["_task"] == "Fail the clusters that failed" and r["_status"] == "failed"]
        assert [r["_host"] for r in failed] == ["prod-b"]
    finally:
        bed.start_apiserver()

    rc, out, results = fleet["ansible"].playbook(EXPOSE, inventory=fleet["inventory"], args=("--limit", "prod-b"))
    assert rc == 0, out[-6000:]
    head, lines = _summary(results)
    assert head == "expose_app on 1 cluster(s): 1 converged", head
    assert list(lines) == ["prod-b"]


def test_diagnose_reports_per_cluster_and_a_missing_credential_fails_its_cluster(fleet):
    reports = str(fleet["base"] / "reports")
    extra = str(fleet["base"] / "lost.yml")
    _write(extra, {"all": {"hosts": {"lost": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable,
        "istio_edge_provider": "nodeport",
        "istio_edge_k8s_host": "{{ lookup('ansible.builtin.env', 'MESHOPS_FLEET_TEST_UNSET') }}"}}}})
    rc, out, results = fleet["ansible"].playbook(
        DIAGNOSE, inventory=fleet["inventory"], args=("-i", extra, "-f", "4"),
        extra_vars={"istio_edge_diagnose_report_dir": reports, "istio_edge_diagnose_formats": ["markdown"],
                    "istio_edge_diagnose_fail_on_broken": False})
    assert rc == 2, out[-6000:]
    head, lines = _summary(results)
    # no pod runs on the test bed: every path is broken at the gateway's pods, and reported
    assert head == "diagnose on 4 cluster(s): 3 broken, 1 failed", head
    assert "istio_edge_k8s_host of cluster lost is set but empty" in lines["lost"], lines["lost"]
    for name in CLUSTERS:
        assert "2 path(s), 2 broken: shop, blog; reports in %s/%s" % (reports, name) in lines[name], lines[name]
        assert sorted(os.listdir(os.path.join(reports, name))) == ["blog", "shop"]
    assert not os.path.exists(os.path.join(reports, "lost"))


def test_a_wave_rollout_halts_at_the_first_failing_cluster(fleet):
    """[1, "50%", "100%"] on dev-a, prod-b, prod-c: a new app everywhere, refused on prod-b (its override routes to
    a Service that does not exist): dev-a gets it, prod-b writes nothing, prod-c is never started."""
    inventory = fleet["inventory"]
    news = {"istio_edge_apps__news": [{"name": "news", "namespace": "news", "hosts": ["news.local.example"],
                                       "http": [{"route": [{"host": "news", "port": 80}]}]}]}
    refused = {"istio_edge_app_overrides": {"news": {"http": [{"route": [{"host": "news-v2", "port": 80}]}]}}}
    _write(os.path.join(inventory, "group_vars", "all", "news.yml"), news)
    _write(os.path.join(inventory, "host_vars", "prod-b.yml"), refused)
    try:
        rc, out, results = fleet["ansible"].playbook(EXPOSE, inventory=inventory, extra_vars={
            "istio_edge_rollout": [1, "50%", "100%"],
            # the rollout is under test, not Istio again: no helm, and no edge role that needs role istio's fact
            "istio_edge_manage_istio": False, "istio_edge_provider": "loadbalancer"})
        assert rc == 2, out[-6000:]
        summaries = [r["msg"] for r in results if r["_task"].startswith(SUMMARY)]
        assert len(summaries) == 2, summaries       # two waves ran, the third never started
        assert summaries[0][0] == "expose_app on 3 cluster(s), wave dev-a: 1 changed, 2 not started"
        later = "not started - waits for a later wave of the rollout"
        assert summaries[0][2:] == ["prod-b [loadbalancer, test-2]: " + later,
                                    "prod-c [loadbalancer, test-3]: " + later]
        head, lines = _summary(results)
        assert head == "expose_app on 3 cluster(s), wave prod-b: 1 changed, 1 failed, 1 not started", head
        assert "Service news/news-v2 does not exist" in lines["prod-b"], lines["prod-b"]
        assert lines["prod-c"] == "prod-c [loadbalancer, test-3]: not started - the rollout halted: prod-b failed"
        assert summaries[1][-1] == "Re-run the clusters that did not finish: --limit prod-b,prod-c"
        assert not [r for r in results if r.get("_host") == "prod-c"]
        assert _vs(fleet["kubes"]["dev-a"], "news", "news")["spec"]["hosts"] == ["news.local.example"]
        assert _vs(fleet["kubes"]["prod-b"], "news", "news") is None
        assert _vs(fleet["kubes"]["prod-c"], "news", "news") is None
    finally:
        os.unlink(os.path.join(inventory, "group_vars", "all", "news.yml"))
        shutil.rmtree(os.path.join(inventory, "host_vars"))
