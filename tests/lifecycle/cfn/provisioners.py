"""Provisioners: what creates, updates and deletes the physical resources of one type."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from tests.lifecycle.cfn.account import ACCOUNT_ID, PARTITION, REGION
from tests.lifecycle.cfn.errors import SimulationError
from tests.lifecycle.cfn.state import DeployedResource, StackInfo


@dataclass(frozen=True)
class ResourceRequest:
    """A resource to create or update, with its resolved properties."""

    stack: StackInfo
    logical_id: str
    resource_type: str
    properties: Mapping[str, Any]
    #: Random part of a name CloudFormation generates (see `generated_name`).
    name_suffix: str

    def generated_name(self, max_length: int = 64) -> str:
        """The name CloudFormation gives an unnamed resource: "{stack}-{logical id}-{random}",
        the first two shortened to fit `max_length`."""
        return generated_physical_name(
            self.stack.name, self.logical_id, self.name_suffix, max_length
        )


@dataclass(frozen=True)
class Provisioned:
    physical_id: str
    attributes: Mapping[str, Any] = field(default_factory=dict)


class ProvisionerFailed(Exception):
    """A failed step that still leaves CloudFormation a physical id (such as the Provider
    framework's marker for a failed Create), which the rollback then deletes.

    Any other exception fails the step with no physical id: a failed Create is then not
    deleted at all."""

    def __init__(self, reason: str, *, physical_id: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.physical_id = physical_id


class Provisioner(Protocol):
    """Creates, updates and deletes the physical resources of one resource type.

    `update` returns a new physical id to replace the resource (the engine deletes the old
    one in the cleanup phase), or the current one for an update in place. A rollback calls
    `update` again with the old properties as `request` and the new ones as `current`.

    A provisioner may also have ``requires_replacement(request, current) -> bool``, saying
    whether an update replaces the resource. The engine asks it when an update of a type
    other than a custom resource fails: only an update in place is then rolled back with an
    Update (a failed replacement left the old resource as it was). Without the method, a
    failed update is assumed to have changed nothing.
    """

    def create(self, request: ResourceRequest) -> Provisioned: ...

    def update(self, request: ResourceRequest, current: DeployedResource) -> Provisioned: ...

    def delete(self, stack: StackInfo, resource: DeployedResource) -> None: ...


def generated_physical_name(stack_name: str, logical_id: str, suffix: str, max_length: int) -> str:
    room = max_length - len(suffix) - 2
    if room < 2:
        raise SimulationError(f"No room for a generated name of at most {max_length} characters")
    logical_keep = min(len(logical_id), max(room // 2, room - len(stack_name)))
    stack_keep = min(len(stack_name), room - logical_keep)
    return f"{stack_name[:stack_keep]}-{logical_id[:logical_keep]}-{suffix}"


class RecordOnly:
    """A resource that exists only as a record (IAM, Lambda, logs, CDK metadata): it gets a
    physical id and attributes, and changing its name property replaces it.

    `attributes` and `physical_id` are given the resource's name; `physical_id` is for
    types whose physical id (what `Ref` returns) is not their name, such as an SNS topic's
    ARN."""

    def __init__(
        self,
        *,
        name_property: str | None = None,
        max_name_length: int = 64,
        attributes: Callable[[str], Mapping[str, Any]] = lambda name: {},
        physical_id: Callable[[str], str] = lambda name: name,
    ) -> None:
        self._name_property = name_property
        self._max_name_length = max_name_length
        self._attributes = attributes
        self._physical_id = physical_id

    def create(self, request: ResourceRequest) -> Provisioned:
        given = request.properties.get(self._name_property) if self._name_property else None
        name = str(given) if given else request.generated_name(self._max_name_length)
        return Provisioned(self._physical_id(name), self._attributes(name))

    def update(self, request: ResourceRequest, current: DeployedResource) -> Provisioned:
        if self.requires_replacement(request, current):
            return self.create(request)
        return Provisioned(current.physical_id, current.attributes)

    def requires_replacement(self, request: ResourceRequest, current: DeployedResource) -> bool:
        name = self._name_property
        return name is not None and request.properties.get(name) != current.properties.get(name)

    def delete(self, stack: StackInfo, resource: DeployedResource) -> None:
        return None


def record_only_provisioners() -> dict[str, Provisioner]:
    """Provisioners for the resource types CDK adds around custom resources, and for the
    pause alerts' (EventBridge rules, an SNS topic, a DynamoDB table)."""

    def arn(service: str, resource: str, region: str = REGION) -> str:
        return f"arn:{PARTITION}:{service}:{region}:{ACCOUNT_ID}:{resource}"

    return {
        "AWS::IAM::Role": RecordOnly(
            name_property="RoleName",
            attributes=lambda name: {
                "Arn": arn("iam", f"role/{name}", region=""),
                "RoleId": "AROA" + uuid.uuid5(uuid.NAMESPACE_URL, name).hex[:17].upper(),
            },
        ),
        "AWS::IAM::Policy": RecordOnly(attributes=lambda name: {"Id": name}),
        "AWS::Lambda::Function": RecordOnly(
            name_property="FunctionName",
            attributes=lambda name: {"Arn": arn("lambda", f"function:{name}")},
        ),
        "AWS::Logs::LogGroup": RecordOnly(
            name_property="LogGroupName",
            max_name_length=512,
            attributes=lambda name: {"Arn": arn("logs", f"log-group:{name}:*")},
        ),
        "AWS::StepFunctions::StateMachine": RecordOnly(
            name_property="StateMachineName",
            max_name_length=80,
            attributes=lambda name: {"Arn": arn("states", f"stateMachine:{name}"), "Name": name},
            physical_id=lambda name: arn("states", f"stateMachine:{name}"),
        ),
        "AWS::Lambda::Permission": RecordOnly(),
        "AWS::Events::Rule": RecordOnly(
            name_property="Name", attributes=lambda name: {"Arn": arn("events", f"rule/{name}")}
        ),
        "AWS::SNS::Topic": RecordOnly(
            name_property="TopicName",
            max_name_length=256,
            attributes=lambda name: {"TopicArn": arn("sns", name), "TopicName": name},
            physical_id=lambda name: arn("sns", name),
        ),
        "AWS::SNS::TopicPolicy": RecordOnly(),
        "AWS::DynamoDB::Table": RecordOnly(
            name_property="TableName",
            max_name_length=255,
            attributes=lambda name: {"Arn": arn("dynamodb", f"table/{name}")},
        ),
        "AWS::CDK::Metadata": RecordOnly(),
    }
