# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compare the Front Door fields the collection owns with what ARM returns (pure, private).

ARM answers with its own spelling: resource ids with ``/resourcegroups/`` and lower-case child types, enum
values respelled (``http`` -> ``Http``), locations as ``eastus`` or ``East US``, lists reordered, read-only
fields added (``provisioningState``, ``sharedPrivateLinkResource.status``, ``customDomains[].isActive``).
Comparing raw values reports a change on every run (azure.azcollection's afd modules do, as soon as a private
link is set); here only the desired keys are compared, each normalised for its kind.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# keys whose string values ARM treats case-insensitively (enums, host names, the sku name)
_CASELESS = frozenset([
    "name", "probeProtocol", "probeRequestType", "enabledState", "httpsRedirect", "forwardingProtocol",
    "linkToDefaultDomain", "sessionAffinityState", "certificateType", "minimumTlsVersion", "type", "hostName",
    "originHostHeader", "supportedProtocols",
])
_LOCATIONS = frozenset(["location", "privateLinkLocation"])
# lists whose order means nothing to Front Door
_UNORDERED = frozenset(["patternsToMatch", "supportedProtocols", "customDomains", "domains"])


def norm_id(value):
    return value.rstrip("/").lower() if isinstance(value, str) else value


def norm_location(value):
    return value.replace(" ", "").lower() if isinstance(value, str) else value


def _norm_scalar(key, value):
    if key == "id":
        return norm_id(value)
    if key in _LOCATIONS:
        return norm_location(value)
    if key in _CASELESS and isinstance(value, str):
        return value.lower()
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _set_item(key, item):
    if isinstance(item, dict):
        return norm_id(item.get("id")) if "id" in item else repr(sorted(item.items()))
    return _norm_scalar(key, item)


def _empty(value):
    return value is None or value == {} or value == []


def differences(desired, live, path=""):
    """Dotted paths of the desired fields that differ from ``live`` (an empty list: nothing to do)."""
    if not isinstance(desired, dict):
        return [] if desired == live else [path or "."]
    if not isinstance(live, dict):
        return [path or "."]
    out = []
    for key, value in desired.items():
        out.extend(_diff(key, value, live.get(key), "%s.%s" % (path, key) if path else key))
    return out


def _diff(key, desired, live, path):
    if desired is None:
        return [] if _empty(live) else [path]
    if isinstance(desired, dict):
        if not desired:
            return []
        if not isinstance(live, dict):
            return [path]
        return differences(desired, live, path)
    if isinstance(desired, list):
        if _empty(desired) and _empty(live):
            return []
        if not isinstance(live, list):
            return [path]
        if key in _UNORDERED:
            want = sorted(str(_set_item(key, i)) for i in desired)
            have = sorted(str(_set_item(key, i)) for i in live)
            return [] if want == have else [path]
        if len(desired) != len(live):
            return [path]
        out = []
        for i, (d, lv) in enumerate(zip(desired, live)):
            out.extend(_diff(key, d, lv, "%s[%d]" % (path, i)))
        return out
    return [] if _norm_scalar(key, desired) == _norm_scalar(key, live) else [path]


def project(desired, live):
    """``live`` cut down to the keys of ``desired`` (the "before" of a diff, comparable with "after").

    Only owned fields are kept, at every depth: an empty desired mapping owns nothing of the live one, and the items
    of a list of mappings keep the keys the desired items have - so the fields ARM adds and nobody can set
    (``frontDoorId``, ``provisioningState``, ``deploymentStatus``, ``customDomains[].isActive``) never show in a diff
    as if the module removed them.
    """
    if live is None:
        return None
    if isinstance(desired, dict) and isinstance(live, dict):
        return dict((key, project(value, live[key])) for key, value in desired.items() if key in live)
    if isinstance(desired, list) and isinstance(live, list) and desired and all(isinstance(d, dict) for d in desired):
        keys = set(key for item in desired for key in item)
        return [dict((k, v) for k, v in item.items() if k in keys) if isinstance(item, dict) else item for item in live]
    return live


def predict(desired, live):
    """What ARM would hold after applying ``desired`` (check mode's "after"): live merged with desired."""
    if not isinstance(desired, dict) or not isinstance(live, dict):
        return desired
    out = dict(live)
    for key, value in desired.items():
        out[key] = predict(value, live.get(key)) if isinstance(value, dict) and value else value
    return out


def get_path(obj, path):
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj
