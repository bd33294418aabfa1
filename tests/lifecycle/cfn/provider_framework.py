"""Custom resources served by CDK's Provider framework, whose user handlers are called directly."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ses_tenants.testing.handler_kit import TEN_MINUTES_MS, FakeLambdaContext, custom_resource_event
from tests.lifecycle.cfn.provisioners import Provisioned, ProvisionerFailed, ResourceRequest
from tests.lifecycle.cfn.state import DeployedResource, StackInfo

#: CloudFormation rejects a custom resource response larger than this.
MAX_CUSTOM_RESOURCE_RESPONSE_BYTES = 4096
#: The physical id the framework reports for a failed Create; it answers the Delete that
#: CloudFormation's rollback then sends itself, without calling the user handler.
CREATE_FAILED_PHYSICAL_ID_MARKER = "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"
#: The framework's defaults for an asynchronous provider (`custom_resources.Provider`).
DEFAULT_QUERY_INTERVAL_SECONDS = 5
DEFAULT_TOTAL_TIMEOUT_SECONDS = 30 * 60
#: The reason the framework's onTimeout function reports when `total_timeout` is reached.
TIMED_OUT_REASON = "Operation timed out"


@dataclass(frozen=True)
class Invocation:
    event: Mapping[str, Any]
    response: Mapping[str, Any]


OnEvent = Callable[[dict[str, Any], Any], Mapping[str, Any] | None]
IsComplete = Callable[[dict[str, Any], Any], Mapping[str, Any]]


@dataclass(frozen=True)
class Waiter:
    """The framework's isComplete waiter: `is_complete` is called right after `on_event`
    and then every `query_interval_seconds`, `total_timeout / query_interval` times at most.

    `advance(seconds)`, if given, moves the caller's virtual clock on by each interval.
    """

    is_complete: IsComplete
    query_interval_seconds: int = DEFAULT_QUERY_INTERVAL_SECONDS
    total_timeout_seconds: int = DEFAULT_TOTAL_TIMEOUT_SECONDS
    advance: Callable[[float], None] | None = None

    @property
    def max_attempts(self) -> int:
        return max(1, self.total_timeout_seconds // self.query_interval_seconds)


class _StepFailed(Exception):
    """The framework reported FAILED; `physical_id` is the one its response carried."""

    def __init__(self, reason: str, physical_id: str | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.physical_id = physical_id


class ProviderFrameworkCustomResource:
    """A custom resource served by CDK's `custom_resources.Provider`, whose user handlers
    (`on_event` and, given a `waiter`, `is_complete`) are called directly.

    The framework's rules apply: a missing PhysicalResourceId defaults to the request id on
    Create and to the current one on Update; a Delete may not change it; the response sent to
    CloudFormation must fit in 4 KB. An `on_event` that raises fails the step; a failed Create
    then reports the framework's CREATE_FAILED marker as its physical id, and the Delete of
    that marker (a rollback's) is answered without calling the handler.

    With a waiter, `is_complete` gets `on_event`'s response merged into the event (its extra
    keys included) until it answers IsComplete; its PhysicalResourceId and Data then win. An
    `is_complete` that raises, or the waiter's total timeout, fails the step with the physical
    id `on_event` returned: a failed Create is then deleted by the rollback.
    """

    def __init__(
        self,
        on_event: OnEvent,
        *,
        waiter: Waiter | None = None,
        timeout_ms: int = TEN_MINUTES_MS,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """`clock`: the virtual time (seconds) each invocation's Lambda context runs on; it
        stands still without one."""
        self._on_event = on_event
        self._clock = clock
        self._waiter = waiter
        self._timeout_ms = timeout_ms
        #: The on_event invocations: one per event CloudFormation sent.
        self.invocations: list[Invocation] = []
        #: The waiter's is_complete invocations.
        self.is_complete_calls: list[Invocation] = []

    def create(self, request: ResourceRequest) -> Provisioned:
        event = self._event(
            "Create", request.stack, request.logical_id, request.resource_type, request.properties
        )
        try:
            response = self._run(event, default_id=event["RequestId"])
        except _StepFailed as failed:
            raise ProvisionerFailed(
                failed.reason, physical_id=failed.physical_id or CREATE_FAILED_PHYSICAL_ID_MARKER
            ) from failed
        return self._provisioned(event, response, default_id=event["RequestId"])

    def update(self, request: ResourceRequest, current: DeployedResource) -> Provisioned:
        event = self._event(
            "Update",
            request.stack,
            request.logical_id,
            request.resource_type,
            request.properties,
            physical_id=current.physical_id,
            old_properties=current.properties,
        )
        try:
            response = self._run(event, default_id=current.physical_id)
        except _StepFailed as failed:
            # CloudFormation keeps the physical id it had for a failed update.
            raise ProvisionerFailed(failed.reason, physical_id=current.physical_id) from failed
        return self._provisioned(event, response, default_id=current.physical_id)

    def delete(self, stack: StackInfo, resource: DeployedResource) -> None:
        if resource.physical_id == CREATE_FAILED_PHYSICAL_ID_MARKER:
            return
        event = self._event(
            "Delete",
            stack,
            resource.logical_id,
            resource.resource_type,
            resource.properties,
            physical_id=resource.physical_id,
        )
        try:
            response = self._run(event, default_id=resource.physical_id)
        except _StepFailed as failed:
            raise ProvisionerFailed(failed.reason, physical_id=resource.physical_id) from failed
        returned = response.get("PhysicalResourceId", resource.physical_id)
        if returned != resource.physical_id:
            raise RuntimeError(
                f"DELETE: cannot change the physical resource ID from {resource.physical_id} "
                f"to {returned} during deletion"
            )

    @staticmethod
    def _event(
        request_type: str,
        stack: StackInfo,
        logical_id: str,
        resource_type: str,
        properties: Mapping[str, Any],
        *,
        physical_id: str | None = None,
        old_properties: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        # The engine checked the ServiceToken property, which the event repeats at its top.
        return custom_resource_event(
            request_type,
            properties,
            resource_type=resource_type,
            logical_id=logical_id,
            stack_id=stack.stack_id,
            physical_id=physical_id,
            old_properties=old_properties,
        )

    def _run(self, event: dict[str, Any], *, default_id: str) -> Mapping[str, Any]:
        """The response the framework sends CloudFormation; raises _StepFailed instead of
        sending FAILED."""
        try:
            response = self._invoke(self._on_event, event, self.invocations)
        except Exception as error:
            raise _StepFailed(f"{type(error).__name__}: {error}", None) from error
        if self._waiter is None:
            return response
        waiting = {
            **event,
            **response,
            "PhysicalResourceId": response.get("PhysicalResourceId") or default_id,
        }
        return self._wait(self._waiter, waiting)

    def _wait(self, waiter: Waiter, waiting: dict[str, Any]) -> Mapping[str, Any]:
        for attempt in range(waiter.max_attempts):
            if attempt and waiter.advance is not None:
                waiter.advance(waiter.query_interval_seconds)
            try:
                answer = self._invoke(waiter.is_complete, waiting, self.is_complete_calls)
            except Exception as error:
                raise _StepFailed(
                    f"{type(error).__name__}: {error}", waiting["PhysicalResourceId"]
                ) from error
            if answer.get("IsComplete"):
                data = {**(waiting.get("Data") or {}), **(answer.get("Data") or {})}
                return {**waiting, **answer, "Data": data}
            if answer.get("Data"):
                raise _StepFailed(
                    'Error: "Data" is not allowed if "IsComplete" is "False"',
                    waiting["PhysicalResourceId"],
                )
        raise _StepFailed(TIMED_OUT_REASON, waiting["PhysicalResourceId"])

    def _invoke(
        self, function: OnEvent, event: dict[str, Any], log: list[Invocation]
    ) -> Mapping[str, Any]:
        context = FakeLambdaContext(
            event["ServiceToken"], remaining_ms=self._timeout_ms, clock=self._clock
        )
        response = dict(function(copy.deepcopy(event), context) or {})
        log.append(Invocation(event, response))
        return response

    def _provisioned(
        self, event: Mapping[str, Any], response: Mapping[str, Any], *, default_id: str
    ) -> Provisioned:
        physical_id = str(response.get("PhysicalResourceId") or default_id)
        data = dict(response.get("Data") or {})
        body = {
            "Status": "SUCCESS",
            "Reason": "See the details in CloudWatch Log Stream: simulated",
            "PhysicalResourceId": physical_id,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "NoEcho": False,
            "Data": data,
        }
        size = len(json.dumps(body).encode("utf-8"))
        if size > MAX_CUSTOM_RESOURCE_RESPONSE_BYTES:
            raise RuntimeError(
                f"Response object is too long ({size} bytes, at most "
                f"{MAX_CUSTOM_RESOURCE_RESPONSE_BYTES})"
            )
        return Provisioned(physical_id, data)
