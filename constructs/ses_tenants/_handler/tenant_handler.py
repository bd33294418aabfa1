"""Entry point of the SES tenant custom resources: the Provider framework's on_event and
is_complete handler (one function serves both).

A thin dispatcher: it picks the resource type and request type, parses the properties
(failing before any SES call if they are invalid) and hands over to tenant_resource or
association_resource. It returns ``{"PhysicalResourceId", "Data"}`` and raises to fail;
the Provider framework, not this function, answers CloudFormation.

SES allows about one tenant-management request per second per account, so a deploy of
hundreds of tenants can be throttled for longer than one Lambda invocation runs. A request
that runs out of time is therefore not given up: on_event answers that the work is pending,
and the framework's waiter calls is_complete, which carries the same request on (every step
of it converges SES to the request, so repeating one is harmless) until it is done, or until
WAIT_LIMIT_SECONDS after on_event started. Only then does it give up, undoing a Create, well
before CloudFormation's own one-hour limit for a custom resource.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import association_resource, cloudformation_reader, contract, ses_client, tenant_resource
from .claims import Claimant
from .cloudformation_reader import StackReader
from .errors import InvalidProperties, RequestFailed
from .properties import TenantSpec, parse_association_properties, parse_tenant_properties
from .retry import OutOfTime, Retrier
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
#: The key of on_event's answer that says whether the work is done and, if not, what
#: is_complete needs to carry it on. The framework merges the answer into the event it
#: hands is_complete, so is_complete's events carry it, and no CloudFormation event does.
PROGRESS_KEY = "SesTenantsProgress"
#: How long a request may wait out throttling, from on_event's start. CloudFormation waits
#: an hour for a custom resource; a request that gives up then still has one invocation
#: (the waiter's interval and 10 minutes at most) to undo what it did and report.
WAIT_LIMIT_SECONDS = 45 * 60

#: Seconds since the epoch, for the wait limit; the benchmark puts a virtual clock here.
clock: Callable[[], float] = time.time


def handle(event: Event, context: Any) -> Response:
    """The Lambda entry point: on_event for CloudFormation's events, is_complete for the
    waiter's, which carry on_event's PROGRESS_KEY."""
    if PROGRESS_KEY in event:
        return is_complete(event, context)
    return on_event(event, context)


def on_event(event: Event, context: Any) -> Response:
    """The request's work; pending (see is_pending) if it ran out of this invocation's
    time, for is_complete to carry on."""
    _log_request("on_event", event)
    started = clock()
    try:
        response = _dispatch(event, _Services(context))
    except OutOfTime as error:
        logger.warning("Out of this invocation's time, is_complete carries on: %s", error)
        return _pending(event, give_up_at=started + WAIT_LIMIT_SECONDS)
    logger.info("Result: %s", response)
    return {**response, PROGRESS_KEY: {"Done": True}}


def is_complete(event: Event, context: Any) -> Response:
    """Carries on the request on_event left pending (the event is on_event's answer merged
    into the request): `{"IsComplete": True, ...}` with the physical id and Data once done,
    `{"IsComplete": False}` while throttling lasts; raises to fail, as on_event does."""
    progress = event[PROGRESS_KEY]
    if progress["Done"]:
        return {"IsComplete": True}
    request = _request_of(event, progress)
    _log_request("is_complete", request)
    give_up_at = float(progress["GiveUpAt"])
    if clock() >= give_up_at:
        # With the whole invocation's time for the undo.
        raise RequestFailed(_give_up(request, _Services(context)))
    try:
        response = _dispatch(request, _Services(context, until=give_up_at, resumed=True))
    except OutOfTime as error:
        logger.warning("Out of this invocation's time, the waiter calls again: %s", error)
        return {"IsComplete": False}
    logger.info("Result: %s", response)
    return {"IsComplete": True, **response}


def is_pending(response: Mapping[str, Any]) -> bool:
    """Whether on_event's answer leaves work for is_complete."""
    return not response.get(PROGRESS_KEY, {"Done": True})["Done"]


