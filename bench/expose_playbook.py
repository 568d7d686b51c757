# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the whole playbooks/expose-app.yml no-op on N apps against its app_route task alone, side by side.

One test bed (kube-apiserver + etcd on 127.0.0.1, no controller manager; or --testbed DIR), one cluster with
inventories/local's settings (Istio by helm 4 from the fixture charts, provider nodeport) and N apps (a Gateway and
a VirtualService with two routes each: bench/expose_apps.py's apps), written as bench/fleet.py writes a fleet's
inventory. Per size (ascending; a larger size's apps include the smaller's, so the cluster holds exactly N apps):
the apps' namespaces and Services, a first run of expose-app.yml (the first size's installs Istio; each creates the
routes of the apps added), then --repeat no-op runs alternating

  (a) the whole playbook (role istio, the edge role, role expose_app, the final check), and
  (b) a play with the single app_route task of role expose_app (the same module arguments, the same gateway: the
      one role istio installed) on the same inventory - the cost of the routing alone.

Reported per size: the medians and their difference, the write requests the API server counted during the no-op
runs (all, and networking.istio.io: both 0 on a bed without a controller manager), the peak RSS of
ansible-playbook's main process and of the largest process of the run, and the wall time of every task of the whole
playbook (bench/callback_plugins/task_times.py; the top 10 of the last no-op run printed); with two sizes or more,
the slopes (seconds per added app) of both.

    make bench-playbook                                 # python bench/expose_playbook.py (sizes 200 1000)
    python bench/expose_playbook.py --sizes 20 40 --repeat 1
    python bench/expose_playbook.py --testbed /tmp/bed --sizes 200 --repeat 5

Results: a Markdown table on stdout and JSON in bench/results/ (not committed). Measured, not asserted: the
machine's load changes the numbers.
"""

import argparse
import datetime
import json
import operator
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import yaml  # noqa: E402
from ansible.release import __version__ as ANSIBLE_CORE  # noqa: E402

from expose_apps import ANSIBLE_PLAYBOOK, REPO, Cluster, apps_for, log, setup_apps  # noqa: E402 - puts tests/ on sys.path
from fleet import LOCAL, PLAYBOOK, SUMMARY, playbook_env, write_inventory  # noqa: E402
from measure import run_measured, save_result  # noqa: E402
from testbed import TestBed  # noqa: E402

CLUSTER = "local"
RECAP = re.compile(r"\schanged=(\d+)\s")
ROLE_DEFAULTS = os.path.join(REPO, "roles", "{role}", "defaults", "main.yml")
TOP_TASKS = 10

APP_ROUTE_PLAY = """
- name: Route the apps only (the app_route task of role expose_app)
  hosts: all
  gather_facts: false
  tasks:
    - name: Ensure the apps' routes (one app_route call for every app) are present
      meshops.istio_edge.app_route:
        apps: "{{ istio_edge_apps }}"
        state: present
        gateway_name: %(gateway_name)s
        gateway_namespace: %(gateway_namespace)s
        parallel: %(parallel)d
        kubeconfig: "{{ istio_edge_k8s_kubeconfig }}"
