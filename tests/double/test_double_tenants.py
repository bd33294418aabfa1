"""Tenant lifecycle: CreateTenant, GetTenant, ListTenants, DeleteTenant."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID as ACCOUNT

from ses_tenants.testing import models

REGION = "us-east-1"

TENANT_ID = re.compile(r"tn-[0-9a-f]{30}")


def _without_metadata(response: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def test_create_tenant_returns_the_modeled_fields(sesv2: Any) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    created = sesv2.create_tenant(TenantName="acme", Tags=[{"Key": "team", "Value": "mail"}])

    assert created["TenantName"] == "acme"
    assert TENANT_ID.fullmatch(created["TenantId"])
    assert created["TenantArn"] == (
        f"arn:aws:ses:{REGION}:{ACCOUNT}:tenant/acme/{created['TenantId']}"
    )
    assert created["SendingStatus"] == "ENABLED"
    assert created["Tags"] == [{"Key": "team", "Value": "mail"}]
    assert "SuppressionAttributes" not in created
    assert before <= created["CreatedTimestamp"] <= datetime.now(UTC) + timedelta(seconds=1)
    assert sesv2.get_tenant(TenantName="acme")["Tenant"] == _without_metadata(created)


def test_each_tenant_gets_its_own_id(sesv2: Any) -> None:
    first = sesv2.create_tenant(TenantName="one")["TenantId"]
    second = sesv2.create_tenant(TenantName="two")["TenantId"]
    assert first != second
    assert sesv2.create_tenant(TenantName="three")["Tags"] == []


@pytest.mark.parametrize("name", ["a", "Tenant_01-x", "x" * 64])
def test_valid_names_are_accepted(sesv2: Any, name: str) -> None:
    assert sesv2.create_tenant(TenantName=name)["TenantName"] == name


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("x" * 65, "TenantName cannot exceed 64 characters."),
        (
            "bad name!",
            "Invalid tenant name <bad name!>: only alphanumeric ASCII characters, '_', and "
            "'-' are allowed.",
        ),
        (
            "dots.are.out",
            "Invalid tenant name <dots.are.out>: only alphanumeric ASCII characters, '_', and "
            "'-' are allowed.",
        ),
        (
            "caf\u00e9",
            "Invalid tenant name <caf\u00e9>: only alphanumeric ASCII characters, '_', and "
            "'-' are allowed.",
        ),
    ],
)
def test_invalid_names_are_bad_requests(
    sesv2: Any, expect_error: Any, name: str, message: str
) -> None:
    expect_error(
        "BadRequestException", sesv2.create_tenant, TenantName=name, message=message, status=400
    )
    assert sesv2.list_tenants()["Tenants"] == []


def test_duplicate_name_already_exists(sesv2: Any, expect_error: Any) -> None:
    original = sesv2.create_tenant(TenantName="acme")
    expect_error(
        "AlreadyExistsException",
        sesv2.create_tenant,
        TenantName="acme",
        message=f"Tenant with name acme already exists in account {ACCOUNT}",
        status=400,
    )
    assert sesv2.get_tenant(TenantName="acme")["Tenant"]["TenantId"] == original["TenantId"]


def test_at_most_50_tags(sesv2: Any, expect_error: Any) -> None:
    tags = [{"Key": f"k{i:02}", "Value": str(i)} for i in range(51)]
    expect_error("BadRequestException", sesv2.create_tenant, TenantName="many", Tags=tags)
    assert sesv2.create_tenant(TenantName="fifty", Tags=tags[:50])["Tags"] == tags[:50]


def test_tenant_quota_is_a_limit(
    sesv2: Any, expect_error: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(models, "TENANT_QUOTA", 2)
    sesv2.create_tenant(TenantName="one")
    sesv2.create_tenant(TenantName="two")
    expect_error("LimitExceededException", sesv2.create_tenant, TenantName="three")


def test_create_with_suppression_attributes(sesv2: Any, expect_error: Any) -> None:
    attributes = {"SuppressedReasons": ["BOUNCE"], "SuppressionScope": "TENANT"}
    created = sesv2.create_tenant(TenantName="acme", SuppressionAttributes=attributes)
    assert created["SuppressionAttributes"] == attributes
    assert sesv2.get_tenant(TenantName="acme")["Tenant"]["SuppressionAttributes"] == attributes
    expect_error(
        "BadRequestException",
        sesv2.create_tenant,
        TenantName="half",
        SuppressionAttributes={"SuppressedReasons": ["BOUNCE"]},
        message="SuppressedReasons cannot be specified without SuppressionScope.",
    )


def test_get_missing_tenant_is_not_found(sesv2: Any, expect_error: Any) -> None:
    expect_error(
        "NotFoundException",
        sesv2.get_tenant,
        TenantName="ghost",
        message="The requested tenant <ghost> does not exist.",
        status=404,
    )


def test_delete_tenant(sesv2: Any, expect_error: Any) -> None:
    sesv2.create_tenant(TenantName="keep")
    sesv2.create_tenant(TenantName="drop")
    sesv2.delete_tenant(TenantName="drop")
    expect_error("NotFoundException", sesv2.get_tenant, TenantName="drop")
    expect_error("NotFoundException", sesv2.delete_tenant, TenantName="drop", status=404)
    assert [t["TenantName"] for t in sesv2.list_tenants()["Tenants"]] == ["keep"]


def test_list_tenants_pages_by_name(sesv2: Any) -> None:
    for name in ["delta", "alpha", "echo", "charlie", "bravo"]:
        sesv2.create_tenant(TenantName=name, Tags=[{"Key": "k", "Value": "v"}])

    first = sesv2.list_tenants(PageSize=2)
    assert [t["TenantName"] for t in first["Tenants"]] == ["alpha", "bravo"]
    second = sesv2.list_tenants(PageSize=2, NextToken=first["NextToken"])
    assert [t["TenantName"] for t in second["Tenants"]] == ["charlie", "delta"]
    last = sesv2.list_tenants(PageSize=2, NextToken=second["NextToken"])
    assert [t["TenantName"] for t in last["Tenants"]] == ["echo"]
    assert "NextToken" not in last
    # The list form is TenantInfo: no tags.
    assert set(last["Tenants"][0]) == {
        "TenantName",
        "TenantId",
        "TenantArn",
        "CreatedTimestamp",
        "SendingStatus",
    }

    pages = sesv2.get_paginator("list_tenants").paginate(PaginationConfig={"PageSize": 3})
    assert [t["TenantName"] for page in pages for t in page["Tenants"]] == [
        "alpha",
        "bravo",
        "charlie",
        "delta",
        "echo",
    ]


def test_list_paging_survives_deletion_between_pages(sesv2: Any) -> None:
    for name in ["a", "b", "c", "d"]:
        sesv2.create_tenant(TenantName=name)
    first = sesv2.list_tenants(PageSize=2)
    sesv2.delete_tenant(TenantName="b")
    sesv2.delete_tenant(TenantName="c")
    rest = sesv2.list_tenants(PageSize=2, NextToken=first["NextToken"])
    assert [t["TenantName"] for t in rest["Tenants"]] == ["d"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"NextToken": "garbage"}, "Invalid Next Token"),
        (
            {"PageSize": 0},
            "1 validation error detected: Value '0' at 'pageSize' failed to satisfy "
            "constraint: Member must have value greater than or equal to 1",
        ),
        (
            {"PageSize": 101},
            "1 validation error detected: Value '101' at 'pageSize' failed to satisfy "
            "constraint: Member must have value less than or equal to 100",
        ),
    ],
)
def test_list_tenants_rejects_bad_paging(
    sesv2: Any, expect_error: Any, params: dict[str, Any], message: str
) -> None:
    expect_error("BadRequestException", sesv2.list_tenants, message=message, **params)


def test_a_token_only_works_for_its_own_list(sesv2: Any, expect_error: Any) -> None:
    for name in ["a", "b"]:
        sesv2.create_tenant(TenantName=name)
    reputation_token = sesv2.list_reputation_entities(PageSize=1)["NextToken"]
    expect_error(
        "BadRequestException",
        sesv2.list_tenants,
        NextToken=reputation_token,
        message="Invalid Next Token",
    )


def test_list_tenants_filters(sesv2: Any, expect_error: Any) -> None:
    for name in ["prod-eu", "prod-us", "staging-eu"]:
        sesv2.create_tenant(TenantName=name)
    paused = sesv2.get_tenant(TenantName="prod-us")["Tenant"]["TenantArn"]
    sesv2.update_reputation_entity_customer_managed_status(
        ReputationEntityType="RESOURCE", ReputationEntityReference=paused, SendingStatus="DISABLED"
    )

    def names(**filters: str) -> list[str]:
        return [t["TenantName"] for t in sesv2.list_tenants(Filter=filters)["Tenants"]]

    assert names(TENANT_NAME_CONTAINS="prod") == ["prod-eu", "prod-us"]
    assert names(TENANT_NAME_CONTAINS="-eu") == ["prod-eu", "staging-eu"]
    assert names(SENDING_STATUS="DISABLED") == ["prod-us"]
    assert names(SENDING_STATUS="ENABLED") == ["prod-eu", "staging-eu"]
    assert names(TENANT_NAME_CONTAINS="prod", SENDING_STATUS="ENABLED") == ["prod-eu"]
    assert names(TENANT_NAME_CONTAINS="nothing") == []
    expect_error("BadRequestException", sesv2.list_tenants, Filter={"SENDING_STATUS": "PAUSED"})
    expect_error("BadRequestException", sesv2.list_tenants, Filter={"TENANT_NAME": "prod"})
