"""Fault injection: inject_fault / clear_faults / fault_stats, in both modes."""

from __future__ import annotations

import urllib.request
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws

import ses_tenants.testing as double

NO_RETRIES = Config(retries={"total_max_attempts": 1})


def test_throttle_n_calls_then_succeed(sesv2: Any, expect_error: Any) -> None:
    double.inject_fault("CreateTenant", count=2)
    for _ in range(2):
        error = expect_error(
            "TooManyRequestsException", sesv2.create_tenant, TenantName="acme", status=429
        )
        assert isinstance(error, sesv2.exceptions.TooManyRequestsException)
    assert sesv2.create_tenant(TenantName="acme")["TenantName"] == "acme"
    assert double.fault_stats() == {"CreateTenant": 2}
    # The throttled calls did not run: one tenant, and further calls are unaffected.
    assert [t["TenantName"] for t in sesv2.list_tenants()["Tenants"]] == ["acme"]
    assert sesv2.create_tenant(TenantName="beta")["TenantName"] == "beta"


def test_custom_error_code(sesv2: Any, expect_error: Any) -> None:
    sesv2.create_tenant(TenantName="acme")
    double.inject_fault(
        "GetTenant", count=1, code="NotFoundException", message="injected miss", status=404
    )
    expect_error(
        "NotFoundException",
        sesv2.get_tenant,
        TenantName="acme",
        message="injected miss",
        status=404,
    )
    assert sesv2.get_tenant(TenantName="acme")["Tenant"]["TenantName"] == "acme"


def test_status_defaults_to_the_modeled_one(sesv2: Any, expect_error: Any) -> None:
    double.inject_fault("ListTenants", code="ConflictException")
    expect_error("ConflictException", sesv2.list_tenants, status=409)
    double.inject_fault("ListTenants", code="SomethingUnmodeled")
    expect_error("SomethingUnmodeled", sesv2.list_tenants, status=400)


def test_every_nth_call_until_cleared(sesv2: Any) -> None:
    double.inject_fault("CreateTenant", every=2, count=None)
    outcomes = []
    for i in range(6):
        try:
            sesv2.create_tenant(TenantName=f"t{i}")
            outcomes.append("ok")
        except ClientError as error:
            outcomes.append(error.response["Error"]["Code"])
    assert outcomes == ["ok", "TooManyRequestsException"] * 3
    assert double.fault_stats() == {"CreateTenant": 3}

    double.clear_faults()
    assert double.fault_stats() == {}
    for i in range(6, 9):
        sesv2.create_tenant(TenantName=f"t{i}")
    assert len(sesv2.list_tenants()["Tenants"]) == 6


def test_faults_apply_to_moto_operations(sesv2: Any, expect_error: Any) -> None:
    sesv2.create_email_identity(EmailIdentity="mail.example.com")
    double.inject_fault("DeleteEmailIdentity", code="BadRequestException", message="nope")
    expect_error(
        "BadRequestException",
        sesv2.delete_email_identity,
        EmailIdentity="mail.example.com",
        message="nope",
    )
    assert len(sesv2.list_email_identities()["EmailIdentities"]) == 1
    sesv2.delete_email_identity(EmailIdentity="mail.example.com")
    assert sesv2.list_email_identities()["EmailIdentities"] == []


def test_wildcard_hits_any_operation(sesv2: Any, expect_error: Any) -> None:
    double.inject_fault("*", count=2)
    expect_error("TooManyRequestsException", sesv2.list_tenants)
    expect_error("TooManyRequestsException", sesv2.list_configuration_sets)
    assert sesv2.list_tenants()["Tenants"] == []
    assert double.fault_stats() == {"ListTenants": 1, "ListConfigurationSets": 1}


def test_sdk_retries_absorb_a_throttle(client_factory: Callable[..., Any]) -> None:
    retrying = client_factory(
        "sesv2", config=Config(retries={"mode": "standard", "total_max_attempts": 3})
    )
    double.inject_fault("CreateTenant", count=1)
    response = retrying.create_tenant(TenantName="acme")
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert double.fault_stats() == {"CreateTenant": 1}


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        (("CreateTenants",), {}),
        (("create_tenant",), {}),
        (("CreateTenant",), {"count": 0}),
        (("CreateTenant",), {"every": 0}),
    ],
)
def test_bad_fault_specs_are_refused(args: tuple[str], kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        double.inject_fault(*args, **kwargs)


def test_a_new_mock_aws_context_drops_faults() -> None:
    with mock_aws():
        double.inject_fault("ListTenants", count=None)
        client = boto3.client("sesv2", region_name="us-east-1", config=NO_RETRIES)
        with pytest.raises(ClientError):
            client.list_tenants()
        assert double.fault_stats() == {"ListTenants": 1}
    with mock_aws():
        assert double.fault_stats() == {}
        client = boto3.client("sesv2", region_name="us-east-1")
        assert client.list_tenants()["Tenants"] == []


@pytest.mark.parametrize("mode", ["server"], indirect=True)
def test_moto_reset_drops_faults_in_server_mode(
    sesv2: Any, double_endpoint: str, expect_error: Any
) -> None:
    double.inject_fault("ListTenants", count=None)
    expect_error("TooManyRequestsException", sesv2.list_tenants)
    request = urllib.request.Request(f"{double_endpoint}/moto-api/reset", data=b"", method="POST")
    urllib.request.urlopen(request, timeout=5).close()
    assert sesv2.list_tenants()["Tenants"] == []
