# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Every module: what the attributes mean. The module states its own support level and details, and the
    # action groups it belongs to (action_group.membership, as in meta/runtime.yml).
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
  action_group:
    description:
      - Is part of action groups, so C(module_defaults) can set options once for all the modules of a group, for
        example C(module_defaults) with C(group/meshops.istio_edge.k8s) for the Kubernetes connection.
    support: full
"""

    # Modules that only read (the *_info modules).
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    details: The module only reads; check mode runs the same reads.
  diff_mode:
    support: N/A
    details: Nothing is changed, so there is nothing to diff.
"""
