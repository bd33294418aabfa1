"""Entry point of the SES tenant custom resources (the Provider framework's on_event handler).

A thin dispatcher: it picks the resource type and request type, parses the properties
(failing before any SES call if they are invalid) and hands over to tenant_resource or
association_resource. It returns ``{"PhysicalResourceId", "Data"}`` and raises to fail;
the Provider framework, not this function, answers CloudFormation.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

from . import association_resource, cloudformation_reader, contract, ses_client, tenant_resource
from .claims import Claimant
from .cloudformation_reader import StackReader
from .errors import InvalidProperties, RequestFailed
from .properties import TenantSpec, parse_association_properties, parse_tenant_properties
from .retry import Retrier
from .ses_gateway import SesGateway

logger = logging.getLogger()
# The Lambda runtime leaves the root logger at WARNING unless the function has a log level
# configured; the decisions and retries logged at INFO are what explain a deployment.
if os.environ.get("AWS_LAMBDA_FUNCTION_NAME") and "AWS_LAMBDA_LOG_LEVEL" not in os.environ:
    logger.setLevel(logging.INFO)

Event = Mapping[str, Any]
Response = dict[str, Any]

#: Used when invoked without a Lambda context (local runs): the construct's timeout.
DEFAULT_TIME_BUDGET_MS = 10 * 60 * 1000


def on_event(event: Event, context: Any) -> Response:
    logger.info(
        "%s %s %s (physical id %s, request %s)",
        event.get("RequestType"),
        event.get("ResourceType"),
        event.get("LogicalResourceId"),
        event.get("PhysicalResourceId"),
        event.get("RequestId"),
    )
    handle = _HANDLERS.get(event.get("ResourceType", ""))
    if handle is None:
        raise RequestFailed(
            f"Unsupported resource type {event.get('ResourceType')!r}: this handler serves "
            f"{contract.TENANT_RESOURCE_TYPE} and {contract.ASSOCIATION_RESOURCE_TYPE}"
        )
    response = handle(event, _Services(context))
    logger.info("Result: %s", response)
    return response


class _Services:
    """The clients a request needs, built on first use: invalid input costs no set-up."""

    def __init__(self, context: Any) -> None:
        self._retrier = Retrier(_remaining_time(context))

    def ses(self) -> SesGateway:
        return SesGateway(ses_client.get_client(), self._retrier)

    def stacks(self) -> StackReader:
        return StackReader(cloudformation_reader.get_client(), self._retrier)


def _on_tenant_event(event: Event, services: _Services) -> Response:
    claimant = Claimant(event["StackId"], event["LogicalResourceId"])
    request_type = event["RequestType"]
    if request_type == "Create":
        spec = parse_tenant_properties(event["ResourceProperties"])
        return tenant_resource.create(spec, claimant, services.ses(), services.stacks())
    if request_type == "Update":
        new = parse_tenant_properties(event["ResourceProperties"])
        old = _previous_tenant_spec(event.get("OldResourceProperties") or {})
        return tenant_resource.update(
            event["PhysicalResourceId"], old, new, claimant, services.ses(), services.stacks()
        )
    if request_type == "Delete":
        return tenant_resource.delete(
            event["PhysicalResourceId"], claimant, services.ses(), services.stacks()
        )
    raise RequestFailed(f"Unsupported RequestType {request_type!r}")


def _on_association_event(event: Event, services: _Services) -> Response:
    request_type = event["RequestType"]
    claimant = Claimant(event["StackId"], event["LogicalResourceId"])
    if request_type == "Create":
        spec = parse_association_properties(event["ResourceProperties"])
        return association_resource.create(spec, claimant, services.ses(), services.stacks())
    if request_type == "Update":
        spec = parse_association_properties(event["ResourceProperties"])
        return association_resource.update(
            event["PhysicalResourceId"], spec, claimant, services.ses(), services.stacks()
        )
    if request_type == "Delete":
        return association_resource.delete(
            event["PhysicalResourceId"], claimant, services.ses(), services.stacks()
        )
    raise RequestFailed(f"Unsupported RequestType {request_type!r}")


def _previous_tenant_spec(old_properties: Mapping[str, Any]) -> TenantSpec | None:
    """The previous properties, or None if they do not parse (written by an older version
    with other rules): the update then works from the tenant's state as read from SES."""
    try:
        return parse_tenant_properties(old_properties)
    except InvalidProperties as error:
        logger.warning("Previous properties do not parse (%s); reading the tenant instead", error)
        return None


_HANDLERS: dict[str, Callable[[Event, _Services], Response]] = {
    contract.TENANT_RESOURCE_TYPE: _on_tenant_event,
    contract.ASSOCIATION_RESOURCE_TYPE: _on_association_event,
}


def _remaining_time(context: Any) -> Callable[[], int]:
    if context is not None:
        remaining: Callable[[], int] = context.get_remaining_time_in_millis
        return remaining
    deadline = time.monotonic() + DEFAULT_TIME_BUDGET_MS / 1000

    def remaining_ms() -> int:
        return int((deadline - time.monotonic()) * 1000)

    return remaining_ms
