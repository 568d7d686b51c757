#!/usr/bin/env python
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Start and stop the project's fake Azure Resource Manager (+ AAD token endpoint) on 127.0.0.1 over HTTPS.

    python tests/fake_arm/fake_arm.py up DIR [--port N]   # writes DIR/fake-arm.{pid,json,env}, certs in DIR/fake-arm/
    python tests/fake_arm/fake_arm.py down DIR            # stops it by its recorded PID
    python tests/fake_arm/fake_arm.py env DIR             # prints the exports (source it)
    python tests/fake_arm/fake_arm.py seed DIR --resource-group RG [--location L] [--waf-policy ID]

``DIR`` may be a test bed directory: ``testbed.py down`` also stops ``fake-arm.pid``. The ``FakeArm`` class is
the tests' client (seed a Private Link Service, read resources, count requests by method, inject faults).
No cloud is involved: nothing here talks to Azure.
"""

import argparse
import json
import os
import secrets
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "testbed"))

from testbed import stop_pid  # noqa: E402  # the test bed's PID-file helper (tests/testbed/testbed.py)

TENANT = "5f1c3b2a-0d6e-4c3b-9a8f-7e6d5c4b3a21"
CLIENT_ID = "7a2b9c4d-1e0f-4a3b-8c7d-6e5f4a3b2c1d"
SUBSCRIPTION = "3c9d2e1f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
OTHER_SUBSCRIPTION = "9e8d7c6b-5a49-4382-9170-a1b2c3d4e5f6"


class FakeArm:
    """Client of a running fake ARM (``info`` is the content of ``fake-arm.json``)."""

    def __init__(self, info):
        self.info = info
        self.url = info["url"]
        self._ctx = ssl.create_default_context(cafile=info["ca_cert"])

    @classmethod
    def from_dir(cls, directory):
        with open(os.path.join(directory, "fake-arm.json")) as handle:
            return cls(json.load(handle))

    # -- what the modules need ---------------------------------------------------------------------------
    @property
    def env(self):
        """Environment for ansible-playbook: credentials, the ARM/AAD URLs and the CA bundle."""
        return {
            "AZURE_CLIENT_ID": self.info["client_id"], "AZURE_SECRET": self.info["client_secret"],
            "AZURE_TENANT": self.info["tenant"], "AZURE_SUBSCRIPTION_ID": self.info["subscription_id"],
            "AZURE_AUTHORITY_HOST": self.url, "AZURE_RESOURCE_MANAGER_URL": self.url,
            "REQUESTS_CA_BUNDLE": self.info["ca_cert"],
        }

    @property
    def auth_args(self):
        """The same as explicit module options (azure_auth doc fragment)."""
        return {"subscription_id": self.info["subscription_id"], "client_id": self.info["client_id"],
                "secret": self.info["client_secret"], "tenant": self.info["tenant"], "base_url": self.url,
                "authority_host": self.url}

    # -- control API -------------------------------------------------------------------------------------
    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, context=self._ctx, timeout=10) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def reset(self):
        self.call("POST", "/_fake/reset")

    def seed(self, resource_id, body=None):
        return self.call("POST", "/_fake/seed", {"id": resource_id, "body": body or {}})

    def seed_resource_group(self, name, location="eastus", subscription=None):
        return self.seed("/subscriptions/%s/resourceGroups/%s" % (subscription or self.info["subscription_id"], name),
                         {"location": location})

    def pls_id(self, resource_group, name, subscription=None):
        return ("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/privateLinkServices/%s"
                % (subscription or self.info["subscription_id"], resource_group, name))

    def seed_private_link_service(self, resource_group, name, location="eastus", subscription=None):
        """A PLS like the one AKS makes from the gateway Service's azure-pls-* annotations."""
        self.seed_resource_group(resource_group, location, subscription)
        rid = self.pls_id(resource_group, name, subscription)
        return self.seed(rid, {"location": location, "properties": {
            "loadBalancerFrontendIpConfigurations": [{"id": "/subscriptions/%s/resourceGroups/%s/providers/"
                                                            "Microsoft.Network/loadBalancers/kubernetes-internal/"
                                                            "frontendIPConfigurations/a1b2c3" % (
                                                                subscription or self.info["subscription_id"],
                                                                resource_group)}],
            "visibility": {"subscriptions": ["*"]}, "autoApproval": {"subscriptions": []}}})

    def seed_waf_policy(self, resource_group, name, location="Global"):
        rid = ("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/"
               "FrontDoorWebApplicationFirewallPolicies/%s" % (self.info["subscription_id"], resource_group, name))
        return self.seed(rid, {"location": location, "sku": {"name": "Premium_AzureFrontDoor"}})

    def resources(self, kind=None):
        path = "/_fake/resources" + ("?type=" + kind if kind else "")
        return self.call("GET", path)["value"]

    def resource_ids(self):
        return sorted(r["id"].lower() for r in self.resources())

    def requests(self):
        return self.call("GET", "/_fake/requests")

    def counts(self):
        return self.requests()["counts"]

    def writes(self):
        """ARM requests that change something (PUT/PATCH/DELETE/POST), as (method, path)."""
        return [(e["method"], e["path"]) for e in self.requests()["log"] if e["method"] != "GET"]

    def clear_requests(self):
        self.call("DELETE", "/_fake/requests")

    def fault(self, **fault):
        """e.g. ``fault(method="PUT", path_contains="/origingroups/", status=429, retry_after=1, count=1)``;
        ``lro_fail=True`` makes the matching long-running operation end Failed instead."""
        return self.call("POST", "/_fake/faults", fault)

    def clear_faults(self):
        self.call("DELETE", "/_fake/faults")

    def configure(self, **config):
        return self.call("POST", "/_fake/config", config)

    def update_connection(self, resource_group, pls_name, name, status="Approved", description="Approved"):
        """A third party sets a connection's state with its own description (``az network
        private-endpoint-connection approve --description Approved``, the portal)."""
        body = {"pls_id": self.pls_id(resource_group, pls_name), "name": name, "status": status,
                "description": description}
        return self.call("POST", "/_fake/connection", body)

    def connections(self, resource_group, name):
        for res in self.resources("microsoft.network/privatelinkservices"):
            if res["id"].lower() == self.pls_id(resource_group, name).lower():
                return res["properties"]["privateEndpointConnections"]
        return None


