"""Custom::SesTenantResourceAssociation through on_event, against moto plus the double."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

import ses_tenants.testing as double
from ses_tenants._handler import contract, ses_client, tenant_handler
from ses_tenants._handler.errors import InvalidProperties, RequestFailed
from tests.handler.cloudformation_fake import FakeCloudFormation
from tests.handler.handler_fakes import (
    ACCOUNT,
    LOGICAL_ID,
    OTHER_STACK_ID,
    REGION,
    STACK_ID,
    FakeContext,
    SesCalls,
    association_properties,
    cfn_event,
    tenant_properties,
)

IDENTITY = f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/example.com"
CONFIGURATION_SET = f"arn:aws:ses:{REGION}:{ACCOUNT}:configuration-set/acme-pool"
ASSOCIATION = contract.ASSOCIATION_RESOURCE_TYPE


@pytest.fixture
def tenant(sesv2: Any, ses_calls: SesCalls, context: FakeContext) -> str:
    """Tenant "acme" (created by the handler), an identity and a configuration set."""
    tenant_handler.on_event(cfn_event("Create", tenant_properties("acme")), context)
    sesv2.create_email_identity(EmailIdentity="example.com")
    sesv2.create_configuration_set(ConfigurationSetName="acme-pool")
    ses_calls.clear()
    return "acme"


def associated(sesv2: Any, tenant: str = "acme") -> list[str]:
    resources = sesv2.list_tenant_resources(TenantName=tenant)["TenantResources"]
    return sorted(resource["ResourceArn"] for resource in resources)


def event(request_type: str, resource_arn: str, **kwargs: Any) -> dict[str, Any]:
    properties = association_properties("acme", resource_arn)
    return cfn_event(request_type, properties, resource_type=ASSOCIATION, **kwargs)


def test_create(sesv2: Any, ses_calls: SesCalls, context: FakeContext, tenant: str) -> None:
    response = tenant_handler.on_event(event("Create", IDENTITY), context)

    assert response == {
        "PhysicalResourceId": f"acme|{IDENTITY}",
        "Data": {contract.ATTR_TENANT_NAME: "acme", contract.PROP_RESOURCE_ARN: IDENTITY},
        tenant_handler.PROGRESS_KEY: {"Done": True},
    }
    assert ses_calls.names == ["CreateTenantResourceAssociation"]
    assert associated(sesv2) == [IDENTITY]


def test_a_duplicate_create_succeeds(
    sesv2: Any, ses_calls: SesCalls, context: FakeContext, tenant: str
) -> None:
    first = tenant_handler.on_event(event("Create", IDENTITY), context)

    again = tenant_handler.on_event(event("Create", IDENTITY), context)

    # SES held the pair before this Create: the physical id says so (a rollback keeps it).
    assert again == {**first, "PhysicalResourceId": f"acme|{IDENTITY}|held-before"}
    # The second answer is AlreadyExists: the tenant is read to find the stack that owns it,
    # here this one, so no other stack's claim can be in the way.
    assert ses_calls.names == ["CreateTenantResourceAssociation"] * 2 + ["GetTenant"]
    assert associated(sesv2) == [IDENTITY]


def test_delete(sesv2: Any, ses_calls: SesCalls, context: FakeContext, tenant: str) -> None:
    created = tenant_handler.on_event(event("Create", IDENTITY), context)

    response = tenant_handler.on_event(
        event("Delete", IDENTITY, physical_id=created["PhysicalResourceId"]), context
    )

    assert response["PhysicalResourceId"] == created["PhysicalResourceId"]
    assert associated(sesv2) == []
    # The resource itself stays.
    assert sesv2.get_email_identity(EmailIdentity="example.com")["IdentityType"]


def test_delete_of_an_association_already_gone_succeeds(
    ses_calls: SesCalls, context: FakeContext, tenant: str
) -> None:
    tenant_handler.on_event(event("Delete", IDENTITY, physical_id=f"acme|{IDENTITY}"), context)

    assert ses_calls.names == ["GetTenant", "DeleteTenantResourceAssociation"]


def test_delete_after_the_tenant_is_gone_succeeds(
    sesv2: Any, ses_calls: SesCalls, context: FakeContext, tenant: str
) -> None:
    tenant_handler.on_event(event("Create", IDENTITY), context)
    sesv2.delete_tenant(TenantName="acme")

    tenant_handler.on_event(event("Delete", IDENTITY, physical_id=f"acme|{IDENTITY}"), context)

    assert sesv2.list_resource_tenants(ResourceArn=IDENTITY)["ResourceTenants"] == []


def test_delete_of_a_foreign_physical_id_makes_no_call(
    ses_calls: SesCalls, context: FakeContext, tenant: str
) -> None:
    # E.g. the request id the Provider framework reports for a Create that failed early.
    response = tenant_handler.on_event(event("Delete", IDENTITY, physical_id="abc-123"), context)

    assert response == {
        "PhysicalResourceId": "abc-123",
        tenant_handler.PROGRESS_KEY: {"Done": True},
    }
    assert ses_calls.names == []


def test_a_changed_resource_is_a_replacement(
    sesv2: Any, ses_calls: SesCalls, context: FakeContext, tenant: str
) -> None:
    old = tenant_handler.on_event(event("Create", IDENTITY), context)
    ses_calls.clear()

    new = tenant_handler.on_event(
        event(
            "Update",
            CONFIGURATION_SET,
            old_properties=association_properties("acme", IDENTITY),
            physical_id=old["PhysicalResourceId"],
        ),
        context,
    )

    assert new["PhysicalResourceId"] == f"acme|{CONFIGURATION_SET}"
    assert ses_calls.names == ["CreateTenantResourceAssociation"]
    assert associated(sesv2) == [CONFIGURATION_SET, IDENTITY]

    # CloudFormation then deletes the old physical resource.
    tenant_handler.on_event(
        event("Delete", IDENTITY, physical_id=old["PhysicalResourceId"]), context
    )

    assert associated(sesv2) == [CONFIGURATION_SET]


def test_an_update_that_changes_nothing_makes_no_call(
    ses_calls: SesCalls, context: FakeContext, tenant: str
) -> None:
    old = tenant_handler.on_event(event("Create", IDENTITY), context)
    ses_calls.clear()
    properties = {**association_properties("acme", IDENTITY), "ServiceToken": "arn:aws:lambda:x"}

    response = tenant_handler.on_event(
        cfn_event(
            "Update",
            properties,
            resource_type=ASSOCIATION,
            old_properties=association_properties("acme", IDENTITY),
            physical_id=old["PhysicalResourceId"],
        ),
        context,
    )

    assert response == old
    assert ses_calls.names == []


def test_not_found_right_after_the_tenant_was_created_is_waited_out(
    sesv2: Any, ses_calls: SesCalls, context: FakeContext, tenant: str, slept: list[float]
) -> None:
    double.inject_fault(
        "CreateTenantResourceAssociation",
        count=2,
        code="NotFoundException",
        message="Tenant acme does not exist",
        status=404,
    )

    tenant_handler.on_event(event("Create", IDENTITY), context)

    assert ses_calls.names == ["CreateTenantResourceAssociation"] * 3
    assert len(slept) == 2
    assert associated(sesv2) == [IDENTITY]


def test_throttling_is_retried(
    sesv2: Any, ses_calls: SesCalls, context: FakeContext, tenant: str, slept: list[float]
) -> None:
    double.inject_fault("CreateTenantResourceAssociation", count=2)
    double.inject_fault("DeleteTenantResourceAssociation", count=2)

    created = tenant_handler.on_event(event("Create", IDENTITY), context)
    tenant_handler.on_event(
        event("Delete", IDENTITY, physical_id=created["PhysicalResourceId"]), context
    )

    assert len(slept) == 4
    assert associated(sesv2) == []


def test_a_resource_that_does_not_exist_fails_clearly(
    ses_calls: SesCalls, context: FakeContext, tenant: str, slept: list[float]
) -> None:
    missing = f"arn:aws:ses:{REGION}:{ACCOUNT}:configuration-set/nowhere"

    with pytest.raises(RequestFailed) as raised:
        tenant_handler.on_event(event("Create", missing), context)

    message = str(raised.value)
    assert message.startswith(f"Associating '{missing}' with tenant 'acme' failed")
    assert "NotFoundException: Configuration set <nowhere> does not exist" in message
    assert "must exist in this account and region" in message
    # Briefly retried (it might have been created seconds ago), then given up.
    assert len(slept) == len(ses_calls.names) - 1 > 0


@pytest.mark.parametrize(
    "resource_arn",
    [
        f"arn:aws:ses:{REGION}:{ACCOUNT}:dedicated-ip-pool/acme-pool",
        f"arn:aws:ses:{REGION}:{ACCOUNT}:email-identity/example.com",
        "example.com",
    ],
)
def test_an_arn_that_is_no_associable_ses_resource_fails_before_any_call(
    ses_calls: SesCalls, context: FakeContext, resource_arn: str
) -> None:
    with pytest.raises(InvalidProperties, match="is not the ARN of an SES email identity"):
        tenant_handler.on_event(event("Create", resource_arn), context)
    assert ses_calls.names == []


# Claims: any number of CloudFormation resources can carry the same physical id.

PHYSICAL_ID = f"acme|{IDENTITY}"


def test_delete_keeps_an_association_a_live_resource_of_the_stack_still_claims(
    sesv2: Any, ses_calls: SesCalls, context: FakeContext, tenant: str, stacks: FakeCloudFormation
) -> None:
    # A refactor (e.g. adding env= to the stack) gave the association a new logical id:
    # CloudFormation created the new resource, then deletes the old one in cleanup.
    tenant_handler.on_event(event("Create", IDENTITY, logical_id="AssociationOld"), context)
    tenant_handler.on_event(event("Create", IDENTITY, logical_id="AssociationNew"), context)
    stacks.stacks[STACK_ID].status = "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"
    stacks.add_resource(STACK_ID, "AssociationNew", PHYSICAL_ID)
    stacks.add_resource(STACK_ID, "AssociationOld", PHYSICAL_ID, status="DELETE_IN_PROGRESS")
    ses_calls.clear()

    tenant_handler.on_event(
        event("Delete", IDENTITY, physical_id=PHYSICAL_ID, logical_id="AssociationOld"), context
    )

    assert associated(sesv2) == [IDENTITY]
    assert ses_calls.names == []


@pytest.mark.parametrize(
    ("stack_status", "sibling_status"),
    [
        ("DELETE_IN_PROGRESS", "CREATE_COMPLETE"),  # cdk destroy: every claim goes
        ("ROLLBACK_IN_PROGRESS", "CREATE_COMPLETE"),  # a failed first create rolls back
        ("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "DELETE_IN_PROGRESS"),
        ("UPDATE_IN_PROGRESS", "CREATE_FAILED"),
    ],
)
def test_delete_removes_an_association_whose_other_claims_are_going_away(
    sesv2: Any,
    context: FakeContext,
    tenant: str,
    stacks: FakeCloudFormation,
    stack_status: str,
    sibling_status: str,
) -> None:
    tenant_handler.on_event(event("Create", IDENTITY), context)
    stacks.stacks[STACK_ID].status = stack_status
    stacks.add_resource(STACK_ID, "AssociationTwin", PHYSICAL_ID, status=sibling_status)
    stacks.add_resource(STACK_ID, LOGICAL_ID, PHYSICAL_ID, status="DELETE_IN_PROGRESS")

    tenant_handler.on_event(event("Delete", IDENTITY, physical_id=PHYSICAL_ID), context)

    assert associated(sesv2) == []


def test_delete_keeps_an_association_the_stack_owning_the_tenant_claims(
    sesv2: Any, context: FakeContext, tenant: str, stacks: FakeCloudFormation
) -> None:
    # The tenant belongs to STACK_ID, which associates the identity; another stack that
    # imported the tenant by name declared the same association and is now destroyed.
    tenant_handler.on_event(event("Create", IDENTITY, logical_id="Association"), context)
    stacks.add_resource(STACK_ID, "Association", PHYSICAL_ID)
    stacks.put_stack(OTHER_STACK_ID, "DELETE_IN_PROGRESS")

    tenant_handler.on_event(
        event("Delete", IDENTITY, physical_id=PHYSICAL_ID, stack_id=OTHER_STACK_ID), context
    )

    assert associated(sesv2) == [IDENTITY]


def test_create_refuses_a_pair_the_stack_owning_the_tenant_claims(
    sesv2: Any, ses_calls: SesCalls, context: FakeContext, tenant: str, stacks: FakeCloudFormation
) -> None:
    tenant_handler.on_event(event("Create", IDENTITY, logical_id="Association"), context)
    stacks.add_resource(STACK_ID, "Association", PHYSICAL_ID)
    stacks.put_stack(OTHER_STACK_ID, "UPDATE_IN_PROGRESS")
    ses_calls.clear()

    with pytest.raises(RequestFailed) as raised:
        tenant_handler.on_event(event("Create", IDENTITY, stack_id=OTHER_STACK_ID), context)

    assert str(raised.value) == (
        f"Resource '{IDENTITY}' is already associated with tenant 'acme' by resource "
        f"Association of stack {STACK_ID}, in the stack that owns the tenant. An association "
        "must be declared in one stack only, or removing it there would remove it for this "
        "stack too: keep it there, or move it by removing it from that stack (deploy it) and "
        "then adding it here."
    )
    assert ses_calls.writes == ["CreateTenantResourceAssociation"]  # answered AlreadyExists
    assert associated(sesv2) == [IDENTITY]


def test_create_claims_an_association_made_outside_cloudformation(
    sesv2: Any, context: FakeContext, tenant: str, stacks: FakeCloudFormation
) -> None:
    # E.g. an onboarding script associated the identity before the tenant was adopted.
    sesv2.create_tenant_resource_association(TenantName="acme", ResourceArn=IDENTITY)
    stacks.put_stack(OTHER_STACK_ID)

    response = tenant_handler.on_event(event("Create", IDENTITY, stack_id=OTHER_STACK_ID), context)

    assert response["PhysicalResourceId"] == f"{PHYSICAL_ID}|held-before"


@pytest.mark.parametrize(
    ("stack_status", "kept"),
    [
        ("ROLLBACK_IN_PROGRESS", True),
        ("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", True),
        ("DELETE_IN_PROGRESS", False),
        ("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", False),
    ],
)
def test_a_rollback_keeps_an_association_that_was_there_before_the_deploy(
    sesv2: Any,
    context: FakeContext,
    tenant: str,
    stacks: FakeCloudFormation,
    stack_status: str,
    kept: bool,
) -> None:
    # E.g. the tenant of an onboarding script, adopted by a deploy that then failed.
    sesv2.create_tenant_resource_association(TenantName="acme", ResourceArn=IDENTITY)
    claimed = tenant_handler.on_event(event("Create", IDENTITY), context)
    stacks.stacks[STACK_ID].status = stack_status
    stacks.calls.clear()

    tenant_handler.on_event(
        event("Delete", IDENTITY, physical_id=claimed["PhysicalResourceId"]), context
    )

    assert associated(sesv2) == ([IDENTITY] if kept else [])
    # The stack's status is read once, for the rollback check and the claims alike.
    assert stacks.calls.count("DescribeStacks") == 1


def test_an_update_keeps_the_held_before_flag(
    ses_calls: SesCalls, context: FakeContext, tenant: str
) -> None:
    physical_id = f"{PHYSICAL_ID}|held-before"
    properties = association_properties("acme", IDENTITY)

    response = tenant_handler.on_event(
        event("Update", IDENTITY, old_properties=properties, physical_id=physical_id), context
    )

    assert response["PhysicalResourceId"] == physical_id
    assert ses_calls.names == []


def test_a_create_whose_answer_was_lost_is_not_held_before(
    sesv2: Any, context: FakeContext, tenant: str
) -> None:
    client = ses_client.get_client()
    lost = {"count": 0}

    def lose(http_response: Any, **_: Any) -> None:
        if http_response.status_code < 300 and not lost["count"]:
            lost["count"] += 1
            raise ReadTimeoutError(endpoint_url="https://email.us-east-1.amazonaws.com")

    name = "after-call.sesv2.CreateTenantResourceAssociation"
    client.meta.events.register(name, lose, unique_id="lose")
    try:
        response = tenant_handler.on_event(event("Create", IDENTITY), context)
    finally:
        client.meta.events.unregister(name, unique_id="lose")

    assert response["PhysicalResourceId"] == PHYSICAL_ID
    assert associated(sesv2) == [IDENTITY]


def test_a_stack_that_cannot_be_read_fails_the_delete_and_keeps_the_association(
    sesv2: Any, context: FakeContext, tenant: str, stacks: FakeCloudFormation
) -> None:
    tenant_handler.on_event(event("Create", IDENTITY), context)

    def denied(**_: Any) -> Any:
        raise ClientError(
            {"Error": {"Code": "AccessDenied", "Message": "not authorized"}}, "DescribeStacks"
        )

    stacks.describe_stacks = denied  # type: ignore[method-assign,assignment]

    with pytest.raises(RequestFailed) as raised:
        tenant_handler.on_event(event("Delete", IDENTITY, physical_id=PHYSICAL_ID), context)

    assert str(raised.value).startswith(
        f"DescribeStacks of stack {STACK_ID} failed: CloudFormation answered AccessDenied"
    )
    assert "cloudformation:DescribeStacks and cloudformation:ListStackResources" in str(
        raised.value
    )
    assert associated(sesv2) == [IDENTITY]
