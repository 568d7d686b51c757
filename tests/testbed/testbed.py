#!/usr/bin/env python
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Start and stop the local test bed: a real kube-apiserver + etcd (+ kube-controller-manager) and,
on request, moto's server for AWS — all on 127.0.0.1, on free ports, stopped by recorded PIDs.

    python tests/testbed/testbed.py up DIR [--no-kcm] [--moto]   # writes DIR/testbed.env and DIR/testbed.json
    python tests/testbed/testbed.py down DIR

Used by the pytest fixtures (tests/integration/conftest.py), molecule's create/destroy and `make local`.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.environ.get("MESHOPS_CACHE") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "meshops-istio-edge")
K8S_BIN = os.environ.get("MESHOPS_K8S_BIN") or os.path.join(CACHE, "k8s-v1.20.2")
HELM3 = os.environ.get("MESHOPS_HELM3") or os.path.join(CACHE, "helm-v3", "helm")
HELM4 = os.environ.get("MESHOPS_HELM4") or os.path.join(CACHE, "helm-v4", "helm")


def free_port(span=1):
    """A port p such that p .. p+span-1 are free on 127.0.0.1."""
    for _attempt in range(200):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port + span >= 65000:
            continue
        ok = True
        for extra in range(1, span):
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port + extra))
                except OSError:
                    ok = False
                    break
        if ok:
            return port
    raise RuntimeError("no free port range found on 127.0.0.1")


def _wait_http(url, timeout=30.0, pid=None):
    import urllib.request
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except Exception:  # noqa: BLE001 - still starting
            if pid and not _alive(pid):
                raise RuntimeError("process %s died while starting %s" % (pid, url))
            time.sleep(0.1)
    raise RuntimeError("%s did not answer within %ss" % (url, timeout))


def _alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def stop_pid(path, procs=None):
    """Stop the process whose PID the file ``path`` records (SIGTERM, SIGKILL after 5 s) and remove the file.

    ``procs``: {pid: Popen} of servers started by the calling process; the stopped one is taken out and reaped,
    so no zombie looks alive.
    """
    if not os.path.exists(path):
        return
    with open(path) as handle:
        pid = int(handle.read().strip() or 0)
    proc = (procs if procs is not None else {}).pop(pid, None)
    if pid and _alive(pid):
        os.kill(pid, signal.SIGTERM)
        if proc is not None:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for _tick in range(50):
            if not _alive(pid):
                break
            time.sleep(0.1)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    os.unlink(path)