# -- process management ---------------------------------------------------------------------------------
_PROCS = {}     # servers started by this process (reaped on down, so no zombie looks alive)


def up(directory, port=0, subscription=None):
    """Start the server for ``directory``; returns the info dict (also written to fake-arm.json).

    ``subscription``: the subscription id the fake serves as its main one (default a fixed test id), so an
    inventory's own ids (WAF policy, Private Link Service) can be used unchanged.
    """
    subscription = subscription or SUBSCRIPTION
    from arm_certs import make_certs
    directory = os.path.abspath(directory)
    if os.path.exists(os.path.join(directory, "fake-arm.pid")):
        down(directory)
    work = os.path.join(directory, "fake-arm")
    os.makedirs(work, exist_ok=True)
    certs = make_certs(work)
    secret = secrets.token_urlsafe(24)
    port_file = os.path.join(work, "port")
    if os.path.exists(port_file):
        os.unlink(port_file)
    log = open(os.path.join(work, "server.log"), "a")
    cmd = [sys.executable, os.path.join(HERE, "arm_server.py"), "--port", str(port), "--cert", certs["server.crt"],
           "--key", certs["server.key"], "--tenant", TENANT, "--client-id", CLIENT_ID,
           "--client-secret=" + secret,  # a token_urlsafe secret may start with "-", which argparse takes for an option
           "--subscription", subscription, "--subscription", OTHER_SUBSCRIPTION,
           "--log", os.path.join(work, "server.log"), "--port-file", port_file]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    _PROCS[proc.pid] = proc
    with open(os.path.join(directory, "fake-arm.pid"), "w") as handle:
        handle.write(str(proc.pid))
    deadline = time.monotonic() + 20
    while not os.path.exists(port_file):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("fake ARM did not start; see %s" % os.path.join(work, "server.log"))
        time.sleep(0.05)
    with open(port_file) as handle:
        bound = int(handle.read())
    info = {"url": "https://127.0.0.1:%d" % bound, "port": bound, "pid": proc.pid, "ca_cert": certs["ca.crt"],
            "tenant": TENANT, "client_id": CLIENT_ID, "client_secret": secret, "subscription_id": subscription,
            "other_subscription_id": OTHER_SUBSCRIPTION, "workdir": work}
    path = os.path.join(directory, "fake-arm.json")
    with open(path, "w") as handle:
        json.dump(info, handle, indent=2)
    os.chmod(path, 0o600)
    client = FakeArm(info)
    while True:
        try:
            client.call("GET", "/_fake/health")
            break
        except (urllib.error.URLError, OSError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    with open(os.path.join(directory, "fake-arm.env"), "w") as handle:
        for key, value in sorted(client.env.items()):
            handle.write("export %s=%s\n" % (key, value))
    os.chmod(os.path.join(directory, "fake-arm.env"), 0o600)
    return info


def down(directory):
    stop_pid(os.path.join(os.path.abspath(directory), "fake-arm.pid"), _PROCS)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    start = sub.add_parser("up")
    start.add_argument("dir")
    start.add_argument("--port", type=int, default=0)
    start.add_argument("--subscription", help="main subscription id served (default: a fixed test id)")
    seed = sub.add_parser("seed", help="put a resource group (and a Front Door WAF policy) into a running fake")
    seed.add_argument("dir")
    seed.add_argument("--resource-group", required=True)
    seed.add_argument("--location", default="westeurope")
    seed.add_argument("--waf-policy", help="resource id of a Front Door WAF policy to create")
    sub.add_parser("down").add_argument("dir")
    sub.add_parser("env").add_argument("dir")
    args = parser.parse_args(argv)
    if args.cmd == "up":
        info = dict(up(args.dir, args.port, args.subscription))
        info["client_secret"] = "<in %s>" % os.path.join(os.path.abspath(args.dir), "fake-arm.json")
        sys.stdout.write(json.dumps(info, indent=2) + "\n")
    elif args.cmd == "down":
        down(args.dir)
    elif args.cmd == "seed":
        arm = FakeArm.from_dir(args.dir)
        arm.seed_resource_group(args.resource_group, args.location)
        if args.waf_policy:
            arm.seed(args.waf_policy, {"location": "Global", "sku": {"name": "Premium_AzureFrontDoor"}})
    else:
        with open(os.path.join(args.dir, "fake-arm.env")) as handle:
            sys.stdout.write(handle.read())


if __name__ == "__main__":
    main()
