# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fixture charts follow Istio 1.30's published charts where the collection depends on it, and the test-bed
keys (``testbed.*``, which Istio's charts do not have) turn off only what the test bed cannot serve.

Rendered with the real helm binary (``helm template``; ``--is-upgrade`` renders as ``helm upgrade`` does).
"""

import os
import subprocess

import pytest
import yaml

from conftest import FIXTURE_CHARTS


def render(testbed, chart, *args):
    out = subprocess.run([testbed["helm3"], "template", chart, os.path.join(FIXTURE_CHARTS, chart),
                          "-n", "istio-system"] + list(args), check=True, capture_output=True, text=True).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


def kinds(docs):
    return dict(((d["kind"], d["metadata"]["name"]), d) for d in docs)


def policies(docs):
    hooks = [d for d in docs if d["kind"] == "ValidatingWebhookConfiguration"]
    assert [h["metadata"]["name"] for h in hooks] == ["istio-validator-istio-system"]
    return sorted(set(w["failurePolicy"] for w in hooks[0]["webhooks"]))


def test_validation_webhooks_ignore_on_install_and_fail_after_an_upgrade(testbed):
    assert policies(render(testbed, "istiod")) == ["Ignore"]
    assert policies(render(testbed, "istiod", "--is-upgrade")) == ["Fail"]
    # the test bed's setting (no istiod ever answers there): Ignore after an upgrade too
    keep = ["--set", "testbed.validationFailurePolicy=Ignore"]
    assert policies(render(testbed, "istiod", "--is-upgrade", *keep)) == ["Ignore"]
    hook = [d for d in render(testbed, "istiod") if d["kind"] == "ValidatingWebhookConfiguration"][0]
    service = hook["webhooks"][0]["clientConfig"]["service"]
    assert (service["name"], service["namespace"], service["path"]) == ("istiod", "istio-system", "/validate")
    assert "networking.istio.io" in hook["webhooks"][0]["rules"][0]["apiGroups"]


def test_hpa_and_pdb_use_the_current_apis(testbed):
    istiod = kinds(render(testbed, "istiod"))
    assert istiod[("HorizontalPodAutoscaler", "istiod")]["apiVersion"] == "autoscaling/v2"
    assert istiod[("PodDisruptionBudget", "istiod")]["apiVersion"] == "policy/v1"
    gateway = kinds(render(testbed, "gateway", "--set", "podDisruptionBudget.minAvailable=1"))
    assert gateway[("HorizontalPodAutoscaler", "gateway")]["apiVersion"] == "autoscaling/v2"
    assert gateway[("PodDisruptionBudget", "gateway")]["apiVersion"] == "policy/v1"
    # the test bed's values (Kubernetes 1.20 serves neither API) leave both out
    off = kinds(render(testbed, "istiod", "--set", "autoscaleEnabled=false", "--set", "pdb.create=false"))
    assert not [k for k in off if k[0] in ("HorizontalPodAutoscaler", "PodDisruptionBudget")]


@pytest.mark.parametrize("cel", [True, False])
def test_crds_carry_cel_rules_unless_the_test_bed_turns_them_off(testbed, cel):
    docs = render(testbed, "base", "--set", "testbed.celRules=%s" % str(cel).lower())
    telemetry = kinds(docs)[("CustomResourceDefinition", "telemetries.telemetry.istio.io")]
    for version in telemetry["spec"]["versions"]:
        rules = version["schema"]["openAPIV3Schema"]["properties"]["spec"].get("x-kubernetes-validations")
        if cel:
            assert rules and "has(self.selector)" in rules[0]["rule"]
        else:
            assert rules is None
    # everything else of the CRDs is the same either way
    assert len([d for d in docs if d["kind"] == "CustomResourceDefinition"]) == 4
