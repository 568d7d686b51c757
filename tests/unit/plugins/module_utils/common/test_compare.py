# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.compare import is_subset, strip_noise
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError, field_error


def test_subset_ignores_fields_we_do_not_set():
    live = {"metadata": {"name": "a", "annotations": {"foreign": "x", "ours": "1"}}, "spec": {"type": "NodePort"}}
    assert is_subset({"metadata": {"annotations": {"ours": "1"}}}, live)
    assert not is_subset({"metadata": {"annotations": {"ours": "2"}}}, live)


def test_ports_are_matched_by_key_so_foreign_ports_do_not_count():
    live = [{"name": "mysql", "port": 3306, "protocol": "TCP"},
            {"name": "http2", "port": 80, "nodePort": 30080, "protocol": "TCP"}]
    assert is_subset([{"name": "http2", "port": 80, "nodePort": 30080}], live)
    assert not is_subset([{"name": "http2", "port": 80, "nodePort": 30081}], live)
    assert not is_subset([{"name": "https", "port": 443}], live)


def test_plain_lists_must_match_in_order_and_length():
    assert is_subset(["a.example.com"], ["a.example.com"])
    assert not is_subset(["a.example.com"], ["a.example.com", "b.example.com"])
    assert not is_subset(["b", "a"], ["a", "b"])


def test_none_means_absent_and_empty_matches_missing():
    assert is_subset({"x": None}, {})
    assert not is_subset({"x": None}, {"x": 1})
    assert is_subset({"labels": {}}, {})
    assert not is_subset({"x": 1}, {})


def test_type_mismatch_is_a_difference():
    assert not is_subset({"a": {"b": 1}}, {"a": "b"})
    assert not is_subset([1], {"a": 1})


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
