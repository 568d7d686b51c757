# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: playbooks/expose-app.yml on a fleet - C clusters (3) x N apps (50) in one run - forks C against forks 1.

Each cluster is a test bed of its own (kube-apiserver + etcd on 127.0.0.1, no controller manager), a host of one
inventory with its own kubeconfig (istio_edge_k8s_kubeconfig): nothing comes from K8S_AUTH_*. The inventory is
inventories/local's (Istio by helm from the fixture charts, provider nodeport) with N apps (Gateway + VirtualService
each, bench/expose_apps.py's apps) and their namespaces and destination Services made beforehand. A cold run with
forks C converges every cluster; then no-op re-runs alternate forks C and forks 1 (the same machine load for both),
--repeat times each; reported: the median, every run, and the write requests all API servers counted during the
no-op runs (apiserver_request_total, verbs POST|PUT|PATCH|APPLY|DELETE: a no-op writes nothing).

    python bench/fleet.py                              # 3 clusters x 50 apps, forks 3 vs 1, 3 no-op runs each
    python bench/fleet.py --clusters 3 --apps 50 --repeat 5 --no-istio   # the apps only (no role istio, no helm)

Results: a Markdown table on stdout and JSON in bench/results/ (not committed). Figures: docs/benchmarks.md
("A fleet in one run"). Measured, not asserted: the machine's load changes the numbers.
"""

import argparse
import datetime
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
sys.path.insert(0, HERE)

import yaml  # noqa: E402

from expose_apps import ANSIBLE_PLAYBOOK, Cluster, apps_for, log, setup_apps, setup_cluster  # noqa: E402 - puts tests/ on sys.path
import ansible_runner  # noqa: E402
from measure import save_result  # noqa: E402
from testbed import HELM4, TestBed  # noqa: E402

LOCAL = os.path.join(REPO, "inventories", "local", "group_vars", "all")
PLAYBOOK = os.path.join(REPO, "playbooks", "expose-app.yml")
SUMMARY = re.compile(r'"expose_app on (\d+) cluster\(s\): ([^"]*)"')


def write_inventory(path, clusters, apps, istio):
    names = sorted(clusters)
    hosts = dict((name, {"istio_edge_k8s_kubeconfig": clusters[name].kubeconfig}) for name in names)
    inventory = {"all": {"vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
                         "hosts": hosts}}
    os.makedirs(os.path.join(path, "group_vars", "all"), exist_ok=True)
    with open(os.path.join(path, "hosts.yml"), "w") as handle:
        yaml.safe_dump(inventory, handle)
    with open(os.path.join(LOCAL, "istio.yml")) as handle:
        settings = yaml.safe_load(handle)
    settings["istio_chart_repo"] = os.path.join(REPO, "tests", "fixtures", "charts")
    if not istio:
        # the gateway made by hand (bench/expose_apps.py's setup): no helm, no edge role needing role istio's fact
        settings.update(istio_edge_manage_istio=False, istio_edge_provider="loadbalancer")
    settings["istio_edge_apps"] = apps
    with open(os.path.join(path, "group_vars", "all", "vars.yml"), "w") as handle:
        yaml.safe_dump(settings, handle)


def playbook_env(workdir):
    """The environment of the inventory's runs: this collection, helm 4, and no cluster from K8S_AUTH_* or KUBECONFIG."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=ansible_runner.collections_path(), ANSIBLE_NOCOLOR="1",
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, MESHOPS_HELM4=HELM4,
               KUBECONFIG=os.path.join(workdir, "no-such-kubeconfig"))
    for key in [k for k in env if k.startswith("K8S_AUTH_")]:
        del env[key]
    return env


class FleetRunner:
    def __init__(self, workdir, inventory, clusters):
        self.inventory = inventory
        self.clusters = clusters
        self.env = playbook_env(workdir)

    def writes(self):
        return sum(cluster.writes()[0] for cluster in self.clusters.values())

    def run(self, forks):
        cmd = [ANSIBLE_PLAYBOOK, PLAYBOOK, "-i", self.inventory, "-f", str(forks)]
        before = self.writes()
        start = time.monotonic()
        proc = subprocess.run(cmd, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, check=False)
        elapsed = time.monotonic() - start
        writes = self.writes() - before
        summary = SUMMARY.search(proc.stdout)
        if proc.returncode != 0 or not summary:
            raise SystemExit("expose-app failed (forks %d):\n%s" % (forks, proc.stdout[-4000:]))
        return elapsed, writes, summary.group(2)


