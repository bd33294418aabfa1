"""Sequences the fuzzer found, replayed step by step. Each once broke an invariant check;
what they pinned down is written above each."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.fuzz.fleet import CustomerConfig
from tests.fuzz.machine import LifecycleMachine

pytestmark = pytest.mark.slow


def machine(*customers: str) -> LifecycleMachine:
    state = LifecycleMachine()
    state.deploy_platform()
    for customer in customers:
        state.app[customer] = (False, CustomerConfig())
    return state


def deploy(state: LifecycleMachine, stack: str) -> None:
    state._deploy_or_destroy(stack, state._wanted_stacks())


def check(state: LifecycleMachine) -> None:
    state.no_stack_is_stuck()
    state.ses_holds_nothing_unclaimed()
    state.every_live_claim_is_in_ses()
    state.no_tenant_is_marked_by_a_stack_that_does_not_exist()


def test_a_tenant_unmarked_by_hand_stays_when_its_stack_is_destroyed() -> None:
    # A Delete cannot tell a tenant whose mark was removed by hand from one someone else
    # made under that name, so it leaves it: the safe side. (The fuzzer exempts such
    # tenants from "nothing unclaimed".) An Update in between would have marked it again.
    state = machine("bravo")
    try:
        deploy(state, "Fuzz-bravo")
        state.change_by_hand("bravo", "unmark")
        del state.app["bravo"]

        deploy(state, "Fuzz-bravo")

        assert "Fuzz-bravo" not in state.cloudformation.stacks
        assert state.account.tenants() == {"bravo"}
        check(state)
    finally:
        state.teardown()


def test_a_tenant_deleted_by_hand_then_recreated_under_its_name_is_another_tenant() -> None:
    # The stack's claims on the deleted tenant stay broken: a tenant of the same name made
    # later (here by a failed deploy whose new tenant resource is retained) does not hold
    # them, and the stack's next deploy says the tenant is gone instead of "fixing" it.
    state = machine("alpha")
    try:
        deploy(state, "Fuzz-alpha")
        moved, config = state.app["alpha"]
        state.app["alpha"] = (moved, replace(config, moved_construct=True, retain=True))
        state.change_by_hand("alpha", "delete")

        deploy(state, "Fuzz-alpha")

        assert "alpha" in state.account.tenants()
        check(state)
    finally:
        state.teardown()


def test_a_rollback_writes_only_what_the_failed_update_changed() -> None:
    # The update's write is refused (a missing permission, say) before it changes anything.
    # Its rollback used to diff the properties, so it tried the same refused write to undo
    # a change that never happened, and the stack ended UPDATE_ROLLBACK_FAILED. It reads
    # what SES holds instead, finds nothing to undo, and completes.
    state = machine("alpha")
    try:
        deploy(state, "Fuzz-alpha")
        moved, config = state.app["alpha"]
        state.app["alpha"] = (moved, replace(config, strict=True))

        with state._fault(("refused write", "UpdateReputationEntityPolicy"), "Fuzz-alpha", None):
            deploy(state, "Fuzz-alpha")

        assert state.cloudformation.stack_status("Fuzz-alpha") == "UPDATE_ROLLBACK_COMPLETE"
        check(state)
    finally:
        state.teardown()
