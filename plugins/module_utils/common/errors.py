# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors shared by every backend of the collection.

Private to the collection: module code raises :class:`EdgeError`; a module's ``main()`` turns it into
``fail_json`` with the message and the structured details (``field``, ``code``, ``hint``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class EdgeError(Exception):
    """A failure a person can act on.

    :param msg: the sentence shown to the user; names the problem.
    :param field: the module option (dotted path) that is wrong, if any.
    :param hint: how to fix it.
    :param code: the remote API's own error code (HTTP status, AWS/Azure error code), if any.
    """

    def __init__(self, msg, field=None, hint=None, code=None, **details):
        super(EdgeError, self).__init__(msg)
        self.msg = msg
        self.field = field
        self.hint = hint
        self.code = code
        self.details = details

    def __str__(self):
        text = self.msg
        if self.hint and self.hint not in text:
            text = "%s %s" % (text.rstrip(), self.hint)
        return text

    def to_result(self):
        """Keyword arguments for ``fail_json``."""
        result = dict(msg=str(self))
        for key in ("field", "code", "hint"):
            value = getattr(self, key)
            if value is not None:
                result[key] = value
        result.update(self.details)
        return result


def field_error(field, problem, fix):
    """An EdgeError for a bad module option: ``<field>: <problem>. <fix>``."""
    return EdgeError("%s: %s." % (field, problem.rstrip(".")), field=field, hint=fix)


def nested_error(exc, prefix):
    """``exc`` (an EdgeError about an option) as an error about the same option nested under ``prefix``.

    ``node_ports.http2: ...`` under ``gateways[0].service`` becomes ``gateways[0].service.node_ports.http2: ...``.
    """
    field = "%s.%s" % (prefix, exc.field) if exc.field else prefix
    msg = exc.msg
    if exc.field and msg.startswith(exc.field + ":"):
        msg = field + msg[len(exc.field):]
    elif not msg.startswith(prefix):
        msg = "%s: %s" % (field, msg)
    return EdgeError(msg, field=field, hint=exc.hint, code=exc.code, **exc.details)
