# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Role edge_frontdoor on the test bed + the project's fake ARM: the probe route applied with app_route, the Front
Door chain with frontdoor_origin, the connection approved; check mode first (nothing written anywhere), a second
run changing nothing, then state=absent removing both.

The fact istio_edge_gateway is given as role istio would set it (role istio itself is exercised by the molecule
scenario ``frontdoor``); the internal load balancer IP is written by the test (no Azure cloud provider here).
"""

import os
import sys

import yaml

from app_route_support import get
from conftest_azure import FD_RG, LB_IP, PLS_NAME, PLS_RG

NET = "networking.istio.io/v1beta1"


def _playbook(tmp_path, gateway):
    play = [{"hosts": "localhost", "gather_facts": False, "connection": "local",
             "vars": {"ansible_python_interpreter": sys.executable,
                      "istio_edge_gateway": {"name": gateway.name, "namespace": gateway.namespace,
                                             "service": gateway.name, "profile": "azure_private_link",
                                             "status_port": 15021, "selector": {"app": "istio-ingress",
                                                                                "istio": "ingress"}}},
             "roles": ["meshops.istio_edge.edge_frontdoor"]}]
    path = os.path.join(str(tmp_path), "frontdoor.yml")
    with open(path, "w") as handle:
        yaml.safe_dump(play, handle)
    return path


def _vars(arm, **extra):
    info = arm.info
    out = {"edge_frontdoor_resource_group": FD_RG, "edge_frontdoor_profile_name": "fd-shop",
           "edge_frontdoor_endpoint_name": "shop", "edge_frontdoor_pls_resource_group": PLS_RG,
           "edge_frontdoor_custom_domains": [{"name": "shop", "host_name": "shop.example.com"}],
           "edge_frontdoor_azure_subscription_id": info["subscription_id"],
           "edge_frontdoor_azure_client_id": info["client_id"], "edge_frontdoor_azure_secret": info["client_secret"],
           "edge_frontdoor_azure_tenant": info["tenant"], "edge_frontdoor_azure_base_url": arm.url,
           "edge_frontdoor_azure_authority_host": arm.url, "edge_frontdoor_azure_disable_instance_discovery": True,
           "edge_frontdoor_polling_interval": 0}                    # test setting: no wait between LRO polls
    out.update(extra)
    return out


def _task(results, prefix):
    found = [r for r in results if r["_task"].split(" : ", 1)[-1].startswith(prefix)]
    assert found, [r["_task"] for r in results]
    return found[-1]


def test_role_probe_route_then_front_door(ansible, azure_arm, frontdoor_gateway, kube, tmp_path):
    arm = azure_arm
    frontdoor_gateway.build(edge_gateway=False)
    playbook = _playbook(tmp_path, frontdoor_gateway)
    env = {"REQUESTS_CA_BUNDLE": arm.info["ca_cert"]}
    ns = frontdoor_gateway.namespace

    rc, out, results = ansible.playbook(playbook, extra_vars=_vars(arm), check=True, env=env)
    assert rc == 0, out[-4000:]
    predicted = _task(results, "Ensure Front Door")
    assert predicted["changed"] and any("/probe" in w for w in predicted.get("warnings", []))
    assert arm.writes() == []
    assert get(kube, NET, "VirtualService", "frontdoor-health", ns) is None

    rc, out, results = ansible.playbook(playbook, extra_vars=_vars(arm), env=env)
    assert rc == 0, out[-4000:]
    assert out.count(arm.info["client_secret"]) == 0
    vs = get(kube, NET, "VirtualService", "frontdoor-health", ns)
    http = vs["spec"]["http"][0]
    assert http["match"] == [{"uri": {"exact": "/probe"}}] and http["rewrite"]["uri"] == "/healthz/ready"
    assert http["route"][0]["destination"] == {"host": "istio-ingress.%s.svc.cluster.local" % ns,
                                               "port": {"number": 15021}}
    fd = _task(results, "Ensure Front Door")
    assert fd["changed"] and fd["connection_state"] == "Approved"
    assert fd["health_route"]["name"] == "frontdoor-health"
    assert fd["origin"]["host_name"] == LB_IP
    fact = _task(results, "Report Front Door as the fact")["ansible_facts"]["edge_frontdoor_info"]
    assert fact["endpoint_hostname"] == fd["endpoint_hostname"]
    assert fact["custom_domains"][0]["dns_txt_record"] == "_dnsauth.shop.example.com"
    summary = _task(results, "Summarize Front Door")["msg"]
    assert "over Private Link %s (connection Approved)" % PLS_NAME in summary
    token = fact["custom_domains"][0]["validation_token"]
    assert token and "DNS TXT _dnsauth.shop.example.com = %s" % token in summary

    arm.clear_requests()
    rc, out, results = ansible.playbook(playbook, extra_vars=_vars(arm), env=env)
    assert rc == 0, out[-4000:]
    assert [r["_task"] for r in results if r.get("changed")] == []
    assert arm.writes() == []

    rc, out, results = ansible.playbook(playbook, extra_vars=_vars(arm, edge_frontdoor_state="absent"), env=env)
    assert rc == 0, out[-4000:]
    assert _task(results, "Ensure Front Door")["profile_kept"] is False
    assert get(kube, NET, "VirtualService", "frontdoor-health", ns) is None
    assert arm.resources("microsoft.cdn/profiles") == []
    assert arm.connections(PLS_RG, PLS_NAME) == []


def test_role_summary_before_the_validation_token_is_issued(ansible, azure_arm, frontdoor_gateway, tmp_path):
    arm = azure_arm
    frontdoor_gateway.build(edge_gateway=False)
    arm.configure(domain_validation_token=False)
    env = {"REQUESTS_CA_BUNDLE": arm.info["ca_cert"]}
    rc, out, results = ansible.playbook(_playbook(tmp_path, frontdoor_gateway), extra_vars=_vars(arm), env=env)
    assert rc == 0, out[-4000:]
    summary = _task(results, "Summarize Front Door")["msg"]
    assert "TXT _dnsauth.shop.example.com =" not in summary
    assert "a DNS TXT record _dnsauth.shop.example.com whose value (the domain validation token) Front Door has not " \
           "issued yet - run again to get it" in " ".join(summary.split())
    rc, out, results = ansible.playbook(_playbook(tmp_path, frontdoor_gateway),
                                        extra_vars=_vars(arm, edge_frontdoor_state="absent"), env=env)
    assert rc == 0, out[-4000:]


def test_role_preflight_names_the_missing_variable(ansible, azure_arm, frontdoor_gateway, tmp_path):
    frontdoor_gateway.build(edge_gateway=False)
    playbook = _playbook(tmp_path, frontdoor_gateway)
    rc, out, results = ansible.playbook(playbook, extra_vars=_vars(azure_arm, edge_frontdoor_pls_resource_group=""))
    assert rc != 0
    failed = [r for r in results if r["_status"] == "failed"]
    assert failed[0]["_task"].endswith(" : Check how to find the Private Link Service")
    assert "nodeResourceGroup" in failed[0]["msg"]
    assert azure_arm.writes() == []
