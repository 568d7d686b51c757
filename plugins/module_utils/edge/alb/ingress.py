# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure builders for the ALB edge: input validation, the annotation set and the Ingress manifest (private).

The AWS Load Balancer Controller turns an Ingress of class ``alb`` into an Application Load Balancer. The
Ingress lives in the gateway's namespace and sends every path to the gateway Service; Istio routes by host
behind it. No I/O here: inputs -> dicts, or an EdgeError naming the option and the fix.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.meshops.istio_edge.plugins.module_utils.common import names as dns_names
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError, field_error
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.ownership import managed_labels

PREFIX = "alb.ingress.kubernetes.io/"
EXTERNAL_DNS = "external-dns.alpha.kubernetes.io/hostname"
GROUP_LEVEL = ("scheme", "ssl-redirect", "wafv2-acl-arn", "tags", "ip-address-type")

# annotation -> the option that sets it (extra annotations must not fight the options)
OWNED = {
    PREFIX + "scheme": "scheme",
    PREFIX + "target-type": "target_type",
    PREFIX + "listen-ports": "listen_ports",
    PREFIX + "ssl-redirect": "https_redirect",
    PREFIX + "certificate-arn": "certificate_arn",
    PREFIX + "group.name": "group_name",
    PREFIX + "group.order": "group_order",
    PREFIX + "wafv2-acl-arn": "waf_acl_arn",
    PREFIX + "tags": "tags",
    PREFIX + "healthcheck-port": "status_port_name",
    PREFIX + "healthcheck-path": "health_check_path",
    EXTERNAL_DNS: "hostnames",
}

_CERT_ARN = re.compile(r"^arn:aws[a-z-]*:(acm:[a-z0-9-]+:\d{12}:certificate/[A-Za-z0-9-]+|iam::\d{12}:server-certificate/.+)$")
_WAF_ARN = re.compile(r"^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:regional/webacl/.+$")


def validate_hostname(value, field):
    """A DNS name for external-dns / Route53 (``*.`` allowed as the first label)."""
    name = str(value or "").strip()
    if not name:
        raise field_error(field, "an empty host name", "Give a fully qualified name such as shop.example.com")
    if name != name.lower():
        raise field_error(field, "%r has upper-case letters" % name, "Use lower-case DNS names")
    check = name.rstrip(".")
    if len(check) > 253:
        raise field_error(field, "%r is longer than 253 characters" % name, "Use a shorter DNS name")
    labels = check.split(".")
    if len(labels) < 2:
        raise field_error(field, "%r is not a fully qualified DNS name" % name,
                          "Use a name inside your zone, such as shop.example.com")
    for index, label in enumerate(labels):
        if index == 0 and label == "*":
            continue
        if not dns_names.is_label(label):
            raise field_error(
                field, "%r is not a valid DNS name (label %r)" % (name, label),
                "Use letters, digits and '-' in each label (1-63 characters, no leading/trailing '-'); a "
                "wildcard may only be the whole first label ('*.example.com')")
    return check


