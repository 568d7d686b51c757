# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Glue between AnsibleModule and the collection's runners (private).

A module's ``main()`` is::

    module = AnsibleModule(argument_spec=..., supports_check_mode=True)
    run_module(module, runner, requires=("kubernetes",))

where ``runner(params, check_mode, diff)`` returns the result dict and raises :class:`EdgeError` on failure.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import traceback

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.k8s.client import pop_api_warnings

# pip names for the import names a module may require
_PIP_NAMES = {
    "kubernetes": "kubernetes",
    "yaml": "PyYAML",
    "boto3": "boto3",
    "botocore": "botocore",
    "azure.identity": "azure-identity",
    "azure.mgmt.cdn": "azure-mgmt-cdn",
    "azure.mgmt.network": "azure-mgmt-network",
    "azure.core": "azure-core",
}


def check_libraries(module, requires):
    """Fail with Ansible's usual message when a required Python library is missing."""
    for name in requires:
        try:
            importlib.import_module(name)
        except ImportError:
            module.fail_json(msg=missing_required_lib(_PIP_NAMES.get(name, name)), exception=traceback.format_exc())


def _leaves(value, under_user=False):
    """(string leaf, is it a credential) pairs of a kubeconfig dict; everything under a ``user`` is one."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, under_user or key == "user")
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _leaves(item, under_user)
    elif value is not None and not isinstance(value, bool):
        yield str(value), under_user


def _kubeconfig_invocation(module):
    """With ``kubeconfig`` given as a dict, Ansible would star out each of its leaves wherever it appears in the
    result ("v1", the server URL, a cluster name...). Keep only the users' credentials masked everywhere, and
    show the kubeconfig as a whole as masked in the invocation. Returns the invocation to report, or None."""
    data = module.params.get("kubeconfig")
    if not isinstance(data, dict):
        return None
    leaves = list(_leaves(data))
    secrets = set(text for text, credential in leaves if credential)
    module.no_log_values.difference_update(set(text for text, credential in leaves if not credential) - secrets)
    return {"module_args": dict(module.params, kubeconfig="VALUE_SPECIFIED_IN_NO_LOG_PARAMETER")}


def warn_api_warnings(module):
    """Each warning the Kubernetes API server sent (deprecated APIs, dropped fields) as an Ansible warning, once."""
    for text in pop_api_warnings():
        module.warn("Kubernetes API server: %s" % text)


def run_module(module, runner, requires=()):
    """Run ``runner`` and exit the module with its result, or fail with an actionable message."""
    check_libraries(module, requires)
    invocation = _kubeconfig_invocation(module)
    extra = {"invocation": invocation} if invocation else {}
    try:
        result = runner(module.params, check_mode=module.check_mode, diff=module._diff)
    except EdgeError as exc:
        warn_api_warnings(module)
        module.fail_json(**dict(exc.to_result(), **extra))
    warn_api_warnings(module)
    if not module._diff:
        result.pop("diff", None)
    result.update(extra)
    module.exit_json(**result)
