"""Throttling longer than one invocation: on_event leaves the rest to is_complete.

The handler serves as the Provider framework's on_event and is_complete handler. A request
that runs out of its invocation's time answers "pending" with the physical id it will have;
the framework merges that answer into the event and calls is_complete with it until it is
complete, and a request still throttled WAIT_LIMIT_SECONDS after it began gives up, undoing
a Create. Each test plays the framework's part by hand: on_event, then is_complete calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from botocore.exceptions import ClientError

import ses_tenants.testing as double
from ses_tenants._handler import contract, tenant_handler
from ses_tenants._handler.errors import RequestFailed
from ses_tenants._handler.retry import SAFETY_MARGIN_MS
from tests.handler.cloudformation_fake import FakeCloudFormation
from tests.handler.handler_fakes import (
    ACCOUNT,
    LOGICAL_ID,
    REGION,
    STACK_ID,
    FakeContext,
    SesCalls,
    association_properties,
    cfn_event,
    tenant_properties,
)

OUR_MARK = f"{STACK_ID}/{LOGICAL_ID}"
FULL = tenant_properties("acme", reputation_policy="strict", sending_status="DISABLED")
THROTTLED = "UpdateReputationEntityPolicy"
STARTED_AT = 1_800_000_000.0


class Clock:
    """The handler's wall clock, moved by hand."""

    def __init__(self) -> None:
        self.now = STARTED_AT

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(tenant_handler, "clock", fake)
    return fake


@pytest.fixture
def short_context(context: FakeContext) -> FakeContext:
    """An invocation with two minutes left: throttling runs it out of time quickly."""
    context.remaining_ms = 2 * 60 * 1000
    return context


def next_invocation(context: FakeContext) -> FakeContext:
    """The context of the waiter's next call: a new invocation, two minutes long (the same
    object, whose clock the recorded backoff moves on)."""
    context.remaining_ms = 2 * 60 * 1000
    return context


def waiter_event(request: Mapping[str, Any], on_event_answer: Mapping[str, Any]) -> dict[str, Any]:
    """What the framework hands is_complete: on_event's answer merged into the request."""
    return {**request, **on_event_answer}


def tenant_or_none(sesv2: Any, name: str = "acme") -> dict[str, Any] | None:
    try:
        return dict(sesv2.get_tenant(TenantName=name)["Tenant"])
    except ClientError as error:
        assert error.response["Error"]["Code"] == "NotFoundException"
        return None


def mark_of(tenant: Mapping[str, Any] | None) -> str | None:
    tags = {tag["Key"]: tag["Value"] for tag in (tenant or {}).get("Tags", [])}
    return tags.get(contract.OWNER_TAG_KEY)


def status_of(sesv2: Any, name: str = "acme") -> str:
    arn = sesv2.get_tenant(TenantName=name)["Tenant"]["TenantArn"]
    entity = sesv2.get_reputation_entity(
        ReputationEntityType="RESOURCE", ReputationEntityReference=arn
    )["ReputationEntity"]
    return str(entity["CustomerManagedStatus"]["Status"])


def pending_create(short_context: FakeContext) -> tuple[dict[str, Any], dict[str, Any]]:
    """A Create of FULL whose on_event ran out of time after CreateTenant."""
    double.inject_fault(THROTTLED, count=None)
    request = cfn_event("Create", FULL)
    answer = tenant_handler.handle(request, short_context)
    return request, answer


@pytest.mark.usefixtures("clock")
def test_out_of_time_on_event_answers_pending_and_undoes_nothing(
    sesv2: Any, short_context: FakeContext
) -> None:
    _, answer = pending_create(short_context)

    assert tenant_handler.is_pending(answer)
    assert answer["PhysicalResourceId"] == "acme"
    assert "Data" not in answer
    assert short_context.get_remaining_time_in_millis() >= SAFETY_MARGIN_MS
    # Created and marked: is_complete carries on from there.
    assert mark_of(tenant_or_none(sesv2)) == OUR_MARK