class TestBed:
    """One test bed instance living in ``workdir``."""

    def __init__(self, workdir):
        self.workdir = os.path.abspath(workdir)
        self.info_path = os.path.join(self.workdir, "testbed.json")

    @property
    def info(self):
        with open(self.info_path) as handle:
            return json.load(handle)

    def up(self, kcm=True, moto=False):
        os.makedirs(self.workdir, exist_ok=True)
        if not os.path.exists(os.path.join(K8S_BIN, "kube-apiserver")):
            raise SystemExit("kube-apiserver not built: run tests/testbed/bootstrap.sh first")
        api_port = free_port(2)
        etcd_port = free_port(11)
        env = dict(os.environ, BIN=K8S_BIN, API_PORT=str(api_port), ETCD_PORT=str(etcd_port),
                   KCM="1" if kcm else "0")
        subprocess.run(["bash", os.path.join(HERE, "start-cluster.sh"), self.workdir], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        info = {
            "workdir": self.workdir,
            "kubeconfig": os.path.join(self.workdir, "kubeconfig"),
            "api_server": "https://127.0.0.1:%d" % api_port,
            "ca_cert": os.path.join(self.workdir, "pki", "ca.crt"),
            "helm3": HELM3,
            "helm4": HELM4,
        }
        if moto:
            info["aws_endpoint_url"] = self.start_moto()
        with open(self.info_path, "w") as handle:
            json.dump(info, handle, indent=2)
        with open(os.path.join(self.workdir, "testbed.env"), "w") as handle:
            handle.write("export K8S_AUTH_KUBECONFIG=%s\n" % info["kubeconfig"])
            handle.write("export KUBECONFIG=%s\n" % info["kubeconfig"])
            handle.write("export MESHOPS_HELM3=%s MESHOPS_HELM4=%s\n" % (HELM3, HELM4))
            if moto:
                handle.write("export AWS_ENDPOINT_URL=%s AWS_DEFAULT_REGION=us-east-1 "
                             "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing\n" % info["aws_endpoint_url"])
        return info

    def start_moto(self):
        port = free_port()
        log = open(os.path.join(self.workdir, "log", "moto.log"), "w")
        env = dict(os.environ, MOTO_ACM_VALIDATION_WAIT="0")
        proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        with open(os.path.join(self.workdir, "moto.pid"), "w") as handle:
            handle.write(str(proc.pid))
        url = "http://127.0.0.1:%d" % port
        _wait_http(url + "/moto-api/", pid=proc.pid)
        return url

    # -- API-server restarts (fault tests) ------------------------------------------------------------------
    def stop_apiserver(self):
        """Stop kube-apiserver by its recorded PID, keeping its command line to start it again; returns it."""
        pid_path = os.path.join(self.workdir, "kube-apiserver.pid")
        with open(pid_path) as handle:
            pid = int(handle.read().strip())
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            argv = [part.decode() for part in handle.read().split(b"\0") if part]
        with open(os.path.join(self.workdir, "kube-apiserver.argv.json"), "w") as handle:
            json.dump(argv, handle)
        stop_pid(pid_path)
        return argv

    def start_apiserver(self, extra_args=(), timeout=60.0):
        """Start kube-apiserver again with the flags it had (plus ``extra_args``) and wait for /readyz."""
        with open(os.path.join(self.workdir, "kube-apiserver.argv.json")) as handle:
            argv = json.load(handle)
        log = open(os.path.join(self.workdir, "log", "kube-apiserver.log"), "a")
        proc = subprocess.Popen(argv + list(extra_args), cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        with open(os.path.join(self.workdir, "kube-apiserver.pid"), "w") as handle:
            handle.write(str(proc.pid))
        self.wait_ready(timeout, pid=proc.pid)
        return proc.pid

    def restart_apiserver(self, extra_args=(), timeout=60.0):
        """Stop kube-apiserver and start it again with the same flags; returns the new PID."""
        self.stop_apiserver()
        return self.start_apiserver(extra_args, timeout)

    def wait_ready(self, timeout=60.0, pid=None):
        """Wait until the API server answers /readyz (admin client certificate)."""
        import ssl
        import urllib.request
        pki = os.path.join(self.workdir, "pki")
        ctx = ssl.create_default_context(cafile=os.path.join(pki, "ca.crt"))
        ctx.load_cert_chain(os.path.join(pki, "admin.crt"), os.path.join(pki, "admin.key"))
        url = self.info["api_server"] + "/readyz"
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(url, timeout=2, context=ctx).read()
                return
            except Exception:  # noqa: BLE001 - still starting
                if pid and not _alive(pid):
                    raise RuntimeError("kube-apiserver %s died while starting; see log/kube-apiserver.log" % pid)
                if time.monotonic() > deadline:
                    raise RuntimeError("kube-apiserver did not become ready within %ss" % timeout)
                time.sleep(0.2)

    def down(self):
        for name in ("moto", "fake-arm"):
            stop_pid(os.path.join(self.workdir, "%s.pid" % name))
        subprocess.run(["bash", os.path.join(HERE, "stop-cluster.sh"), self.workdir], check=False)

    def destroy(self):
        self.down()
        shutil.rmtree(self.workdir, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up")
    up.add_argument("dir")
    up.add_argument("--no-kcm", action="store_true", help="do not start kube-controller-manager")
    up.add_argument("--moto", action="store_true", help="also start moto's server for AWS")
    down = sub.add_parser("down")
    down.add_argument("dir")
    down.add_argument("--purge", action="store_true", help="also remove the directory")
    args = parser.parse_args(argv)
    bed = TestBed(args.dir)
    if args.cmd == "up":
        if os.path.exists(os.path.join(bed.workdir, "kube-apiserver.pid")):
            bed.down()
        print(json.dumps(bed.up(kcm=not args.no_kcm, moto=args.moto), indent=2))
    else:
        bed.destroy() if args.purge else bed.down()


if __name__ == "__main__":
    main()
