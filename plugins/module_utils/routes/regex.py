# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Regular expressions as Envoy reads them (private).

Envoy matches a ``regex`` (URI or header) with Google's RE2 against the whole value, and Istio's validation
compiles it with Go's regexp, whose syntax is RE2's. Python's ``re`` is a different dialect: it accepts what RE2
refuses (lookahead and lookbehind, backreferences, possessive quantifiers, atomic groups, ``\\Z``) and refuses
what RE2 accepts (``\\z``). So the check compiles the expression with RE2 itself, through Google's binding
``google-re2`` (in requirements.txt), and adds Istio's own limits: at most 1024 characters, and no ``\\C`` (any
byte; Go's regexp refuses it).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

try:
    import re2 as _re2
except ImportError:  # the check then says how to install it
    _re2 = None

MAX_LENGTH = 1024
RE2_FIX = ("Envoy uses RE2 (github.com/google/re2/wiki/Syntax): no lookahead or lookbehind ((?=, (?!, (?<=, "
           "(?<!), no backreferences (\\1), no possessive quantifiers or atomic groups; \\z ends the input.")
_ANY_BYTE = re.compile(r"(?<!\\)(\\\\)*\\C")
_ENGINE = []


def _engine():
    """Google's RE2 binding, or None. Another package also installs a module ``re2`` and silently falls back to
    Python's ``re`` for what RE2 refuses; it is recognised by accepting a lookahead, and not used."""
    if not _ENGINE:
        engine = None
        if _re2 is not None and hasattr(_re2, "Options"):
            try:
                _compile(_re2, "(?=x)")
            except _re2.error:
                engine = _re2
        _ENGINE.append(engine)
    return _ENGINE[0]


def _compile(engine, text):
    options = engine.Options()
    options.log_errors = False
    return engine.compile(text, options)


def regex_problem(text):
    """``(problem, fix)`` when Envoy or Istio would refuse the regular expression ``text``, else ``(None, None)``."""
    if len(text) > MAX_LENGTH:
        return ("is %d characters long (Istio accepts at most %d)" % (len(text), MAX_LENGTH),
                "Shorten the expression, or split the route.")
    engine = _engine()
    if engine is None:
        return ("cannot be checked: the Python package google-re2 (RE2, the regex engine of Envoy) is not "
                "installed", "Install it where the module runs (pip install google-re2; it is in the "
                "collection's requirements.txt).")
    try:
        _compile(engine, text)
    except engine.error as exc:
        detail = exc.args[0] if exc.args else exc
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        return "%r is not an RE2 regular expression (%s)" % (text, detail), RE2_FIX
    if _ANY_BYTE.search(text):
        return "%r uses \\C (any byte), which Istio's validation refuses" % (text,), "Use . instead."
    return None, None
