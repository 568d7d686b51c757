# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: expose N apps (Gateway + VirtualService each) on the test bed, three ways, side by side.

* ``app_route``   - meshops.istio_edge.app_route, one call for all apps (an ansible-playbook run);
* ``k8s_loop``    - a playbook looping kubernetes.core.k8s over the same objects (PyPI ``ansible`` package, in a
                    separate venv: $MESHOPS_CACHE/venv-bench, made on first use);
* ``kubectl_ssa`` - ``kubectl apply --server-side`` of the same objects in one file.

For each N (10, 50, 200) and tool: a cold run (objects absent), then no-op re-runs (median of --repeat), and the
write requests the API server counted during the no-op run (apiserver_request_total with verb POST, PUT, PATCH,
APPLY or DELETE - server-side apply is counted as APPLY - read from its /metrics endpoint before and after).
The objects are identical: app_route's own builder makes them for all three tools. Each tool and N gets its own
namespaces (one per app, with the destination Service the checks need, created before timing).
Each playbook loads only its own variable (the apps for app_route, the objects for the loop). Per row also the peak
RSS of the command's main process (ansible-playbook's, or kubectl) and of the largest process of the run (a module
process, a worker), the highest over the no-op runs (bench/measure.py).

    make bench                           # python bench/expose_apps.py
    python bench/expose_apps.py --sizes 10 50 --repeat 3 --loop-repeat 1 --tools app_route kubectl_ssa
    python bench/expose_apps.py --sizes 1000 3000 --tools app_route kubectl_ssa

Results: a Markdown table on stdout and JSON in bench/results/ (not committed). Figures: docs/benchmarks.md.
Measured, not asserted: the machine's load changes the numbers.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "testbed"))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))

import yaml  # noqa: E402

import ansible_runner  # noqa: E402
from testbed import CACHE, HELM3, TestBed  # noqa: E402
from measure import run_measured, save_result  # noqa: E402

sys.path.insert(0, ansible_runner.collections_path())
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.build import build_app  # noqa: E402
from ansible_collections.meshops.istio_edge.plugins.module_utils.routes.validate import normalize_apps  # noqa: E402

TOOLS = ("app_route", "k8s_loop", "kubectl_ssa")
WRITE_VERBS = ("POST", "PUT", "PATCH", "APPLY", "DELETE")
VENV_BENCH = os.path.join(CACHE, "venv-bench")
KUBECTL = os.path.join(os.path.dirname(HELM3), "kubectl")
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
API = {"networking": "networking.istio.io/v1", "telemetry": "telemetry.istio.io/v1"}
SELECTOR = {"istio": "ingress"}
GW_NS = "istio-ingress"

APP_ROUTE_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: expose the apps (one app_route call)
      meshops.istio_edge.app_route:
        apps: "{{ bench_apps }}"
        gateway_namespace: istio-ingress
        gateway_name: istio-ingress
"""
K8S_LOOP_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: expose the apps (kubernetes.core.k8s per object)
      kubernetes.core.k8s:
        definition: "{{ item }}"
        state: present
      loop: "{{ bench_objects }}"
      loop_control:
        label: "{{ item.kind }} {{ item.metadata.namespace }}/{{ item.metadata.name }}"
"""
EMPTY_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: nothing
      ansible.builtin.debug:
        msg: startup only
"""


def log(msg):
    sys.stderr.write("[%s] %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def ensure_bench_venv():
    """A separate venv with the PyPI ``ansible`` package (it bundles kubernetes.core) - never the project's."""
    playbook = os.path.join(VENV_BENCH, "bin", "ansible-playbook")
    if os.path.exists(playbook):
        return playbook
    log("creating %s with the PyPI 'ansible' package (kubernetes.core) - once, needs PyPI" % VENV_BENCH)
    subprocess.run([sys.executable, "-m", "venv", VENV_BENCH], check=True)
    subprocess.run([os.path.join(VENV_BENCH, "bin", "pip"), "install", "-q", "--disable-pip-version-check",
                    "ansible>=12,<13", "kubernetes>=24.2.0,<37"], check=True)
    return playbook


