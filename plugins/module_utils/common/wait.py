# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one way the collection waits for something it does not do itself (private).

``poll`` is a function without arguments returning ``(done, state)``: ``done`` says the awaited thing happened,
``state`` is what was seen (returned when done; named in the error otherwise). A deadline on a monotonic clock,
a fixed interval (never sleeping past the deadline), and at least one poll even with ``timeout=0``.

* :func:`wait_until` raises :class:`EdgeError` on timeout, naming what was awaited, the last state seen and the
  likely causes in order, each with the command that shows it.
* :func:`poll_until` returns ``(done, last state)`` instead, for callers that report an unfinished state
  themselves (a load balancer still settling, a connection not there yet).

``clock`` and ``sleep`` default to ``time.monotonic`` / ``time.sleep``; unit tests pass a fake clock.
Use a library's own wait instead where one fits (azure-core pollers for ARM operations, boto3 waiters, Helm).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError

_STATE_CHARS = 400


def poll_until(poll, timeout, interval=1.0, clock=None, sleep=None):
    """``(True, state)`` as soon as ``poll`` reports done, ``(False, last state)`` once ``timeout`` seconds ran out."""
    clock = clock or time.monotonic
    sleep = sleep or time.sleep
    deadline = clock() + max(0.0, float(timeout or 0))
    while True:
        done, state = poll()
        if done:
            return True, state
        now = clock()
        if now >= deadline:
            return False, state
        sleep(max(0.0, min(float(interval), deadline - now)))


def describe_state(state):
    """A short, single-line text of a state for a message."""
    text = state if isinstance(state, str) else repr(state)
    text = " ".join(text.split())
    return text if len(text) <= _STATE_CHARS else text[:_STATE_CHARS - 3] + "..."


def timeout_error(what, timeout, state, causes=(), field="wait_timeout", code="Timeout", hint=None, **details):
    """The EdgeError of a wait that ran out of time.

    ``causes``: ``(cause, command or None)`` pairs, most likely first.
    """
    causes = [(c, None) if isinstance(c, str) else (c[0], c[1] if len(c) > 1 else None) for c in causes]
    parts = ["%s: timed out after %ss waiting for %s." % (field, timeout, what) if field else
             "Timed out after %ss waiting for %s." % (timeout, what)]
    parts.append("Last seen: %s." % describe_state(state).rstrip("."))
    if causes:
        listed = ["(%d) %s%s" % (i, cause.rstrip("."), " - look: %s" % look if look else "")
                  for i, (cause, look) in enumerate(causes, 1)]
        parts.append("Likely causes, most likely first: %s." % "; ".join(listed))
    details = dict(details, waited_for=what, last_state=describe_state(state),
                   likely_causes=[dict(cause=cause, look=look) for cause, look in causes])
    return EdgeError(" ".join(parts), field=field, code=code, hint=hint, **details)


def wait_until(poll, timeout, what, interval=1.0, causes=(), field="wait_timeout", code="Timeout", hint=None,
               clock=None, sleep=None, **details):
    """The state ``poll`` returned when done; :func:`timeout_error` once ``timeout`` seconds ran out.

    :param what: what is awaited, as a noun phrase ("the ALB address on Ingress shop/web").
    :param causes: ``(cause, command)`` pairs, most likely first; the command shows whether it is the one.
    :param field: the option the timeout belongs to (message prefix and ``field`` of the error).
    :param details: extra keys of the error (they become keys of the failed module result).
    """
    done, state = poll_until(poll, timeout, interval, clock=clock, sleep=sleep)
    if done:
        return state
    raise timeout_error(what, timeout, state, causes, field=field, code=code, hint=hint, **details)