def validate_params(p):
    """Validate the module options (pure); returns a normalized copy. Raises EdgeError naming the option."""
    p = dict(p)
    if not dns_names.is_subdomain(p.get("name")):
        raise field_error("name", "%r is not a valid Ingress name" % p.get("name"),
                          "Use lower-case letters, digits, '-' and '.' (a DNS subdomain)")
    for key in ("namespace", "gateway_service"):
        if not dns_names.is_label(p.get(key)):
            raise field_error(key, "%r is not a valid name" % p.get(key), "Use a DNS label (lower-case, digits, '-')")
    p["hostnames"] = [validate_hostname(h, "hostnames[%d]" % i) for i, h in enumerate(p.get("hostnames") or [])]
    ports = p.get("listen_ports") or []
    seen = set()
    for i, item in enumerate(ports):
        port = item.get("port")
        if not isinstance(port, int) or not 1 <= port <= 65535:
            raise field_error("listen_ports[%d].port" % i, "%r is not a port number" % (port,), "Use 1-65535")
        if port in seen:
            raise field_error("listen_ports[%d].port" % i, "port %d is listed twice" % port,
                              "List each listener port once")
        seen.add(port)
    if not ports:
        raise field_error("listen_ports", "no listener", "Give at least one, e.g. [{protocol: HTTP, port: 80}]")
    https = [x["port"] for x in ports if x.get("protocol") == "HTTPS"]
    if p.get("https_redirect") and not https:
        raise field_error("https_redirect", "a redirect to HTTPS needs an HTTPS listener",
                          "Add {protocol: HTTPS, port: 443} to listen_ports, or set https_redirect: false")
    for i, arn in enumerate(p.get("certificate_arn") or []):
        if not _CERT_ARN.match(arn or ""):
            raise field_error("certificate_arn[%d]" % i, "%r is not an ACM (or IAM server) certificate ARN" % arn,
                              "Use arn:aws:acm:<region>:<account>:certificate/<id>, or certificate_domain to look "
                              "it up")
    if p.get("certificate_domain"):
        p["certificate_domain"] = validate_hostname(p["certificate_domain"], "certificate_domain")
    if https and not (p.get("certificate_arn") or p.get("certificate_domain") or p.get("group_name")):
        raise field_error("certificate_arn", "the HTTPS listener needs a certificate",
                          "Set certificate_arn, or certificate_domain to look one up in ACM")
    if p.get("waf_acl_arn") and not _WAF_ARN.match(p["waf_acl_arn"]):
        raise field_error("waf_acl_arn", "%r is not a regional WAFv2 web ACL ARN" % p["waf_acl_arn"],
                          "Use arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>")
    if p.get("group_name") and not dns_names.is_subdomain(p["group_name"], max_length=63):
        raise field_error("group_name", "%r is not a valid IngressGroup name" % p["group_name"],
                          "Use up to 63 lower-case letters, digits, '-' or '.', starting and ending alphanumeric")
    if p.get("group_order") is not None:
        if not p.get("group_name"):
            raise field_error("group_order", "an order without group_name", "Set group_name, or drop group_order")
        if not -1000 <= p["group_order"] <= 1000:
            raise field_error("group_order", "%s is out of range" % p["group_order"], "Use -1000..1000")
    for key, value in (p.get("tags") or {}).items():
        text = "%s=%s" % (key, value)
        if not key or "," in text or text.count("=") != 1 or len(str(key)) > 128 or len(str(value)) > 256:
            raise field_error("tags.%s" % key, "tag %r cannot be expressed in the tags annotation" % text,
                              "Use keys up to 128 and values up to 256 characters, without ',' or '='")
    backend = p.get("backend_port")
    if isinstance(backend, str) and backend.isdigit():
        backend = int(backend)
    if isinstance(backend, int):
        if not 1 <= backend <= 65535:
            raise field_error("backend_port", "%r is not a port" % backend, "Use the Service port (80) or its name")
    elif not dns_names.is_label(backend):
        raise field_error("backend_port", "%r is not a port number or name" % (backend,),
                          "Use the gateway Service port number (80) or name (http2)")
    p["backend_port"] = backend
    for key in (p.get("annotations") or {}):
        if key in OWNED:
            raise field_error("annotations.%s" % key, "this annotation is set by the option %s" % OWNED[key],
                              "Use the option %s instead of an extra annotation" % OWNED[key])
    if p.get("route53") and not (p["route53"].get("zone_id") or p["route53"].get("zone_name")):
        raise field_error("route53", "no hosted zone", "Set route53.zone_id or route53.zone_name")
    if p.get("route53"):
        names = p["route53"].get("record_names") or p["hostnames"]
        if not names:
            raise field_error("route53.record_names", "no record to create",
                              "Set route53.record_names or hostnames")
        p["route53"] = dict(p["route53"], record_names=[
            validate_hostname(n, "route53.record_names[%d]" % i) for i, n in enumerate(names)])
    return p


def listen_ports_value(listen_ports):
    """The listen-ports annotation, e.g. ``[{"HTTP":80},{"HTTPS":443}]`` (stable text for idempotence)."""
    return json.dumps([{x["protocol"]: x["port"]} for x in listen_ports], separators=(",", ":"))


def build_annotations(p, certificate_arns):
    """The Ingress annotations for validated options ``p`` and the resolved certificate ARNs."""
    ann = {
        PREFIX + "scheme": p["scheme"],
        PREFIX + "target-type": p["target_type"],
        PREFIX + "listen-ports": listen_ports_value(p["listen_ports"]),
        PREFIX + "healthcheck-port": p["status_port_name"],
        PREFIX + "healthcheck-path": p["health_check_path"],
    }
    https = [x["port"] for x in p["listen_ports"] if x["protocol"] == "HTTPS"]
    if p.get("https_redirect"):
        ann[PREFIX + "ssl-redirect"] = str(https[0])
    if certificate_arns:
        ann[PREFIX + "certificate-arn"] = ",".join(certificate_arns)
    if p.get("hostnames"):
        ann[EXTERNAL_DNS] = ",".join(p["hostnames"])
    if p.get("group_name"):
        ann[PREFIX + "group.name"] = p["group_name"]
        if p.get("group_order") is not None:
            ann[PREFIX + "group.order"] = str(p["group_order"])
    if p.get("waf_acl_arn"):
        ann[PREFIX + "wafv2-acl-arn"] = p["waf_acl_arn"]
    if p.get("tags"):
        ann[PREFIX + "tags"] = ",".join("%s=%s" % (k, p["tags"][k]) for k in sorted(p["tags"]))
    for key, value in (p.get("annotations") or {}).items():
        ann[key] = str(value)
    return ann


