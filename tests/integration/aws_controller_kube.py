# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Kubernetes side of the stand-in AWS Load Balancer Controller (aws_controller.py), written from the
controller's documented behaviour and independent of the collection's code:

* IngressClass: the controller's Helm chart installs IngressClass ``alb`` (controller ``ingress.k8s.aws/alb``);
  the controller reconciles an Ingress only when its ``ingressClassName`` names a class of that controller (or
  it carries the legacy annotation ``kubernetes.io/ingress.class: alb``). Any other Ingress is not its business:
  no event, no address.
* IngressGroup settings merge across the members (listen-ports, certificates, tags); a member contradicting
  another (scheme, WAF ACL, a tag value, ssl-redirect ports) stops the whole group with an event.
* Events (``FailedBuildModel``, ``FailedDeployModel``) on every member of a group that fails - the only place,
  besides the controller's logs, where the reason shows.
* Finalizers: ``ingress.k8s.aws/resources`` (an Ingress of its own) or ``group.ingress.k8s.aws/<group>``,
  added before the ALB is made and removed once it is cleaned up, so a deleted Ingress stays until then.
"""

import datetime
import hashlib
import json

from kubernetes.client.rest import ApiException

ALB_PREFIX = "alb.ingress.kubernetes.io/"
ALB_CONTROLLER = "ingress.k8s.aws/alb"
LEGACY_CLASS = "kubernetes.io/ingress.class"
OWN_FINALIZER = "ingress.k8s.aws/resources"
GROUP_FINALIZER = "group.ingress.k8s.aws/"


class ModelError(Exception):
    """A reconcile failure reported as an event on every member of the group."""

    def __init__(self, reason, message):
        Exception.__init__(self, message)
        self.reason = reason


def ensure_ingress_class(net, name="alb", controller=ALB_CONTROLLER):
    """The IngressClass the controller's Helm chart installs (created once, left alone when it exists)."""
    body = {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": name},
            "spec": {"controller": controller}}
    try:
        net.create_ingress_class(body)
    except ApiException as exc:
        if exc.status != 409:
            raise


def class_controllers(net):
    """{IngressClass name: its controller}."""
    return {c.metadata.name: c.spec.controller for c in net.list_ingress_class().items}


def is_alb_ingress(ing, controllers):
    """Whether the controller reconciles this Ingress (its class, or the legacy annotation)."""
    if ing.spec.ingress_class_name:
        return controllers.get(ing.spec.ingress_class_name) == ALB_CONTROLLER
    return (ing.metadata.annotations or {}).get(LEGACY_CLASS) == "alb"


def stack_of(ing):
    ann = ing.metadata.annotations or {}
    return ann.get(ALB_PREFIX + "group.name") or "%s/%s" % (ing.metadata.namespace, ing.metadata.name)


def finalizer_of(ing):
    group = (ing.metadata.annotations or {}).get(ALB_PREFIX + "group.name")
    return GROUP_FINALIZER + group if group else OWN_FINALIZER


def _ident(ing):
    return "%s/%s" % (ing.metadata.namespace, ing.metadata.name)


def _tag_map(text):
    out = {}
    for item in filter(None, (text or "").split(",")):
        key, value = (item.split("=", 1) + [""])[:2]
        out[key.strip()] = value.strip()
    return out


