"""Custom::SesTenant through on_event, against moto plus the SES tenant double.

State is always read back through an independent boto3 client; write calls are counted at
the botocore layer of the handler's own client.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

import ses_tenants.testing as double
from ses_tenants._handler import contract, tenant_handler
from ses_tenants._handler.adoption import AdoptionRecord
from ses_tenants._handler.errors import InvalidProperties, RequestFailed
from ses_tenants._handler.properties import Suppression
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

pytestmark = pytest.mark.usefixtures("ses_calls")

OUR_MARK = f"{STACK_ID}/{LOGICAL_ID}"
THEIR_MARK = f"{OTHER_STACK_ID}/TheirTenant"
POLICY_ARN = f"arn:aws:ses:{REGION}:aws:reputation-policy/"

FULL = tenant_properties(
    "acme",
    reputation_policy="strict",
    sending_status="DISABLED",
    suppression_scope="TENANT",
    suppressed_reasons=["BOUNCE", "COMPLAINT"],
    tags=[{"Key": "team", "Value": "mail"}, {"Key": "tier", "Value": "gold"}],
)
#: What `read_back` finds once a tenant with the FULL properties is in place.
FULL_IN_SES = {
    "tags": {"team": "mail", "tier": "gold", contract.OWNER_TAG_KEY: OUR_MARK},
    "suppression": {"SuppressedReasons": ["BOUNCE", "COMPLAINT"], "SuppressionScope": "TENANT"},
    "policy": POLICY_ARN + "strict",
    "status": "DISABLED",
}


def read_back(sesv2: Any, name: str = "acme") -> dict[str, Any]:
    """What SES holds for the tenant, as plain values."""
    tenant = sesv2.get_tenant(TenantName=name)["Tenant"]
    entity = sesv2.get_reputation_entity(
        ReputationEntityType="RESOURCE", ReputationEntityReference=tenant["TenantArn"]
    )["ReputationEntity"]
    return {
        "tags": {tag["Key"]: tag["Value"] for tag in tenant.get("Tags", [])},
        "suppression": tenant.get("SuppressionAttributes"),
        "policy": entity["ReputationManagementPolicy"],
        "status": entity["CustomerManagedStatus"]["Status"],
    }


def exists(sesv2: Any, name: str = "acme") -> bool:
    try:
        sesv2.get_tenant(TenantName=name)
    except ClientError as error:
        assert error.response["Error"]["Code"] == "NotFoundException"
        return False
    return True


def create(context: FakeContext, properties: dict[str, Any] | None = None) -> dict[str, Any]:
    return tenant_handler.on_event(cfn_event("Create", properties or tenant_properties()), context)


# Create


def test_create_minimal_makes_one_call(
    sesv2: Any, ses_calls: SesCalls, context: FakeContext
) -> None:
    response = create(context)

    assert ses_calls.names == ["CreateTenant"]
    tenant = sesv2.get_tenant(TenantName="acme")["Tenant"]
    assert response == {
        "PhysicalResourceId": "acme",
        "Data": {
            contract.ATTR_TENANT_ARN: tenant["TenantArn"],
            contract.ATTR_TENANT_ID: tenant["TenantId"],
            contract.ATTR_TENANT_NAME: "acme",
        },
        tenant_handler.PROGRESS_KEY: {"Done": True},
    }
    assert tenant["TenantArn"].startswith(f"arn:aws:ses:{REGION}:{ACCOUNT}:tenant/acme/tn-")
    assert read_back(sesv2) == {
        "tags": {contract.OWNER_TAG_KEY: OUR_MARK},
        "suppression": None,
        "policy": POLICY_ARN + "standard",
        "status": "ENABLED",
    }


def test_create_full_sets_everything(sesv2: Any, ses_calls: SesCalls, context: FakeContext) -> None:
    create(context, FULL)

    assert ses_calls.names == [
        "CreateTenant",
        "UpdateReputationEntityPolicy",
        "UpdateReputationEntityCustomerManagedStatus",
    ]
    assert read_back(sesv2) == FULL_IN_SES


def test_create_with_defaults_spelled_out_makes_no_follow_up_call(
    ses_calls: SesCalls, context: FakeContext
) -> None:
    create(context, tenant_properties(reputation_policy="standard", sending_status="ENABLED"))

    assert ses_calls.names == ["CreateTenant"]


def test_a_retried_create_succeeds_without_writes(
    sesv2: Any, ses_calls: SesCalls, context: FakeContext
) -> None:
    first = create(context, FULL)
    ses_calls.clear()

    again = create(context, FULL)

    assert again == first
    assert ses_calls.writes == ["CreateTenant"]  # answered AlreadyExistsException
    assert read_back(sesv2)["policy"] == POLICY_ARN + "strict"


def test_a_retried_create_converges_a_tenant_left_half_done(
    sesv2: Any, ses_calls: SesCalls, context: FakeContext
) -> None:
    # As if an earlier attempt created the tenant and then died before the follow-ups.
    sesv2.create_tenant(
        TenantName="acme",
        Tags=[{"Key": contract.OWNER_TAG_KEY, "Value": OUR_MARK}, {"Key": "stale", "Value": "1"}],
    )

    create(context, FULL)

    assert ses_calls.writes == [
        "CreateTenant",
        "UntagResource",
        "TagResource",
        "PutTenantSuppressionAttributes",
        "UpdateReputationEntityPolicy",
        "UpdateReputationEntityCustomerManagedStatus",
    ]
    assert read_back(sesv2) == FULL_IN_SES


def test_a_create_failing_after_create_tenant_deletes_the_tenant_again(
    sesv2: Any, ses_calls: SesCalls, context: FakeContext
) -> None:
    double.inject_fault(
        "UpdateReputationEntityPolicy",
        code="AccessDeniedException",
        message="User is not authorized to perform: ses:UpdateReputationEntityPolicy",
        status=403,
    )

    with pytest.raises(RequestFailed) as raised:
        create(context, FULL)

    message = str(raised.value)
    assert "UpdateReputationEntityPolicy of tenant 'acme' to 'strict' failed" in message
    assert "AccessDeniedException: User is not authorized" in message
    assert "Tenant 'acme' created by this request has been deleted again" in message
    # The undo deletes the tenant only after reading that it still carries this mark.
    assert ses_calls.names == [
        "CreateTenant",
        "UpdateReputationEntityPolicy",
        "GetTenant",
        "DeleteTenant",
    ]
    assert not exists(sesv2)


@pytest.mark.parametrize(
    "existing_mark", [OUR_MARK, THEIR_MARK, None], ids=["retry", "adopted", "adopted-unmarked"]
)
def test_a_failing_create_never_deletes_a_tenant_it_did_not_create(
    sesv2: Any, ses_calls: SesCalls, context: FakeContext, existing_mark: str | None
) -> None:
    tags = (
        [] if existing_mark is None else [{"Key": contract.OWNER_TAG_KEY, "Value": existing_mark}]
    )
    sesv2.create_tenant(TenantName="acme", Tags=tags)
    double.inject_fault("UpdateReputationEntityPolicy", code="AccessDeniedException", status=403)

    with pytest.raises(RequestFailed, match="AccessDeniedException"):
        create(context, {**FULL, contract.PROP_ADOPT_EXISTING: "true"})

    assert "DeleteTenant" not in ses_calls.names
    assert exists(sesv2)


# Ownership


def test_create_refuses_a_tenant_owned_by_another_resource(
    sesv2: Any, ses_calls: SesCalls, context: FakeContext
) -> None:
    theirs = [{"Key": contract.OWNER_TAG_KEY, "Value": THEIR_MARK}, {"Key": "a", "Value": "1"}]
    sesv2.create_tenant(TenantName="acme", Tags=theirs)

    with pytest.raises(RequestFailed) as raised:
        create(context, FULL)

    message = str(raised.value)
    assert message.startswith(
        "Tenant 'acme' already exists in SES and is not owned by this resource: it is owned "
        f"by the CloudFormation resource {THEIR_MARK}."
    )
    assert "set adopt_existing=True on the Tenant" in message
    assert ses_calls.writes == ["CreateTenant"]
    assert read_back(sesv2)["tags"] == {contract.OWNER_TAG_KEY: THEIR_MARK, "a": "1"}


def test_create_refuses_an_unmarked_tenant(sesv2: Any, context: FakeContext) -> None:
    sesv2.create_tenant(TenantName="acme")

    with pytest.raises(RequestFailed, match="created outside this library") as raised:
        create(context)

    assert "adopt_existing=True" in str(raised.value)


@pytest.mark.parametrize("existing_mark", [THEIR_MARK, None], ids=["owned", "unmarked"])
def test_adoption_takes_the_tenant_over_and_converges_it(
    sesv2: Any, ses_calls: SesCalls, context: FakeContext, existing_mark: str | None
) -> None:
    tags = [{"Key": "old", "Value": "1"}, {"Key": "team", "Value": "post"}]
    if existing_mark:
        tags.append({"Key": contract.OWNER_TAG_KEY, "Value": existing_mark})
    existing = sesv2.create_tenant(
        TenantName="acme",
        Tags=tags,
        SuppressionAttributes={"SuppressionScope": "ACCOUNT", "SuppressedReasons": ["BOUNCE"]},
    )
    properties = tenant_properties(
        adopt_existing="true", tags=[{"Key": "team", "Value": "mail"}], sending_status="REINSTATED"
    )

    response = create(context, properties)

    assert response["Data"][contract.ATTR_TENANT_ID] == existing["TenantId"]
    assert ses_calls.writes == [
        "CreateTenant",
        "UntagResource",
        "TagResource",
        "PutTenantSuppressionAttributes",
        "UpdateReputationEntityCustomerManagedStatus",
    ]
    tags = read_back(sesv2)["tags"]
    # What the tenant was like, for a rollback of this deploy to give it back.
    record = AdoptionRecord.decode(tags.pop(contract.ADOPTION_RECORD_TAG_KEY))
    assert record == AdoptionRecord(
        previous_mark=existing_mark,
        reputation_policy="standard",
        sending_status="ENABLED",
        suppression=Suppression("ACCOUNT", ("BOUNCE",)),
        tags={"old": "1", "team": "post"},
    )
    assert {**read_back(sesv2), "tags": tags} == {
        "tags": {"team": "mail", contract.OWNER_TAG_KEY: OUR_MARK},
        "suppression": None,
        "policy": POLICY_ARN + "standard",
        "status": "REINSTATED",
    }


# Delete


def test_delete_removes_our_tenant(sesv2: Any, ses_calls: SesCalls, context: FakeContext) -> None:
    create(context)
    ses_calls.clear()

    response = tenant_handler.on_event(
        cfn_event("Delete", tenant_properties(), physical_id="acme"), context
    )

    assert response["PhysicalResourceId"] == "acme"
    assert ses_calls.names == ["GetTenant", "DeleteTenant"]
    assert not exists(sesv2)


def test_delete_cascades_to_the_associations(sesv2: Any, context: FakeContext) -> None:
    create(context)
    sesv2.create_email_identity(EmailIdentity="example.com")
    identity = f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/example.com"
    sesv2.create_tenant_resource_association(TenantName="acme", ResourceArn=identity)

    tenant_handler.on_event(cfn_event("Delete", tenant_properties(), physical_id="acme"), context)

    assert sesv2.list_resource_tenants(ResourceArn=identity)["ResourceTenants"] == []


def test_delete_of_a_tenant_already_gone_succeeds(
    ses_calls: SesCalls, context: FakeContext
) -> None:
    response = tenant_handler.on_event(
        cfn_event("Delete", tenant_properties(), physical_id="acme"), context
    )

    assert response["PhysicalResourceId"] == "acme"
    assert ses_calls.names == ["GetTenant"]


@pytest.mark.parametrize("existing_mark", [THEIR_MARK, None], ids=["owned", "unmarked"])
def test_delete_leaves_someone_elses_tenant_alone(
    sesv2: Any,
    ses_calls: SesCalls,
    context: FakeContext,
    existing_mark: str | None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    tags = (
        [] if existing_mark is None else [{"Key": contract.OWNER_TAG_KEY, "Value": existing_mark}]
    )
    sesv2.create_tenant(TenantName="acme", Tags=tags)

    tenant_handler.on_event(cfn_event("Delete", tenant_properties(), physical_id="acme"), context)

    assert ses_calls.writes == []
    assert exists(sesv2)
    assert "Not deleting tenant acme" in caplog.text


def test_delete_of_a_physical_id_that_is_no_tenant_name_succeeds(
    ses_calls: SesCalls, context: FakeContext
) -> None:
    event = cfn_event("Delete", tenant_properties(), physical_id="not a tenant")

    assert tenant_handler.on_event(event, context) == {
        "PhysicalResourceId": "not a tenant",
        tenant_handler.PROGRESS_KEY: {"Done": True},
    }
    assert ses_calls.names == []


# Update


BASE = tenant_properties(
    tags=[{"Key": "team", "Value": "mail"}, {"Key": "tier", "Value": "gold"}],
    suppression_scope="TENANT",
    suppressed_reasons=["BOUNCE"],
)


def update(context: FakeContext, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    physical_id = old[contract.PROP_TENANT_NAME]
    event = cfn_event("Update", new, old_properties=old, physical_id=physical_id)
    return tenant_handler.on_event(event, context)


@pytest.mark.parametrize(
    ("change", "writes", "expected"),
    [
        ({}, [], {}),
        ({contract.PROP_ADOPT_EXISTING: "true", "ServiceToken": "arn:aws:lambda:x"}, [], {}),
        (
            {
                contract.PROP_TAGS: [
                    {"Key": "team", "Value": "mail"},
                    {"Key": "tier", "Value": "gold"},
                    {"Key": "new", "Value": "1"},
                ]
            },
            ["TagResource"],
            {
                "tags": {
                    "team": "mail",
                    "tier": "gold",
                    "new": "1",
                    contract.OWNER_TAG_KEY: OUR_MARK,
                }
            },
        ),
        (
            {
                contract.PROP_TAGS: [
                    {"Key": "team", "Value": "post"},
                    {"Key": "tier", "Value": "gold"},
                ]
            },
            ["TagResource"],
            {"tags": {"team": "post", "tier": "gold", contract.OWNER_TAG_KEY: OUR_MARK}},
        ),
        (
            {contract.PROP_TAGS: [{"Key": "team", "Value": "mail"}]},
            ["UntagResource"],
            {"tags": {"team": "mail", contract.OWNER_TAG_KEY: OUR_MARK}},
        ),
        (
            {contract.PROP_TAGS: [{"Key": "team", "Value": "post"}]},
            ["UntagResource", "TagResource"],
            {"tags": {"team": "post", contract.OWNER_TAG_KEY: OUR_MARK}},
        ),
        (
            {contract.PROP_SUPPRESSED_REASONS: ["COMPLAINT", "BOUNCE"]},
            ["PutTenantSuppressionAttributes"],
            {
                "suppression": {
                    "SuppressedReasons": ["BOUNCE", "COMPLAINT"],
                    "SuppressionScope": "TENANT",
                }
            },
        ),
        (
            {contract.PROP_SUPPRESSED_REASONS: None, contract.PROP_SUPPRESSION_SCOPE: None},
            ["PutTenantSuppressionAttributes"],
            {"suppression": None},
        ),
        (
            {contract.PROP_REPUTATION_POLICY: "none"},
            ["UpdateReputationEntityPolicy"],
            {"policy": POLICY_ARN + "none"},
        ),
        (
            {contract.PROP_SENDING_STATUS: "DISABLED"},
            ["UpdateReputationEntityCustomerManagedStatus"],
            {"status": "DISABLED"},
        ),
    ],
    ids=[
        "no-op",
        "nothing-ses-holds",
        "tag-added",
        "tag-changed",
        "tag-removed",
        "tags-changed-and-removed",
        "suppression-changed",
        "suppression-cleared",
        "policy",
        "status",
    ],
)
def test_update_writes_only_what_changed(
    sesv2: Any,
    ses_calls: SesCalls,
    context: FakeContext,
    change: dict[str, Any],
    writes: list[str],
    expected: dict[str, Any],
) -> None:
    created = create(context, BASE)
    before = read_back(sesv2)
    new = {key: value for key, value in {**BASE, **change}.items() if value is not None}
    ses_calls.clear()

    response = update(context, BASE, new)

    assert response == created
    assert ses_calls.writes == writes
    assert read_back(sesv2) == {**before, **expected}


def test_a_rollback_update_restores_the_previous_state(sesv2: Any, context: FakeContext) -> None:
    create(context, BASE)
    before = read_back(sesv2)
    changed = {
        **FULL,
        contract.PROP_TAGS: [{"Key": "team", "Value": "post"}, {"Key": "cost", "Value": "1"}],
        contract.PROP_SUPPRESSION_SCOPE: "ACCOUNT",
        contract.PROP_SUPPRESSED_REASONS: ["COMPLAINT"],
    }
    update(context, BASE, changed)
    assert read_back(sesv2) == {
        "tags": {"team": "post", "cost": "1", contract.OWNER_TAG_KEY: OUR_MARK},
        "suppression": {"SuppressedReasons": ["COMPLAINT"], "SuppressionScope": "ACCOUNT"},
        "policy": POLICY_ARN + "strict",
        "status": "DISABLED",
    }

    update(context, changed, BASE)  # CloudFormation's rollback: old and new swapped

    assert read_back(sesv2) == before


def test_a_rename_creates_a_replacement_and_the_old_tenant_is_deleted_afterwards(
    sesv2: Any, ses_calls: SesCalls, context: FakeContext
) -> None:
    create(context, BASE)
    renamed = {
        **BASE,
        contract.PROP_TENANT_NAME: "acme-2",
        contract.PROP_REPUTATION_POLICY: "strict",
    }
    ses_calls.clear()

    response = update(context, BASE, renamed)

    assert response["PhysicalResourceId"] == "acme-2"
    assert response["Data"][contract.ATTR_TENANT_NAME] == "acme-2"
    assert ses_calls.names == ["CreateTenant", "UpdateReputationEntityPolicy"]
    assert exists(sesv2, "acme") and exists(sesv2, "acme-2")

    # CloudFormation then deletes the old physical resource.
    tenant_handler.on_event(cfn_event("Delete", BASE, physical_id="acme"), context)

    assert not exists(sesv2, "acme")
    assert read_back(sesv2, "acme-2")["tags"][contract.OWNER_TAG_KEY] == OUR_MARK
    assert read_back(sesv2, "acme-2")["policy"] == POLICY_ARN + "strict"


def test_a_rename_onto_a_foreign_tenant_is_refused(sesv2: Any, context: FakeContext) -> None:
    create(context, BASE)
    sesv2.create_tenant(TenantName="taken")

    with pytest.raises(RequestFailed, match="Tenant 'taken' already exists"):
        update(context, BASE, {**BASE, contract.PROP_TENANT_NAME: "taken"})


def test_update_of_a_tenant_deleted_outside_cloudformation_fails_clearly(
    sesv2: Any, context: FakeContext
) -> None:
    create(context, BASE)
    sesv2.delete_tenant(TenantName="acme")

    with pytest.raises(RequestFailed) as raised:
        update(context, BASE, {**BASE, contract.PROP_REPUTATION_POLICY: "strict"})

    assert str(raised.value).startswith("Tenant 'acme' no longer exists in SES")


def test_update_of_a_tenant_taken_over_by_another_resource_fails(
    sesv2: Any, ses_calls: SesCalls, context: FakeContext
) -> None:
    response = create(context, BASE)
    sesv2.tag_resource(
        ResourceArn=response["Data"][contract.ATTR_TENANT_ARN],
        Tags=[{"Key": contract.OWNER_TAG_KEY, "Value": THEIR_MARK}],
    )
    ses_calls.clear()

    with pytest.raises(RequestFailed) as raised:
        update(context, BASE, {**BASE, contract.PROP_REPUTATION_POLICY: "strict"})

    assert str(raised.value).startswith(
        "Tenant 'acme' cannot be updated by this resource: it is owned by the CloudFormation "
        f"resource {THEIR_MARK}"
    )
    assert ses_calls.writes == []


def test_update_restores_a_mark_removed_by_hand(sesv2: Any, context: FakeContext) -> None:
    response = create(context, BASE)
    sesv2.untag_resource(
        ResourceArn=response["Data"][contract.ATTR_TENANT_ARN], TagKeys=[contract.OWNER_TAG_KEY]
    )

    update(context, BASE, BASE)

    assert read_back(sesv2)["tags"][contract.OWNER_TAG_KEY] == OUR_MARK


def test_update_from_previous_properties_that_no_longer_parse_reads_the_tenant(
    sesv2: Any, ses_calls: SesCalls, context: FakeContext
) -> None:
    create(context, FULL)
    ses_calls.clear()

    update(
        context,
        {**FULL, contract.PROP_REPUTATION_POLICY: "legacy"},
        {**FULL, contract.PROP_SENDING_STATUS: "ENABLED"},
    )

    assert ses_calls.names == [
        "GetTenant",
        "GetReputationEntity",
        "UpdateReputationEntityCustomerManagedStatus",
    ]
    assert read_back(sesv2)["status"] == "ENABLED"


# Throttling and eventual consistency


def test_throttling_is_retried_until_it_succeeds(
    sesv2: Any, ses_calls: SesCalls, context: FakeContext, slept: list[float]
) -> None:
    double.inject_fault("CreateTenant", count=2)
    double.inject_fault("UpdateReputationEntityPolicy", count=1)

    create(context, FULL)

    assert ses_calls.names == [
        "CreateTenant",
        "CreateTenant",
        "CreateTenant",
        "UpdateReputationEntityPolicy",
        "UpdateReputationEntityPolicy",
        "UpdateReputationEntityCustomerManagedStatus",
    ]
    assert len(slept) == 3
    assert read_back(sesv2)["policy"] == POLICY_ARN + "strict"


def test_throttling_during_an_update_is_retried(
    sesv2: Any, ses_calls: SesCalls, context: FakeContext, slept: list[float]
) -> None:
    create(context, BASE)
    ses_calls.clear()
    double.inject_fault("TagResource", count=3)

    update(context, BASE, {**BASE, contract.PROP_TAGS: [{"Key": "team", "Value": "post"}]})

    assert ses_calls.writes == ["UntagResource"] + ["TagResource"] * 4
    assert len(slept) == 3
    assert read_back(sesv2)["tags"] == {"team": "post", contract.OWNER_TAG_KEY: OUR_MARK}


def test_not_found_right_after_create_tenant_is_waited_out(
    sesv2: Any, ses_calls: SesCalls, context: FakeContext, slept: list[float]
) -> None:
    for operation in (
        "UpdateReputationEntityPolicy",
        "UpdateReputationEntityCustomerManagedStatus",
    ):
        double.inject_fault(
            operation,
            count=2,
            code="NotFoundException",
            message="Reputation entity <x> does not exist.",
            status=404,
        )

    create(context, FULL)

    assert ses_calls.writes.count("UpdateReputationEntityPolicy") == 3
    assert ses_calls.writes.count("UpdateReputationEntityCustomerManagedStatus") == 3
    assert len(slept) == 4
    assert read_back(sesv2)["status"] == "DISABLED"


# Validation before any SES call


@pytest.mark.parametrize(
    ("request_type", "properties", "expected"),
    [
        ("Create", tenant_properties("acme corp"), "TenantName 'acme corp' is invalid"),
        ("Create", tenant_properties(reputation_policy="lenient"), "ReputationPolicy 'lenient'"),
        ("Create", tenant_properties(suppressed_reasons=["BOUNCE"]), "needs SuppressionScope"),
        (
            "Create",
            tenant_properties(tags=[{"Key": contract.OWNER_TAG_KEY, "Value": "x"}]),
            "is reserved",
        ),
        (
            "Create",
            tenant_properties(tags=[{"Key": f"k{i}", "Value": ""} for i in range(50)]),
            "at most 49",
        ),
        ("Update", tenant_properties(sending_status="paused"), "SendingStatus 'paused'"),
        ("Update", tenant_properties(tags=[{"Key": "aws:x", "Value": "y"}]), "reserved by AWS"),
    ],
)
def test_invalid_properties_fail_before_any_ses_call(
    ses_calls: SesCalls,
    context: FakeContext,
    request_type: str,
    properties: dict[str, Any],
    expected: str,
) -> None:
    extra: dict[str, Any] = {}
    if request_type == "Update":
        extra = {"old_properties": tenant_properties(), "physical_id": "acme"}
    event = cfn_event(request_type, properties, **extra)

    with pytest.raises(InvalidProperties, match="Invalid properties for tenant") as raised:
        tenant_handler.on_event(event, context)

    assert expected in str(raised.value)
    assert ses_calls.names == []


def test_an_unknown_resource_type_fails(ses_calls: SesCalls, context: FakeContext) -> None:
    event = cfn_event("Create", tenant_properties(), resource_type="Custom::Other")

    with pytest.raises(RequestFailed, match="Unsupported resource type 'Custom::Other'"):
        tenant_handler.on_event(event, context)
    assert ses_calls.names == []


def test_the_tenant_quota_is_named_in_the_failure(
    sesv2: Any, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ses_tenants.testing import models

    monkeypatch.setattr(models, "TENANT_QUOTA", 1)
    sesv2.create_tenant(TenantName="other")

    with pytest.raises(RequestFailed) as raised:
        create(context)

    message = str(raised.value)
    assert message.startswith("Creating tenant 'acme' failed: SES answered LimitExceededException")
    assert "request a quota increase" in message
