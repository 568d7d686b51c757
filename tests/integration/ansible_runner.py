# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the collection's modules and playbooks for real with ansible-playbook (no mocks).

``Ansible.module(name, args, check=False, diff=False)`` runs one task on localhost and returns its result dict
(``failed``, ``changed``, ``msg``, …) plus ``_stdout``; ``Ansible.playbook(path, inventory, extra_vars)`` runs a
playbook and returns (rc, stdout, results); ``task_result(results, name)`` picks one task's result from them.
"""

import json
import os
import subprocess
import sys
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def collections_path():
    """A directory holding ansible_collections/meshops/istio_edge pointing at this checkout."""
    parts = REPO.rstrip("/").split("/")
    if parts[-3:] == ["ansible_collections", "meshops", "istio_edge"]:
        return "/".join(parts[:-3])
    base = os.path.join(tempfile.gettempdir(), "meshops-istio-edge-collections-%d" % os.getuid())
    link = os.path.join(base, "ansible_collections", "meshops", "istio_edge")
    os.makedirs(os.path.dirname(link), exist_ok=True)
    if os.path.islink(link) and os.readlink(link) != REPO:
        os.unlink(link)
    if not os.path.exists(link):
        os.symlink(REPO, link)
    return base


def task_result(results, name):
    """The last result of the task whose name (role prefix aside) starts with ``name``."""
    found = [r for r in results if r["_task"].split(" : ", 1)[-1].startswith(name)]
    assert found, "no task %r in %s" % (name, [r["_task"] for r in results])
    return found[-1]


class Ansible:
    def __init__(self, workdir, env=None):
        self.workdir = workdir
        self.env = dict(os.environ)
        self.env.update({
            "ANSIBLE_COLLECTIONS_PATH": collections_path(),
            "ANSIBLE_CALLBACK_PLUGINS": os.path.join(HERE, "callback_plugins"),
            "ANSIBLE_CALLBACKS_ENABLED": "result_dump",
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
            "ANSIBLE_DEPRECATION_WARNINGS": "0",
            "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
        })
        self.env.update(env or {})
        self._n = 0

    def _tmp(self, suffix):
        self._n += 1
        return os.path.join(self.workdir, "run-%04d%s" % (self._n, suffix))

    def playbook(self, playbook, inventory=None, extra_vars=None, check=False, diff=False, verbosity=0,
                 env=None, timeout=600, args=()):
        results = self._tmp(".jsonl")
        cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), playbook]
        cmd += ["-i", inventory or "localhost,"]
        if extra_vars:
            path = self._tmp("-vars.json")
            with open(path, "w") as handle:
                json.dump(extra_vars, handle)
            cmd += ["-e", "@" + path]
        if check:
            cmd.append("--check")
        if diff:
            cmd.append("--diff")
        if verbosity:
            cmd.append("-" + "v" * verbosity)
        cmd += list(args)
        run_env = dict(self.env, MESHOPS_RESULT_FILE=results)
        run_env.update(env or {})
        proc = subprocess.run(cmd, env=run_env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, timeout=timeout, check=False)
        out = []
        if os.path.exists(results):
            with open(results) as handle:
                out = [json.loads(line) for line in handle if line.strip()]
        return proc.returncode, proc.stdout, out

    def module(self, name, args, check=False, diff=False, verbosity=0, env=None, vars=None):
        """Run ``meshops.istio_edge.<name>`` (or a FQCN) once on localhost; return its result."""
        fqcn = name if "." in name else "meshops.istio_edge." + name
        play = [{
            "hosts": "localhost", "gather_facts": False, "connection": "local",
            "vars": dict({"ansible_python_interpreter": sys.executable}, **(vars or {})),
            "tasks": [{"name": "under test", fqcn: args, "ignore_errors": True}],
        }]
        path = self._tmp("-play.yml")
        with open(path, "w") as handle:
            yaml.safe_dump(play, handle)
        rc, stdout, results = self.playbook(path, check=check, diff=diff, verbosity=verbosity, env=env)
        mine = [r for r in results if r.get("_task") == "under test"]
        if not mine:
            raise AssertionError("module %s produced no result (rc=%s):\n%s" % (fqcn, rc, stdout[-4000:]))
        result = mine[-1]
        result["_stdout"] = stdout
        # ansible-core 2.19 does not always put "failed" in the result: the callback's status says it
        result.setdefault("failed", result.get("_status") == "failed")
        result.setdefault("changed", False)
        return result
