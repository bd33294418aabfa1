"""The CLI keeps to SES's ~1 request/s by spacing its requests, on the clock it is given."""

from __future__ import annotations

from typing import Any

from ses_tenants.cli.aws import Pacer


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def _calls(pacer: Pacer, clock: _Clock, gaps: list[float]) -> None:
    for gap in gaps:
        clock.now += gap
        before: Any = pacer._before_call  # the before-call hook botocore runs
        before()


def test_requests_are_spaced_one_interval_apart() -> None:
    clock = _Clock()
    pacer = Pacer(2.0, clock=lambda: clock.now, sleep=clock.sleep)
    # Three requests at once, then one after a pause longer than the interval.
    _calls(pacer, clock, [0.0, 0.0, 0.0, 5.0])
    assert clock.slept == [0.5, 0.5]


def test_rate_zero_does_not_wait() -> None:
    clock = _Clock()
    pacer = Pacer(0, clock=lambda: clock.now, sleep=clock.sleep)
    _calls(pacer, clock, [0.0, 0.0, 0.0])
    assert clock.slept == []
