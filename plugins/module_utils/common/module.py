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


def warn_api_warnings(module):
    """Each warning the Kubernetes API server sent (deprecated APIs, dropped fields) as an Ansible warning, once."""
    for text in pop_api_warnings():
        module.warn("Kubernetes API server: %s" % text)


def run_module(module, runner, requires=()):
    """Run ``runner`` and exit the module with its result, or fail with an actionable message.

    The runner returns its warnings in the result's ``warnings`` list (an EdgeError may carry them too); each one
    becomes ``module.warn()``, Ansible's own channel (it still returns them as ``warnings``).
    """
    check_libraries(module, requires)
    try:
        result = runner(module.params, check_mode=module.check_mode, diff=module._diff)
    except EdgeError as exc:
        failure = exc.to_result()
        _warn(module, failure.pop("warnings", None))
        warn_api_warnings(module)
        module.fail_json(**failure)
    _warn(module, result.pop("warnings", None))
    warn_api_warnings(module)
    if not module._diff:
        result.pop("diff", None)
    module.exit_json(**result)


def _warn(module, warnings):
    for text in warnings or ():
        module.warn(text)
