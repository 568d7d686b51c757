# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The test bed's version-dependent flags of kube-apiserver and kube-controller-manager.

start-cluster.sh asks this file which flags the binaries it was given accept, so any server from 1.20 up runs
the suites (``MESHOPS_K8S_BIN=<dir>``)::

    python3 tests/testbed/flags.py kube-apiserver "$("$BIN/kube-apiserver" --version)"    # one flag per line

- 1.20 - 1.23 open an insecure HTTP port unless told not to (kube-apiserver ``--insecure-port=0``,
  kube-controller-manager ``--port=0``); 1.24 removed both flags and refuses to start when they are given.
"""

import re
import sys

MINIMUM = (1, 20)
_VERSION = re.compile(r"v?(\d+)\.(\d+)(?:\.(\d+))?")


def parse_version(text):
    """(major, minor, patch) of a ``--version`` output such as ``Kubernetes v1.20.2`` or ``v1.30.1-eks-1a2b``."""
    match = _VERSION.search(text or "")
    if not match:
        raise ValueError("no Kubernetes version in %r (expected e.g. 'Kubernetes v1.30.2')" % (text,))
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


def _check(version):
    if version[:2] < MINIMUM:
        raise ValueError("Kubernetes v%d.%d.%d is older than the test bed supports (v%d.%d or later)"
                         % (version + MINIMUM))
    return version


def apiserver_flags(version_text):
    """Flags of kube-apiserver that depend on its version."""
    version = _check(parse_version(version_text))
    return ["--insecure-port=0"] if version[:2] < (1, 24) else []


def controller_manager_flags(version_text):
    """Flags of kube-controller-manager that depend on its version."""
    version = _check(parse_version(version_text))
    return ["--port=0"] if version[:2] < (1, 24) else []


FLAGS = {"kube-apiserver": apiserver_flags, "kube-controller-manager": controller_manager_flags}


def main(argv):
    if len(argv) != 2 or argv[0] not in FLAGS:
        sys.stderr.write("usage: flags.py {%s} VERSION-TEXT\n" % ",".join(sorted(FLAGS)))
        return 2
    try:
        flags = FLAGS[argv[0]](argv[1])
    except ValueError as exc:
        sys.stderr.write("%s: %s\n" % (argv[0], exc))
        return 1
    for flag in flags:
        sys.stdout.write(flag + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
