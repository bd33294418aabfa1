"""A kit for driving a custom-resource handler without AWS: the events CloudFormation sends,
a Lambda context on a clock the caller controls, and a recorder of the calls a botocore
client makes.

The defaults describe one resource: the tenant ``AcmeTenant`` of the stack ``acme`` in moto's
default account, served by the provider function the service token names::

    from ses_tenants.testing.handler_kit import (
        FakeLambdaContext, RecordedSleep, SesCalls, custom_resource_event, tenant_properties,
    )

    calls = SesCalls().attach(sesv2_client)          # every call the client makes from now on
    context = FakeLambdaContext()                    # 10 minutes left; context.advance(seconds)
    retry.sleep = RecordedSleep(context).sleep       # backoff recorded, the clock moved on
    on_event(custom_resource_event("Create", tenant_properties("acme")), context)
    assert calls.writes == ["CreateTenant"]

This module imports neither moto nor boto3, but like any module of ``ses_tenants.testing``
it installs the SES tenant API double into moto when imported.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import quote

from ses_tenants._handler import contract

REGION = "us-east-1"
#: moto's default account.
ACCOUNT = "123456789012"
PARTITION = "aws"


def stack_id(
    stack_name: str,
    stack_uuid: str = "uuid",
    *,
    region: str = REGION,
    account: str = ACCOUNT,
    partition: str = PARTITION,
) -> str:
    """The id (ARN) of a stack, as custom-resource events carry it in StackId."""
    return f"arn:{partition}:cloudformation:{region}:{account}:stack/{stack_name}/{stack_uuid}"


def function_arn(
    function_name: str, *, region: str = REGION, account: str = ACCOUNT, partition: str = PARTITION
) -> str:
    """The ARN of a Lambda function: a custom resource's ServiceToken when it names one."""
    return f"arn:{partition}:lambda:{region}:{account}:function:{function_name}"


STACK_ID = stack_id("acme")
LOGICAL_ID = "AcmeTenant"
SERVICE_TOKEN = function_arn("acme-SesTenantsProvider-onEvent")
#: The handler's timeout (TenantProvider's), which a fresh invocation has left.
TEN_MINUTES_MS = 10 * 60 * 1000
REQUEST_TYPES = ("Create", "Update", "Delete")


# CloudFormation-shaped events


def response_url(stack: str, logical_id: str, request_id: str) -> str:
    """The presigned S3 URL CloudFormation waits for the response at (never fetched here)."""
    region = stack.split(":")[3] if stack.count(":") >= 5 else REGION
    key = quote(f"{stack}|{logical_id}|{request_id}", safe="")
    return (
        f"https://cloudformation-custom-resource-response-{region.replace('-', '')}"
        f".s3.amazonaws.com/{key}?X-Amz-Signature=fake"
    )


def custom_resource_event(
    request_type: str,
    properties: Mapping[str, Any],
    *,
    resource_type: str = contract.TENANT_RESOURCE_TYPE,
    logical_id: str = LOGICAL_ID,
    stack_id: str = STACK_ID,
    physical_id: str | None = None,
    old_properties: Mapping[str, Any] | None = None,
    service_token: str | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """The event CloudFormation sends a custom resource's handler (the Provider framework
    passes it to on_event unchanged).

    `properties` are the ResourceProperties (copied), the ones CloudFormation sends: a Delete
    carries the resource's current ones. Update and Delete name the PhysicalResourceId; an
    Update also carries the OldResourceProperties; a Create has neither. The ServiceToken
    repeats the properties' unless given; the RequestId is a fresh UUID unless given.
    """
    if request_type not in REQUEST_TYPES:
        raise ValueError(f"RequestType must be one of {', '.join(REQUEST_TYPES)}: {request_type}")
    if (physical_id is None) != (request_type == "Create"):
        raise ValueError(
            f"a {request_type} event {'has no' if request_type == 'Create' else 'names the'} "
            "PhysicalResourceId"
        )
    if (old_properties is None) != (request_type != "Update"):
        raise ValueError("OldResourceProperties come with Update events, and only with them")
    token = service_token or properties.get("ServiceToken")
    if not token:
        raise ValueError("a custom resource's properties carry its ServiceToken")
    request_id = request_id or str(uuid.uuid4())
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": token,
        "ResponseURL": response_url(stack_id, logical_id, request_id),
        "StackId": stack_id,
        "RequestId": request_id,
        "LogicalResourceId": logical_id,
        "ResourceType": resource_type,
        "ResourceProperties": copy.deepcopy(dict(properties)),
    }
    if physical_id is not None:
        event["PhysicalResourceId"] = physical_id
    if old_properties is not None:
        event["OldResourceProperties"] = copy.deepcopy(dict(old_properties))
    return event


