# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/install-istio.yml with inventories/local (role istio: gateway_service values + istio_install) on
the test bed: install with the gateway Service shaped for the manual load balancer (nodeport), the fact
istio_edge_gateway from the live objects, a second run that changes nothing, then istio_state=absent.

The inventory's test-bed settings (fixture charts, helm 4 with helm_server_side false, waits off, HPA/PDB off)
are what is under test here, as `make local` uses them.
"""

import os

from ansible_runner import REPO
from test_istio_install_support import live, release, uninstall

PLAYBOOK = os.path.join(REPO, "playbooks", "install-istio.yml")
INVENTORY = os.path.join(REPO, "inventories", "local")


def _changed(results):
    return [r["_task"] for r in results if r.get("changed")]


def test_install_istio_playbook_with_the_local_inventory(ansible, kube, testbed):
    for name in ("istiod", "istio-base"):
        uninstall(testbed, name, "istio-system")
    uninstall(testbed, "istio-ingress", "istio-ingress")
    env = {"MESHOPS_HELM4": testbed["helm4"]}
    try:
        rc, out, results = ansible.playbook(PLAYBOOK, inventory=INVENTORY, env=env)
        assert rc == 0, out[-3000:]
        fact = [r for r in results if "istio_edge_gateway" in r.get("ansible_facts", {})][0]
        gateway = fact["ansible_facts"]["istio_edge_gateway"]
        assert gateway["selector"] == {"app": "istio-ingress", "istio": "ingress"}
        assert gateway["profile"] == "nodeport" and gateway["provider"] == "nodeport"
        assert gateway["node_ports"] == {"http2": 30080, "https": 30443, "status-port": 30021}
        assert gateway["health_check"]["node_port"] == 30021
        svc = live(kube, "v1", "Service", "istio-ingress", "istio-ingress")
        assert svc["spec"]["type"] == "NodePort"
        assert svc["metadata"]["annotations"]["istio-edge.meshops.io/edge-profile"] == "nodeport"
        assert release(testbed, "istiod", "istio-system")["revision"] == 1
        install = [r for r in results if "releases" in r][0]
        assert install["helm_version"].startswith("v4.")
        # helm 4 applied client-side: the inventory's test-bed setting helm_server_side false
        assert set(r["apply_method"] for r in install["releases"]) == {"csa"}

        rc, out, results = ansible.playbook(PLAYBOOK, inventory=INVENTORY, env=env)
        assert rc == 0, out[-3000:]
        assert _changed(results) == []

        rc, out, results = ansible.playbook(PLAYBOOK, inventory=INVENTORY, env=env,
                                            extra_vars={"istio_state": "absent"})
        assert rc == 0, out[-3000:]
        assert release(testbed, "istio-ingress", "istio-ingress") is None
        assert release(testbed, "istio-base", "istio-system") is None
    finally:
        for name, namespace in (("istio-ingress", "istio-ingress"), ("istiod", "istio-system"),
                                ("istio-base", "istio-system")):
            uninstall(testbed, name, namespace)
