#!/usr/bin/env python
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A stand-in for AKS's cloud provider on the test bed (the real one needs Azure): for every Service of type
LoadBalancer annotated ``service.beta.kubernetes.io/azure-load-balancer-internal: "true"`` it writes an internal
IP into ``status.loadBalancer.ingress``, and with ``azure-pls-create: "true"`` it creates the Private Link
Service (``azure-pls-name``, default ``pls-<service>``) in the node resource group of the fake ARM - what
cloud-provider-azure does from the same annotations.

    python tests/fake_arm/aks_cloud_provider.py --kubeconfig KC --fake-arm-dir DIR --node-resource-group MC_x \
        [--location westeurope] [--interval 1] [--pid-file FILE]

Stop it by its PID (SIGTERM). Used by the molecule scenario ``frontdoor``.
"""

import argparse
import hashlib
import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from fake_arm import FakeArm  # noqa: E402

AZ = "service.beta.kubernetes.io/"


def internal_ip(namespace, name, prefix="10.224.0."):
    """A stable address per Service (like an internal LB frontend in the node subnet)."""
    return prefix + str(10 + int(hashlib.sha256(("%s/%s" % (namespace, name)).encode()).hexdigest(), 16) % 200)


def reconcile(core, arm, node_rg, location, log):
    known = set(r["id"].lower() for r in arm.resources("microsoft.network/privatelinkservices"))
    for svc in core.list_service_for_all_namespaces().items:
        ann = svc.metadata.annotations or {}
        if svc.spec.type != "LoadBalancer" or str(ann.get(AZ + "azure-load-balancer-internal", "")).lower() != "true":
            continue
        ingress = (svc.status.load_balancer and svc.status.load_balancer.ingress) or []
        if not ingress:
            ip = internal_ip(svc.metadata.namespace, svc.metadata.name)
            core.patch_namespaced_service_status(svc.metadata.name, svc.metadata.namespace,
                                                 {"status": {"loadBalancer": {"ingress": [{"ip": ip}]}}})
            log("internal load balancer %s for %s/%s" % (ip, svc.metadata.namespace, svc.metadata.name))
        if str(ann.get(AZ + "azure-pls-create", "")).lower() == "true":
            name = ann.get(AZ + "azure-pls-name") or "pls-%s" % svc.metadata.name
            if arm.pls_id(node_rg, name).lower() not in known:
                arm.seed_private_link_service(node_rg, name, location)
                log("Private Link Service %s in %s" % (name, node_rg))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--fake-arm-dir", required=True)
    parser.add_argument("--node-resource-group", required=True)
    parser.add_argument("--location", default="westeurope")
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--pid-file")
    args = parser.parse_args(argv)
    from kubernetes import client, config
    core = client.CoreV1Api(config.new_client_from_config(config_file=args.kubeconfig))
    arm = FakeArm.from_dir(args.fake_arm_dir)
    running = [True]
    signal.signal(signal.SIGTERM, lambda *_: running.__setitem__(0, False))
    if args.pid_file:
        with open(args.pid_file, "w") as handle:
            handle.write(str(os.getpid()))

    def log(line):
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    try:
        while running[0]:
            try:
                reconcile(core, arm, args.node_resource_group, args.location, log)
            except Exception as exc:  # noqa: BLE001 - keep reconciling, like a controller
                log("reconcile failed: %s" % exc)
            time.sleep(args.interval)
    finally:
        if args.pid_file and os.path.exists(args.pid_file):
            os.unlink(args.pid_file)


if __name__ == "__main__":
    main()