def tenant_properties(
    name: str = "acme",
    *,
    reputation_policy: Any = None,
    sending_status: Any = None,
    suppression_scope: Any = None,
    suppressed_reasons: Any = None,
    tags: Any = None,
    adopt_existing: Any = None,
    service_token: str = SERVICE_TOKEN,
    **extra: Any,
) -> dict[str, Any]:
    """Custom::SesTenant properties as CloudFormation sends them: the service token and only
    the optional properties that are set (not None). Values are taken verbatim, so that they
    can be what no template renders (the Tenant construct renders strings, and Tags as a
    list of Key/Value objects); `extra` adds properties verbatim."""
    optional = {
        contract.PROP_REPUTATION_POLICY: reputation_policy,
        contract.PROP_SENDING_STATUS: sending_status,
        contract.PROP_SUPPRESSION_SCOPE: suppression_scope,
        contract.PROP_SUPPRESSED_REASONS: suppressed_reasons,
        contract.PROP_TAGS: tags,
        contract.PROP_ADOPT_EXISTING: adopt_existing,
    }
    return {
        "ServiceToken": service_token,
        contract.PROP_TENANT_NAME: name,
        **{key: value for key, value in optional.items() if value is not None},
        **extra,
    }


def association_properties(
    tenant_name: str, resource_arn: str, *, service_token: str = SERVICE_TOKEN
) -> dict[str, Any]:
    """Custom::SesTenantResourceAssociation properties as CloudFormation sends them."""
    return {
        "ServiceToken": service_token,
        contract.PROP_TENANT_NAME: tenant_name,
        contract.PROP_RESOURCE_ARN: resource_arn,
    }


# The Lambda context, on a clock the caller controls


class FakeLambdaContext:
    """The Lambda context an invocation is given, on a clock the caller controls.

    The clock stands still unless moved: `advance` (or a RecordedSleep) spends time, and
    `remaining_ms` may be set outright. Given a `clock` (seconds, e.g. a simulation's
    virtual time), the time it reports as passed since the context was made is spent too.
    As in Lambda, the remaining time is never below zero.
    """

    def __init__(
        self,
        invoked_function_arn: str = SERVICE_TOKEN,
        *,
        remaining_ms: int = TEN_MINUTES_MS,
        clock: Callable[[], float] | None = None,
        aws_request_id: str | None = None,
        memory_limit_in_mb: int = 256,
    ) -> None:
        self.invoked_function_arn = invoked_function_arn
        parts = invoked_function_arn.split(":")
        self.function_name = parts[6] if len(parts) > 6 else invoked_function_arn
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = memory_limit_in_mb
        self.aws_request_id = aws_request_id or str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "fake"
        self.remaining_ms = remaining_ms
        self._clock = clock
        self._started = clock() if clock is not None else 0.0

    def get_remaining_time_in_millis(self) -> int:
        passed_ms = 0 if self._clock is None else int((self._clock() - self._started) * 1000)
        return max(0, self.remaining_ms - passed_ms)

    def advance(self, seconds: float) -> None:
        self.remaining_ms -= int(seconds * 1000)


@dataclass
class RecordedSleep:
    """Stands in for `time.sleep` (e.g. a handler's backoff): records each wait and, instead
    of sleeping, moves `context`'s clock on, if there is a context."""

    context: FakeLambdaContext | None = None
    delays: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)
        if self.context is not None:
            self.context.advance(seconds)


# The calls a botocore client makes

#: Operations that only read, by the prefix of their name (SES v2's are Get… and List…).
READ_PREFIXES = ("Get", "List")


def is_read(operation: str) -> bool:
    return operation.startswith(READ_PREFIXES)


class SesCall(NamedTuple):
    """One call: the operation's name and the API parameters as the caller passed them."""

    operation: str
    params: dict[str, Any]


class SesCalls:
    """Every call a botocore client makes once attached (each call the caller makes, i.e.
    each of its own retries; botocore's retries inside one call are not calls), in order.

    A call is recorded when it is about to be sent (botocore's before-call), with the API
    parameters the caller gave. `on_request(operation, params)`, if given, is told of each
    call as soon as it is asked for (before-parameter-build), even one that a later hook
    stops before it is sent, and before `clear()` can forget it.
    """

    def __init__(self, on_request: Callable[[str, Mapping[str, Any]], None] | None = None) -> None:
        self.calls: list[SesCall] = []
        self._on_request = on_request
        self._id = f"handler-kit-ses-calls-{id(self)}"

    def attach(self, client: Any) -> SesCalls:
        for event, handler in self._hooks(client).items():
            client.meta.events.register(event, handler, unique_id=f"{self._id}-{event}")
        return self

    def detach(self, client: Any) -> None:
        for event in self._hooks(client):
            client.meta.events.unregister(event, unique_id=f"{self._id}-{event}")

    def _hooks(self, client: Any) -> dict[str, Callable[..., None]]:
        service = client.meta.service_model.service_id.hyphenize()
        return {
            f"before-parameter-build.{service}": self._asked,
            f"before-call.{service}": self._sending,
        }

    def _asked(
        self, params: Mapping[str, Any], model: Any, context: dict[str, Any], **_: Any
    ) -> None:
        # The same context dict reaches before-call: keep the parameters as they are now.
        context[self._id] = copy.deepcopy(dict(params))
        if self._on_request is not None:
            self._on_request(model.name, params)

    def _sending(self, model: Any, context: dict[str, Any], **_: Any) -> None:
        self.calls.append(SesCall(model.name, context.pop(self._id, {})))

    @property
    def names(self) -> list[str]:
        return [call.operation for call in self.calls]

    @property
    def reads(self) -> list[str]:
        return [name for name in self.names if is_read(name)]

    @property
    def writes(self) -> list[str]:
        return [name for name in self.names if not is_read(name)]

    def clear(self) -> None:
        """Forget the calls recorded so far."""
        self.calls.clear()
