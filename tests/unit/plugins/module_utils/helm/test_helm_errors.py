# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""helm's error output -> EdgeError naming the option; helm's own message is kept (real helm messages)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.helm.errors import (
    classify, helm_message, is_release_not_found)

IMMUTABLE = ('Error: UPGRADE FAILED: cannot patch "istio-ingress" with kind Deployment: Deployment.apps '
             '"istio-ingress" is invalid: spec.selector: Invalid value: v1.LabelSelector{...}: field is immutable')


def test_helm_message_keeps_error_lines_and_drops_duplicates_and_warnings():
    stderr = "level=WARN msg=\"upgrade failed\" name=x\n%s\n%s\n" % (IMMUTABLE, IMMUTABLE)
    assert helm_message(stderr) == IMMUTABLE


def test_helm_message_keeps_the_items_of_a_multi_error():
    stderr = ("Error: INSTALLATION FAILED: release istiod failed, and has been uninstalled due to atomic being set: "
              "1 error occurred:\n\t* Service \"istiod\" is invalid: metadata.annotations: Invalid value: "
              "\"team owner!\": name part must consist of alphanumeric characters\n\n")
    message = helm_message(stderr)
    assert message.endswith('1 error occurred: * Service "istiod" is invalid: metadata.annotations: Invalid value: '
                            '"team owner!": name part must consist of alphanumeric characters')
    err = classify(message, "upgrade --install", "istio-system/istiod", "istiod")
    assert (err.field, err.code) == ("istiod.values", "invalid")


def test_helm_message_falls_back_to_other_lines():
    assert helm_message("something odd happened\n") == "something odd happened"
    assert helm_message("", "last words\n") == "last words"


def test_cluster_unreachable_names_host():
    err = classify('Error: Kubernetes cluster unreachable: Get "https://127.0.0.1:1/version": dial tcp '
                   '127.0.0.1:1: connect: connection refused', "upgrade --install", release="istio-system/istiod")
    assert err.field == "host" and err.code == "unreachable"
    assert "connection refused" in str(err) and "istio-system/istiod" in str(err)


def test_unknown_version_names_chart_version_and_keeps_helms_text():
    msg = ('Error: chart "base" version "9.9.9" not found in https://istio-release.storage.googleapis.com/charts '
           'repository')
    err = classify(msg, "show chart", fetching=True)
    assert err.field == "chart_version" and err.code == "chart_not_found"
    assert msg in str(err)


def test_unknown_chart_or_unreachable_repo_names_chart_repo():
    for msg in ('Error: chart "basex" not found in https://example.invalid/charts repository',
                'Error: looks like "https://example.invalid/charts" is not a valid chart repository or cannot '
                'be reached: failed to fetch https://example.invalid/charts/index.yaml : 404 Not Found',
                'Error: failed to do request: Head "http://127.0.0.1:1/v2/charts/gateway/manifests/9.9.9": dial '
                'tcp 127.0.0.1:1: connect: connection refused'):
        err = classify(msg, "show chart", fetching=True)
        assert err.field == "chart_repo", msg


def test_oci_missing_tag_names_chart_version():
    err = classify("Error: registry.example/charts/base:9.9.9: not found", "show chart", fetching=True)
    assert err.field == "chart_version"


def test_immutable_selector_names_the_release_values():
    err = classify(IMMUTABLE, "upgrade --install", release="istio-ingress/istio-ingress",
                   field_prefix="gateways[0]")
    assert err.field == "gateways[0].values" and err.code == "immutable"
    assert "labels.istio" in err.hint


def test_missing_api_names_values():
    err = classify('Error: unable to build kubernetes objects from release manifest: resource mapping not found '
                   'for name: "istiod" namespace: "istio-system" from "": no matches for kind '
                   '"HorizontalPodAutoscaler" in version "autoscaling/v2"', "upgrade --install",
                   field_prefix="istiod")
    assert err.field == "istiod.values" and err.code == "no_kind_match"
    assert "autoscaling/v2" in str(err)


def test_unclassified_error_keeps_message():
    err = classify("Error: something new", "uninstall")
    assert err.field is None and err.code == "helm_error" and "something new" in str(err)


def test_release_not_found():
    assert is_release_not_found("Error: release: not found")
    assert not is_release_not_found('Error: chart "base" not found')
