# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a command for the benchmarks: its wall time, its output, and two peak memory figures (Linux).

* ``main_rss_mb`` - the peak RSS of the process started (VmHWM in /proc/PID/status, read until it exits): for
  ``ansible-playbook`` its main process, which loads the inventory and templates the variables;
* ``max_rss_mb``  - the peak RSS of the largest process of the run: ``ru_maxrss`` of the rusage ``wait4`` returns,
  which covers the process and every descendant it waited for (Ansible's workers, the module processes, helm).
"""

import json
import os
import subprocess
import tempfile
import time

SAMPLE_SECONDS = 0.05


def _vm_hwm_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (IOError, OSError, ValueError):
        pass
    return 0   # gone, or a zombie whose memory is already released


class Measured:
    """What one run of a command gave."""

    def __init__(self, returncode, output, errors, seconds, main_rss_kb, max_rss_kb):
        self.returncode = returncode
        self.output = output
        self.errors = errors
        self.seconds = seconds
        self.main_rss_mb = round(main_rss_kb / 1024.0, 1)
        self.max_rss_mb = round(max_rss_kb / 1024.0, 1)


def run_measured(cmd, env, stderr_to_stdout=True):
    """Run ``cmd`` to its end; a :class:`Measured`. Output goes to files (no pipe to drain while sampling)."""
    with tempfile.TemporaryFile(mode="w+") as out, tempfile.TemporaryFile(mode="w+") as err:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT if stderr_to_stdout else err,
                                universal_newlines=True)
        hwm = 0
        while True:
            hwm = max(hwm, _vm_hwm_kb(proc.pid))
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(SAMPLE_SECONDS)
        seconds = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)   # reaped here: Popen must not wait for it again
        out.seek(0)
        err.seek(0)
        return Measured(proc.returncode, out.read(), err.read(), seconds, hwm, usage.ru_maxrss)


def save_result(name, result, table_text):
    """Write ``result`` as JSON to bench/results/<name>-<date>-<time>.json (not committed), print the table, and
    return the file's path."""
    folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "%s-%s.json" % (name, time.strftime("%Y%m%d-%H%M%S")))
    with open(path, "w") as handle:
        json.dump(result, handle, indent=2)
    print(table_text)
    return path
