"""Reputation entities of tenants, their policies and the aggregate sending status."""

from __future__ import annotations

from typing import Any

import pytest

import ses_tenants.testing as double

POLICY = "arn:aws:ses:us-east-1:aws:reputation-policy/{}"


@pytest.fixture
def tenant_arn(sesv2: Any) -> str:
    return str(sesv2.create_tenant(TenantName="acme")["TenantArn"])


def _entity(sesv2: Any, reference: str) -> dict[str, Any]:
    response = sesv2.get_reputation_entity(
        ReputationEntityType="RESOURCE", ReputationEntityReference=reference
    )
    return dict(response["ReputationEntity"])


def _set_customer_status(sesv2: Any, reference: str, status: str) -> None:
    sesv2.update_reputation_entity_customer_managed_status(
        ReputationEntityType="RESOURCE", ReputationEntityReference=reference, SendingStatus=status
    )


def test_new_tenant_entity_defaults(sesv2: Any, tenant_arn: str) -> None:
    entity = _entity(sesv2, tenant_arn)
    assert entity["ReputationEntityReference"] == tenant_arn
    assert entity["ReputationEntityType"] == "RESOURCE"
    assert entity["ReputationManagementPolicy"] == POLICY.format("standard")
    assert entity["CustomerManagedStatus"]["Status"] == "ENABLED"
    assert entity["AwsSesManagedStatus"]["Status"] == "ENABLED"
    assert entity["SendingStatusAggregate"] == "ENABLED"
    assert "LastUpdatedTimestamp" in entity["CustomerManagedStatus"]


@pytest.mark.parametrize("policy", ["none", "strict", "standard"])
def test_update_policy(sesv2: Any, tenant_arn: str, policy: str) -> None:
    sesv2.update_reputation_entity_policy(
        ReputationEntityType="RESOURCE",
        ReputationEntityReference=tenant_arn,
        ReputationEntityPolicy=POLICY.format(policy),
    )
    assert _entity(sesv2, tenant_arn)["ReputationManagementPolicy"] == POLICY.format(policy)


@pytest.mark.parametrize(
    "policy",
    [
        POLICY.format("lenient"),
        "arn:aws:ses:eu-west-1:aws:reputation-policy/strict",
        "strict",
    ],
)
def test_invalid_policy_is_a_bad_request(
    sesv2: Any, tenant_arn: str, expect_error: Any, policy: str
) -> None:
    expect_error(
        "BadRequestException",
        sesv2.update_reputation_entity_policy,
        ReputationEntityType="RESOURCE",
        ReputationEntityReference=tenant_arn,
        ReputationEntityPolicy=policy,
        status=400,
    )
    assert _entity(sesv2, tenant_arn)["ReputationManagementPolicy"] == POLICY.format("standard")


def test_customer_status_drives_the_tenant_sending_status(sesv2: Any, tenant_arn: str) -> None:
    for status in ["DISABLED", "REINSTATED", "ENABLED"]:
        _set_customer_status(sesv2, tenant_arn, status)
        entity = _entity(sesv2, tenant_arn)
        assert entity["CustomerManagedStatus"]["Status"] == status
        assert entity["AwsSesManagedStatus"]["Status"] == "ENABLED"
        assert entity["SendingStatusAggregate"] == status
        assert sesv2.get_tenant(TenantName="acme")["Tenant"]["SendingStatus"] == status
        assert sesv2.list_tenants()["Tenants"][0]["SendingStatus"] == status


def test_ses_pause_wins_over_a_customer_reinstatement(sesv2: Any, tenant_arn: str) -> None:
    double.set_ses_managed_status(tenant_arn, "DISABLED", cause="High bounce rate")
    _set_customer_status(sesv2, tenant_arn, "REINSTATED")

    entity = _entity(sesv2, tenant_arn)
    assert entity["AwsSesManagedStatus"]["Status"] == "DISABLED"
    assert entity["AwsSesManagedStatus"]["Cause"] == "High bounce rate"
    assert entity["CustomerManagedStatus"]["Status"] == "REINSTATED"
    assert entity["SendingStatusAggregate"] == "DISABLED"
    assert sesv2.get_tenant(TenantName="acme")["Tenant"]["SendingStatus"] == "DISABLED"

    double.set_ses_managed_status(tenant_arn, "ENABLED")
    assert _entity(sesv2, tenant_arn)["SendingStatusAggregate"] == "REINSTATED"


