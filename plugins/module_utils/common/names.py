# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DNS name rules, in one place (pure, private).

Kubernetes object names and Istio hosts follow RFC 1123 as Kubernetes applies it:

- a *label* (namespaces, Service port names, Gateway names, subset names) is 1-63 characters of lower-case
  letters, digits and ``-``, starting and ending with a letter or digit; an RFC 1035 label (Service names)
  also starts with a letter;
- a *subdomain* (most object names, Secret names) is dot-separated labels, at most 253 characters;
- a *host name* is a subdomain whose first label may be ``*`` (``*.example.com``), or ``*`` alone where the
  caller allows it.

Every check is a full match (``re.fullmatch``): ``^...$`` with ``re.match`` lets a trailing newline through.
Each ``*_problem`` function returns None when the value is valid, else a short sentence saying what is wrong
(the caller adds the option's path and the fix); the ``is_*`` functions are the boolean forms.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

LABEL_MAX = 63
SUBDOMAIN_MAX = 253

_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_LABEL_1035 = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")

LABEL_RULE = "lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters"
SUBDOMAIN_RULE = ("dot-separated labels of lower-case letters, digits and '-' (each starting and ending with a "
                  "letter or digit, at most 63 characters), at most 253 characters in all")


def label_problem(value, max_length=LABEL_MAX, rfc1035=False):
    """What is wrong with ``value`` as a DNS label (None: nothing)."""
    if not isinstance(value, str) or not value:
        return "%r is not a name" % (value,)
    if len(value) > max_length:
        return "%r is %d characters long (at most %d)" % (_short(value), len(value), max_length)
    if rfc1035 and not _LABEL_1035.fullmatch(value):
        return "%r is not a DNS label starting with a letter (lower-case letters, digits and '-')" % (value,)
    if not _LABEL.fullmatch(value):
        return "%r is not a DNS label (%s)" % (value, LABEL_RULE)
    return None


def subdomain_problem(value, max_length=SUBDOMAIN_MAX):
    """What is wrong with ``value`` as a DNS subdomain, e.g. ``shop-tls`` or ``web.shop`` (None: nothing)."""
    if not isinstance(value, str) or not value:
        return "%r is not a name" % (value,)
    if len(value) > max_length:
        return "%r is %d characters long (at most %d)" % (_short(value), len(value), max_length)
    for label in value.split("."):
        if len(label) > LABEL_MAX:
            return "label %r of %r is %d characters long (at most %d)" % (_short(label), _short(value), len(label),
                                                                          LABEL_MAX)
        if not _LABEL.fullmatch(label):
            return "%r is not a DNS name (%s)" % (value, SUBDOMAIN_RULE)
    return None


def hostname_problem(value, wildcard=True, star=False, trailing_dot=False, min_labels=1):
    """What is wrong with ``value`` as a host name (None: nothing).

    ``wildcard``: the first label may be ``*`` (``*.example.com``); ``star``: ``*`` alone is a host;
    ``trailing_dot``: a fully qualified ``example.com.`` is allowed (the dot does not count);
    ``min_labels``: 2 for a name inside a zone (``shop.example.com``, not ``localhost``)."""
    if not isinstance(value, str) or not value:
        return "%r is not a host name" % (value,)
    if star and value == "*":
        return None
    name = value[:-1] if trailing_dot and value.endswith(".") else value
    if len(name) > SUBDOMAIN_MAX:
        return "%r is %d characters long (at most %d)" % (_short(value), len(name), SUBDOMAIN_MAX)
    labels = name.split(".")
    if len(labels) < min_labels:
        return "%r is not a fully qualified name (it needs at least %d labels, e.g. shop.example.com)" % (
            value, min_labels)
    for index, label in enumerate(labels):
        if index == 0 and wildcard and label == "*" and len(labels) > 1:
            continue
        if len(label) > LABEL_MAX:
            return "label %r of %r is %d characters long (at most %d)" % (_short(label), _short(value), len(label),
                                                                          LABEL_MAX)
        if not _LABEL.fullmatch(label):
            what = "a wildcard may only be the whole first label (*.example.com)" if "*" in label else (
                "each label is lower-case letters, digits and '-', starting and ending with a letter or digit")
            return "%r is not a host name (label %r: %s)" % (value, label, what)
    return None


def is_label(value, max_length=LABEL_MAX, rfc1035=False):
    return label_problem(value, max_length, rfc1035) is None


def is_subdomain(value, max_length=SUBDOMAIN_MAX):
    return subdomain_problem(value, max_length) is None


def is_hostname(value, wildcard=True, star=False, trailing_dot=False, min_labels=1):
    return hostname_problem(value, wildcard, star, trailing_dot, min_labels) is None


def _short(text, limit=40):
    return text if len(text) <= limit else text[:limit] + "..."