def apps_for(tool, n):
    apps = []
    for i in range(n):
        name = "app%03d" % i
        apps.append({
            "name": name, "namespace": "%s-n%d-%03d" % (tool.replace("_", ""), n, i),
            "hosts": ["%s.n%d.%s.bench.example" % (name, n, tool.replace("_", "-"))],
            "http": [{"name": "api", "match": [{"prefix": "/api"}], "route": [{"host": "web", "port": 8080}],
                      "retries": {"attempts": 3, "per_try_timeout": "2s", "retry_on": "5xx"}, "timeout": "10s"},
                     {"name": "web", "route": [{"host": "web", "port": 8080}]}],
        })
    return apps


def objects_for(apps):
    out = []
    for app in normalize_apps(apps):
        out.extend(build_app(app, SELECTOR, API))
    return out


class Cluster:
    def __init__(self, kubeconfig):
        from kubernetes import config
        from kubernetes.dynamic import DynamicClient
        self.kubeconfig = kubeconfig
        self.api = config.new_client_from_config(config_file=kubeconfig)
        self.dyn = DynamicClient(self.api)

    def apply(self, obj):
        res = self.dyn.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
        kwargs = dict(body=obj, name=obj["metadata"]["name"], field_manager="bench-setup", force_conflicts=True)
        if res.namespaced:
            kwargs["namespace"] = obj["metadata"]["namespace"]
        res.server_side_apply(**kwargs)

    def writes(self):
        """Write requests counted by the API server so far: (all, networking.istio.io)."""
        resp = self.api.call_api("/metrics", "GET", auth_settings=["BearerToken"], _preload_content=False)
        total = istio = 0.0
        for line in resp.data.decode("utf-8").splitlines():
            if not line.startswith("apiserver_request_total{"):
                continue
            verb = re.search(r'verb="([A-Z]+)"', line)
            if not verb or verb.group(1) not in WRITE_VERBS:
                continue
            value = float(line.rsplit(" ", 1)[1])
            total += value
            if 'group="networking.istio.io"' in line:
                istio += value
        return int(total), int(istio)


def setup_cluster(cluster):
    # the fixture base chart's CRDs (Istio's schemas), created as the integration tests create them (a server-side
    # apply of them fails on kube-apiserver v1.20, which does not know x-kubernetes-validations)
    from app_route_support import ensure_istio_crds
    ensure_istio_crds(cluster.dyn)
    cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": GW_NS}})
    labels = {"app": "istio-ingress", "istio": "ingress"}
    cluster.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "istio-ingress", "namespace": GW_NS},
                   "spec": {"selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}, "spec": {
                       "containers": [{"name": "istio-proxy", "image": "registry.invalid/proxyv2:1.30.0"}]}}}})
    cluster.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "istio-ingress", "namespace": GW_NS},
                   "spec": {"selector": labels, "ports": [{"name": "http2", "port": 80, "protocol": "TCP"},
                                                          {"name": "https", "port": 443, "protocol": "TCP"}]}})


def setup_apps(cluster, apps):
    for app in apps:
        cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": app["namespace"]}})
        cluster.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": app["namespace"]},
                       "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}})


