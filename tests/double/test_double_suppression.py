"""PutTenantSuppressionAttributes: the pair rule, clearing, idempotency."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def tenant(sesv2: Any) -> None:
    sesv2.create_tenant(TenantName="acme")


def _attributes(sesv2: Any) -> Any:
    return sesv2.get_tenant(TenantName="acme")["Tenant"].get("SuppressionAttributes")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"SuppressedReasons": ["BOUNCE"]},
            "SuppressedReasons cannot be specified without SuppressionScope.",
        ),
        (
            {"SuppressionScope": "TENANT"},
            "SuppressionScope cannot be specified without SuppressedReasons.",
        ),
        (
            {"SuppressedReasons": []},
            "SuppressionScope is required when SuppressedReasons are provided. "
            "Valid values are: TENANT, ACCOUNT",
        ),
        (
            {"SuppressedReasons": ["BOUNCE", "BOUNCE"], "SuppressionScope": "ACCOUNT"},
            "Each suppressed reason can only be specified at most once",
        ),
    ],
)
def test_reasons_and_scope_go_together(
    sesv2: Any, tenant: None, expect_error: Any, params: dict[str, Any], message: str
) -> None:
    expect_error(
        "BadRequestException",
        sesv2.put_tenant_suppression_attributes,
        TenantName="acme",
        message=message,
        status=400,
        **params,
    )
    assert _attributes(sesv2) is None


def test_set_replace_and_clear(sesv2: Any, tenant: None) -> None:
    sesv2.put_tenant_suppression_attributes(
        TenantName="acme", SuppressedReasons=["BOUNCE", "COMPLAINT"], SuppressionScope="TENANT"
    )
    assert _attributes(sesv2) == {
        "SuppressedReasons": ["BOUNCE", "COMPLAINT"],
        "SuppressionScope": "TENANT",
    }

    # An empty reason list with a scope is a valid state.
    sesv2.put_tenant_suppression_attributes(
        TenantName="acme", SuppressedReasons=[], SuppressionScope="ACCOUNT"
    )
    assert _attributes(sesv2) == {"SuppressedReasons": [], "SuppressionScope": "ACCOUNT"}

    # Neither member clears the block.
    sesv2.put_tenant_suppression_attributes(TenantName="acme")
    assert "SuppressionAttributes" not in sesv2.get_tenant(TenantName="acme")["Tenant"]


def test_idempotent(sesv2: Any, tenant: None) -> None:
    params = {"SuppressedReasons": ["COMPLAINT"], "SuppressionScope": "TENANT"}
    for _ in range(3):
        sesv2.put_tenant_suppression_attributes(TenantName="acme", **params)
        assert _attributes(sesv2) == params
    for _ in range(2):
        sesv2.put_tenant_suppression_attributes(TenantName="acme")
        assert _attributes(sesv2) is None


def test_missing_tenant_is_not_found(sesv2: Any, expect_error: Any) -> None:
    expect_error(
        "NotFoundException",
        sesv2.put_tenant_suppression_attributes,
        TenantName="ghost",
        SuppressedReasons=["BOUNCE"],
        SuppressionScope="TENANT",
        message="The requested tenant <ghost> does not exist.",
        status=404,
    )


def test_invalid_enum_values_are_bad_requests(sesv2: Any, tenant: None, expect_error: Any) -> None:
    expect_error(
        "BadRequestException",
        sesv2.put_tenant_suppression_attributes,
        TenantName="acme",
        SuppressedReasons=["SPAM"],
        SuppressionScope="TENANT",
    )
    expect_error(
        "BadRequestException",
        sesv2.put_tenant_suppression_attributes,
        TenantName="acme",
        SuppressedReasons=["BOUNCE"],
        SuppressionScope="GLOBAL",
    )
