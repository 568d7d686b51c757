# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a run has written, so a failure after a write still says ``changed: true`` and what was written
(private).

An applier or runner calls :meth:`Writes.record` once a write was accepted (a Kubernetes apply or delete that
returned, an ARM request that was accepted, a Route53 change submitted). A failure raised inside
:meth:`Writes.reporting` then carries ``changed=True`` and ``written=[...]`` (in order), which ``run_module``
turns into keys of the failed result. In check mode nothing is written, so nothing is recorded.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import threading
import traceback
from contextlib import contextmanager

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError

_NOTHING_CHANGED = re.compile(r"\s*\(?\bnothing (?:was|has been|is) (?:changed|written)\b\)?\.?", re.IGNORECASE)


class Writes:
    """The writes of one run, in order; safe to record from several threads."""

    def __init__(self, check_mode=False):
        self.check_mode = check_mode
        self.items = []
        self._lock = threading.Lock()

    def __len__(self):
        return len(self.items)

    def record(self, what):
        """``what``: a verb and the object, e.g. ``"created VirtualService shop/shop"``."""
        if self.check_mode:
            return
        with self._lock:
            self.items.append(what)

    def annotate(self, exc):
        """``exc`` with ``changed=True`` and ``written`` when anything was written (a claim that nothing was changed
        in its message or hint is replaced by the count); ``exc`` unchanged otherwise."""
        if not self.items:
            return exc
        written = list(exc.details.get("written") or [])
        written += [item for item in self.items if item not in written]
        exc.details.update(changed=True, written=written)
        note = " %d write(s) were done before the failure (see written); re-run to finish." % len(written)
        for attr in ("msg", "hint"):
            text = getattr(exc, attr)
            if text and _NOTHING_CHANGED.search(text):
                setattr(exc, attr, _NOTHING_CHANGED.sub(note, text, count=1).strip())
                note = ""
        if note:
            exc.hint = ("%s%s" % (exc.hint or "", note)).strip()
        return exc

    @contextmanager
    def reporting(self):
        """Run the block; a failure in it reports what was written before it. An unexpected exception after a
        write becomes an EdgeError too (with its traceback as ``exception``), since Ansible would otherwise
        report the task unchanged."""
        try:
            yield self
        except EdgeError as exc:
            raise self.annotate(exc)
        except Exception as exc:  # pylint: disable=broad-except
            if not self.items:
                raise
            raise self.annotate(EdgeError("Unexpected %s: %s" % (type(exc).__name__, exc), code="InternalError",
                                          exception=traceback.format_exc()))