def group_settings(members):
    """The merged settings of an IngressGroup: ``dict(scheme, listen, certs, redirect, tags, waf)``; a
    ModelError (``FailedBuildModel``) when members contradict each other."""
    out = {"scheme": None, "listen": [], "certs": [], "redirect": None, "tags": {}, "waf": None}
    seen = {}
    for ing in members:
        ann = ing.metadata.annotations or {}
        for key, field in (("scheme", "scheme"), ("wafv2-acl-arn", "waf"), ("ssl-redirect", "redirect")):
            value = ann.get(ALB_PREFIX + key, "internal" if key == "scheme" else None)
            if value is None:
                continue
            if out[field] is not None and out[field] != value:
                raise ModelError("FailedBuildModel", "Failed build model due to conflicting %s: %s sets %s, %s "
                                 "sets %s" % (key, seen[field], out[field], _ident(ing), value))
            out[field], seen[field] = value, _ident(ing)
        for key, value in _tag_map(ann.get(ALB_PREFIX + "tags")).items():
            if key in out["tags"] and out["tags"][key] != value:
                raise ModelError("FailedBuildModel", "Failed build model due to conflicting tag %s: %s and %s"
                                 % (key, out["tags"][key], value))
            out["tags"][key] = value
        for item in json.loads(ann.get(ALB_PREFIX + "listen-ports", '[{"HTTP": 80}]')):
            for proto, port in item.items():
                if (proto, port) not in out["listen"]:
                    out["listen"].append((proto, port))
        for arn in filter(None, (a.strip() for a in ann.get(ALB_PREFIX + "certificate-arn", "").split(","))):
            if arn not in out["certs"]:
                out["certs"].append(arn)
    return out


class KubeSide:
    """Events and finalizers through the API server."""

    def __init__(self, core, net):
        self.core = core
        self.net = net
        self.finalized = set()        # (namespace, name) of Ingresses this controller put a finalizer on

    def event(self, ing, reason, message, kind="Warning"):
        """Record an event on the Ingress (repeated ones count up, like the controller's recorder); an event that
        cannot be written (the namespace is being deleted) is dropped, as a recorder does."""
        try:
            self._event(ing, reason, message, kind)
        except ApiException:
            pass

    def _event(self, ing, reason, message, kind):
        digest = hashlib.sha256(("%s/%s" % (reason, message)).encode()).hexdigest()[:10]
        name = "%s.%s" % (ing.metadata.name, digest)
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        try:
            old = self.core.read_namespaced_event(name, ing.metadata.namespace)
            self.core.patch_namespaced_event(name, ing.metadata.namespace, {"count": (old.count or 1) + 1,
                                                                            "lastTimestamp": now})
            return
        except ApiException as exc:
            if exc.status != 404:
                raise
        self.core.create_namespaced_event(ing.metadata.namespace, {
            "apiVersion": "v1", "kind": "Event", "metadata": {"name": name, "namespace": ing.metadata.namespace},
            "involvedObject": {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": ing.metadata.name,
                               "namespace": ing.metadata.namespace, "uid": ing.metadata.uid},
            "reason": reason, "message": message, "type": kind, "count": 1, "firstTimestamp": now,
            "lastTimestamp": now, "source": {"component": "ingress"}})

    def add_finalizer(self, ing):
        wanted = finalizer_of(ing)
        current = list(ing.metadata.finalizers or [])
        if wanted not in current:
            self.net.patch_namespaced_ingress(ing.metadata.name, ing.metadata.namespace,
                                              {"metadata": {"finalizers": current + [wanted],
                                                            "resourceVersion": ing.metadata.resource_version}})
        self.finalized.add((ing.metadata.namespace, ing.metadata.name))

    def remove_finalizers(self, namespace, name):
        """Drop this controller's finalizers from the Ingress (it is then deleted if it was being deleted)."""
        for attempt in range(5):  # the stand-in's reconcile may write the Ingress meanwhile: read again on 409
            try:
                ing = self.net.read_namespaced_ingress(name, namespace)
            except ApiException as exc:
                if exc.status == 404:
                    self.finalized.discard((namespace, name))
                    return
                raise
            current = list(ing.metadata.finalizers or [])
            kept = [f for f in current if f != OWN_FINALIZER and not f.startswith(GROUP_FINALIZER)]
            if kept == current:
                break
            try:
                self.net.patch_namespaced_ingress(name, namespace, {"metadata": {
                    "finalizers": kept or None, "resourceVersion": ing.metadata.resource_version}})
                break
            except ApiException as exc:
                if exc.status != 409 or attempt == 4:
                    raise
        self.finalized.discard((namespace, name))

    def set_address(self, ing, hostname):
        self.net.patch_namespaced_ingress_status(ing.metadata.name, ing.metadata.namespace, {
            "status": {"loadBalancer": {"ingress": [{"hostname": hostname}]}}})
