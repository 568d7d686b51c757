# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""gateway_service mode live against a real kube-apiserver: shaping a Service that istioctl installed.

nodePorts are cluster-wide, so every test pins its own range and deletes its Services at the end.
No load balancer controller runs here: the tests check the Service the controllers would read.
"""

import json

from gateway_support import (  # noqa: F401  # pylint: disable=unused-import
    FOREIGN_ANNOTATIONS, FOREIGN_LABELS, create_istioctl_service, create_service_with_node_port, gateway_ns,
    other_ns, ports_by_name, read, service_writes)

NAME = "istio-ingressgateway"
PROFILE_ANNOTATION = "istio-edge.meshops.io/edge-profile"


def nodeport_args(namespace, base):
    return {"profile": "nodeport", "mode": "live", "name": NAME, "namespace": namespace,
            "node_ports": {"status-port": base + 21, "http2": base + 80, "https": base + 443},
            "extra_ports": [{"name": "mysql", "port": 3306, "node_port": base + 306}]}


def owned_node_ports(service, manager):
    """Port numbers whose nodePort ``manager`` owns, from the Service's managedFields (as the API server tracks)."""
    owned = []
    for entry in service["metadata"].get("managedFields") or []:
        if entry.get("manager") != manager:
            continue
        ports = ((entry.get("fieldsV1") or {}).get("f:spec") or {}).get("f:ports") or {}
        owned.extend(json.loads(key[2:])["port"] for key, fields in ports.items()
                     if key.startswith("k:") and "f:nodePort" in (fields or {}))
    return sorted(owned)


def assert_foreign_fields_survive(service):
    meta = service["metadata"]
    for key, value in FOREIGN_ANNOTATIONS.items():
        assert meta["annotations"][key] == value
    for key, value in FOREIGN_LABELS.items():
        assert meta["labels"][key] == value
    ports = ports_by_name(service)
    assert ports["tcp"]["port"] == 31400 and ports["tcp"]["targetPort"] == 31400
    assert ports["http2"]["targetPort"] == 8080 and ports["https"]["targetPort"] == 8443
    assert service["spec"]["selector"] == FOREIGN_LABELS


