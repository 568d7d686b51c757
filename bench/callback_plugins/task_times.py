# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Callback for the benchmarks: the wall time of every task, written as JSON when the playbook ends.

Enabled by bench/expose_playbook.py (ANSIBLE_CALLBACK_PLUGINS=bench/callback_plugins,
ANSIBLE_CALLBACKS_ENABLED=task_times); the file is MESHOPS_BENCH_TASK_TIMES. Each entry: the task's role, name and
action, and the seconds from its start to the result of its last host (with forks > 1 the hosts overlap).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = """
name: task_times
type: aggregate
short_description: Wall time per task, as JSON (benchmarks only)
description:
  - Writes the wall time of every task to the file named by the environment variable E(MESHOPS_BENCH_TASK_TIMES).
requirements:
  - enabled with ANSIBLE_CALLBACKS_ENABLED=task_times
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_times"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self.tasks = []
        self.current = None
        self.start = time.monotonic()

    def _begin(self, task):
        self._end()
        role = task._role.get_name() if task._role else ""
        self.current = {"role": role, "name": task.get_name(), "action": task.action, "start": time.monotonic()}

    def _end(self):
        if self.current is not None:
            self.current["seconds"] = round(time.monotonic() - self.current.pop("start"), 3)
            self.tasks.append(self.current)
            self.current = None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._begin(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._begin(task)

    def v2_playbook_on_stats(self, stats):
        self._end()
        path = os.environ.get("MESHOPS_BENCH_TASK_TIMES")
        if path:
            with open(path, "w") as handle:
                json.dump({"total": round(time.monotonic() - self.start, 3), "tasks": self.tasks}, handle, indent=1)
