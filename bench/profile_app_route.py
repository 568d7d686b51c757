# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Profile app_route's module process on N apps (default 1,000) against a running test bed.

Creates the apps' namespaces and Services (as bench/expose_apps.py does), runs the module process - the same code
an AnsiballZ child runs: ``python -m ansible_collections...app_route ARGS.json`` - once cold and once as a no-op
and prints their wall times, the module process's peak RSS (ru_maxrss of each run) and the size of the no-op
result; then runs a no-op under pyinstrument (or cProfile) and prints the profile (text).

    python tests/testbed/testbed.py up /tmp/bench-bed --moto
    python bench/profile_app_route.py --testbed /tmp/bench-bed --apps 1000 [--cprofile]
    python bench/profile_app_route.py --testbed /tmp/bench-bed --apps 3000 --no-profile    # time, memory, size only

Needs pyinstrument (bench/requirements.txt) unless --cprofile or --no-profile.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import expose_apps as bench  # noqa: E402
from measure import run_measured  # noqa: E402

MODULE = "ansible_collections.meshops.istio_edge.plugins.modules.app_route"


def module_args(kubeconfig, apps, **extra):
    args = dict(apps=apps, gateway_namespace=bench.GW_NS, gateway_name="istio-ingress", kubeconfig=kubeconfig,
                _ansible_check_mode=False, _ansible_diff=False, _ansible_verbosity=0)
    args.update(extra)
    return {"ANSIBLE_MODULE_ARGS": args}


def run_module(argv, env):
    """(seconds, peak RSS MB of this run's module process, stdout)."""
    done = run_measured(argv, env, stderr_to_stdout=False)
    if done.returncode != 0:
        raise SystemExit("module failed:\n%s\n%s" % (done.output[-3000:], done.errors[-3000:]))
    return done.seconds, done.max_rss_mb, done.output


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--testbed", required=True)
    parser.add_argument("--apps", type=int, default=1000)
    parser.add_argument("--tag", default="profile", help="namespace prefix (tool name in bench/expose_apps.py)")
    parser.add_argument("--cprofile", action="store_true", help="cProfile (sorted by cumulative time) instead")
    parser.add_argument("--no-profile", dest="profile", action="store_false",
                        help="only the cold and no-op runs' times, peak RSS and result size (no profiler run)")
    args = parser.parse_args()
    info = bench.TestBed(args.testbed).info
    cluster = bench.Cluster(info["kubeconfig"])
    bench.setup_cluster(cluster)
    apps = bench.apps_for(args.tag, args.apps)
    bench.setup_apps(cluster, apps)
    workdir = tempfile.mkdtemp(prefix="bench-profile-")
    try:
        measure_module(args, info, apps, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def measure_module(args, info, apps, workdir):
    path = os.path.join(workdir, "args.json")
    with open(path, "w") as handle:
        json.dump(module_args(info["kubeconfig"], apps), handle)
    env = dict(os.environ, PYTHONPATH=bench.ansible_runner.collections_path())
    plain = [sys.executable, "-m", MODULE, path]
    cold = run_module(plain, env)
    noop = run_module(plain, env)
    result = json.loads(noop[2])
    print("%d apps: first run %.2fs (peak RSS %.0f MB); no-op %.2fs, peak RSS %.0f MB, writes %s, result %d bytes"
          % (args.apps, cold[0], cold[1], noop[0], noop[1], result["api_requests"]["write"], len(noop[2])))
    if not args.profile:
        return
    if args.cprofile:
        out = os.path.join(workdir, "prof")
        run_module([sys.executable, "-m", "cProfile", "-o", out, "-m", MODULE, path], env)
        import pstats
        pstats.Stats(out).sort_stats("cumulative").print_stats(40)
    else:
        report = os.path.join(workdir, "profile.txt")
        run_module([sys.executable, "-m", "pyinstrument", "-r", "text", "-o", report, "-m", MODULE, path], env)
        with open(report) as handle:
            print(handle.read())


if __name__ == "__main__":
    main()
