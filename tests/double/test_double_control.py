"""The test hooks over HTTP (DoubleClient and raw requests), and the call log."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

import ses_tenants.testing as double
from ses_tenants.testing import DoubleClient

server_only = pytest.mark.parametrize("mode", ["server"], indirect=True)


@pytest.fixture
def hooks(double_endpoint: str) -> DoubleClient:
    return DoubleClient(double_endpoint)


@server_only
def test_inject_and_clear_faults_over_http(
    sesv2: Any, hooks: DoubleClient, expect_error: Any
) -> None:
    hooks.inject_fault("CreateTenant", count=2)
    for _ in range(2):
        expect_error("TooManyRequestsException", sesv2.create_tenant, TenantName="a", status=429)
    sesv2.create_tenant(TenantName="a")
    assert hooks.fault_stats() == {"CreateTenant": 2}

    hooks.inject_fault("GetTenant", None, code="NotFoundException", message="gone")
    expect_error("NotFoundException", sesv2.get_tenant, TenantName="a", message="gone")
    expect_error("NotFoundException", sesv2.get_tenant, TenantName="a", status=404)
    hooks.clear_faults()
    assert hooks.fault_stats() == {}
    assert sesv2.get_tenant(TenantName="a")["Tenant"]["TenantName"] == "a"

    hooks.inject_fault("ListTenants", every=2, count=None)
    sesv2.list_tenants()
    expect_error("TooManyRequestsException", sesv2.list_tenants)


def test_bad_fault_specs_are_refused_over_http(hooks: DoubleClient, double_endpoint: str) -> None:
    with pytest.raises(ValueError, match="not an SES v2 operation"):
        hooks.inject_fault("CreateTenants")
    with pytest.raises(ValueError, match="count"):
        hooks.inject_fault("CreateTenant", count=0)
    request = urllib.request.Request(
        f"{double_endpoint}/moto-api/ses-tenants/faults",
        data=json.dumps({"operation": "CreateTenant", "colour": "red"}).encode(),
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    assert caught.value.code == 400
    assert "colour" in json.loads(caught.value.read())["error"]


@server_only
def test_ses_managed_status_over_http(sesv2: Any, hooks: DoubleClient, expect_error: Any) -> None:
    arn = sesv2.create_tenant(TenantName="acme")["TenantArn"]
    hooks.set_ses_managed_status(arn, "DISABLED", cause="complaint rate")
    entity = sesv2.get_reputation_entity(
        ReputationEntityType="RESOURCE", ReputationEntityReference=arn
    )["ReputationEntity"]
    assert entity["AwsSesManagedStatus"]["Status"] == "DISABLED"
    assert entity["AwsSesManagedStatus"]["Cause"] == "complaint rate"
    assert sesv2.get_tenant(TenantName="acme")["Tenant"]["SendingStatus"] == "DISABLED"
    sesv2.create_email_identity(EmailIdentity="example.com")
    sesv2.create_tenant_resource_association(
        TenantName="acme", ResourceArn=arn.split(":tenant/")[0] + ":identity/example.com"
    )
    expect_error(
        "SendingPausedException",
        sesv2.send_email,
        FromEmailAddress="a@example.com",
        Destination={"ToAddresses": ["b@example.org"]},
        Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}},
        TenantName="acme",
    )
    hooks.set_ses_managed_status(arn, "ENABLED")
    assert sesv2.get_tenant(TenantName="acme")["Tenant"]["SendingStatus"] == "ENABLED"
    with pytest.raises(ValueError, match="not a tenant ARN"):
        hooks.set_ses_managed_status("arn:aws:ses:us-east-1:123456789012:identity/x")
    with pytest.raises(ValueError, match="status must be one of"):
        hooks.set_ses_managed_status(arn, "PAUSED")


@server_only
def test_call_log_and_reset_over_http(sesv2: Any, hooks: DoubleClient) -> None:
    hooks.clear_call_log()
    hooks.inject_fault("CreateTenant", count=1)
    with pytest.raises(sesv2.exceptions.TooManyRequestsException):
        sesv2.create_tenant(TenantName="acme")
    sesv2.create_tenant(TenantName="acme")
    sesv2.get_tenant(TenantName="acme")
    log = hooks.call_log()
    assert [(c["operation"], c["status"]) for c in log] == [
        ("CreateTenant", 429),
        ("CreateTenant", 200),
        ("GetTenant", 200),
    ]
    assert log[1]["params"]["TenantName"] == "acme"
    assert log[2]["params"] == {"TenantName": "acme"}
    assert [c["operation"] for c in hooks.call_log("GetTenant")] == ["GetTenant"]

    hooks.inject_fault("ListTenants", count=None)
    hooks.reset()
    assert hooks.call_log() == []
    assert hooks.fault_stats() == {}
    assert sesv2.list_tenants()["Tenants"] == []


def test_call_log_in_process(sesv2: Any, client_factory: Any) -> None:
    """Both modes: the log records SES v2 and SES v1 calls with their parameters."""
    double.clear_call_log()
    sesv2.create_tenant(TenantName="acme")
    client_factory("ses").list_identities()
    calls = double.call_log()
    assert [(c["service"], c["operation"]) for c in calls] == [
        ("sesv2", "CreateTenant"),
        ("ses", "ListIdentities"),
    ]
    double.clear_call_log()
    assert double.call_log() == []
