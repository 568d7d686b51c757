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


def run_module(module, runner, requires=(), brief=()):
    """Run ``runner`` and exit the module with its result, or fail with an actionable message.

    The runner returns its warnings in the result's ``warnings`` list (an EdgeError may carry them too); each one
    becomes ``module.warn()``, Ansible's own channel (it still returns them as ``warnings``).

    ``brief`` names list arguments that the result's ``invocation.module_args`` echoes by their items' names only
    (see :func:`brief_invocation`).
    """
    check_libraries(module, requires)
    invocation = brief_invocation(module.params, brief) if brief else None
    try:
        result = runner(module.params, check_mode=module.check_mode, diff=module._diff)
    except EdgeError as exc:
        failure = exc.to_result()
        _warn(module, failure.pop("warnings", None))
        warn_api_warnings(module)
        if invocation is not None:
            failure["invocation"] = invocation
        module.fail_json(**failure)
    _warn(module, result.pop("warnings", None))
    warn_api_warnings(module)
    if not module._diff:
        result.pop("diff", None)
    if invocation is not None:
        result["invocation"] = invocation
    module.exit_json(**result)


def brief_invocation(params, names):
    """``{"module_args": params}`` with each list argument of ``names`` reduced to its items' ``name`` values.

    Ansible echoes every argument, with every default filled in, as the result's ``invocation.module_args``; for a
    list of hundreds of apps that echo is most of the result (twice the size of the report itself), and it is
    encoded, scrubbed, sent to the controller and decoded on every run. The names still say what the task was
    given. Values of ``no_log`` arguments are masked by Ansible as in any result.
    """
    args = dict(params)
    for name in names:
        items = args.get(name)
        if isinstance(items, list):
            args[name] = [item.get("name") if isinstance(item, dict) else item for item in items]
    return {"module_args": args}


def _warn(module, warnings):
    for text in warnings or ():
        module.warn(text)
