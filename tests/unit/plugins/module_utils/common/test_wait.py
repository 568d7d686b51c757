# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The wait helper with a fake clock: deadline, interval, message (no real sleeping)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.common.wait import (
    describe_state, poll_until, wait_until)


class FakeClock:
    """Time that moves only when the code under test sleeps."""

    def __init__(self, start=1000.0):
        self.now = start
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def poller(states):
    """A poll returning the given (done, state) pairs in turn, the last one forever; counts calls."""
    calls = []

    def poll():
        calls.append(1)
        return states[min(len(calls), len(states)) - 1]
    poll.calls = calls
    return poll


def test_done_at_once_returns_the_state_without_sleeping():
    fake = FakeClock()
    assert wait_until(poller([(True, "addr")]), 30, "x", clock=fake.clock, sleep=fake.sleep) == "addr"
    assert fake.sleeps == []


def test_polls_every_interval_until_done():
    fake = FakeClock()
    poll = poller([(False, "a"), (False, "b"), (True, "c")])
    assert wait_until(poll, 30, "x", interval=2, clock=fake.clock, sleep=fake.sleep) == "c"
    assert fake.sleeps == [2, 2] and len(poll.calls) == 3


def test_never_sleeps_past_the_deadline_and_polls_once_more_at_it():
    fake = FakeClock()
    poll = poller([(False, "pending")])
    done, state = poll_until(poll, 5, interval=2, clock=fake.clock, sleep=fake.sleep)
    assert (done, state) == (False, "pending")
    assert fake.sleeps == [2, 2, 1]
    assert len(poll.calls) == 4  # t=0, 2, 4, 5


def test_zero_timeout_polls_once():
    fake = FakeClock()
    poll = poller([(False, None)])
    assert poll_until(poll, 0, interval=5, clock=fake.clock, sleep=fake.sleep) == (False, None)
    assert poll_until(poll, None, clock=fake.clock, sleep=fake.sleep) == (False, None)
    assert fake.sleeps == [] and len(poll.calls) == 2


def test_done_on_the_last_poll_is_done():
    fake = FakeClock()
    poll = poller([(False, 1), (False, 2), (True, 3)])
    assert poll_until(poll, 2, interval=1, clock=fake.clock, sleep=fake.sleep) == (True, 3)


def test_timeout_names_what_the_last_state_and_the_causes_in_order():
    fake = FakeClock()
    poll = poller([(False, "no status.loadBalancer.ingress"), (False, "status.loadBalancer: {}")])
    with pytest.raises(EdgeError) as err:
        wait_until(poll, 10, "the ALB address on Ingress shop/web", interval=3,
                   causes=[("the AWS Load Balancer Controller is not running",
                            "kubectl -n kube-system get deployment aws-load-balancer-controller"),
                           ("the controller refused the Ingress", "kubectl -n shop describe ingress web"),
                           "it is slow"],
                   hint="Raise wait_timeout.", clock=fake.clock, sleep=fake.sleep)
    exc = err.value
    text = str(exc)
    assert text.startswith("wait_timeout: timed out after 10s waiting for the ALB address on Ingress shop/web.")
    assert "Last seen: status.loadBalancer: {}." in text
    first = text.index("(1) the AWS Load Balancer Controller is not running - look: kubectl -n kube-system get "
                       "deployment aws-load-balancer-controller")
    second = text.index("(2) the controller refused the Ingress - look: kubectl -n shop describe ingress web")
    third = text.index("(3) it is slow")
    assert first < second < third
    assert text.endswith("Raise wait_timeout.")
    result = exc.to_result()
    assert result["field"] == "wait_timeout" and result["code"] == "Timeout"
    assert result["waited_for"] == "the ALB address on Ingress shop/web"
    assert result["last_state"] == "status.loadBalancer: {}"
    assert [c["look"] for c in result["likely_causes"]] == [
        "kubectl -n kube-system get deployment aws-load-balancer-controller",
        "kubectl -n shop describe ingress web", None]
    assert fake.now - 1000.0 == 10


def test_field_code_and_extra_details_are_the_callers():
    fake = FakeClock()
    with pytest.raises(EdgeError) as err:
        wait_until(poller([(False, {"pending": ["a", "b"]})]), 1, "the CRDs", field="wait_crds",
                   code="crds_not_established", clock=fake.clock, sleep=fake.sleep, changed=True, written=["x"])
    result = err.value.to_result()
    assert result["msg"].startswith("wait_crds: timed out after 1s waiting for the CRDs. Last seen: {'pending'")
    assert result["code"] == "crds_not_established" and result["field"] == "wait_crds"
    assert result["changed"] is True and result["written"] == ["x"]


def test_state_text_is_one_short_line():
    assert describe_state("a\n  b") == "a b"
    long = describe_state("x" * 1000)
    assert len(long) == 400 and long.endswith("...")