def build_ingress(p, annotations):
    """The desired Ingress manifest (networking.k8s.io/v1)."""
    port = {"number": p["backend_port"]} if isinstance(p["backend_port"], int) else {"name": p["backend_port"]}
    labels = dict(p.get("labels") or {})
    labels.update(managed_labels())
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": p["name"], "namespace": p["namespace"], "labels": labels,
                     "annotations": annotations},
        "spec": {
            "ingressClassName": p.get("ingress_class") or "alb",
            "rules": [{"http": {"paths": [{
                "path": "/", "pathType": "Prefix",
                "backend": {"service": {"name": p["gateway_service"], "port": port}},
            }]}}],
        },
    }


def stack_name(p):
    """The controller's stack id: the group name, or namespace/name."""
    return p.get("group_name") or "%s/%s" % (p["namespace"], p["name"])


def group_members(ingresses, group_name, ingress_class, own):
    """The other Ingresses of the same IngressGroup (``own`` is ``(namespace, name)``)."""
    members = []
    for ing in ingresses:
        meta = ing.get("metadata") or {}
        ann = meta.get("annotations") or {}
        cls = (ing.get("spec") or {}).get("ingressClassName") or ann.get("kubernetes.io/ingress.class")
        if cls != ingress_class or ann.get(PREFIX + "group.name") != group_name:
            continue
        if (meta.get("namespace"), meta.get("name")) == tuple(own):
            continue
        members.append(ing)
    return members


def _tag_map(text):
    out = {}
    for item in (text or "").split(","):
        if "=" in item:
            key, value = item.split("=", 1)
            out[key.strip()] = value.strip()
    return out


def group_conflicts(annotations, members):
    """EdgeError for group-level settings this Ingress would contradict, or None.

    Group-level settings apply to the one shared ALB: the scheme, the WAF ACL and tags must agree, and the
    HTTPS redirect belongs to one member only (it redirects every member's HTTP traffic).
    """
    def ident(ing):
        return "%s/%s" % (ing["metadata"].get("namespace"), ing["metadata"].get("name"))

    for ing in members:
        other = ing["metadata"].get("annotations") or {}
        mine_scheme = annotations.get(PREFIX + "scheme", "internal")
        theirs_scheme = other.get(PREFIX + "scheme", "internal")
        if mine_scheme != theirs_scheme:
            raise EdgeError(
                "scheme: %s differs from %s of Ingress %s in the same group %r (one ALB has one scheme)."
                % (mine_scheme, theirs_scheme, ident(ing), other.get(PREFIX + "group.name")), field="scheme",
                hint="Use scheme %s, or another group_name. Nothing was changed." % theirs_scheme)
        if PREFIX + "ssl-redirect" in annotations and PREFIX + "ssl-redirect" in other:
            raise EdgeError(
                "https_redirect: Ingress %s of group %r already sets ssl-redirect, which redirects HTTP for the "
                "whole group." % (ident(ing), other.get(PREFIX + "group.name")), field="https_redirect",
                hint="Set https_redirect: false here (the group's redirect already applies), or remove it from "
                     "%s. Nothing was changed." % ident(ing))
        mine_waf, theirs_waf = annotations.get(PREFIX + "wafv2-acl-arn"), other.get(PREFIX + "wafv2-acl-arn")
        if mine_waf and theirs_waf and mine_waf != theirs_waf:
            raise EdgeError(
                "waf_acl_arn: %s differs from %s of Ingress %s in the same group." % (mine_waf, theirs_waf, ident(ing)),
                field="waf_acl_arn", hint="Use the same web ACL for the group. Nothing was changed.")
        mine_tags, theirs_tags = _tag_map(annotations.get(PREFIX + "tags")), _tag_map(other.get(PREFIX + "tags"))
        for key in sorted(set(mine_tags) & set(theirs_tags)):
            if mine_tags[key] != theirs_tags[key]:
                raise EdgeError(
                    "tags.%s: %r differs from %r set by Ingress %s in the same group."
                    % (key, mine_tags[key], theirs_tags[key], ident(ing)), field="tags.%s" % key,
                    hint="Use the same tag value across the group. Nothing was changed.")
    return None
