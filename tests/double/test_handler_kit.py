"""The kit for driving a custom-resource handler: events, the Lambda context, SES calls."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote

import boto3
import pytest
from moto import mock_aws

from ses_tenants.testing.handler_kit import (
    LOGICAL_ID,
    SERVICE_TOKEN,
    STACK_ID,
    TEN_MINUTES_MS,
    FakeLambdaContext,
    RecordedSleep,
    SesCall,
    SesCalls,
    association_properties,
    custom_resource_event,
    stack_id,
    tenant_properties,
)

IDENTITY = "arn:aws:ses:us-east-1:123456789012:identity/example.com"


def test_events_are_shaped_as_cloudformation_sends_them() -> None:
    old = tenant_properties("acme", reputation_policy="strict")
    new = tenant_properties("acme", tags=[{"Key": "team", "Value": "mail"}])

    create = custom_resource_event("Create", new)
    assert create == {
        "RequestType": "Create",
        "ServiceToken": SERVICE_TOKEN,
        "ResponseURL": create["ResponseURL"],
        "StackId": STACK_ID,
        "RequestId": create["RequestId"],
        "LogicalResourceId": LOGICAL_ID,
        "ResourceType": "Custom::SesTenant",
        "ResourceProperties": {
            "ServiceToken": SERVICE_TOKEN,
            "TenantName": "acme",
            "Tags": [{"Key": "team", "Value": "mail"}],
        },
    }
    assert create["ResponseURL"].startswith(
        "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/"
    )
    assert f"{STACK_ID}|{LOGICAL_ID}|{create['RequestId']}" in unquote(create["ResponseURL"])
    assert create["ResourceProperties"] is not new
    assert custom_resource_event("Create", new)["RequestId"] != create["RequestId"]

    update = custom_resource_event("Update", new, physical_id="acme", old_properties=old)
    assert (update["PhysicalResourceId"], update["OldResourceProperties"]) == ("acme", old)

    other = stack_id("other", "uuid2")
    association = association_properties("acme", IDENTITY)
    delete = custom_resource_event(
        "Delete",
        association,
        resource_type="Custom::SesTenantResourceAssociation",
        logical_id="Association",
        stack_id=other,
        physical_id=f"acme|{IDENTITY}",
        request_id="delete-1",
    )
    assert delete["StackId"] == "arn:aws:cloudformation:us-east-1:123456789012:stack/other/uuid2"
    assert delete["RequestId"] == "delete-1"
    assert delete["ResourceProperties"] == association
    assert "OldResourceProperties" not in delete


@pytest.mark.parametrize(
    ("request_type", "arguments", "message"),
    [
        ("Replace", {}, "RequestType must be one of Create, Update, Delete"),
        ("Create", {"physical_id": "p"}, "a Create event has no PhysicalResourceId"),
        ("Delete", {}, "a Delete event names the PhysicalResourceId"),
        ("Update", {"physical_id": "p"}, "OldResourceProperties come with Update events"),
        ("Delete", {"physical_id": "p", "old_properties": {}}, "OldResourceProperties come"),
    ],
)
def test_events_cloudformation_never_sends_are_refused(
    request_type: str, arguments: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        custom_resource_event(request_type, tenant_properties(), **arguments)


def test_the_service_token_repeats_the_properties_unless_given() -> None:
    properties = tenant_properties(service_token="arn:aws:lambda:eu-west-1:1:function:f")
    assert custom_resource_event("Create", properties)["ServiceToken"] == (
        "arn:aws:lambda:eu-west-1:1:function:f"
    )
    with pytest.raises(ValueError, match="carry its ServiceToken"):
        custom_resource_event("Create", {"TenantName": "acme"})
    assert custom_resource_event("Create", {}, service_token="t")["ServiceToken"] == "t"


def test_tenant_properties_keep_what_they_are_given_and_leave_out_what_is_not() -> None:
    assert tenant_properties() == {"ServiceToken": SERVICE_TOKEN, "TenantName": "acme"}
    assert tenant_properties("x", adopt_existing=True, tags={"a": "b"}, Salt="1") == {
        "ServiceToken": SERVICE_TOKEN,
        "TenantName": "x",
        "AdoptExisting": True,
        "Tags": {"a": "b"},
        "Salt": "1",
    }


def test_the_context_clock_moves_only_when_moved() -> None:
    context = FakeLambdaContext()
    assert context.get_remaining_time_in_millis() == TEN_MINUTES_MS
    assert context.function_name == "acme-SesTenantsProvider-onEvent"
    assert context.invoked_function_arn == SERVICE_TOKEN
    assert context.log_group_name == "/aws/lambda/acme-SesTenantsProvider-onEvent"
    assert context.aws_request_id != FakeLambdaContext().aws_request_id
    context.advance(1.5)
    assert context.get_remaining_time_in_millis() == TEN_MINUTES_MS - 1500
    context.remaining_ms = 10
    assert context.get_remaining_time_in_millis() == 10

    sleep = RecordedSleep(context)
    sleep.sleep(2)
    sleep.sleep(0.25)
    assert sleep.delays == [2, 0.25]
    assert context.remaining_ms == 10 - 2250
    assert context.get_remaining_time_in_millis() == 0
    RecordedSleep().sleep(1)  # no context: only recorded


@pytest.fixture
def sesv2() -> Iterator[Any]:
    import ses_tenants.testing  # noqa: F401  (installs the tenant API into moto)

    with mock_aws():
        yield boto3.client("sesv2", region_name="us-east-1")


def test_ses_calls_records_each_call_with_its_parameters(sesv2: Any) -> None:
    asked: list[tuple[str, Mapping[str, Any]]] = []
    calls = SesCalls(on_request=lambda operation, params: asked.append((operation, params)))
    calls.attach(sesv2)
    tags = [{"Key": "team", "Value": "mail"}]
    sesv2.create_tenant(TenantName="acme", Tags=tags)
    sesv2.get_tenant(TenantName="acme")
    sesv2.list_tenants()
    tags.append({"Key": "changed", "Value": "after the call"})

    assert calls.calls == [
        SesCall("CreateTenant", {"TenantName": "acme", "Tags": [{"Key": "team", "Value": "mail"}]}),
        SesCall("GetTenant", {"TenantName": "acme"}),
        SesCall("ListTenants", {}),
    ]
    assert (calls.reads, calls.writes) == (["GetTenant", "ListTenants"], ["CreateTenant"])

    def unreachable(**_: Any) -> None:
        raise ConnectionError("SES cannot be reached")

    sesv2.meta.events.register("before-call.sesv2.DeleteTenant", unreachable)
    calls.clear()
    with pytest.raises(ConnectionError):
        sesv2.delete_tenant(TenantName="acme")
    # Stopped before it was sent: not a call, but it was asked for.
    assert calls.names == []
    assert [operation for operation, _ in asked] == [
        "CreateTenant",
        "GetTenant",
        "ListTenants",
        "DeleteTenant",
    ]

    calls.detach(sesv2)
    sesv2.list_tenants()
    assert calls.names == [] and len(asked) == 4


def test_the_context_can_follow_a_clock_it_is_given() -> None:
    now = [100.0]
    context = FakeLambdaContext(remaining_ms=5_000, clock=lambda: now[0])
    assert context.get_remaining_time_in_millis() == 5_000
    now[0] = 102.5
    context.advance(1)
    assert context.get_remaining_time_in_millis() == 1_500
    now[0] = 200.0
    assert context.get_remaining_time_in_millis() == 0