"""


def _yaml(path):
    with open(path) as handle:
        return yaml.safe_load(handle) or {}


def gateway_and_parallel():
    """The gateway role istio installs with inventories/local's settings, and role expose_app's parallel."""
    istio = _yaml(ROLE_DEFAULTS.format(role="istio"))
    istio.update(_yaml(os.path.join(LOCAL, "istio.yml")))
    expose = _yaml(ROLE_DEFAULTS.format(role="expose_app"))
    out = dict(gateway_name=istio["istio_gateway_name"], gateway_namespace=istio["istio_gateway_namespace"],
               parallel=int(expose["expose_app_parallel"]))
    for key, value in out.items():
        if "{{" in str(value):
            raise SystemExit("%s is templated (%s): set it in bench/expose_playbook.py" % (key, value))
    return out


class Runner:
    def __init__(self, workdir, inventory, cluster):
        self.workdir = workdir
        self.inventory = inventory
        self.cluster = cluster
        self.env = playbook_env(workdir)
        self.app_route_play = os.path.join(workdir, "app-route-only.yml")
        with open(self.app_route_play, "w") as handle:
            handle.write(APP_ROUTE_PLAY % gateway_and_parallel())
        self.times = os.path.join(workdir, "task-times.json")
        self.whole_env = dict(self.env, ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, "callback_plugins"),
                              ANSIBLE_CALLBACKS_ENABLED="task_times", MESHOPS_BENCH_TASK_TIMES=self.times)

    def _run(self, playbook, env):
        before = self.cluster.writes()
        done = run_measured([ANSIBLE_PLAYBOOK, playbook, "-i", self.inventory], env)
        after = self.cluster.writes()
        if done.returncode != 0:
            raise SystemExit("%s failed:\n%s" % (os.path.basename(playbook), done.output[-4000:]))
        return dict(seconds=round(done.seconds, 2), writes=after[0] - before[0], istio_writes=after[1] - before[1],
                    main_rss_mb=done.main_rss_mb, max_rss_mb=done.max_rss_mb,
                    changed=sum(int(c) for c in RECAP.findall(done.output))), done.output

    def whole(self):
        if os.path.exists(self.times):
            os.remove(self.times)
        run, output = self._run(PLAYBOOK, self.whole_env)
        summary = SUMMARY.search(output)
        if not summary:
            raise SystemExit("expose-app.yml printed no fleet summary:\n%s" % output[-4000:])
        run["summary"] = summary.group(2)
        with open(self.times) as handle:
            times = json.load(handle)
        run["tasks"], run["tasks_total_s"] = times["tasks"], times["total"]
        return run

    def app_route(self):
        return self._run(self.app_route_play, self.env)[0]


def _stats(runs):
    return dict(median_s=round(statistics.median(r["seconds"] for r in runs), 2), runs_s=[r["seconds"] for r in runs],
                writes=max(r["writes"] for r in runs), istio_writes=max(r["istio_writes"] for r in runs),
                main_rss_mb=max(r["main_rss_mb"] for r in runs), max_rss_mb=max(r["max_rss_mb"] for r in runs),
                changed=max(r["changed"] for r in runs))


def measure_size(runner, n, repeat):
    log("N=%d: first run of expose-app.yml" % n)
    first = runner.whole()
    log("  %.1fs, %d writes (%d networking.istio.io): %s" % (
        first["seconds"], first["writes"], first["istio_writes"], first["summary"]))
    whole, alone = [], []
    for dummy in range(repeat):
        log("N=%d: no-op run, whole playbook" % n)
        whole.append(runner.whole())
        log("  %.1fs, %d writes (%d networking.istio.io): %s" % (
            whole[-1]["seconds"], whole[-1]["writes"], whole[-1]["istio_writes"], whole[-1]["summary"]))
        log("N=%d: no-op run, app_route only" % n)
        alone.append(runner.app_route())
        log("  %.1fs, %d writes (%d networking.istio.io), changed=%d" % (
            alone[-1]["seconds"], alone[-1]["writes"], alone[-1]["istio_writes"], alone[-1]["changed"]))
    row = dict(n=n, first=dict((k, v) for k, v in first.items() if k != "tasks"), first_tasks=first["tasks"],
               whole=_stats(whole), app_route=_stats(alone), summaries=[r["summary"] for r in whole],
               tasks=whole[-1]["tasks"], tasks_total_s=whole[-1]["tasks_total_s"], last_whole_s=whole[-1]["seconds"])
    row["difference_s"] = round(row["whole"]["median_s"] - row["app_route"]["median_s"], 2)
    return row


def slopes(rows):
    out = []
    for low, high in zip(rows, rows[1:]):
        apps = float(high["n"] - low["n"])
        out.append(dict(n1=low["n"], n2=high["n"],
                        whole_s_per_app=round((high["whole"]["median_s"] - low["whole"]["median_s"]) / apps, 4),
                        app_route_s_per_app=round((high["app_route"]["median_s"] - low["app_route"]["median_s"]) / apps, 4)))
    return out


def run(args):
    sizes = sorted(set(args.sizes))
    workdir = tempfile.mkdtemp(prefix="bench-expose-playbook-")
    bed = None
    try:
        if args.testbed:
            info = TestBed(args.testbed).info
        else:
            bed = TestBed(os.path.join(workdir, "testbed"))
            log("starting a test bed (kube-apiserver + etcd, no controller manager)")
            info = bed.up(kcm=False)
        cluster = Cluster(info["kubeconfig"])
        every_app = apps_for("playbook", sizes[-1])
        inventory = os.path.join(workdir, "inventory")
        runner = None
        rows = []
        made = 0
        for n in sizes:
            log("N=%d: %d more app namespaces with their Service" % (n, n - made))
            setup_apps(cluster, every_app[made:n])
            made = n
            write_inventory(inventory, {CLUSTER: cluster}, every_app[:n], True)
            runner = runner or Runner(workdir, inventory, cluster)
            rows.append(measure_size(runner, n, args.repeat))
        return dict(rows=rows, slopes=slopes(rows), repeat=args.repeat, testbed=args.testbed or "own (no kcm)",
                    gateway=gateway_and_parallel(), when=datetime.datetime.now().isoformat(timespec="seconds"),
                    machine=dict(cpus=os.cpu_count(), load=os.getloadavg(), python=platform.python_version(),
                                 ansible_core=ANSIBLE_CORE))
    finally:
        if bed is not None and not args.keep:
            bed.destroy()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def table(result):
    lines = ["| apps | whole no-op (s), median | app_route only (s), median | difference (s) | whole runs (s) "
             "| app_route runs (s) | writes, no-op: istio / all | peak RSS (MB) whole: main / largest "
             "| peak RSS (MB) app_route: main / largest | first run (s), writes |",
             "|---:|---:|---:|---:|---|---|---|---|---|---|"]
    for row in result["rows"]:
        whole, alone = row["whole"], row["app_route"]
        lines.append("| %d | %.1f | %.1f | %+.1f | %s | %s | %d / %d (app_route: %d / %d) | %.0f / %.0f | %.0f / %.0f "
                     "| %.1f, %d |" % (
                         row["n"], whole["median_s"], alone["median_s"], row["difference_s"],
                         ", ".join("%.1f" % x for x in whole["runs_s"]), ", ".join("%.1f" % x for x in alone["runs_s"]),
                         whole["istio_writes"], whole["writes"], alone["istio_writes"], alone["writes"],
                         whole["main_rss_mb"], whole["max_rss_mb"], alone["main_rss_mb"], alone["max_rss_mb"],
                         row["first"]["seconds"], row["first"]["writes"]))
    lines.append("")
    for row in result["rows"]:
        if row["n"] == 200:
            lines.append("N=200: whole - app_route = %+.1fs (target: at most +3 s): %s." % (
                row["difference_s"], "met" if row["difference_s"] <= 3 else "NOT met"))
        converged = all("converged" in s and "changed" not in s for s in row["summaries"])
        lines.append("N=%d: no-op summaries %s; app_route-only play changed=%d." % (
            row["n"], "all converged" if converged else "NOT all converged: %s" % row["summaries"],
            row["app_route"]["changed"]))
    for slope in result["slopes"]:
        lines.append("Slope %d -> %d apps: whole %.1f ms/app, app_route %.1f ms/app (target: whole <= app_route): %s." % (
            slope["n1"], slope["n2"], slope["whole_s_per_app"] * 1000, slope["app_route_s_per_app"] * 1000,
            "met" if slope["whole_s_per_app"] <= slope["app_route_s_per_app"] else "NOT met"))
    for row in result["rows"]:
        lines.append("")
        lines.append("N=%d, the last whole no-op run (%.1f s of wall time; %.1f s from the callback's start, after the "
                     "inventory is read; %.1f s in tasks), its top %d tasks:" % (
                         row["n"], row["last_whole_s"], row["tasks_total_s"], sum(t["seconds"] for t in row["tasks"]),
                         TOP_TASKS))
        lines.append("")
        lines.append("| s | task |")
        lines.append("|---:|---|")
        for task in sorted(row["tasks"], key=operator.itemgetter("seconds"), reverse=True)[:TOP_TASKS]:
            lines.append("| %.2f | %s (%s) |" % (task["seconds"], task["name"], task["action"]))
    lines.append("")
    lines.append("Gateway %(gateway_namespace)s/%(gateway_name)s, parallel %(parallel)d; " % result["gateway"]
                 + "test bed: %s; %s CPUs, load average at the end %s." % (
                     result["testbed"], result["machine"]["cpus"], " ".join("%.1f" % x for x in os.getloadavg())))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 1000], help="numbers of apps (ascending)")
    parser.add_argument("--repeat", type=int, default=3, help="no-op runs of each kind per size (median reported)")
    parser.add_argument("--testbed", help="reuse a running test bed directory (testbed.py up DIR)")
    parser.add_argument("--keep", action="store_true", help="leave the test bed and the work directory")
    args = parser.parse_args()
    if args.repeat < 1 or min(args.sizes) < 1:
        parser.error("--repeat and --sizes must be positive")
    result = run(args)
    log("results: %s" % save_result("expose_playbook", result, table(result)))


if __name__ == "__main__":
    main()