class Runner:
    def __init__(self, cluster, workdir, bench_playbook):
        self.cluster = cluster
        self.workdir = workdir
        self.bench_playbook = bench_playbook
        self.env = dict(os.environ, K8S_AUTH_KUBECONFIG=cluster.kubeconfig, KUBECONFIG=cluster.kubeconfig,
                        ANSIBLE_COLLECTIONS_PATH=ansible_runner.collections_path(), ANSIBLE_NOCOLOR="1",
                        ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
        for name, text in (("app_route", APP_ROUTE_PLAY), ("k8s_loop", K8S_LOOP_PLAY), ("empty", EMPTY_PLAY)):
            with open(os.path.join(workdir, name + ".yml"), "w") as handle:
                handle.write(text)

    def command(self, tool, apps, objects):
        if tool == "kubectl_ssa":
            path = os.path.join(self.workdir, "objects-%s.yaml" % apps[0]["namespace"])
            with open(path, "w") as handle:
                yaml.safe_dump_all(objects, handle)
            return [KUBECTL, "apply", "--server-side", "--field-manager=bench-kubectl", "-f", path], self.env
        # the apps come from the inventory's group_vars, as in real use (an extra-vars file would be read twice by
        # ansible-core 2.19: for the variables, and again by the inventory plugin); each playbook gets its own
        # variable only: loading the other one's (2,000 objects at 1,000 apps) costs seconds
        inventory = os.path.join(self.workdir, "inventory-%s-%s" % (tool, apps[0]["namespace"]))
        os.makedirs(os.path.join(inventory, "group_vars"), exist_ok=True)
        with open(os.path.join(inventory, "hosts.yml"), "w") as handle:
            yaml.safe_dump({"all": {"hosts": {"localhost": {"ansible_connection": "local"}}}}, handle)
        with open(os.path.join(inventory, "group_vars", "all.json"), "w") as handle:
            json.dump({"bench_apps": apps} if tool == "app_route" else {"bench_objects": objects}, handle)
        if tool == "app_route":
            python = sys.executable
            playbook = ANSIBLE_PLAYBOOK
        else:
            python = os.path.join(VENV_BENCH, "bin", "python")
            playbook = self.bench_playbook
        env = dict(self.env, ANSIBLE_PYTHON_INTERPRETER=python,
                   ANSIBLE_COLLECTIONS_PATH=self.env["ANSIBLE_COLLECTIONS_PATH"] if tool == "app_route" else "")
        play = os.path.join(self.workdir, ("app_route" if tool == "app_route" else "k8s_loop") + ".yml")
        return [playbook, "-i", inventory, play], env

    def timed(self, cmd, env):
        """(seconds, writes, networking.istio.io writes, peak RSS MB of the main process, of the largest process)."""
        before = self.cluster.writes()
        done = run_measured(cmd, env)
        after = self.cluster.writes()
        if done.returncode != 0:
            raise SystemExit("command failed (%s):\n%s" % (" ".join(cmd[:3]), done.output[-3000:]))
        return done.seconds, after[0] - before[0], after[1] - before[1], done.main_rss_mb, done.max_rss_mb

    def startup(self):
        cmd = [ANSIBLE_PLAYBOOK, "-i", "localhost,", "-c", "local", os.path.join(self.workdir, "empty.yml")]
        env = dict(self.env, ANSIBLE_PYTHON_INTERPRETER=sys.executable)
        self.timed(cmd, env)  # warm caches
        return statistics.median(self.timed(cmd, env)[0] for dummy in range(3))


def run(args):
    bench_playbook = ensure_bench_venv() if "k8s_loop" in args.tools else None
    for binary in ([KUBECTL] if "kubectl_ssa" in args.tools else []):
        if not os.path.exists(binary):
            raise SystemExit("%s not found: run make bootstrap (kubectl ships next to helm)" % binary)
    workdir = tempfile.mkdtemp(prefix="bench-expose-apps-")
    bed = None
    if args.testbed:
        info = TestBed(args.testbed).info
    else:
        bed = TestBed(os.path.join(workdir, "testbed"))
        log("starting a test bed (kube-apiserver + etcd, no controller manager)")
        info = bed.up(kcm=False)
    try:
        cluster = Cluster(info["kubeconfig"])
        setup_cluster(cluster)
        runner = Runner(cluster, workdir, bench_playbook)
        startup = runner.startup()
        log("ansible-playbook startup (an empty play): %.2fs" % startup)
        rows = []
        # the slow kubernetes.core loop goes last; the no-op re-runs of the other tools alternate, so that they
        # see the same machine load (the test bed shares its CPUs with everything else)
        tools = [t for t in args.tools if t != "k8s_loop"] + [t for t in args.tools if t == "k8s_loop"]
        for n in args.sizes:
            runs = {}
            for tool in tools:
                apps = apps_for(tool, n)
                objects = objects_for(apps)
                setup_apps(cluster, apps)
                cmd, env = runner.command(tool, apps, objects)
                log("N=%d %s: cold run (%d objects)" % (n, tool, len(objects)))
                cold, cold_writes = runner.timed(cmd, env)[:2]
                runs[tool] = dict(cmd=cmd, env=env, objects=len(objects), cold=cold, cold_writes=cold_writes, noops=[])
            for dummy in range(max(args.repeat, args.loop_repeat)):
                for tool in tools:
                    wanted = args.loop_repeat if tool == "k8s_loop" else args.repeat
                    if len(runs[tool]["noops"]) < wanted:
                        log("N=%d %s: no-op re-run" % (n, tool))
                        runs[tool]["noops"].append(runner.timed(runs[tool]["cmd"], runs[tool]["env"]))
            for tool in tools:
                run, noops = runs[tool], runs[tool]["noops"]
                row = dict(n=n, tool=tool, objects=run["objects"], cold_s=round(run["cold"], 2),
                           noop_s=round(statistics.median(r[0] for r in noops), 2),
                           noop_runs=[round(r[0], 2) for r in noops], cold_writes=run["cold_writes"],
                           noop_writes=max(r[1] for r in noops), noop_istio_writes=max(r[2] for r in noops),
                           noop_main_rss_mb=max(r[3] for r in noops), noop_max_rss_mb=max(r[4] for r in noops))
                log("  %s" % row)
                rows.append(row)
        return dict(rows=rows, startup_s=round(startup, 2), when=datetime.datetime.now().isoformat(timespec="seconds"),
                    machine=dict(cpus=os.cpu_count(), load=os.getloadavg(), python=platform.python_version()),
                    repeat=args.repeat, loop_repeat=args.loop_repeat)
    finally:
        if bed is not None and not args.keep:
            bed.destroy()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def table(result):
    lines = ["| N apps | objects | tool | cold run (s) | no-op re-run (s) | writes, cold | writes, no-op "
             "| peak RSS (MB), main process | peak RSS (MB), largest process |",
             "|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
    for r in result["rows"]:
        lines.append("| %d | %d | %s | %.1f | %.1f | %d | %d | %.0f | %.0f |" % (
            r["n"], r["objects"], r["tool"], r["cold_s"], r["noop_s"], r["cold_writes"], r["noop_writes"],
            r["noop_main_rss_mb"], r["noop_max_rss_mb"]))
    by = dict(((r["n"], r["tool"]), r) for r in result["rows"])
    for n in sorted(set(r["n"] for r in result["rows"])):
        mine = by.get((n, "app_route"))
        if not mine:
            continue
        parts = []
        if (n, "kubectl_ssa") in by:
            parts.append("%.2fx kubectl's no-op time" % (mine["noop_s"] / by[(n, "kubectl_ssa")]["noop_s"]))
        if (n, "k8s_loop") in by:
            parts.append("%.1fx faster than the kubernetes.core loop" % (by[(n, "k8s_loop")]["noop_s"] / mine["noop_s"]))
        if parts:
            lines.append("")
            lines.append("N=%d, app_route no-op: %s." % (n, "; ".join(parts)))
    lines.append("")
    lines.append("ansible-playbook startup (an empty play): %.1fs; %s CPUs, load average at the end %s." % (
        result["startup_s"], result["machine"]["cpus"], " ".join("%.1f" % x for x in os.getloadavg())))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50, 200])
    parser.add_argument("--tools", nargs="+", choices=TOOLS, default=list(TOOLS))
    parser.add_argument("--repeat", type=int, default=3, help="no-op re-runs per tool and size (median reported)")
    parser.add_argument("--loop-repeat", type=int, default=1,
                        help="no-op re-runs of the (slow) kubernetes.core loop per size")
    parser.add_argument("--testbed", help="reuse a running test bed directory (testbed.py up DIR)")
    parser.add_argument("--keep", action="store_true", help="leave the test bed running")
    args = parser.parse_args()
    result = run(args)
    log("results: %s" % save_result("expose_apps", result, table(result)))


if __name__ == "__main__":
    main()
