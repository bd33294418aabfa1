"""Fakes shared by the handler tests: CloudFormation-shaped events, a Lambda context on a
clock the tests control, and a recorder of the SES calls the handler's client makes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import contract

REGION = "us-east-1"
ACCOUNT = "123456789012"
STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/acme/uuid"
OTHER_STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/other/uuid2"
SERVICE_TOKEN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:acme-SesTenantsProvider-onEvent"
LOGICAL_ID = "AcmeTenant"
TEN_MINUTES_MS = 10 * 60 * 1000


class FakeContext:
    """The part of the Lambda context the handler uses, on a clock tests control."""

    def __init__(self, remaining_ms: int = TEN_MINUTES_MS) -> None:
        self.remaining_ms = remaining_ms
        self.function_name = "acme-SesTenantsProvider-onEvent"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms

    def advance(self, seconds: float) -> None:
        self.remaining_ms -= int(seconds * 1000)


@dataclass(frozen=True)
class SesRequest:
    """One SES request the handler made, with every ARN it is authorized on."""

    operation: str
    arns: tuple[str, ...]


@dataclass
class SesCalls:
    """Every SES v2 call the handler's client makes (each attempt), as seen by botocore.

    `calls` are the serialized requests, which tests assert on and may clear(); `requests`
    are the same calls with the ARNs each is made on, kept for the whole test so that every
    one of them is checked against the handler's IAM policy (conftest.py)."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    requests: list[SesRequest] = field(default_factory=list)

    def record(self, model: Any, params: Any, **_: Any) -> None:
        self.calls.append((model.name, params.get("body") or params.get("url_path")))

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    @property
    def writes(self) -> list[str]:
        return [name for name in self.names if not name.startswith(("Get", "List"))]

    def clear(self) -> None:
        """Forget the calls made so far (not `requests`: their permissions are still checked)."""
        self.calls.clear()


def tenant_properties(
    name: str = "acme",
    *,
    reputation_policy: Any = None,
    sending_status: Any = None,
    suppression_scope: Any = None,
    suppressed_reasons: Any = None,
    tags: Any = None,
    adopt_existing: Any = None,
    **extra: Any,
) -> dict[str, Any]:
    """Custom::SesTenant properties as CloudFormation sends them: strings, the service token,
    and only the optional properties that are set. `extra` adds properties verbatim."""
    optional = {
        contract.PROP_REPUTATION_POLICY: reputation_policy,
        contract.PROP_SENDING_STATUS: sending_status,
        contract.PROP_SUPPRESSION_SCOPE: suppression_scope,
        contract.PROP_SUPPRESSED_REASONS: suppressed_reasons,
        contract.PROP_TAGS: tags,
        contract.PROP_ADOPT_EXISTING: adopt_existing,
    }
    return {
        "ServiceToken": SERVICE_TOKEN,
        contract.PROP_TENANT_NAME: name,
        **{key: value for key, value in optional.items() if value is not None},
        **extra,
    }


def association_properties(tenant_name: str, resource_arn: str) -> dict[str, Any]:
    return {
        "ServiceToken": SERVICE_TOKEN,
        contract.PROP_TENANT_NAME: tenant_name,
        contract.PROP_RESOURCE_ARN: resource_arn,
    }


def cfn_event(
    request_type: str,
    properties: dict[str, Any],
    *,
    resource_type: str = contract.TENANT_RESOURCE_TYPE,
    old_properties: dict[str, Any] | None = None,
    physical_id: str | None = None,
    logical_id: str = LOGICAL_ID,
    stack_id: str = STACK_ID,
) -> dict[str, Any]:
    """An event as the Provider framework hands it to on_event."""
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": SERVICE_TOKEN,
        "ResponseURL": "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x",
        "StackId": stack_id,
        "RequestId": f"{request_type.lower()}-request",
        "LogicalResourceId": logical_id,
        "ResourceType": resource_type,
        "ResourceProperties": properties,
    }
    if request_type != "Create":
        assert physical_id is not None, "Update and Delete name the physical resource"
        event["PhysicalResourceId"] = physical_id
    if request_type == "Update":
        assert old_properties is not None, "Update carries the previous properties"
        event["OldResourceProperties"] = old_properties
    return event
