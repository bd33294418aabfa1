"""Custom::SesTenant in CloudFormation's rollbacks and in the failures that used to leave
tenants behind: the stack's status comes from the fake CloudFormation read API, SES is moto
plus the double."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from botocore.exceptions import ReadTimeoutError

import ses_tenants.testing as double
from ses_tenants._handler import contract, ses_client, tenant_handler
from ses_tenants._handler.adoption import AdoptionRecord
from ses_tenants._handler.errors import RequestFailed
from ses_tenants._handler.tenants import TenantSettings
from tests.handler.cloudformation_fake import FakeCloudFormation
from tests.handler.handler_fakes import (
    ACCOUNT,
    LOGICAL_ID,
    OTHER_STACK_ID,
    REGION,
    STACK_ID,
    FakeContext,
    SesCalls,
    cfn_event,
    tenant_properties,
)
from tests.handler.test_tenant_lifecycle import OUR_MARK, THEIR_MARK, exists, read_back

POLICY_ARN = f"arn:aws:ses:{REGION}:aws:reputation-policy/"
#: An earlier stack of the same name as STACK_ID's ("acme").
PREDECESSOR = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/acme/old-uuid"
ADOPTING = tenant_properties(
    adopt_existing="true", reputation_policy="strict", tags=[{"Key": "team", "Value": "mail"}]
)


def _existing(sesv2: Any, mark: str | None, **extra: Any) -> dict[str, Any]:
    """A tenant made before the deploy: by an onboarding script, or owned by `mark`."""
    tags = [{"Key": "origin", "Value": "script"}]
    if mark is not None:
        tags.append({"Key": contract.OWNER_TAG_KEY, "Value": mark})
    return sesv2.create_tenant(TenantName="acme", Tags=tags, **extra)


def _event(request_type: str, properties: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return cfn_event(request_type, properties, **kwargs)


# A rollback gives an adopted tenant back


@pytest.mark.parametrize("previous_mark", [None, THEIR_MARK], ids=["script-made", "owned"])
@pytest.mark.parametrize("rollback", ["ROLLBACK_IN_PROGRESS", "UPDATE_ROLLBACK_IN_PROGRESS"])
def test_a_rollback_gives_an_adopted_tenant_back_instead_of_deleting_it(
    sesv2: Any,
    context: FakeContext,
    stacks: FakeCloudFormation,
    previous_mark: str | None,
    rollback: str,
) -> None:
    _existing(
        sesv2,
        previous_mark,
        SuppressionAttributes={"SuppressionScope": "TENANT", "SuppressedReasons": ["BOUNCE"]},
    )
    tenant_handler.on_event(_event("Create", ADOPTING), context)
    assert read_back(sesv2)["policy"] == POLICY_ARN + "strict"
    # Another resource of the stack fails; CloudFormation deletes what the deploy created.
    stacks.stacks[STACK_ID].status = rollback

    tenant_handler.on_event(_event("Delete", ADOPTING, physical_id="acme"), context)

    expected_tags = {"origin": "script"}
    if previous_mark:
        expected_tags[contract.OWNER_TAG_KEY] = previous_mark
    assert read_back(sesv2) == {
        "tags": expected_tags,
        "suppression": {"SuppressionScope": "TENANT", "SuppressedReasons": ["BOUNCE"]},
        "policy": POLICY_ARN + "standard",
        "status": "ENABLED",
    }


def test_a_delete_outside_a_rollback_deletes_an_adopted_tenant(
    sesv2: Any, context: FakeContext, stacks: FakeCloudFormation
) -> None:
    _existing(sesv2, None)
    tenant_handler.on_event(_event("Create", ADOPTING), context)
    stacks.stacks[STACK_ID].status = "DELETE_IN_PROGRESS"

    tenant_handler.on_event(_event("Delete", ADOPTING, physical_id="acme"), context)

    assert not exists(sesv2)


def test_a_rollback_still_deletes_a_tenant_the_deploy_created(
    sesv2: Any, context: FakeContext, stacks: FakeCloudFormation
) -> None:
    tenant_handler.on_event(_event("Create", ADOPTING), context)
    stacks.stacks[STACK_ID].status = "ROLLBACK_IN_PROGRESS"

    tenant_handler.on_event(_event("Delete", ADOPTING, physical_id="acme"), context)

    assert not exists(sesv2)


def test_the_next_forward_update_drops_the_adoption_record(
    sesv2: Any, context: FakeContext
) -> None:
    _existing(sesv2, None)
    tenant_handler.on_event(_event("Create", ADOPTING), context)
    changed = {**ADOPTING, contract.PROP_REPUTATION_POLICY: "none"}

    tenant_handler.on_event(
        _event("Update", changed, old_properties=ADOPTING, physical_id="acme"), context
    )

    assert contract.ADOPTION_RECORD_TAG_KEY not in read_back(sesv2)["tags"]
    assert read_back(sesv2)["policy"] == POLICY_ARN + "none"


def test_adopting_needs_a_free_tag_for_the_record(
    sesv2: Any, ses_calls: SesCalls, context: FakeContext
) -> None:
    _existing(sesv2, None)
    tags = [{"Key": f"k{i}", "Value": "v"} for i in range(contract.MAX_USER_TAGS)]

    with pytest.raises(RequestFailed) as raised:
        tenant_handler.on_event(
            _event("Create", tenant_properties(adopt_existing="true", tags=tags)), context
        )

    assert "needs one free tag for the adoption record" in str(raised.value)
    assert "declare at most 48 tags while adopting. Nothing was changed." in str(raised.value)
    assert ses_calls.writes == ["CreateTenant"]


# A failed adoption gives the tenant back, and says so


def test_a_failed_adoption_gives_the_tenant_back(sesv2: Any, context: FakeContext) -> None:
    _existing(sesv2, THEIR_MARK)
    double.inject_fault("UpdateReputationEntityPolicy", code="AccessDeniedException", status=403)

    with pytest.raises(RequestFailed) as raised:
        tenant_handler.on_event(_event("Create", ADOPTING), context)

    assert str(raised.value).endswith(
        "Adopting tenant 'acme' failed; it has been given back as it was (it is owned by the "
        f"CloudFormation resource {THEIR_MARK})."
    )
    assert read_back(sesv2)["tags"] == {"origin": "script", contract.OWNER_TAG_KEY: THEIR_MARK}


# Rollback Updates never fail for a tenant that is gone or foreign


def test_a_rollback_update_of_a_tenant_gone_from_ses_succeeds(
    sesv2: Any, context: FakeContext, stacks: FakeCloudFormation
) -> None:
    old = tenant_properties(reputation_policy="strict")
    tenant_handler.on_event(_event("Create", old), context)
    sesv2.delete_tenant(TenantName="acme")
    forward = _event("Update", tenant_properties(), old_properties=old, physical_id="acme")

    with pytest.raises(RequestFailed, match="no longer exists in SES"):
        tenant_handler.on_event(forward, context)

    stacks.stacks[STACK_ID].status = "UPDATE_ROLLBACK_IN_PROGRESS"
    back = _event("Update", old, old_properties=tenant_properties(), physical_id="acme")
    response = tenant_handler.on_event(back, context)

    assert response["PhysicalResourceId"] == "acme"
    assert response["Data"][contract.ATTR_TENANT_NAME] == "acme"
    assert not exists(sesv2)


def test_a_rollback_update_of_a_tenant_taken_over_elsewhere_succeeds_without_writes(
    sesv2: Any, ses_calls: SesCalls, context: FakeContext, stacks: FakeCloudFormation
) -> None:
    old = tenant_properties(reputation_policy="strict")
    tenant_handler.on_event(_event("Create", old), context)
    sesv2.tag_resource(
        ResourceArn=sesv2.get_tenant(TenantName="acme")["Tenant"]["TenantArn"],
        Tags=[{"Key": contract.OWNER_TAG_KEY, "Value": THEIR_MARK}],
    )
    stacks.stacks[STACK_ID].status = "UPDATE_ROLLBACK_IN_PROGRESS"
    ses_calls.clear()

    tenant_handler.on_event(
        _event("Update", old, old_properties=tenant_properties(), physical_id="acme"), context
    )

    assert ses_calls.writes == []
    assert read_back(sesv2)["tags"][contract.OWNER_TAG_KEY] == THEIR_MARK


# Undo: only what is still this request's


def test_the_undo_of_a_failed_create_leaves_a_tenant_taken_over_meanwhile(
    sesv2: Any, ses_calls: SesCalls, context: FakeContext
) -> None:
    # Another stack adopts the tenant while this Create is still applying settings.
    def adopt_elsewhere(**_: Any) -> None:
        arn = sesv2.get_tenant(TenantName="acme")["Tenant"]["TenantArn"]
        sesv2.tag_resource(
            ResourceArn=arn, Tags=[{"Key": contract.OWNER_TAG_KEY, "Value": THEIR_MARK}]
        )

    client = ses_client.get_client()
    event_name = "before-call.sesv2.UpdateReputationEntityPolicy"
    client.meta.events.register(event_name, adopt_elsewhere, unique_id="adopt-elsewhere")
    double.inject_fault("UpdateReputationEntityPolicy", code="AccessDeniedException", status=403)
    try:
        with pytest.raises(RequestFailed) as raised:
            tenant_handler.on_event(_event("Create", ADOPTING), context)
    finally:
        client.meta.events.unregister(event_name, unique_id="adopt-elsewhere")

    assert str(raised.value).endswith(
        "Tenant 'acme' was left in SES: it is owned by the CloudFormation resource "
        f"{THEIR_MARK} (taken over while this request ran)."
    )
    assert "DeleteTenant" not in ses_calls.names
    assert exists(sesv2)


def _lose_answers(event_name: str, *, times: int | None) -> Any:
    """Make the handler's client lose the answer of successful calls: the call happens in
    SES, the handler sees a read timeout."""
    lost = {"count": 0}

    def lose(http_response: Any, **_: Any) -> None:
        if http_response.status_code < 300 and (times is None or lost["count"] < times):
            lost["count"] += 1
            raise ReadTimeoutError(endpoint_url="https://email.us-east-1.amazonaws.com")

    client = ses_client.get_client()
    client.meta.events.register(event_name, lose, unique_id="lose-answers")
    return lambda: client.meta.events.unregister(event_name, unique_id="lose-answers")


def test_a_create_whose_answer_was_lost_finds_its_tenant_and_finishes(
    sesv2: Any, ses_calls: SesCalls, context: FakeContext
) -> None:
    restore = _lose_answers("after-call.sesv2.CreateTenant", times=1)
    try:
        response = tenant_handler.on_event(_event("Create", ADOPTING), context)
    finally:
        restore()

    assert response["PhysicalResourceId"] == "acme"
    assert read_back(sesv2)["tags"] == {"team": "mail", contract.OWNER_TAG_KEY: OUR_MARK}
    assert read_back(sesv2)["policy"] == POLICY_ARN + "strict"


def test_a_create_that_keeps_losing_its_answer_deletes_what_it_may_have_created(
    sesv2: Any, ses_calls: SesCalls, context: FakeContext
) -> None:
    restore = _lose_answers("after-call.sesv2.CreateTenant", times=1)

    # After the first (lost) answer, every later call is throttled into a transport error.
    attempts = {"count": 0}

    def unreachable(**_: Any) -> None:
        # After the first attempt (its answer lost), SES cannot be reached any more.
        attempts["count"] += 1
        if attempts["count"] > 1:
            raise ReadTimeoutError(endpoint_url="https://email.us-east-1.amazonaws.com")

    client = ses_client.get_client()
    client.meta.events.register("before-call.sesv2.CreateTenant", unreachable, unique_id="down")
    try:
        with pytest.raises(RequestFailed) as raised:
            tenant_handler.on_event(_event("Create", ADOPTING), context)
    finally:
        client.meta.events.unregister("before-call.sesv2.CreateTenant", unique_id="down")
        restore()

    message = str(raised.value)
    assert message.startswith("CreateTenant of tenant 'acme' failed after 5 attempt(s): ")
    assert "Whether SES carried it out is unknown." in message
    assert message.endswith("Tenant 'acme' created by this request has been deleted again.")
    assert not exists(sesv2)


# Updates within SES's limits succeed whatever the order of writes


def test_a_tenant_at_the_tag_limit_can_swap_a_key(sesv2: Any, context: FakeContext) -> None:
    full = [{"Key": f"k{i}", "Value": "v"} for i in range(contract.MAX_USER_TAGS)]
    swapped = [*full[:-1], {"Key": "new", "Value": "v"}]
    tenant_handler.on_event(_event("Create", tenant_properties(tags=full)), context)

    tenant_handler.on_event(
        _event(
            "Update",
            tenant_properties(tags=swapped),
            old_properties=tenant_properties(tags=full),
            physical_id="acme",
        ),
        context,
    )

    tags = read_back(sesv2)["tags"]
    assert len(tags) == contract.MAX_TAGS
    assert "new" in tags and f"k{contract.MAX_USER_TAGS - 1}" not in tags


# A tenant left by a deleted stack of the same name


def test_a_recreated_stack_takes_over_the_tenant_its_deleted_predecessor_left(
    sesv2: Any, context: FakeContext, stacks: FakeCloudFormation
) -> None:
    # A first create failed and its undo could not delete the tenant; CDK then deleted the
    # stack (ROLLBACK_COMPLETE) and creates it anew, with a new stack id.
    stacks.put_stack(PREDECESSOR, "DELETE_COMPLETE")
    _existing(sesv2, f"{PREDECESSOR}/{LOGICAL_ID}")

    response = tenant_handler.on_event(_event("Create", tenant_properties()), context)

    assert response["PhysicalResourceId"] == "acme"
    assert read_back(sesv2)["tags"][contract.OWNER_TAG_KEY] == OUR_MARK


@pytest.mark.parametrize(
    ("their_stack", "their_status", "their_logical_id"),
    [
        (OTHER_STACK_ID, "DELETE_COMPLETE", LOGICAL_ID),  # another stack's name
        (
            f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/acme/old",
            "UPDATE_COMPLETE",
            LOGICAL_ID,
        ),
        (f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/acme/old", "DELETE_COMPLETE", "Other"),
    ],
)
def test_no_takeover_from_a_stack_that_lives_or_is_not_the_predecessor(
    sesv2: Any,
    context: FakeContext,
    stacks: FakeCloudFormation,
    their_stack: str,
    their_status: str,
    their_logical_id: str,
) -> None:
    stacks.put_stack(their_stack, their_status)
    _existing(sesv2, f"{their_stack}/{their_logical_id}")

    with pytest.raises(RequestFailed, match="already exists in SES and is not owned"):
        tenant_handler.on_event(_event("Create", tenant_properties()), context)


# The record itself


def test_the_record_drops_the_tags_and_then_the_mark_to_fit_in_a_tag_value() -> None:
    state = TenantSettings(
        tags={contract.OWNER_TAG_KEY: THEIR_MARK, "a": "1"},
        suppression=None,
        reputation_policy="strict",
        sending_status="DISABLED",
    )
    assert AdoptionRecord.of(state).tags == {"a": "1"}
    assert AdoptionRecord.decode(AdoptionRecord.of(state).encode()) == AdoptionRecord.of(state)

    many_tags = {**state.tags, **{f"key-{i}": "value" * 10 for i in range(20)}}
    without_tags = AdoptionRecord.of(dataclasses.replace(state, tags=many_tags))
    assert without_tags.tags is None
    assert without_tags.previous_mark == THEIR_MARK

    long_mark = {contract.OWNER_TAG_KEY: "arn:" + "x" * 250}
    without_mark = AdoptionRecord.of(dataclasses.replace(state, tags=long_mark))
    assert without_mark.previous_mark is None
    assert len(without_mark.encode()) <= contract.MAX_TAG_VALUE_LENGTH
