# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The changelog fragments are valid YAML in the sections of changelogs/config.yaml, and of the right type: until
the first release (changelogs/changelog.yaml lists none) a fragment describes what ships - minor_changes
(major_changes for the collection itself, trivial for internals); bugfixes, breaking_changes, security_fixes and
deprecations compare with a released version."""

import os

import yaml

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CHANGELOGS = os.path.join(REPO, "changelogs")
BEFORE_FIRST_RELEASE = {"release_summary", "major_changes", "minor_changes", "trivial"}


def _load(path):
    with open(path) as handle:
        return yaml.safe_load(handle)


def test_fragments_are_valid_and_of_the_right_type():
    config = _load(os.path.join(CHANGELOGS, "config.yaml"))
    sections = set(name for name, _title in config["sections"])
    sections |= {config["prelude_section_name"], config["trivial_section_name"]}
    released = (_load(os.path.join(CHANGELOGS, "changelog.yaml")) or {}).get("releases") or {}
    allowed = sections if released else sections & BEFORE_FIRST_RELEASE
    wrong = []
    fragments = sorted(os.listdir(os.path.join(CHANGELOGS, "fragments")))
    for name in fragments:
        data = _load(os.path.join(CHANGELOGS, "fragments", name))
        assert isinstance(data, dict) and data, name
        for section, entries in data.items():
            if section not in allowed:
                wrong.append("%s: %s" % (name, section))
            elif section == config["prelude_section_name"]:
                assert isinstance(entries, str), name
            else:
                assert isinstance(entries, list) and all(isinstance(e, str) and e for e in entries), name
    assert fragments and wrong == []
