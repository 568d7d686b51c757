# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test helper callback: appends every task result as one JSON line to $MESHOPS_RESULT_FILE."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: result_dump
type: aggregate
short_description: Write task results as JSON lines (test helper)
description: Used by the collection's integration tests to read structured results.
"""

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "result_dump"
    CALLBACK_NEEDS_ENABLED = True

    def _dump(self, result, status):
        path = os.environ.get("MESHOPS_RESULT_FILE")
        if not path:
            return
        data = dict(result._result)
        data["_task"] = result._task.get_name()
        data["_host"] = result._host.get_name()
        data["_status"] = status
        with open(path, "a") as handle:
            handle.write(json.dumps(data, default=str) + "\n")

    def v2_runner_on_ok(self, result):
        self._dump(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._dump(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._dump(result, "skipped")
