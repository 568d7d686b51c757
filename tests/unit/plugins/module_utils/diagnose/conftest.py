# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A healthy path as live objects (plain dicts, the shapes the API server returns), for the pure checks.

``healthy()`` returns a snapshot every check passes on: ALB in instance mode -> NodePort gateway Service
istio-ingress/istio-ingress (pinned nodePorts, health check on status-port) -> one Ready gateway pod
labelled app=istio-ingress,istio=ingress -> Gateway istio-ingress/shop-gateway (HTTP 80 + HTTPS 443 with
Secret shop-tls) -> VirtualService shop/shop -> Service shop/shop:8080 with a ready address.
Tests break one thing and assert the hop and reason.
"""

import copy
import json
import os

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))

MANAGED = [{"manager": "meshops.istio_edge", "operation": "Apply", "fieldsType": "FieldsV1", "fieldsV1": {
    "f:spec": {"f:ports": {
        'k:{"port":80,"protocol":"TCP"}': {".": {}, "f:name": {}, "f:nodePort": {}, "f:port": {}},
        'k:{"port":443,"protocol":"TCP"}': {".": {}, "f:name": {}, "f:nodePort": {}, "f:port": {}},
        'k:{"port":15021,"protocol":"TCP"}': {".": {}, "f:name": {}, "f:nodePort": {}, "f:port": {}}}}}}]

LABELS = {"app": "istio-ingress", "istio": "ingress"}


def _healthy():
    svc = {"apiVersion": "v1", "kind": "Service",
           "metadata": {"name": "istio-ingress", "namespace": "istio-ingress", "managedFields": MANAGED,
                        "annotations": {"alb.ingress.kubernetes.io/healthcheck-port": "status-port",
                                        "alb.ingress.kubernetes.io/healthcheck-path": "/healthz/ready"}},
           "spec": {"type": "NodePort", "selector": dict(LABELS), "ports": [
               {"name": "status-port", "port": 15021, "targetPort": 15021, "nodePort": 30021, "protocol": "TCP"},
               {"name": "http2", "port": 80, "targetPort": 80, "nodePort": 30080, "protocol": "TCP"},
               {"name": "https", "port": 443, "targetPort": 443, "nodePort": 30443, "protocol": "TCP"}]}}
    deploy = {"apiVersion": "apps/v1", "kind": "Deployment",
              "metadata": {"name": "istio-ingress", "namespace": "istio-ingress"},
              "spec": {"replicas": 1, "selector": {"matchLabels": dict(LABELS)},
                       "template": {"metadata": {"labels": dict(LABELS)},
                                    "spec": {"containers": [{"name": "istio-proxy", "image": "istio/proxyv2:1.24.2",
                                                             "ports": [{"name": "http-envoy-prom",
                                                                        "containerPort": 15090}]}]}}},
              "status": {"readyReplicas": 1}}
    pod = {"metadata": {"name": "istio-ingress-6d9c8b7f5-x2k4p", "namespace": "istio-ingress",
                        "labels": dict(LABELS, **{"pod-template-hash": "6d9c8b7f5"})},
           "spec": {"nodeName": "node-1", "containers": [{"name": "istio-proxy", "image": "istio/proxyv2:1.24.2"}]},
           "status": {"phase": "Running", "podIP": "10.244.1.17",
                      "conditions": [{"type": "Ready", "status": "True"}]}}
    gw_ep = {"metadata": {"name": "istio-ingress", "namespace": "istio-ingress"}, "subsets": [
        {"addresses": [{"ip": "10.244.1.17"}], "ports": [{"name": "http2", "port": 80}]}]}
    gateway = {"apiVersion": "networking.istio.io/v1beta1", "kind": "Gateway",
               "metadata": {"name": "shop-gateway", "namespace": "istio-ingress"},
               "spec": {"selector": {"istio": "ingress"}, "servers": [
                   {"port": {"number": 80, "name": "http", "protocol": "HTTP"}, "hosts": ["shop.example.com"]},
                   {"port": {"number": 443, "name": "https", "protocol": "HTTPS"}, "hosts": ["shop.example.com"],
                    "tls": {"mode": "SIMPLE", "credentialName": "shop-tls"}}]}}
    vs = {"apiVersion": "networking.istio.io/v1beta1", "kind": "VirtualService",
          "metadata": {"name": "shop", "namespace": "shop", "labels": {"istio-edge.meshops.io/app": "shop"}},
          "spec": {"hosts": ["shop.example.com"], "gateways": ["istio-ingress/shop-gateway"], "http": [
              {"name": "main", "match": [{"uri": {"prefix": "/"}}],
               "route": [{"destination": {"host": "shop", "port": {"number": 8080}}}]}]}}
    app_svc = {"metadata": {"name": "shop", "namespace": "shop"},
               "spec": {"selector": {"app": "shop"}, "ports": [{"name": "http", "port": 8080, "targetPort": 8080}]}}
    app_ep = {"metadata": {"name": "shop", "namespace": "shop"}, "subsets": [
        {"addresses": [{"ip": "10.244.2.5"}], "ports": [{"name": "http", "port": 8080}]}]}
    ingress = {"metadata": {"name": "edge", "namespace": "istio-ingress", "annotations": {
        "alb.ingress.kubernetes.io/scheme": "internet-facing"}},
        "status": {"loadBalancer": {"ingress": [{"hostname": "k8s-edge-1234.us-east-1.elb.amazonaws.com"}]}}}
    health = {"protocol": "HTTP", "port": "30021", "path": "/healthz/ready", "matcher": "200"}
    edge = {"provider": "alb", "ingress_ref": "istio-ingress/edge", "ingress": ingress, "target_type": "instance",
            "address": "k8s-edge-1234.us-east-1.elb.amazonaws.com",
            "load_balancer": {"arn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/k8s-edge/1",
                              "name": "k8s-edge", "dns_name": "k8s-edge-1234.us-east-1.elb.amazonaws.com",
                              "scheme": "internet-facing", "state": "active", "type": "application"},
            "listeners": [{"port": 80, "protocol": "HTTP", "certificates": []},
                          {"port": 443, "protocol": "HTTPS",
                           "certificates": ["arn:aws:acm:us-east-1:1:certificate/x"]}],
            "target_groups": [{"name": "k8s-istioing-istioing-1", "port": 30080, "protocol": "HTTP",
                               "target_type": "instance", "health_check": health,
                               "targets": [{"id": "i-0abc", "port": 30080, "state": "healthy"}]}]}
    return {
        "target": {"host": "shop.example.com", "path": "/", "app": "shop", "namespace": "shop",
                   "gateway_ref": "istio-ingress/shop-gateway"},
        "options": {"provider": "alb", "gateway_name": "istio-ingress", "gateway_namespace": "istio-ingress",
                    "node_ports": {"http2": 30080, "https": 30443, "status-port": 30021}, "status_port": 15021,
                    "health_check_path": "/healthz/ready"},
        "gateway_service": svc, "gateway_endpoints": gw_ep, "gateway_deployment": deploy, "gateway_pods": [pod],
        "istio": {"served": True, "api_version": "networking.istio.io/v1beta1",
                  "kinds": ["Gateway", "VirtualService", "DestinationRule"]},
        "gateways": [gateway], "virtual_services": [vs], "destination_rules": [],
        "services": {"shop/shop": app_svc}, "endpoints": {"shop/shop": app_ep},
        "secrets": {"istio-ingress/shop-tls": {"exists": True, "type": "kubernetes.io/tls",
                                               "keys": ["tls.crt", "tls.key"]}},
        "edge": edge, "envoy": None,
    }


@pytest.fixture
def healthy():
    return copy.deepcopy(_healthy())


@pytest.fixture
def config_dump():
    def load(name="config_dump_gateway.json"):
        with open(os.path.join(HERE, "fixtures", name)) as handle:
            return json.load(handle)
    return load


def hop_of(result, name):
    return [h for h in result["hops"] if h["name"] == name][0]


@pytest.fixture
def hop():
    return hop_of
