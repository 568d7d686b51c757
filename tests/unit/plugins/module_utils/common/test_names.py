# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meshops.istio_edge.plugins.module_utils.common import names


@pytest.mark.parametrize("value", ["a", "shop", "istio-ingress", "0abc", "a" * 63, "v1"])
def test_labels(value):
    assert names.label_problem(value) is None and names.is_label(value)


@pytest.mark.parametrize("value, words", [
    ("", "not a name"), (None, "not a name"), (7, "not a name"),
    ("a" * 64, "64 characters long (at most 63)"),
    ("Shop", "not a DNS label"), ("-shop", "not a DNS label"), ("shop-", "not a DNS label"),
    ("shop.web", "not a DNS label"), ("shop_web", "not a DNS label"), ("shop web", "not a DNS label"),
    ("shop\n", "not a DNS label"),  # re.match with ^...$ lets a trailing newline through
])
def test_bad_labels(value, words):
    problem = names.label_problem(value)
    assert problem is not None and words in problem, problem
    assert not names.is_label(value)


def test_label_length_and_rfc1035():
    assert names.is_label("a" * 15, max_length=15) and not names.is_label("a" * 16, max_length=15)
    assert names.is_label("web", rfc1035=True)
    assert "starting with a letter" in names.label_problem("1web", rfc1035=True)


@pytest.mark.parametrize("value", ["shop-tls", "web.shop", "a.b.c", ("a" * 63 + ".") * 3 + "a" * 61])
def test_subdomains(value):
    assert names.is_subdomain(value), names.subdomain_problem(value)


@pytest.mark.parametrize("value, words", [
    ("web..shop", "not a DNS name"), (".web", "not a DNS name"), ("web.", "not a DNS name"),
    ("Web.shop", "not a DNS name"), ("shop-tls\n", "not a DNS name"),
    ("a" * 64 + ".shop", "label"), ("a." * 126 + "ab", "254 characters long (at most 253)"),
])
def test_bad_subdomains(value, words):
    problem = names.subdomain_problem(value)
    assert problem is not None and words in problem, problem
    assert not names.is_subdomain(value)


@pytest.mark.parametrize("value, kwargs", [
    ("shop.example.com", {}), ("*.example.com", {}), ("localhost", {}), ("*", {"star": True}),
    ("shop.example.com.", {"trailing_dot": True}), ("a" * 63 + ".example.com", {}),
    ("10.0.0.4", {}), ("shop.example.com", {"min_labels": 2}),
])
def test_hostnames(value, kwargs):
    assert names.is_hostname(value, **kwargs), names.hostname_problem(value, **kwargs)


@pytest.mark.parametrize("value, kwargs, words", [
    ("*", {}, "not a host name"),
    ("*.example.com", {"wildcard": False}, "wildcard"),
    ("shop.*.com", {}, "a wildcard may only be the whole first label"),
    ("*shop.example.com", {}, "a wildcard may only be the whole first label"),
    ("shop..example.com", {}, "not a host name"),
    ("shop example.com", {}, "not a host name"),
    ("shop.example.com\n", {}, "not a host name"),
    ("shop.example.com.", {}, "not a host name"),
    ("a" * 64 + ".example.com", {}, "64 characters long (at most 63)"),
    (("a" * 60 + ".") * 4 + "example.com", {}, "at most 253"),
    ("localhost", {"min_labels": 2}, "not a fully qualified name"),
    ("", {}, "not a host name"),
])
def test_bad_hostnames(value, kwargs, words):
    problem = names.hostname_problem(value, **kwargs)
    assert problem is not None and words in problem, problem
    assert not names.is_hostname(value, **kwargs)


def test_long_values_are_shortened_in_messages():
    problem = names.label_problem("x" * 200)
    assert "200 characters long" in problem and len(problem) < 120