def run(args):
    workdir = tempfile.mkdtemp(prefix="bench-fleet-")
    beds = []
    try:
        clusters = {}
        for i in range(args.clusters):
            name = "cluster-%d" % (i + 1)
            if args.testbeds:
                info = TestBed(args.testbeds[i]).info
            else:
                bed = TestBed(os.path.join(workdir, name))
                beds.append(bed)   # stopped at the end even when it fails to start
                log("starting %s (kube-apiserver + etcd, no controller manager)" % name)
                info = bed.up(kcm=False)
            clusters[name] = Cluster(info["kubeconfig"])
        apps = apps_for("fleet", args.apps)
        for name, cluster in sorted(clusters.items()):
            extra = "" if args.istio else ", Istio's CRDs and a gateway made by hand"
            log("%s: %d app namespaces with their Service%s" % (name, args.apps, extra))
            if not args.istio:
                setup_cluster(cluster)
            setup_apps(cluster, apps)
        inventory = os.path.join(workdir, "inventory")
        write_inventory(inventory, clusters, apps, args.istio)
        runner = FleetRunner(workdir, inventory, clusters)
        log("cold run, forks %d (converges every cluster)" % args.clusters)
        cold = runner.run(args.clusters)
        log("  %.1fs, %d writes: %s" % cold)
        noops = {args.clusters: [], 1: []}
        for dummy in range(args.repeat):
            for forks in (args.clusters, 1):
                log("no-op run, forks %d" % forks)
                noops[forks].append(runner.run(forks))
                log("  %.1fs, %d writes: %s" % noops[forks][-1])
        rows = []
        for forks in (args.clusters, 1):
            runs = noops[forks]
            rows.append(dict(forks=forks, noop_s=round(statistics.median(r[0] for r in runs), 1),
                             noop_runs=[round(r[0], 1) for r in runs], noop_writes=max(r[1] for r in runs),
                             summary=runs[-1][2]))
        return dict(clusters=args.clusters, apps=args.apps, istio=args.istio, repeat=args.repeat,
                    cold=dict(forks=args.clusters, seconds=round(cold[0], 1), writes=cold[1], summary=cold[2]),
                    rows=rows, when=datetime.datetime.now().isoformat(timespec="seconds"),
                    machine=dict(cpus=os.cpu_count(), load=os.getloadavg(), python=platform.python_version()))
    finally:
        for bed in beds:
            if not args.keep:
                bed.destroy()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def table(result):
    lines = ["| clusters x apps | forks | no-op run (s), median | no-op runs (s) | writes, no-op | summary |",
             "|---|---:|---:|---|---:|---|"]
    for row in result["rows"]:
        lines.append("| %d x %d | %d | %.1f | %s | %d | %s |" % (
            result["clusters"], result["apps"], row["forks"], row["noop_s"],
            ", ".join("%.1f" % x for x in row["noop_runs"]), row["noop_writes"], row["summary"]))
    fast, slow = result["rows"][0]["noop_s"], result["rows"][1]["noop_s"]
    lines.append("")
    lines.append("forks %d: %.2fx faster than forks 1 (%s). Cold run (forks %d): %.1fs, %d writes (%s)." % (
        result["clusters"], slow / fast if fast else 0, "with role istio" if result["istio"] else "apps only",
        result["cold"]["forks"], result["cold"]["seconds"], result["cold"]["writes"], result["cold"]["summary"]))
    lines.append("%s CPUs, load average at the end %s." % (
        result["machine"]["cpus"], " ".join("%.1f" % x for x in os.getloadavg())))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--clusters", type=int, default=3)
    parser.add_argument("--apps", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3, help="no-op runs per forks value (median reported)")
    parser.add_argument("--no-istio", dest="istio", action="store_false",
                        help="leave role istio out (no helm): the gateway is made by hand, the provider loadbalancer")
    parser.add_argument("--testbeds", nargs="+", help="reuse running test beds (testbed.py up DIR), one per cluster")
    parser.add_argument("--keep", action="store_true", help="leave the test beds running")
    args = parser.parse_args()
    if args.testbeds and len(args.testbeds) != args.clusters:
        parser.error("--testbeds needs one directory per cluster (%d)" % args.clusters)
    result = run(args)
    log("results: %s" % save_result("fleet", result, table(result)))


if __name__ == "__main__":
    main()
