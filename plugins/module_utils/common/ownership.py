# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What marks a Kubernetes object as the collection's (pure, private): the ownership labels and the field manager.

Every object the collection creates carries ``app.kubernetes.io/managed-by: meshops.istio_edge``; an app's objects
also carry ``istio-edge.meshops.io/app: <app>``. Every server-side apply is made as the field manager
``meshops.istio_edge``, so the fields the collection owns are read back from ``managedFields`` under that name.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

FIELD_MANAGER = "meshops.istio_edge"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY_VALUE = "meshops.istio_edge"
APP_LABEL = "istio-edge.meshops.io/app"

# label selector of everything the collection manages
MANAGED_SELECTOR = "%s=%s" % (MANAGED_BY_LABEL, MANAGED_BY_VALUE)


def managed_labels():
    """The label of an object the collection manages."""
    return {MANAGED_BY_LABEL: MANAGED_BY_VALUE}


def app_labels(app_name):
    """The labels of an object owned by the app ``app_name``."""
    return {MANAGED_BY_LABEL: MANAGED_BY_VALUE, APP_LABEL: app_name}


def labels_of(obj):
    return ((obj or {}).get("metadata") or {}).get("labels") or {}


def is_managed(obj):
    """Whether ``obj`` carries the collection's managed-by label."""
    return labels_of(obj).get(MANAGED_BY_LABEL) == MANAGED_BY_VALUE


def app_of(obj):
    """The app ``obj`` is labelled as owned by (None when it carries no app label)."""
    return labels_of(obj).get(APP_LABEL) or None
