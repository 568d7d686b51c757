# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The helm command line, run with the module's Kubernetes connection (private).

``HelmCli`` is a context manager: it makes a private working directory (mode 0700) for values files and,
when the connection options do not name a kubeconfig file as is, a rendered kubeconfig (mode 0600, via
``k8s.client.write_kubeconfig``). Both are removed on exit. Command lines never carry credentials, and
nothing here logs the kubeconfig or a token.

helm runs in that private directory, so a chart name such as ``base`` is never mistaken for a local
directory of the caller's working directory.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import shutil
import subprocess
import tempfile

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.helm.errors import classify, helm_message
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.client import write_kubeconfig

_VERSION_RE = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")


def parse_version(text):
    """``(major, minor, patch)`` from ``helm version`` output such as ``v3.17.3+ge4da497``; None if unknown."""
    match = _VERSION_RE.search(text or "")
    if not match:
        return None
    return tuple(int(part) for part in match.groups())


def find_binary(binary):
    """The absolute path of the helm binary, or an EdgeError naming ``helm_binary``."""
    if os.sep in binary:
        path = os.path.expanduser(binary)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
        raise EdgeError("helm_binary: %s is not an executable file." % path, field="helm_binary",
                        hint="Point helm_binary at a helm 3 or helm 4 binary.")
    path = shutil.which(binary)
    if not path:
        raise EdgeError("helm_binary: %s was not found on PATH (%s)." % (binary, os.environ.get("PATH", "")),
                        field="helm_binary",
                        hint="Install helm 3 or 4 on the host that runs the module, or set helm_binary to its path.")
    return path


class HelmResult:
    def __init__(self, rc, stdout, stderr):
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr

    @property
    def message(self):
        return helm_message(self.stderr, self.stdout)

    def json(self):
        text = (self.stdout or "").strip()
        if not text:
            return None
        return json.loads(text)


class HelmCli:
    """Runs helm against the cluster of ``auth_params`` (the k8s_auth options)."""

    def __init__(self, binary, auth_params, timeout=300):
        self.binary = find_binary(binary or "helm")
        self.auth_params = auth_params
        self.timeout = int(timeout)
        self.workdir = None
        self._kubeconfig = None
        self._kubeconfig_is_temp = False
        self._version = None

    # -- lifecycle ------------------------------------------------------------------------------------
    def __enter__(self):
        self.workdir = tempfile.mkdtemp(prefix="istio-edge-helm-")
        os.chmod(self.workdir, 0o700)
        return self

    def __exit__(self, *exc):
        if self._kubeconfig_is_temp and self._kubeconfig and os.path.exists(self._kubeconfig):
            os.unlink(self._kubeconfig)
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
        return False

    def _connection_args(self):
        if self._kubeconfig is None:
            path, is_temp = write_kubeconfig(self.auth_params, directory=self.workdir)
            self._kubeconfig, self._kubeconfig_is_temp = path, is_temp
        args = []
        if self._kubeconfig:
            args += ["--kubeconfig", self._kubeconfig]
        if not self._kubeconfig_is_temp:
            params = self.auth_params
            if params.get("context"):
                args += ["--kube-context", params["context"]]
            if params.get("ca_cert"):
                args += ["--kube-ca-file", params["ca_cert"]]
            if params.get("validate_certs") is False:
                args.append("--kube-insecure-skip-tls-verify")
        return args

    # -- running --------------------------------------------------------------------------------------
    def run(self, args, cluster=True, timeout=None):
        """Run ``helm <args>``; returns a HelmResult (never raises on a non-zero exit)."""
        cmd = [self.binary] + list(args)
        if cluster:
            cmd += self._connection_args()
        # The module's connection options are the only source of the cluster connection: helm's own
        # HELM_KUBE* / HELM_NAMESPACE variables would silently point it elsewhere.
        env = dict((key, value) for key, value in os.environ.items()
                   if not key.startswith("HELM_KUBE") and key != "HELM_NAMESPACE")
        env["NO_COLOR"] = "1"
        try:
            proc = subprocess.run(cmd, cwd=self.workdir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, universal_newlines=True, check=False,
                                  timeout=(timeout or self.timeout) + 60)
        except subprocess.TimeoutExpired:
            raise EdgeError("helm %s did not finish within %ss." % (args[0], (timeout or self.timeout) + 60),
                            field="timeout", code="timeout", hint="Raise timeout, or check the cluster's health.")
        except OSError as exc:
            raise EdgeError("helm_binary: cannot run %s: %s" % (self.binary, exc), field="helm_binary")
        return HelmResult(proc.returncode, proc.stdout, proc.stderr)

    def check(self, args, action, release=None, field_prefix=None, cluster=True, fetching=False):
        """Run and raise a classified EdgeError on failure."""
        result = self.run(args, cluster=cluster)
        if result.rc != 0:
            raise classify(result.message, action, release=release, field_prefix=field_prefix, fetching=fetching)
        return result

    @property
    def version(self):
        """``(major, minor, patch)`` of the helm binary."""
        if self._version is None:
            result = self.run(["version", "--template", "{{.Version}}"], cluster=False)
            version = parse_version(result.stdout) if result.rc == 0 else None
            if not version or version[0] not in (3, 4):
                raise EdgeError("helm_binary: %s is not helm 3 or 4 (helm version said: %s)."
                                % (self.binary, (result.stdout or result.message).strip()[:200]),
                                field="helm_binary", hint="Use a helm 3.x or 4.x binary.")
            self._version = version
        return self._version

    @property
    def version_text(self):
        return "v%d.%d.%d" % self.version

    def write_values(self, name, values):
        """A private values file (JSON is YAML) for ``-f``."""
        path = os.path.join(self.workdir, "%s-values.json" % re.sub(r"[^A-Za-z0-9_.-]", "_", name))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(values or {}, handle, sort_keys=True)
        return path
