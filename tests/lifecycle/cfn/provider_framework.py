"""Custom resources served by CDK's Provider framework, whose user handler is called directly."""

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


@dataclass(frozen=True)
class Invocation:
    event: Mapping[str, Any]
    response: Mapping[str, Any]


OnEvent = Callable[[dict[str, Any], Any], Mapping[str, Any] | None]


class ProviderFrameworkCustomResource:
    """A custom resource served by CDK's `custom_resources.Provider`, whose user handler
    (`on_event`) is called directly with the event CloudFormation sends.

    The framework's rules apply: a missing PhysicalResourceId defaults to the request id on
    Create and to the current one on Update; a Delete may not change it; the response sent to
    CloudFormation must fit in 4 KB. A handler that raises fails the step; a failed Create
    reports the framework's CREATE_FAILED marker as its physical id, and the Delete of that
    marker (a rollback's) is answered without calling the handler.
    """

    def __init__(self, on_event: OnEvent, *, timeout_ms: int = TEN_MINUTES_MS) -> None:
        self._on_event = on_event
        self._timeout_ms = timeout_ms
        self.invocations: list[Invocation] = []

    def create(self, request: ResourceRequest) -> Provisioned:
        event = self._event(
            "Create", request.stack, request.logical_id, request.resource_type, request.properties
        )
        try:
            response = self._invoke(event)
        except Exception as error:
            raise ProvisionerFailed(
                f"{type(error).__name__}: {error}", physical_id=CREATE_FAILED_PHYSICAL_ID_MARKER
            ) from error
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
        return self._provisioned(event, self._invoke(event), default_id=current.physical_id)

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
        response = self._invoke(event)
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

    def _invoke(self, event: dict[str, Any]) -> Mapping[str, Any]:
        context = FakeLambdaContext(event["ServiceToken"], remaining_ms=self._timeout_ms)
        response = dict(self._on_event(copy.deepcopy(event), context) or {})
        self.invocations.append(Invocation(event, response))
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
