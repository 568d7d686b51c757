# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make ``ansible_collections.meshops.istio_edge`` importable when pytest runs outside ansible-test."""

import os
import sys

import importlib.util

if importlib.util.find_spec("ansible_collections") is None:  # ansible-test units sets this up itself
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "integration"))
    import ansible_runner  # noqa: E402

    sys.path.insert(0, ansible_runner.collections_path())
