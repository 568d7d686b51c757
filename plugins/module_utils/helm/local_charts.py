# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a local chart directory holds: chart directories and packaged charts (.tgz) (private).

Used for air-gapped installs (``chart_repo`` pointing at a directory filled with ``helm pull``). Reads
only ``Chart.yaml`` of each candidate; choosing a chart is done by the pure resolver
(``istio.install_source``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tarfile

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError

try:
    import yaml
    HAS_YAML = True
except ImportError:
    HAS_YAML = False


def _chart_meta(text):
    data = yaml.safe_load(text) if HAS_YAML else None
    if not isinstance(data, dict):
        return None
    return {"name": str(data.get("name") or ""), "version": str(data.get("version") or ""),
            "app_version": str(data.get("appVersion") or "")}


def _from_dir(path):
    chart_yaml = os.path.join(path, "Chart.yaml")
    if not os.path.isfile(chart_yaml):
        return None
    with open(chart_yaml) as handle:
        return _chart_meta(handle.read())


def _from_tgz(path):
    try:
        with tarfile.open(path, "r:gz") as archive:
            for member in archive.getmembers():
                parts = member.name.split("/")
                if len(parts) == 2 and parts[1] == "Chart.yaml" and member.isfile():
                    handle = archive.extractfile(member)
                    return _chart_meta(handle.read().decode("utf-8"))
    except (tarfile.TarError, OSError, UnicodeDecodeError, EOFError):
        return None
    return None


def scan_local_charts(directory, field="chart_repo"):
    """A list of ``{name, version, app_version, path, packaged}`` for the charts directly in ``directory``."""
    if not HAS_YAML:
        raise EdgeError("The PyYAML Python library is required (pip install PyYAML).")
    if not os.path.isdir(directory):
        raise EdgeError("%s: the local chart directory %s does not exist." % (field, directory), field=field,
                        hint="Give an absolute path to a directory holding the base, istiod and gateway charts "
                             "(directories or the .tgz files helm pull writes).")
    found = []
    for entry in sorted(os.listdir(directory)):
        path = os.path.join(directory, entry)
        meta = None
        if os.path.isdir(path):
            meta = _from_dir(path)
            packaged = False
        elif entry.endswith(".tgz") or entry.endswith(".tar.gz"):
            meta = _from_tgz(path)
            packaged = True
        if meta and meta["name"]:
            meta.update(path=path, packaged=packaged)
            found.append(meta)
    return found