def test_live_shaping_check_mode_diff_and_idempotence(ansible, kube, gateway_ns):
    before = create_istioctl_service(kube, gateway_ns)
    args = nodeport_args(gateway_ns, 30000)

    # check mode: predicts the change with a server dry run, stores nothing
    writes = service_writes(kube)
    result = ansible.module("gateway_service", args, check=True, diff=True)
    assert not result["failed"], result.get("msg")
    assert result["changed"] is True
    assert result["node_ports"]["http2"] == 30080 and result["node_ports"]["mysql"] == 30306
    assert result["diff"]["before"]["spec"]["type"] == "LoadBalancer"
    assert result["diff"]["after"]["spec"]["type"] == "NodePort"
    live = read(kube, gateway_ns, NAME)
    assert live["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert live["spec"]["type"] == "LoadBalancer"
    real, dry = service_writes(kube)
    assert real == writes[0] and dry == writes[1] + 1

    # the real run
    result = ansible.module("gateway_service", args, diff=True)
    assert not result["failed"], result.get("msg")
    assert result["changed"] is True
    assert "NodePort" in json.dumps(result["diff"]["after"]) and result["diff"]["before"]["spec"]["type"] == "LoadBalancer"
    live = read(kube, gateway_ns, NAME)
    assert live["spec"]["type"] == "NodePort"
    ports = ports_by_name(live)
    assert {n: p["nodePort"] for n, p in ports.items() if n != "tcp"} == {
        "status-port": 30021, "http2": 30080, "https": 30443, "mysql": 30306}
    assert ports["mysql"]["targetPort"] == 3306
    assert live["metadata"]["annotations"][PROFILE_ANNOTATION] == "nodeport"
    assert_foreign_fields_survive(live)
    managers = set(m["manager"] for m in live["metadata"]["managedFields"])
    assert {"istioctl", "meshops.istio_edge"} <= managers
    assert result["node_ports"]["tcp"] == ports["tcp"]["nodePort"]   # live mode reports what is assigned
    assert result["health_check"]["node_port"] == 30021

    # second run: no change, not a single write request
    version = live["metadata"]["resourceVersion"]
    writes = service_writes(kube)
    again = ansible.module("gateway_service", args, diff=True)
    assert not again["failed"], again.get("msg")
    assert again["changed"] is False
    assert "diff" not in again
    assert service_writes(kube) == writes
    assert read(kube, gateway_ns, NAME)["metadata"]["resourceVersion"] == version
    # check mode of a converged Service predicts no change either
    assert ansible.module("gateway_service", args, check=True)["changed"] is False
    assert service_writes(kube) == writes


def test_state_absent_removes_only_what_we_own(ansible, kube, gateway_ns):
    create_istioctl_service(kube, gateway_ns)
    args = nodeport_args(gateway_ns, 31000)
    args["annotations"] = {"example.com/edge": "manual-lb"}
    assert ansible.module("gateway_service", args)["changed"] is True
    pinned = read(kube, gateway_ns, NAME)
    assert 80 in owned_node_ports(pinned, "meshops.istio_edge")
    assert ports_by_name(pinned)["http2"]["nodePort"] == 31080

    # check mode predicts, writes nothing
    version = read(kube, gateway_ns, NAME)["metadata"]["resourceVersion"]
    predicted = ansible.module("gateway_service", dict(args, state="absent"), check=True, diff=True)
    assert predicted["changed"] is True
    assert predicted["diff"]["after"]["spec"]["type"] == "LoadBalancer"
    assert read(kube, gateway_ns, NAME)["metadata"]["resourceVersion"] == version

    result = ansible.module("gateway_service", dict(args, state="absent"), diff=True)
    assert not result["failed"], result.get("msg")
    assert result["changed"] is True
    live = read(kube, gateway_ns, NAME)
    assert live["spec"]["type"] == "LoadBalancer"          # put back, not defaulted to ClusterIP
    annotations = live["metadata"].get("annotations") or {}
    assert PROFILE_ANNOTATION not in annotations and "example.com/edge" not in annotations
    assert not any(k.startswith("istio-edge.meshops.io/") for k in annotations)
    ports = ports_by_name(live)
    assert "mysql" not in ports                            # the port we added is gone
    # pins released: no nodePort is the collection's any more. What the API server does with a released nodePort
    # depends on its version (1.20 assigns a new one, current versions keep the allocated one): either way every
    # port of the LoadBalancer Service still has a valid nodePort
    assert owned_node_ports(live, "meshops.istio_edge") == []
    assert all(30000 <= p["nodePort"] <= 32767 for p in live["spec"]["ports"]), live["spec"]["ports"]
    assert_foreign_fields_survive(live)

    version = live["metadata"]["resourceVersion"]
    writes = service_writes(kube)
    again = ansible.module("gateway_service", dict(args, state="absent"))
    assert again["changed"] is False
    assert service_writes(kube) == writes
    assert read(kube, gateway_ns, NAME)["metadata"]["resourceVersion"] == version


def test_node_port_taken_by_another_service(ansible, kube, gateway_ns, other_ns):
    create_service_with_node_port(kube, other_ns, "legacy-web", 32080)
    create_istioctl_service(kube, gateway_ns)
    version = read(kube, gateway_ns, NAME)["metadata"]["resourceVersion"]
    result = ansible.module("gateway_service", nodeport_args(gateway_ns, 32000))
    assert result["failed"] is True
    assert "%s/legacy-web" % other_ns in result["msg"]
    assert result["field"] == "node_ports.http2"
    assert result["code"] == "NodePortTaken"
    assert read(kube, gateway_ns, NAME)["metadata"]["resourceVersion"] == version


def test_bad_input_changes_nothing(ansible, kube, gateway_ns):
    create_istioctl_service(kube, gateway_ns)
    version = read(kube, gateway_ns, NAME)["metadata"]["resourceVersion"]
    cases = [
        (dict(nodeport_args(gateway_ns, 30000), node_ports={"http2": 40000}), "node_ports.http2"),
        (dict(nodeport_args(gateway_ns, 30000), nlb={"scheme": "internet-facing"}), "nlb"),
        ({"profile": "nlb", "mode": "live", "name": NAME, "namespace": gateway_ns,
          "ports": [{"name": "http2", "port": 80}]}, "ports"),
        ({"profile": "azure_private_link", "mode": "live", "name": NAME, "namespace": gateway_ns}, "azure.pls_subnet"),
    ]
    for args, field in cases:
        result = ansible.module("gateway_service", args)
        assert result["failed"] is True, args
        assert result["field"] == field, result.get("msg")
        assert field.split(".", maxsplit=1)[0] in result["msg"]
    assert read(kube, gateway_ns, NAME)["metadata"]["resourceVersion"] == version


def test_missing_service_in_live_mode(ansible, gateway_ns):
    result = ansible.module("gateway_service", {"profile": "nlb", "mode": "live", "name": "nope",
                                                "namespace": gateway_ns})
    assert result["failed"] is True
    assert result["field"] == "name" and "%s/nope" % gateway_ns in result["msg"]
    absent = ansible.module("gateway_service", {"profile": "nlb", "mode": "live", "name": "nope",
                                                "namespace": gateway_ns, "state": "absent"})
    assert absent["failed"] is False and absent["changed"] is False


def test_nlb_tls_offload_then_profile_switch_restores_target_ports(ansible, kube, gateway_ns):
    """istio-operator style (server-side apply by another manager); NLB with TLS on the NLB sends 443 to the
    gateway's HTTP listener (8080 here), and dropping TLS later puts istioctl's 8443 back."""
    create_istioctl_service(kube, gateway_ns, field_manager="istio-operator", server_side=True)
    arn = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
    args = {"profile": "nlb", "mode": "live", "name": NAME, "namespace": gateway_ns,
            "nlb": {"certificate_arn": [arn], "scheme": "internet-facing", "tags": {"team": "edge"}}}
    result = ansible.module("gateway_service", args)
    assert not result["failed"], result.get("msg")
    live = read(kube, gateway_ns, NAME)
    annotations = live["metadata"]["annotations"]
    aws = "service.beta.kubernetes.io/aws-load-balancer-"
    assert annotations[aws + "ssl-cert"] == arn and annotations[aws + "ssl-ports"] == "443"
    assert annotations[aws + "scheme"] == "internet-facing"
    assert annotations[aws + "healthcheck-port"] == "15021"
    assert annotations[aws + "additional-resource-tags"] == "team=edge"
    assert live["spec"]["type"] == "LoadBalancer"
    assert ports_by_name(live)["https"]["targetPort"] == 8080
    assert ansible.module("gateway_service", args)["changed"] is False

    # same Service, now for a manual load balancer: NLB annotations go, 443 targets 8443 again
    result = ansible.module("gateway_service", nodeport_args(gateway_ns, 31500), diff=True)
    assert result["changed"] is True
    live = read(kube, gateway_ns, NAME)
    assert not any(k.startswith(aws) for k in live["metadata"]["annotations"])
    assert live["metadata"]["annotations"][PROFILE_ANNOTATION] == "nodeport"
    assert ports_by_name(live)["https"]["targetPort"] == 8443
    assert live["spec"]["type"] == "NodePort"
    assert ansible.module("gateway_service", nodeport_args(gateway_ns, 31500))["changed"] is False

    ansible.module("gateway_service", dict(nodeport_args(gateway_ns, 31500), state="absent"))
    live = read(kube, gateway_ns, NAME)
    assert live["spec"]["type"] == "LoadBalancer"
    assert_foreign_fields_survive(live)


def test_azure_private_link_live(ansible, kube, gateway_ns):
    create_istioctl_service(kube, gateway_ns)
    args = {"profile": "azure_private_link", "mode": "live", "name": NAME, "namespace": gateway_ns,
            "azure": {"pls_subnet": "snet-pls", "visibility": ["*"]}}
    result = ansible.module("gateway_service", args)
    assert not result["failed"], result.get("msg")
    annotations = read(kube, gateway_ns, NAME)["metadata"]["annotations"]
    az = "service.beta.kubernetes.io/"
    assert annotations[az + "azure-load-balancer-internal"] == "true"
    assert annotations[az + "azure-pls-create"] == "true"
    assert annotations[az + "azure-pls-ip-configuration-subnet"] == "snet-pls"
    assert annotations[az + "azure-pls-name"] == "%s-pls" % NAME
    for port in (80, 443):
        assert annotations[az + "port_%d_health-probe_protocol" % port] == "http"
        assert annotations[az + "port_%d_health-probe_port" % port] == "15021"
        assert annotations[az + "port_%d_health-probe_request-path" % port] == "/healthz/ready"
    assert annotations[az + "port_15021_no_lb_rule"] == "true"
    assert_foreign_fields_survive(read(kube, gateway_ns, NAME))
    assert ansible.module("gateway_service", args)["changed"] is False


def test_api_server_refusal_of_a_taken_node_port_names_the_option(ansible, kube, gateway_ns, other_ns):
    """With the read-only check turned off (as when listing all Services is forbidden), the API server's own
    allocation check refuses the apply; the error still names the option and nothing changes."""
    create_service_with_node_port(kube, other_ns, "legacy-web", 32180)
    create_istioctl_service(kube, gateway_ns)
    version = read(kube, gateway_ns, NAME)["metadata"]["resourceVersion"]
    args = dict(nodeport_args(gateway_ns, 32100), check_node_ports=False)
    for check in (True, False):      # the server dry run of check mode refuses it the same way
        result = ansible.module("gateway_service", args, check=check)
        assert result["failed"] is True
        assert result["field"] == "node_ports.http2", result["msg"]
        assert "32180" in result["msg"] and "already allocated" in result["msg"]
    assert read(kube, gateway_ns, NAME)["metadata"]["resourceVersion"] == version
