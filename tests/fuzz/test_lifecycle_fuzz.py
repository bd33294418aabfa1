"""The lifecycle fuzzer's fast profile: a bounded number of sequences from a fixed seed, so
that `make test` explores the same sequences every time (`make fuzz` runs the long one)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from tests.fuzz.machine import LifecycleMachine

pytestmark = pytest.mark.slow

FAST = settings(
    max_examples=25,
    stateful_step_count=15,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def test_random_change_sequences_keep_ses_as_live_stacks_claim() -> None:
    run_state_machine_as_test(LifecycleMachine, settings=FAST)