def test_is_complete_finishes_the_request_once_throttling_ends(
    sesv2: Any, short_context: FakeContext, clock: Clock, ses_calls: SesCalls
) -> None:
    request, answer = pending_create(short_context)
    clock.now += 60
    assert tenant_handler.handle(waiter_event(request, answer), next_invocation(short_context)) == {
        "IsComplete": False
    }
    double.clear_faults()
    ses_calls.clear()

    done = tenant_handler.handle(waiter_event(request, answer), next_invocation(short_context))

    tenant = sesv2.get_tenant(TenantName="acme")["Tenant"]
    assert done["IsComplete"] is True
    assert done["PhysicalResourceId"] == "acme"
    assert done["Data"][contract.ATTR_TENANT_ARN] == tenant["TenantArn"]
    assert status_of(sesv2) == "DISABLED"
    # No second tenant, nothing undone: the existing one, carrying our mark, converged.
    assert "DeleteTenant" not in ses_calls.names


@pytest.mark.usefixtures("clock")
def test_is_complete_after_a_finished_on_event_answers_at_once(
    short_context: FakeContext, ses_calls: SesCalls
) -> None:
    request = cfn_event("Create", tenant_properties())
    answer = tenant_handler.handle(request, short_context)
    assert not tenant_handler.is_pending(answer)
    calls_before = len(ses_calls.names)

    assert tenant_handler.handle(waiter_event(request, answer), next_invocation(short_context)) == {
        "IsComplete": True
    }
    assert len(ses_calls.names) == calls_before


def test_a_create_still_throttled_at_the_wait_limit_is_undone_and_says_so(
    sesv2: Any, short_context: FakeContext, clock: Clock
) -> None:
    request, answer = pending_create(short_context)
    clock.now += tenant_handler.WAIT_LIMIT_SECONDS

    with pytest.raises(RequestFailed) as raised:
        tenant_handler.handle(waiter_event(request, answer), next_invocation(short_context))

    reason = str(raised.value)
    assert reason.startswith("Stopped after 45 minutes of SES throttling")
    assert "Tenant 'acme' created by this request has been deleted again." in reason
    assert tenant_or_none(sesv2) is None


def test_an_adoption_still_throttled_at_the_wait_limit_gives_the_tenant_back(
    sesv2: Any, short_context: FakeContext, clock: Clock
) -> None:
    sesv2.create_tenant(TenantName="acme", Tags=[{"Key": "team", "Value": "mail"}])
    double.inject_fault(THROTTLED, count=None)
    request = cfn_event("Create", {**FULL, contract.PROP_ADOPT_EXISTING: "true"})
    answer = tenant_handler.handle(request, short_context)
    assert tenant_handler.is_pending(answer)
    assert mark_of(tenant_or_none(sesv2)) == OUR_MARK
    clock.now += tenant_handler.WAIT_LIMIT_SECONDS

    with pytest.raises(RequestFailed) as raised:
        tenant_handler.handle(waiter_event(request, answer), next_invocation(short_context))

    assert "it has been given back as it was" in str(raised.value)
    tenant = tenant_or_none(sesv2)
    assert tenant is not None
    assert {tag["Key"]: tag["Value"] for tag in tenant["Tags"]} == {"team": "mail"}


def test_a_rename_pending_reports_the_new_name_and_gives_up_on_the_new_tenant_only(
    sesv2: Any, short_context: FakeContext, clock: Clock
) -> None:
    tenant_handler.handle(cfn_event("Create", tenant_properties("acme")), FakeContext())
    double.inject_fault(THROTTLED, count=None)
    renamed = {**FULL, contract.PROP_TENANT_NAME: "acme-new"}
    request = cfn_event(
        "Update", renamed, old_properties=tenant_properties("acme"), physical_id="acme"
    )
    answer = tenant_handler.handle(request, short_context)
    assert answer["PhysicalResourceId"] == "acme-new"
    clock.now += tenant_handler.WAIT_LIMIT_SECONDS

    with pytest.raises(RequestFailed, match="'acme-new' created by this request has been"):
        tenant_handler.handle(waiter_event(request, answer), next_invocation(short_context))

    assert tenant_or_none(sesv2, "acme-new") is None
    assert mark_of(tenant_or_none(sesv2, "acme")) == OUR_MARK


