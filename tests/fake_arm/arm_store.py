# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fake ARM's resource store: ARM paths, resources, long-running operations (private to the tests).

ARM behaviours reproduced (shapes from the public azure-rest-api-specs examples):
- resource ids are case-insensitive; responses use the provider's own casing (Front Door returns
  ``/resourcegroups/`` and lower-case child types, Network returns ``/resourceGroups/`` and camel case);
- ``PUT`` answers 201 (new) or 200 (existing) and finishes through an operation: ``Azure-AsyncOperation``
  polled until ``{"status": "Succeeded"}``, or no header and a non-terminal ``provisioningState`` in the body
  (the client polls the resource); ``PATCH`` answers 202 + ``Azure-AsyncOperation`` or 202 + ``Location``;
  ``DELETE`` answers 202 + ``Location`` (202 while running, then 204), 204 when there is nothing to delete;
- errors are ``{"error": {"code": ..., "message": ...}}`` with the HTTP status ARM uses.
"""

import copy
import threading
import uuid


class ArmError(Exception):
    def __init__(self, status, code, message, headers=None):
        super(ArmError, self).__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self):
        return {"error": {"code": self.code, "message": self.message}}


class Ref:
    """A parsed ARM path: subscription, resource group, provider and (type, name) pairs."""

    def __init__(self, sub, rg=None, provider=None, pairs=(), collection=None):
        self.sub, self.rg, self.provider = sub, rg, provider
        self.pairs = list(pairs)
        self.collection = collection

    @classmethod
    def parse(cls, path):
        seg = [s for s in path.split("?")[0].split("/") if s]
        if len(seg) < 2 or seg[0].lower() != "subscriptions":
            return None
        if len(seg) == 2:
            return cls(seg[1])
        if seg[2].lower() != "resourcegroups":
            return cls(seg[1], collection="/".join(seg[2:]))
        if len(seg) == 3:
            return cls(seg[1], collection="resourcegroups")
        if len(seg) == 4:
            return cls(seg[1], seg[3])
        if seg[4].lower() != "providers" or len(seg) < 7:
            return cls(seg[1], seg[3], collection="/".join(seg[4:]))
        rest = seg[6:]
        pairs = [(rest[i], rest[i + 1]) for i in range(0, len(rest) - 1, 2)]
        collection = rest[-1] if len(rest) % 2 else None
        return cls(seg[1], seg[3], seg[5], pairs, collection)

    @property
    def type_key(self):
        types = [pair[0].lower() for pair in self.pairs] + ([self.collection.lower()] if self.collection else [])
        return "%s/%s" % ((self.provider or "").lower(), "/".join(types))

    @property
    def key(self):
        base = "/subscriptions/%s" % self.sub
        if self.rg is not None:
            base += "/resourcegroups/%s" % self.rg
        if self.provider:
            base += "/providers/%s" % self.provider
            for kind, name in self.pairs:
                base += "/%s/%s" % (kind, name)
        return base.lower()

    @property
    def name(self):
        return self.pairs[-1][1] if self.pairs else self.rg

    def parent(self):
        return Ref(self.sub, self.rg, self.provider, self.pairs[:-1])

    def child(self, kind, name):
        return Ref(self.sub, self.rg, self.provider, self.pairs + [(kind, name)])

    def item(self, name):
        return Ref(self.sub, self.rg, self.provider, self.pairs + [(self.collection, name)])


class Resource:
    def __init__(self, ref, body, meta=None):
        self.ref = ref
        self.body = body
        self.meta = meta if meta is not None else {}


class Operation:
    def __init__(self, kind, method, resource_key, ref, remaining, on_done):
        self.id = str(uuid.uuid4())
        self.kind = kind              # "async" | "location" | "body"
        self.method = method
        self.resource_key = resource_key
        self.ref = ref
        self.remaining = remaining
        self.on_done = on_done
        self.status = "InProgress"
        self.error = None


def merge_patch(target, patch):
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


class Store:
    """Everything the fake ARM knows. All access goes through ``lock``."""

    def __init__(self, specs, subscriptions):
        self.lock = threading.RLock()
        self.specs = specs                         # type_key -> spec object
        self.subscriptions = set(s.lower() for s in subscriptions)
        self.resource_groups = {}                  # key -> {"name", "location"}
        self.resources = {}                        # key -> Resource
        self.ops = {}
        self.config = {"lro_polls": 2, "lro_retry_after": None, "domain_validation_token": True}
        self.faults = []
        self.requests = []
        self.tokens = set()

    # -- bookkeeping ------------------------------------------------------------------------------------
    def reset(self):
        with self.lock:
            self.resource_groups.clear()
            self.resources.clear()
            self.ops.clear()
            self.faults = []
            self.requests = []
            self.config.update({"lro_polls": 2, "lro_retry_after": None, "domain_validation_token": True})

    def counts(self):
        with self.lock:
            counts = {}
            for entry in self.requests:
                counts[entry["method"]] = counts.get(entry["method"], 0) + 1
            return counts

    def take_fault(self, method, path):
        with self.lock:
            for fault in self.faults:
                if fault.get("method", method).upper() != method:
                    continue
                if fault.get("path_contains", "").lower() not in path.lower():
                    continue
                if fault.get("lro_fail"):
                    continue
                fault["count"] = fault.get("count", 1) - 1
                if fault["count"] <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def take_lro_failure(self, method, path):
        with self.lock:
            for fault in self.faults:
                if fault.get("lro_fail") and fault.get("method", method).upper() == method and \
                        fault.get("path_contains", "").lower() in path.lower():
                    self.faults.remove(fault)
                    return fault
        return None

    # -- scope checks -----------------------------------------------------------------------------------
    def check_scope(self, ref):
        if ref.sub.lower() not in self.subscriptions:
            raise ArmError(404, "SubscriptionNotFound", "The subscription '%s' could not be found." % ref.sub)
        if ref.rg is not None and ref.provider and ("/subscriptions/%s/resourcegroups/%s" % (ref.sub, ref.rg)).lower() \
                not in self.resource_groups:
            raise ArmError(404, "ResourceGroupNotFound", "Resource group '%s' could not be found." % ref.rg)

    def spec_for(self, ref):
        spec = self.specs.get(ref.type_key)
        if spec is None:
            raise ArmError(400, "InvalidResourceType",
                           "The resource type '%s' could not be found in the namespace '%s'."
                           % (ref.type_key.split("/", 1)[-1], ref.provider))
        return spec

    def get(self, key_or_ref):
        key = key_or_ref if isinstance(key_or_ref, str) else key_or_ref.key
        return self.resources.get(key.lower().rstrip("/"))

    def children(self, ref, kind):
        prefix = ref.key + "/" + kind.lower() + "/"
        return [r for k, r in sorted(self.resources.items())
                if k.startswith(prefix) and "/" not in k[len(prefix):]]

    def display_id(self, ref, spec):
        rg_word = getattr(spec, "rg_segment", "resourcegroups")
        out = "/subscriptions/%s/%s/%s/providers/%s" % (ref.sub, rg_word, ref.rg, spec.provider)
        for (kind, name), display in zip(ref.pairs, spec.display_types):
            out += "/%s/%s" % (display, name)
        return out

    def not_found(self, ref):
        spec = self.specs.get(ref.type_key)
        arm_type = spec.arm_type if spec else ref.type_key
        return ArmError(404, "ResourceNotFound", "The Resource '%s/%s' under resource group '%s' was not found. "
                        "For more details please go to https://aka.ms/ARMResourceNotFoundFix"
                        % (arm_type, "/".join(pair[1] for pair in ref.pairs), ref.rg))

    # -- long-running operations ------------------------------------------------------------------------
    def start_op(self, kind, method, ref, on_done, path):
        failure = self.take_lro_failure(method, path)
        op = Operation(kind, method, ref.key, ref, max(0, int(self.config["lro_polls"])), on_done)
        if failure:
            op.error = {"code": failure.get("code", "InternalServerError"),
                        "message": failure.get("message", "The operation failed (injected fault).")}
        self.ops[op.id] = op
        if op.remaining == 0:
            self.finish(op)
        return op

    def finish(self, op):
        if op.status != "InProgress":
            return
        if op.error:
            op.status = "Failed"
            res = self.resources.get(op.resource_key)
            if res is not None:
                res.body.setdefault("properties", {})["provisioningState"] = "Failed"
            return
        op.on_done()
        op.status = "Succeeded"

    def poll(self, op):
        if op.status == "InProgress":
            op.remaining -= 1
            if op.remaining <= 0:
                self.finish(op)
        return op

    def pending_body_op(self, key):
        for op in self.ops.values():
            if op.kind == "body" and op.resource_key == key and op.status == "InProgress":
                return op
        return None

    # -- CRUD -------------------------------------------------------------------------------------------
    def handle(self, method, ref, body, path):
        """(status, body, headers) for an ARM resource request."""
        self.check_scope(ref)
        spec = self.spec_for(ref)
        if hasattr(spec, "handle"):
            return spec.handle(self, method, ref, body, path)
        if ref.collection:
            if method != "GET":
                raise ArmError(405, "MethodNotAllowed", "The requested method is not allowed on a collection.")
            parent = Ref(ref.sub, ref.rg, ref.provider, ref.pairs)
            if ref.pairs and self.get(parent) is None:
                raise self.not_found(parent)
            items = self.children(parent, ref.collection) if ref.pairs else [
                r for r in self.resources.values() if r.ref.type_key == ref.type_key
                and r.ref.rg.lower() == ref.rg.lower()]
            return 200, {"value": [copy.deepcopy(r.body) for r in items]}, {}
        if method == "GET":
            res = self.get(ref)
            if res is None:
                raise self.not_found(ref)
            op = self.pending_body_op(ref.key)
            if op is not None:
                self.poll(op)
            return 200, copy.deepcopy(res.body), {}
        if method == "PUT":
            return self.put(ref, body, path)
        if method == "PATCH":
            return self.patch(ref, body, path)
        if method == "DELETE":
            return self.delete(ref, path)
        raise ArmError(405, "MethodNotAllowed", "The requested method %s is not allowed." % method)

    def put(self, ref, body, path):
        spec = self.spec_for(ref)
        if len(ref.pairs) > 1 and self.get(ref.parent()) is None:
            raise ArmError(404, "ParentResourceNotFound",
                           "Can not perform requested operation on nested resource. Parent resource '%s' not found."
                           % "/".join(pair[1] for pair in ref.pairs[:-1]))
        existing = self.get(ref)
        if existing is not None and existing.body.get("properties", {}).get("provisioningState") in (
                "Creating", "Updating", "Deleting"):
            raise ArmError(409, "Conflict", "The resource '%s' is busy with another operation (%s)."
                           % (ref.name, existing.body["properties"]["provisioningState"]))
        spec.check_name(ref)
        new_body = spec.build(self, ref, body, existing.body if existing else None)
        new_body.update({"id": self.display_id(ref, spec), "name": ref.name, "type": spec.arm_type})
        state = "Updating" if existing else "Creating"
        new_body.setdefault("properties", {})["provisioningState"] = state
        if "deploymentStatus" in spec.defaults:
            new_body["properties"]["deploymentStatus"] = "NotStarted"
        res = Resource(ref, new_body, existing.meta if existing else None)
        self.resources[ref.key] = res

        def done():
            res.body["properties"]["provisioningState"] = "Succeeded"
            spec.on_ready(self, ref, res, existing is None)

        kind = spec.lro.get("PUT")
        if kind is None:
            done()
            return (200 if existing else 201), copy.deepcopy(res.body), {}
        op = self.start_op(kind, "PUT", ref, done, path)
        return (200 if existing else 201), copy.deepcopy(res.body), self._op_headers(op, kind)

    def patch(self, ref, body, path):
        spec = self.spec_for(ref)
        existing = self.get(ref)
        if existing is None:
            raise self.not_found(ref)
        allowed = dict((k, v) for k, v in body.items() if k in ("properties", "tags", "identity"))
        merged = merge_patch(existing.body, allowed)
        if isinstance(allowed.get("tags"), dict):
            merged["tags"] = copy.deepcopy(allowed["tags"])     # ARM: the PATCH's tags replace the whole set
        merged["properties"] = spec.build(self, ref, merged, existing.body).get("properties", {})
        before = copy.deepcopy(existing.body)
        existing.body = merged
        existing.body["properties"]["provisioningState"] = "Updating"

        def done():
            existing.body["properties"]["provisioningState"] = "Succeeded"
            spec.on_updated(self, ref, existing, before)

        kind = spec.lro.get("PATCH")
        if kind is None:
            done()
            return 200, copy.deepcopy(existing.body), {}
        op = self.start_op(kind, "PATCH", ref, done, path)
        return 202, copy.deepcopy(existing.body), self._op_headers(op, kind)

    def delete(self, ref, path):
        spec = self.spec_for(ref)
        existing = self.get(ref)
        if existing is None:
            return 204, None, {}
        spec.check_delete(self, ref, existing)
        existing.body.setdefault("properties", {})["provisioningState"] = "Deleting"

        def done():
            for key in [k for k in self.resources if k == ref.key or k.startswith(ref.key + "/")]:
                gone = self.resources.pop(key)
                gone_spec = self.specs.get(gone.ref.type_key)
                if gone_spec is not None:
                    gone_spec.on_deleted(self, gone.ref, gone)

        kind = spec.lro.get("DELETE")
        if kind is None:
            done()
            return 200, None, {}
        op = self.start_op(kind, "DELETE", ref, done, path)
        return 202, None, self._op_headers(op, kind)

    def _op_headers(self, op, kind):
        if kind == "body":
            return {}
        url = "{base}/subscriptions/%s/resourcegroups/%s/providers/%s/operationresults/%s?api-version={api}" % (
            op.ref.sub, op.ref.rg, op.ref.provider, op.id)
        headers = {}
        if kind == "async":
            headers["Azure-AsyncOperation"] = url
        else:
            headers["Location"] = url + "&monitor=location"
        if self.config.get("lro_retry_after") is not None:
            headers["Retry-After"] = str(self.config["lro_retry_after"])
        return headers

    def op_status(self, op_id, location):
        """(status, body, headers) for a GET on an operation URL."""
        op = self.ops.get(op_id)
        if op is None:
            raise ArmError(404, "OperationNotFound", "Operation '%s' was not found." % op_id)
        self.poll(op)
        if not location:
            body = {"id": op.id, "name": op.id, "status": op.status}
            if op.error:
                body["error"] = op.error
            return 200, body, {}
        if op.status == "InProgress":
            return 202, None, self._op_headers(op, "location")
        if op.status == "Failed":
            raise ArmError(400, op.error["code"], op.error["message"])
        if op.method == "DELETE":
            return 204, None, {}
        res = self.resources.get(op.resource_key)
        return 200, copy.deepcopy(res.body) if res else None, {}