def test_a_pause_affects_only_that_tenant(sesv2: Any, tenant_arn: str) -> None:
    other = sesv2.create_tenant(TenantName="other")["TenantArn"]
    _set_customer_status(sesv2, tenant_arn, "DISABLED")
    assert _entity(sesv2, other)["SendingStatusAggregate"] == "ENABLED"


def test_invalid_status_is_a_bad_request(sesv2: Any, tenant_arn: str, expect_error: Any) -> None:
    expect_error(
        "BadRequestException",
        sesv2.update_reputation_entity_customer_managed_status,
        ReputationEntityType="RESOURCE",
        ReputationEntityReference=tenant_arn,
        SendingStatus="PAUSED",
    )


def test_unknown_entity_is_not_found(sesv2: Any, tenant_arn: str, expect_error: Any) -> None:
    ghost = tenant_arn.replace("/acme/", "/ghost/")
    expect_error("NotFoundException", _entity, sesv2, ghost, status=404)
    expect_error(
        "NotFoundException",
        sesv2.update_reputation_entity_policy,
        ReputationEntityType="RESOURCE",
        ReputationEntityReference=ghost,
        ReputationEntityPolicy=POLICY.format("strict"),
    )
    expect_error(
        "NotFoundException",
        _set_customer_status,
        sesv2,
        ghost,
        "DISABLED",
    )


def test_deleting_the_tenant_removes_its_entity(
    sesv2: Any, tenant_arn: str, expect_error: Any
) -> None:
    sesv2.delete_tenant(TenantName="acme")
    expect_error("NotFoundException", _entity, sesv2, tenant_arn)
    assert sesv2.list_reputation_entities()["ReputationEntities"] == []


def test_list_reputation_entities_pages_and_filters(sesv2: Any) -> None:
    arns = {n: sesv2.create_tenant(TenantName=n)["TenantArn"] for n in ["c", "a", "b"]}
    _set_customer_status(sesv2, arns["b"], "DISABLED")

    pages = sesv2.get_paginator("list_reputation_entities").paginate(
        PaginationConfig={"PageSize": 2}
    )
    listed = [e for page in pages for e in page["ReputationEntities"]]
    assert [e["ReputationEntityReference"] for e in listed] == sorted(arns.values())
    assert {e["SendingStatusAggregate"] for e in listed} == {"ENABLED", "DISABLED"}

    def refs(**filters: str) -> list[str]:
        entities = sesv2.list_reputation_entities(Filter=filters)["ReputationEntities"]
        return [e["ReputationEntityReference"] for e in entities]

    assert refs(SENDING_STATUS="DISABLED") == [arns["b"]]
    assert refs(ENTITY_REFERENCE_PREFIX=arns["a"].rsplit("/", 1)[0]) == [arns["a"]]
    assert len(refs(ENTITY_TYPE="RESOURCE")) == 3


def test_the_ses_status_hook_checks_its_target(sesv2: Any, tenant_arn: str) -> None:
    with pytest.raises(ValueError, match="not a tenant ARN"):
        double.set_ses_managed_status("arn:aws:ses:us-east-1:123456789012:identity/x")
    with pytest.raises(ValueError, match="status"):
        double.set_ses_managed_status(tenant_arn, "PAUSED")
    with pytest.raises(LookupError):
        double.set_ses_managed_status(tenant_arn.replace("/acme/", "/ghost/"))
    assert _entity(sesv2, tenant_arn)["SendingStatusAggregate"] == "ENABLED"
