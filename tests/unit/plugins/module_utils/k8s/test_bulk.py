# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.bulk import in_sync

DESIRED = {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
           "metadata": {"name": "shop", "namespace": "shop", "labels": {"app.kubernetes.io/managed-by": "x"}},
           "spec": {"hosts": ["a"], "http": [{"name": "one", "route": [{"destination": {"host": "web"}}]}]}}


def live(**spec):
    obj = {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
           "metadata": {"name": "shop", "namespace": "shop", "resourceVersion": "7",
                        "labels": {"app.kubernetes.io/managed-by": "x", "team": "web"}},
           "spec": {"hosts": ["a"], "http": [{"name": "one", "route": [{"destination": {"host": "web"}}]}]}}
    obj["spec"].update(spec)
    return obj


def test_owned_objects_compare_the_whole_spec():
    assert in_sync(DESIRED, live())
    # a route removed from the declaration (or added by hand) is drift for an object we own
    extra = live(http=DESIRED["spec"]["http"] + [{"name": "two", "route": []}])
    assert not in_sync(DESIRED, extra)
    assert not in_sync(DESIRED, live(tcp=[{"match": [{"port": 1}]}]))
    assert not in_sync(DESIRED, None)


def test_objects_we_only_patch_compare_our_fields():
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "labels": {"istio-injection": "enabled"}}}
    live_ns = {"apiVersion": "v1", "kind": "Namespace",
               "metadata": {"name": "shop", "labels": {"istio-injection": "enabled", "team": "web"}},
               "spec": {"finalizers": ["kubernetes"]}}
    assert in_sync(ns, live_ns, owned=False)
    live_ns["metadata"]["labels"]["istio-injection"] = "disabled"
    assert not in_sync(ns, live_ns, owned=False)
