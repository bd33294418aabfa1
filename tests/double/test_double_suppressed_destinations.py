"""Suppressed destinations: the account's list and each tenant's, apart."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def tenant(sesv2: Any) -> None:
    sesv2.create_tenant(TenantName="acme")


def _listed(sesv2: Any, **kwargs: Any) -> list[tuple[str, str]]:
    summaries = sesv2.list_suppressed_destinations(**kwargs)["SuppressedDestinationSummaries"]
    return [(s["EmailAddress"], s["Reason"]) for s in summaries]


def test_tenant_list_is_separate_from_the_account_list(sesv2: Any, tenant: None) -> None:
    sesv2.put_suppressed_destination(EmailAddress="a@example.org", Reason="BOUNCE")
    sesv2.put_suppressed_destination(
        EmailAddress="b@example.org", Reason="COMPLAINT", TenantName="acme"
    )
    assert _listed(sesv2) == [("a@example.org", "BOUNCE")]
    assert _listed(sesv2, TenantName="acme") == [("b@example.org", "COMPLAINT")]

    got = sesv2.get_suppressed_destination(EmailAddress="b@example.org", TenantName="acme")
    assert got["SuppressedDestination"]["Reason"] == "COMPLAINT"
    assert got["SuppressedDestination"]["TenantName"] == "acme"
    assert got["SuppressedDestination"]["LastUpdateTime"]
    account = sesv2.get_suppressed_destination(EmailAddress="a@example.org")
    assert "TenantName" not in account["SuppressedDestination"]


def test_get_and_delete_miss_on_the_other_list(sesv2: Any, tenant: None, expect_error: Any) -> None:
    sesv2.put_suppressed_destination(EmailAddress="a@example.org", Reason="BOUNCE")
    expect_error(
        "NotFoundException",
        sesv2.get_suppressed_destination,
        EmailAddress="a@example.org",
        TenantName="acme",
        status=404,
    )
    expect_error(
        "NotFoundException",
        sesv2.delete_suppressed_destination,
        EmailAddress="a@example.org",
        TenantName="acme",
    )
    sesv2.delete_suppressed_destination(EmailAddress="a@example.org")
    assert _listed(sesv2) == []
    expect_error(
        "NotFoundException", sesv2.get_suppressed_destination, EmailAddress="a@example.org"
    )


def test_put_overwrites_the_reason(sesv2: Any, tenant: None) -> None:
    for reason in ("BOUNCE", "COMPLAINT"):
        sesv2.put_suppressed_destination(
            EmailAddress="a@example.org", Reason=reason, TenantName="acme"
        )
    assert _listed(sesv2, TenantName="acme") == [("a@example.org", "COMPLAINT")]


def test_unknown_tenant_is_not_found(sesv2: Any, expect_error: Any) -> None:
    expect_error(
        "NotFoundException",
        sesv2.put_suppressed_destination,
        EmailAddress="a@example.org",
        Reason="BOUNCE",
        TenantName="nobody",
    )
    expect_error("NotFoundException", sesv2.list_suppressed_destinations, TenantName="nobody")


def test_scope_does_not_gate_and_switching_off_keeps_the_list(sesv2: Any) -> None:
    # ACCOUNT scope (or no suppression at all): the tenant's list is still writable.
    sesv2.create_tenant(TenantName="acme")
    sesv2.put_suppressed_destination(
        EmailAddress="a@example.org", Reason="BOUNCE", TenantName="acme"
    )
    sesv2.put_tenant_suppression_attributes(
        TenantName="acme", SuppressedReasons=["BOUNCE"], SuppressionScope="TENANT"
    )
    sesv2.put_tenant_suppression_attributes(TenantName="acme")  # switched off
    assert _listed(sesv2, TenantName="acme") == [("a@example.org", "BOUNCE")]


def test_delete_tenant_removes_its_list(sesv2: Any, expect_error: Any) -> None:
    sesv2.create_tenant(TenantName="acme")
    sesv2.put_suppressed_destination(EmailAddress="a@example.org", Reason="BOUNCE")
    sesv2.put_suppressed_destination(
        EmailAddress="a@example.org", Reason="BOUNCE", TenantName="acme"
    )
    sesv2.delete_tenant(TenantName="acme")
    sesv2.create_tenant(TenantName="acme")  # same name, new tenant: an empty list
    assert _listed(sesv2, TenantName="acme") == []
    assert _listed(sesv2) == [("a@example.org", "BOUNCE")]  # the account's list stays


def test_list_filters_and_pages(sesv2: Any, tenant: None, expect_error: Any) -> None:
    for i in range(5):
        reason = "BOUNCE" if i % 2 else "COMPLAINT"
        sesv2.put_suppressed_destination(
            EmailAddress=f"u{i}@example.org", Reason=reason, TenantName="acme"
        )
    bounces = _listed(sesv2, TenantName="acme", Reasons=["BOUNCE"])
    assert bounces == [("u1@example.org", "BOUNCE"), ("u3@example.org", "BOUNCE")]
    first = sesv2.list_suppressed_destinations(TenantName="acme", PageSize=2)
    assert len(first["SuppressedDestinationSummaries"]) == 2
    rest = sesv2.list_suppressed_destinations(
        TenantName="acme", PageSize=10, NextToken=first["NextToken"]
    )
    assert len(rest["SuppressedDestinationSummaries"]) == 3
    assert "NextToken" not in rest
    # A token from the tenant's list is not one for the account's.
    expect_error(
        "BadRequestException",
        sesv2.list_suppressed_destinations,
        NextToken=first["NextToken"],
    )
    expect_error(
        "BadRequestException",
        sesv2.put_suppressed_destination,
        EmailAddress="x@example.org",
        Reason="SPAM",
    )


def test_date_filters(sesv2: Any, tenant: None) -> None:
    from datetime import UTC, datetime, timedelta

    sesv2.put_suppressed_destination(EmailAddress="a@example.org", Reason="BOUNCE")
    now = datetime.now(UTC)
    assert _listed(sesv2, StartDate=now - timedelta(minutes=1)) == [("a@example.org", "BOUNCE")]
    assert _listed(sesv2, StartDate=now + timedelta(minutes=1)) == []
    assert _listed(sesv2, EndDate=now - timedelta(minutes=1)) == []
