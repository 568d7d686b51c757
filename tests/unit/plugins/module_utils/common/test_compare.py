# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.compare import strip_noise
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError, field_error


def test_strip_noise_drops_bookkeeping_but_keeps_content():
    obj = {"kind": "Service", "metadata": {"name": "a", "resourceVersion": "5", "managedFields": [],
                                           "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}",
                                                           "keep": "me"}},
           "status": {"loadBalancer": {}}}
    clean = strip_noise(obj)
    assert clean == {"kind": "Service", "metadata": {"name": "a", "annotations": {"keep": "me"}}}
    assert obj["metadata"]["resourceVersion"] == "5"  # the input is not modified


def test_edge_error_names_field_and_fix():
    err = field_error("node_ports.http2", "30080 is outside 30000-32767", "Pick a port in the NodePort range.")
    result = err.to_result()
    assert result["field"] == "node_ports.http2"
    assert result["msg"].startswith("node_ports.http2: 30080 is outside")
    assert "Pick a port" in result["msg"]
    assert str(EdgeError("plain")) == "plain"
