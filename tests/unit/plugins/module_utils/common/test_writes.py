# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The write recorder: a failure after a write reports changed=True and what was written."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.writes import Writes


def test_failure_after_writes_says_changed_and_lists_them_in_order():
    writes = Writes()
    with pytest.raises(EdgeError) as err:
        with writes.reporting():
            writes.record("created DestinationRule shop/web")
            writes.record("created Gateway shop/shop-gateway")
            raise EdgeError("create VirtualService shop/shop: 422 Invalid", code=422, hint="Fix the route.")
    result = err.value.to_result()
    assert result["changed"] is True
    assert result["written"] == ["created DestinationRule shop/web", "created Gateway shop/shop-gateway"]
    assert result["code"] == 422
    assert result["msg"].startswith("create VirtualService shop/shop: 422 Invalid")
    assert "2 write(s) were done before the failure (see written); re-run to finish." in result["msg"]


def test_failure_before_any_write_is_left_alone():
    writes = Writes()
    with pytest.raises(EdgeError) as err:
        with writes.reporting():
            raise EdgeError("bad input", field="x", hint="Fix x. Nothing was changed.")
    result = err.value.to_result()
    assert "changed" not in result and "written" not in result
    assert result["hint"] == "Fix x. Nothing was changed."


def test_a_claim_that_nothing_was_changed_is_replaced():
    writes = Writes()
    writes.record("updated Ingress shop/web")
    exc = writes.annotate(EdgeError("wait_timeout: timed out.", hint="Raise wait_timeout. Nothing was changed."))
    assert "Nothing was changed" not in str(exc)
    assert exc.hint == "Raise wait_timeout. 1 write(s) were done before the failure (see written); re-run to finish."
    assert exc.details["changed"] is True and exc.details["written"] == ["updated Ingress shop/web"]


def test_check_mode_records_nothing():
    writes = Writes(check_mode=True)
    writes.record("created Ingress shop/web")
    assert len(writes) == 0
    exc = writes.annotate(EdgeError("boom"))
    assert "changed" not in exc.details


def test_an_unexpected_exception_after_a_write_becomes_an_error_that_says_changed():
    writes = Writes()
    with pytest.raises(EdgeError) as err:
        with writes.reporting():
            writes.record("created origin 'fd/og/o1'")
            raise KeyError("properties")
    result = err.value.to_result()
    assert result["changed"] is True and result["written"] == ["created origin 'fd/og/o1'"]
    assert result["code"] == "InternalError" and "KeyError" in result["msg"]
    assert "Traceback" in result["exception"]


def test_an_unexpected_exception_before_any_write_is_not_hidden():
    writes = Writes()
    with pytest.raises(KeyError):
        with writes.reporting():
            raise KeyError("x")


def test_written_already_on_the_error_is_kept_first():
    writes = Writes()
    writes.record("b")
    exc = writes.annotate(EdgeError("boom", written=["a", "b"]))
    assert exc.details["written"] == ["a", "b"]
