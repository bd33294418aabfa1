"""A small concurrent deploy against SES's 1 request/s (benchmarks/concurrent_deploy.py, in
virtual time): what fails leaves nothing in SES and says so truthfully, and the counts of
SES calls and throttled answers add up.

At 30 tenants and a 10-minute Lambda nothing runs out of time, so a few writes after
CreateTenant are made to fail for good: those Creates must undo under the same throttling.
With a 2-minute Lambda, Creates run out of time and the waiter's is_complete calls finish
them.
"""

from __future__ import annotations

from typing import Any

import pytest

import ses_tenants.testing as double
from benchmarks.concurrent_deploy import ONE_STACK, ConcurrentRun, simulate
from ses_tenants._handler import tenant_resource

TENANTS = 30
#: UpdateReputationEntityPolicy calls answered BadRequestException (not retried): each fails
#: the Create of a tenant that CreateTenant has just made.
FAILED_POLICY_WRITES = 4


def _fail_some_policy_writes() -> None:
    double.inject_fault(
        "UpdateReputationEntityPolicy", count=FAILED_POLICY_WRITES, code="BadRequestException"
    )


def _findings(run: ConcurrentRun) -> str:
    return "\n\n".join(
        f"{f.event}: {f.problem}\n  {f.summary}\n  reason: {f.reason}\n    "
        + "\n    ".join(f.timeline)
        for f in run.findings
    )


def _assert_nothing_left_and_reasons_true(run: ConcurrentRun) -> None:
    assert (run.orphan_tenants, run.orphan_associations) == (0, 0), _findings(run)
    assert run.untrue_reasons == 0, _findings(run)
    assert run.unchecked_reasons == 0, _findings(run)
    assert run.reasons_checked == run.failed_events


def test_a_concurrent_deploy_leaves_nothing_behind_and_says_so() -> None:
    run = simulate(TENANTS, ONE_STACK, prepare=_fail_some_policy_writes)

    # The deploy was throttled, and the injected failures (only they) made Creates undo.
    assert run.throttled > 0
    assert run.failed_events == run.undos.undos == FAILED_POLICY_WRITES
    _assert_nothing_left_and_reasons_true(run)
    assert run.undos.deleted_again == FAILED_POLICY_WRITES
    # Consistent counts: requests = reached SES + throttled, the bucket held, each throttled
    # answer was retried after a wait (or given up on in a failed event).
    assert not run.inconsistencies
    assert run.ses_requests == sum(run.ses_operations.values())
    assert 0 < run.ses_requests - run.throttled <= run.virtual_seconds + 1
    # CloudFormation started the associations of every tenant that was created, only those.
    failed_tenants = run.failed_by_kind.get("tenant", 0)
    assert run.events == run.events_planned - 3 * failed_tenants


def test_the_check_catches_an_undo_that_deletes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same deploy with the handler's undo disabled (it claims a deletion it does not
    make): the tenants it leaves and the untrue reasons are found."""

    def undo_nothing(ses: Any, name: str, mark: str) -> str:
        return f"Tenant '{name}' created by this request has been deleted again."

    monkeypatch.setattr(tenant_resource, "_undo_create", undo_nothing)
    run = simulate(TENANTS, ONE_STACK, prepare=_fail_some_policy_writes)

    assert run.orphan_tenants == FAILED_POLICY_WRITES
    assert run.untrue_reasons == FAILED_POLICY_WRITES
    assert not run.clean
    with pytest.raises(AssertionError):
        _assert_nothing_left_and_reasons_true(run)


def test_creates_that_run_out_of_time_are_carried_on_by_the_waiter() -> None:
    """The 200-tenant deploy's pressure on a small one: a 2-minute Lambda, so that 30
    tenants at 1 request/s run out of on_event's time; the waiter's is_complete calls carry
    them on, and every event succeeds."""
    runs = [simulate(TENANTS, ONE_STACK, seed=seed, lambda_timeout=120.0) for seed in range(3)]

    assert all(run.waited_events for run in runs), "nothing ran out of time: nothing checked"
    for run in runs:
        assert not run.inconsistencies
        assert run.failed_events == 0, _findings(run)
        assert run.events == run.events_planned
        assert run.handler_invocations > run.events
        _assert_nothing_left_and_reasons_true(run)