def _log_request(role: str, event: Event) -> None:
    logger.info(
        "%s: %s %s %s (physical id %s, request %s)",
        role,
        event.get("RequestType"),
        event.get("ResourceType"),
        event.get("LogicalResourceId"),
        event.get("PhysicalResourceId"),
        event.get("RequestId"),
    )


def _dispatch(event: Event, services: _Services) -> Response:
    resource = _RESOURCE_TYPES.get(event.get("ResourceType", ""))
    if resource is None:
        raise RequestFailed(
            f"Unsupported resource type {event.get('ResourceType')!r}: this handler serves "
            f"{contract.TENANT_RESOURCE_TYPE} and {contract.ASSOCIATION_RESOURCE_TYPE}"
        )
    if event.get("RequestType") not in ("Create", "Update", "Delete"):
        raise RequestFailed(f"Unsupported RequestType {event.get('RequestType')!r}")
    return resource.handle(event, services)


def _pending(event: Event, *, give_up_at: float) -> Response:
    """on_event's answer for work left to is_complete: the physical id the resource will
    have (a failed is_complete reports it, so a rollback can delete what a Create made) and
    the request's own physical id, which is_complete works from."""
    return {
        "PhysicalResourceId": _RESOURCE_TYPES[event["ResourceType"]].target_id(event),
        PROGRESS_KEY: {
            "Done": False,
            "RequestPhysicalId": event.get("PhysicalResourceId"),
            "GiveUpAt": give_up_at,
        },
    }


def _request_of(event: Event, progress: Mapping[str, Any]) -> dict[str, Any]:
    """The request as CloudFormation sent it, from is_complete's event."""
    request = {
        key: value
        for key, value in event.items()
        if key not in (PROGRESS_KEY, "PhysicalResourceId", "Data")
    }
    if progress.get("RequestPhysicalId") is not None:
        request["PhysicalResourceId"] = progress["RequestPhysicalId"]
    return request


def _give_up(request: Event, services: _Services) -> str:
    """Undo what can be undone of a request that waited out throttling for too long; the
    failure reason, saying what became of it."""
    minutes = WAIT_LIMIT_SECONDS // 60
    what = _RESOURCE_TYPES[request["ResourceType"]].give_up(request, services)
    return (
        f"Stopped after {minutes} minutes of SES throttling: SES allows about one "
        f"tenant-management request per second per account, and this {request['RequestType']} "
        f"of {request['LogicalResourceId']} could not finish in that time. {what} Deploy "
        "again when fewer deploys run at once in this account and region."
    )


class _Services:
    """The clients a request needs, built on first use: invalid input costs no set-up.

    `until`: a wall-clock time (see `clock`) the work must stop by, if sooner than the
    invocation's end. `resumed`: an is_complete call, carrying on a request that ran out of
    time before."""

    def __init__(self, context: Any, *, until: float | None = None, resumed: bool = False) -> None:
        self._retrier = Retrier(_remaining_time(context, until))
        self.resumed = resumed

    def ses(self) -> SesGateway:
        return SesGateway(ses_client.get_client(), self._retrier)

    def stacks(self) -> StackReader:
        return StackReader(cloudformation_reader.get_client(), self._retrier)


def _handle_tenant(event: Event, services: _Services) -> Response:
    claimant = _claimant(event)
    request_type = event["RequestType"]
    if request_type == "Create":
        spec = parse_tenant_properties(event["ResourceProperties"])
        return tenant_resource.create(
            spec, claimant, services.ses(), services.stacks(), resumed=services.resumed
        )
    if request_type == "Update":
        new = parse_tenant_properties(event["ResourceProperties"])
        old = _previous_tenant_spec(event.get("OldResourceProperties") or {})
        return tenant_resource.update(
            event["PhysicalResourceId"],
            old,
            new,
            claimant,
            services.ses(),
            services.stacks(),
            resumed=services.resumed,
        )
    return tenant_resource.delete(
        event["PhysicalResourceId"], claimant, services.ses(), services.stacks()
    )