def test_a_rollback_rename_that_gives_up_leaves_the_tenant_it_went_back_to(
    sesv2: Any, short_context: FakeContext, clock: Clock, stacks: FakeCloudFormation
) -> None:
    tenant_handler.handle(cfn_event("Create", tenant_properties("acme")), FakeContext())
    stacks.put_stack(STACK_ID, "UPDATE_ROLLBACK_IN_PROGRESS")
    double.inject_fault("UpdateReputationEntityCustomerManagedStatus", count=None)
    back = {**tenant_properties("acme"), contract.PROP_SENDING_STATUS: "DISABLED"}
    request = cfn_event(
        "Update", back, old_properties=tenant_properties("acme-new"), physical_id="acme-new"
    )
    answer = tenant_handler.handle(request, short_context)
    assert tenant_handler.is_pending(answer)
    clock.now += tenant_handler.WAIT_LIMIT_SECONDS

    with pytest.raises(RequestFailed, match="stays as it is: the rollback was going back"):
        tenant_handler.handle(waiter_event(request, answer), next_invocation(short_context))

    assert mark_of(tenant_or_none(sesv2, "acme")) == OUR_MARK


def test_a_resumed_create_whose_write_fails_deletes_the_tenant_it_made(
    sesv2: Any, short_context: FakeContext, clock: Clock
) -> None:
    request, answer = pending_create(short_context)
    double.clear_faults()
    double.inject_fault(THROTTLED, count=None, code="AccessDeniedException", status=403)

    with pytest.raises(RequestFailed) as raised:
        tenant_handler.handle(waiter_event(request, answer), next_invocation(short_context))

    assert "Tenant 'acme' created by this request has been deleted again." in str(raised.value)
    assert tenant_or_none(sesv2) is None


def association_request(sesv2: Any) -> tuple[dict[str, Any], str]:
    """A Create of the association of acme with example.com's identity."""
    sesv2.create_tenant(TenantName="acme")
    sesv2.create_email_identity(EmailIdentity="example.com")
    arn = f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/example.com"
    properties = association_properties("acme", arn)
    return cfn_event("Create", properties, resource_type=contract.ASSOCIATION_RESOURCE_TYPE), arn


@pytest.mark.usefixtures("clock")
def test_an_association_pending_learns_in_is_complete_that_ses_held_it_before(
    sesv2: Any, short_context: FakeContext
) -> None:
    request, arn = association_request(sesv2)
    sesv2.create_tenant_resource_association(TenantName="acme", ResourceArn=arn)
    double.inject_fault("CreateTenantResourceAssociation", count=None)
    answer = tenant_handler.handle(request, short_context)
    # Unknown yet: until SES answers, a rollback must keep what may have been there before.
    assert answer["PhysicalResourceId"] == f"acme|{arn}|held-before"
    double.clear_faults()

    done = tenant_handler.handle(waiter_event(request, answer), next_invocation(short_context))

    assert done["IsComplete"] is True
    assert done["PhysicalResourceId"] == f"acme|{arn}|held-before"


@pytest.mark.usefixtures("clock")
def test_an_association_made_in_is_complete_reports_it_was_not_held_before(
    sesv2: Any, short_context: FakeContext
) -> None:
    request, arn = association_request(sesv2)
    double.inject_fault("CreateTenantResourceAssociation", count=None)
    answer = tenant_handler.handle(request, short_context)
    double.clear_faults()

    done = tenant_handler.handle(waiter_event(request, answer), next_invocation(short_context))

    assert done["PhysicalResourceId"] == f"acme|{arn}"


def test_a_rollback_after_an_association_gave_up_keeps_what_ses_held_before(
    sesv2: Any, short_context: FakeContext, clock: Clock, stacks: FakeCloudFormation
) -> None:
    request, arn = association_request(sesv2)
    sesv2.create_tenant_resource_association(TenantName="acme", ResourceArn=arn)
    double.inject_fault("CreateTenantResourceAssociation", count=None)
    answer = tenant_handler.handle(request, short_context)
    clock.now += tenant_handler.WAIT_LIMIT_SECONDS
    with pytest.raises(RequestFailed, match="may or may not be associated"):
        tenant_handler.handle(waiter_event(request, answer), next_invocation(short_context))
    double.clear_faults()

    # The framework reported the pending physical id; the stack's rollback deletes by it.
    stacks.put_stack(STACK_ID, "ROLLBACK_IN_PROGRESS")
    delete = cfn_event(
        "Delete",
        request["ResourceProperties"],
        resource_type=contract.ASSOCIATION_RESOURCE_TYPE,
        physical_id=answer["PhysicalResourceId"],
    )
    tenant_handler.handle(delete, next_invocation(short_context))

    resources = sesv2.list_tenant_resources(TenantName="acme")["TenantResources"]
    assert [r["ResourceArn"] for r in resources] == [arn]
