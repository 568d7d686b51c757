# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The test bed picks kube-apiserver / kube-controller-manager flags by the binaries' versions."""

import importlib.util
import os

import pytest

_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "testbed", "flags.py")
_SPEC = importlib.util.spec_from_file_location("testbed_flags", _PATH)
flags = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(flags)


@pytest.mark.parametrize("text, version", [
    ("Kubernetes v1.20.2", (1, 20, 2)),
    ("Kubernetes v1.36.0", (1, 36, 0)),
    ("Kubernetes v1.30.1-eks-1a2b3c4", (1, 30, 1)),
    ("Kubernetes v1.29.3+k3s1", (1, 29, 3)),
    ("Kubernetes v1.31.0-alpha.2.123+abcdef", (1, 31, 0)),
    ("v1.24", (1, 24, 0)),
])
def test_parse_version(text, version):
    assert flags.parse_version(text) == version


@pytest.mark.parametrize("text", ["Kubernetes v1.20.2", "Kubernetes v1.21.14", "Kubernetes v1.23.17"])
def test_before_1_24_the_insecure_ports_are_closed_by_flag(text):
    assert flags.apiserver_flags(text) == ["--insecure-port=0"]
    assert flags.controller_manager_flags(text) == ["--port=0"]


@pytest.mark.parametrize("text", ["Kubernetes v1.24.0", "Kubernetes v1.30.1-eks-1a2b3c4", "Kubernetes v1.36.0",
                                  "Kubernetes v2.0.0"])
def test_from_1_24_the_removed_flags_are_not_given(text):
    assert flags.apiserver_flags(text) == []
    assert flags.controller_manager_flags(text) == []


@pytest.mark.parametrize("text", ["Kubernetes v1.19.16", "", "kube-apiserver: command not found"])
def test_older_or_unreadable_versions_are_refused(text):
    with pytest.raises(ValueError):
        flags.apiserver_flags(text)


def test_command_line_prints_one_flag_per_line(capsys):
    assert flags.main(["kube-controller-manager", "Kubernetes v1.22.0"]) == 0
    assert capsys.readouterr().out == "--port=0\n"
    assert flags.main(["kube-apiserver", "Kubernetes v1.33.2"]) == 0
    assert capsys.readouterr().out == ""
    assert flags.main(["kube-apiserver", "Kubernetes v1.18.0"]) == 1
    assert "older" in capsys.readouterr().err
    assert flags.main(["kubelet", "Kubernetes v1.30.0"]) == 2