def _tenant_target_id(event: Event) -> str:
    if event["RequestType"] == "Delete":
        return str(event["PhysicalResourceId"])
    return parse_tenant_properties(event["ResourceProperties"]).name


def _give_up_tenant(event: Event, services: _Services) -> str:
    if event["RequestType"] == "Delete":
        return (
            f"Tenant '{event['PhysicalResourceId']}' may not be deleted yet: deleting again "
            "finishes it."
        )
    spec = parse_tenant_properties(event["ResourceProperties"])
    if event["RequestType"] == "Create" or spec.name != event["PhysicalResourceId"]:
        return tenant_resource.abandon(spec, _claimant(event), services.ses(), services.stacks())
    return f"Tenant '{spec.name}' may be partly updated."


def _handle_association(event: Event, services: _Services) -> Response:
    request_type = event["RequestType"]
    claimant = _claimant(event)
    if request_type == "Create":
        spec = parse_association_properties(event["ResourceProperties"])
        return association_resource.create(spec, claimant, services.ses(), services.stacks())
    if request_type == "Update":
        spec = parse_association_properties(event["ResourceProperties"])
        return association_resource.update(
            event["PhysicalResourceId"], spec, claimant, services.ses(), services.stacks()
        )
    return association_resource.delete(
        event["PhysicalResourceId"], claimant, services.ses(), services.stacks()
    )


def _association_target_id(event: Event) -> str:
    if event["RequestType"] == "Delete":
        return str(event["PhysicalResourceId"])
    spec = parse_association_properties(event["ResourceProperties"])
    return association_resource.pending_physical_id(event.get("PhysicalResourceId"), spec)


def _give_up_association(event: Event, services: _Services) -> str:
    if event["RequestType"] == "Delete":
        return (
            f"Association '{event['PhysicalResourceId']}' may still be in SES: deleting again "
            "finishes it."
        )
    spec = parse_association_properties(event["ResourceProperties"])
    return (
        f"Resource '{spec.resource_arn}' may or may not be associated with tenant "
        f"'{spec.tenant_name}'."
    )


def _claimant(event: Event) -> Claimant:
    return Claimant(event["StackId"], event["LogicalResourceId"])


def _previous_tenant_spec(old_properties: Mapping[str, Any]) -> TenantSpec | None:
    """The previous properties, or None if they do not parse (written by an older version
    with other rules): the update then works from the tenant's state as read from SES."""
    try:
        return parse_tenant_properties(old_properties)
    except InvalidProperties as error:
        logger.warning("Previous properties do not parse (%s); reading the tenant instead", error)
        return None


@dataclass(frozen=True)
class _ResourceType:
    #: Carries out a Create, Update or Delete.
    handle: Callable[[Event, _Services], Response]
    #: The physical id to report while the request is pending: the one it will have, as
    #: far as known (a failed is_complete reports it, and a rollback deletes by it).
    target_id: Callable[[Event], str]
    #: Undoes what it can of a request that gives up; says what became of it.
    give_up: Callable[[Event, _Services], str]


_RESOURCE_TYPES = {
    contract.TENANT_RESOURCE_TYPE: _ResourceType(
        _handle_tenant, _tenant_target_id, _give_up_tenant
    ),
    contract.ASSOCIATION_RESOURCE_TYPE: _ResourceType(
        _handle_association, _association_target_id, _give_up_association
    ),
}


def _remaining_time(context: Any, until: float | None) -> Callable[[], int]:
    if context is not None:
        invocation_ms: Callable[[], int] = context.get_remaining_time_in_millis
    else:
        deadline = time.monotonic() + DEFAULT_TIME_BUDGET_MS / 1000

        def invocation_ms() -> int:
            return int((deadline - time.monotonic()) * 1000)

    if until is None:
        return invocation_ms
    return lambda: min(invocation_ms(), int((until - clock()) * 1000))
