"""A small CloudFormation simulator: drives synthesized templates the way CloudFormation does.

It creates, updates and deletes stacks in memory and hands each resource to a *provisioner*
chosen by resource type (SES resources call moto, custom resources call a Lambda handler,
IAM roles and the like are only recorded). What it models, because lifecycle bugs hide there:

- Order. Resources are created in waves whose dependencies (``Ref``, ``Fn::GetAtt``,
  ``Fn::Sub`` references and ``DependsOn``) are all done, and deleted in waves of resources
  nothing left depends on; within a wave, in template order (CloudFormation runs a wave in
  parallel, so a dependency missing from the template shows as a wrong order here).
  Stacks are deployed after the stacks whose exports they import, destroyed before them.
- Values. Intrinsics are resolved against the physical ids and attributes of resources
  created earlier, pseudo parameters, parameters (SSM-backed ones from a given map),
  conditions and other stacks' exports. Custom-resource properties are stringified.
- Updates. Resolved properties are compared with the deployed ones; a changed resource is
  updated, and if the update yields a new physical id it was *replaced*: the old physical
  resource is deleted in the cleanup phase, after every create and update of the stack, in
  reverse dependency order, together with resources removed from the template.
- Policies. ``DeletionPolicy: Retain`` keeps a resource on removal and on stack deletion,
  ``UpdateReplacePolicy: Retain`` the old resource on replacement (see ``retained``).
- Guards CloudFormation enforces: a custom resource's ServiceToken must name a deployed Lambda
  function and may not change; a resource may not change type; an export that another stack
  imports may neither change nor go away; ``Rules`` assertions are checked.

It fails loudly (``SimulationError``) on anything it does not model, such as an unknown
resource type or intrinsic. What CloudFormation itself would fail with (a provisioner or
handler error, a missing export, a custom resource without a requested attribute) raises
``StackOperationFailed``. Rollback is not modelled: a lifecycle test expects every step to
succeed, and a failure stops it where it happened.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import json
import random
import re
import string
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
PARTITION = "aws"
URL_SUFFIX = "amazonaws.com"
AVAILABILITY_ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")

SERVICE_TOKEN = "ServiceToken"
GENERIC_CUSTOM_RESOURCE_TYPE = "AWS::CloudFormation::CustomResource"
LAMBDA_FUNCTION_TYPE = "AWS::Lambda::Function"
RETAIN_POLICIES = frozenset({"Retain", "RetainExceptOnCreate"})
#: CloudFormation rejects a custom resource response larger than this.
MAX_CUSTOM_RESOURCE_RESPONSE_BYTES = 4096

# Journal actions.
CREATE, UPDATE, REPLACE, DELETE, RETAIN = "CREATE", "UPDATE", "REPLACE", "DELETE", "RETAIN"


class SimulationError(Exception):
    """The template uses something the simulator does not model: extend the simulator."""


class TemplateError(Exception):
    """A value CloudFormation could not resolve (missing export or attribute, bad index)."""


class StackOperationFailed(Exception):
    """A step CloudFormation would have failed: a provisioner or handler error, or a guard."""

    def __init__(self, stack: str, logical_id: str, action: str, reason: str) -> None:
        super().__init__(f"{stack}/{logical_id} {action} failed: {reason}")
        self.stack = stack
        self.logical_id = logical_id
        self.action = action
        self.reason = reason


# Templates and their dependency graphs


_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def _sub_parts(arg: Any) -> tuple[str, Mapping[str, Any]]:
    if isinstance(arg, str):
        return arg, {}
    if (
        isinstance(arg, list)
        and len(arg) == 2
        and isinstance(arg[0], str)
        and isinstance(arg[1], dict)
    ):
        return arg[0], arg[1]
    raise SimulationError(f"Fn::Sub takes a string or [string, {{variables}}], not {arg!r}")


def _sub_names(text: str) -> list[str]:
    """The variables `${...}` of an Fn::Sub string, without the `${!literal}` escapes."""
    return [name for name in _SUB_VARIABLE.findall(text) if not name.startswith("!")]


def references(value: Any) -> set[str]:
    """Logical ids and parameter names that `value` refers to (Ref, Fn::GetAtt, Fn::Sub).

    Pseudo parameters (``AWS::...``) are left out.
    """
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict):
            return
        if len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
                return
            if key == "Fn::GetAtt":
                if isinstance(arg, str):
                    found.add(arg.split(".", 1)[0])
                elif isinstance(arg, list) and arg and isinstance(arg[0], str):
                    found.add(arg[0])
                    walk(arg[1:])
                else:
                    raise SimulationError(f"Fn::GetAtt of unexpected shape: {arg!r}")
                return
            if key == "Fn::Sub":
                text, variables = _sub_parts(arg)
                for name in _sub_names(text):
                    if name not in variables:
                        found.add(name.split(".", 1)[0])
                walk(list(variables.values()))
                return
        for item in node.values():
            walk(item)

    walk(value)
    return {name for name in found if not name.startswith("AWS::")}


def imported_names(value: Any) -> list[Any]:
    """The (unresolved) arguments of every Fn::ImportValue in `value`."""
    found: list[Any] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            if len(node) == 1 and "Fn::ImportValue" in node:
                found.append(node["Fn::ImportValue"])
                return
            for item in node.values():
                walk(item)

    walk(value)
    return found


def topological_order(nodes: Sequence[str], dependencies: Mapping[str, Iterable[str]]) -> list[str]:
    """`nodes` in waves: each wave holds the nodes whose dependencies are in earlier waves,
    in their `nodes` order (CloudFormation works on a wave in parallel, in no set order)."""
    known = set(nodes)
    remaining: dict[str, set[str]] = {}
    for node in nodes:
        deps = set(dependencies.get(node, ()))
        unknown = deps - known
        if unknown:
            raise SimulationError(f"{node} depends on {sorted(unknown)}, which are not in {nodes}")
        remaining[node] = deps
    order: list[str] = []
    while remaining:
        ready = [node for node in nodes if node in remaining and not remaining[node]]
        if not ready:
            raise SimulationError(f"Circular dependency between {sorted(remaining)}")
        for node in ready:
            order.append(node)
            del remaining[node]
        for deps in remaining.values():
            deps.difference_update(ready)
    return order


def deletion_order(nodes: Sequence[str], dependencies: Mapping[str, Iterable[str]]) -> list[str]:
    """`nodes` in deletion waves: each wave holds the nodes that nothing left depends on.

    Not simply the creation order reversed: CloudFormation deletes unrelated resources in
    parallel, so a dependency missing from the template can put a resource before one that
    still uses it. Within a wave the `nodes` order is kept, which makes such a case
    reproducible.
    """
    dependents: dict[str, set[str]] = {node: set() for node in nodes}
    for node in nodes:
        for dependency in dependencies.get(node, ()):
            if dependency in dependents:
                dependents[dependency].add(node)
    return topological_order(nodes, dependents)


class Template:
    """A CloudFormation template (the JSON body CDK synthesizes)."""

    def __init__(self, body: Mapping[str, Any]) -> None:
        self.body = copy.deepcopy(dict(body))
        self.resources: dict[str, dict[str, Any]] = dict(self.body.get("Resources") or {})
        self.outputs: dict[str, dict[str, Any]] = dict(self.body.get("Outputs") or {})
        self.parameters: dict[str, dict[str, Any]] = dict(self.body.get("Parameters") or {})
        self.conditions: dict[str, Any] = dict(self.body.get("Conditions") or {})
        self.mappings: dict[str, Any] = dict(self.body.get("Mappings") or {})
        self.rules: dict[str, Any] = dict(self.body.get("Rules") or {})
        if not self.resources:
            raise SimulationError("A template needs at least one resource")
        for logical_id, resource in self.resources.items():
            if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
                raise SimulationError(f"Resource {logical_id} has no Type")
        unsupported = set(self.body) - {
            "AWSTemplateFormatVersion",
            "Description",
            "Metadata",
            "Parameters",
            "Rules",
            "Mappings",
            "Conditions",
            "Resources",
            "Outputs",
        }
        if unsupported:
            raise SimulationError(f"Template sections not modelled: {sorted(unsupported)}")

    @classmethod
    def from_file(cls, path: Any) -> Template:
        with open(path, encoding="utf-8") as file:
            return cls(json.load(file))

    def dependencies(self) -> dict[str, frozenset[str]]:
        """Each resource's dependencies on other resources, from its properties and DependsOn."""
        graph: dict[str, frozenset[str]] = {}
        for logical_id, resource in self.resources.items():
            names = references(resource.get("Properties") or {})
            unknown = {n for n in names if n not in self.resources and n not in self.parameters}
            if unknown:
                raise SimulationError(
                    f"{logical_id} refers to {sorted(unknown)}: neither resources nor parameters"
                )
            depends_on = resource.get("DependsOn") or []
            if isinstance(depends_on, str):
                depends_on = [depends_on]
            missing = [d for d in depends_on if d not in self.resources]
            if missing:
                raise SimulationError(f"{logical_id} DependsOn unknown resources {missing}")
            graph[logical_id] = frozenset(
                {n for n in names if n in self.resources} | set(depends_on)
            )
        return graph

    def export_names(self, stack_name: str) -> list[str]:
        """Names of the exports this template's outputs declare."""
        resolver = _static_resolver(self, stack_name)
        names = []
        for output in self.outputs.values():
            export = output.get("Export")
            if export is not None:
                names.append(str(resolver.resolve(export["Name"])))
        return names

    def imported_export_names(self, stack_name: str) -> set[str]:
        """Names of the exports this template imports (Fn::ImportValue), resolved."""
        resolver = _static_resolver(self, stack_name)
        found = imported_names(self.resources) + imported_names(self.outputs)
        return {str(resolver.resolve(name)) for name in found}


# Deployed state


@dataclass(frozen=True)
class StackInfo:
    name: str
    stack_id: str


@dataclass(frozen=True)
class DeployedResource:
    logical_id: str
    resource_type: str
    physical_id: str
    #: The properties as resolved at deploy time (stringified for custom resources).
    properties: Mapping[str, Any]
    attributes: Mapping[str, Any]
    dependencies: frozenset[str] = frozenset()
    deletion_policy: str = "Delete"
    update_replace_policy: str = "Delete"


@dataclass
class DeployedStack:
    info: StackInfo
    template: Template
    resources: dict[str, DeployedResource]
    outputs: dict[str, Any]
    exports: dict[str, Any]
    imports: frozenset[str]

    @property
    def name(self) -> str:
        return self.info.name

    def resources_of_type(self, resource_type: str) -> list[DeployedResource]:
        return [r for r in self.resources.values() if r.resource_type == resource_type]


@dataclass(frozen=True)
class Operation:
    """One successful step, in the order it happened."""

    stack: str
    logical_id: str
    resource_type: str
    action: str
    physical_id: str


@dataclass(frozen=True)
class RetainedResource:
    stack: str
    logical_id: str
    resource_type: str
    physical_id: str


# Provisioners


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


class Provisioner(Protocol):
    """Creates, updates and deletes the physical resources of one resource type.

    `update` returns a new physical id to replace the resource (the engine deletes the old
    one in the cleanup phase), or the current one for an update in place.
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
    physical id and attributes, and changing its name property replaces it."""

    def __init__(
        self,
        *,
        name_property: str | None = None,
        max_name_length: int = 64,
        attributes: Callable[[str], Mapping[str, Any]] = lambda physical_id: {},
    ) -> None:
        self._name_property = name_property
        self._max_name_length = max_name_length
        self._attributes = attributes

    def create(self, request: ResourceRequest) -> Provisioned:
        name = request.properties.get(self._name_property) if self._name_property else None
        physical_id = str(name) if name else request.generated_name(self._max_name_length)
        return Provisioned(physical_id, self._attributes(physical_id))

    def update(self, request: ResourceRequest, current: DeployedResource) -> Provisioned:
        if self._name_property and request.properties.get(
            self._name_property
        ) != current.properties.get(self._name_property):
            return self.create(request)
        return Provisioned(current.physical_id, current.attributes)

    def delete(self, stack: StackInfo, resource: DeployedResource) -> None:
        return None


def record_only_provisioners() -> dict[str, Provisioner]:
    """Provisioners for the resource types CDK adds around custom resources."""

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
        "AWS::CDK::Metadata": RecordOnly(),
    }


class FakeLambdaContext:
    """The Lambda context a handler reads: its name, request id and remaining time."""

    def __init__(self, function_name: str, request_id: str, timeout_ms: int = 600_000) -> None:
        self.function_name = function_name
        self.aws_request_id = request_id
        self.invoked_function_arn = (
            f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT_ID}:function:{function_name}"
        )
        self.memory_limit_in_mb = 256
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "simulated"
        self._timeout_ms = timeout_ms

    def get_remaining_time_in_millis(self) -> int:
        return self._timeout_ms


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
    CloudFormation must fit in 4 KB. A handler that raises fails the step.
    """

    def __init__(self, on_event: OnEvent, *, timeout_ms: int = 600_000) -> None:
        self._on_event = on_event
        self._timeout_ms = timeout_ms
        self.invocations: list[Invocation] = []

    def create(self, request: ResourceRequest) -> Provisioned:
        event = self._event("Create", request.stack, request.logical_id, request.resource_type)
        event["ResourceProperties"] = copy.deepcopy(dict(request.properties))
        return self._provisioned(event, self._invoke(event), default_id=event["RequestId"])

    def update(self, request: ResourceRequest, current: DeployedResource) -> Provisioned:
        event = self._event("Update", request.stack, request.logical_id, request.resource_type)
        event["PhysicalResourceId"] = current.physical_id
        event["ResourceProperties"] = copy.deepcopy(dict(request.properties))
        event["OldResourceProperties"] = copy.deepcopy(dict(current.properties))
        return self._provisioned(event, self._invoke(event), default_id=current.physical_id)

    def delete(self, stack: StackInfo, resource: DeployedResource) -> None:
        event = self._event("Delete", stack, resource.logical_id, resource.resource_type)
        event["PhysicalResourceId"] = resource.physical_id
        event["ResourceProperties"] = copy.deepcopy(dict(resource.properties))
        response = self._invoke(event)
        returned = response.get("PhysicalResourceId", resource.physical_id)
        if returned != resource.physical_id:
            raise RuntimeError(
                f"DELETE: cannot change the physical resource ID from {resource.physical_id} "
                f"to {returned} during deletion"
            )

    def _event(
        self, request_type: str, stack: StackInfo, logical_id: str, resource_type: str
    ) -> dict[str, Any]:
        request_id = str(uuid.uuid4())
        response_path = quote(f"{stack.stack_id}|{logical_id}|{request_id}", safe="")
        return {
            "RequestType": request_type,
            "ResponseURL": (
                f"https://cloudformation-custom-resource-response-{REGION.replace('-', '')}"
                f".s3.amazonaws.com/{response_path}?X-Amz-Signature=simulated"
            ),
            "StackId": stack.stack_id,
            "RequestId": request_id,
            "LogicalResourceId": logical_id,
            "ResourceType": resource_type,
        }

    def _invoke(self, event: dict[str, Any]) -> Mapping[str, Any]:
        # CloudFormation repeats the ServiceToken property at the top of the event.
        token = str(event["ResourceProperties"].get(SERVICE_TOKEN, ""))
        event = {"ServiceToken": token, **event}
        function_name = token.rsplit(":", 1)[-1] or "simulated-provider"
        context = FakeLambdaContext(function_name, str(uuid.uuid4()), self._timeout_ms)
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


def is_custom_resource(resource_type: str) -> bool:
    return resource_type.startswith("Custom::") or resource_type == GENERIC_CUSTOM_RESOURCE_TYPE


def stringify(value: Any) -> Any:
    """Custom-resource properties as CloudFormation sends them: every scalar a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict):
        return {key: stringify(item) for key, item in value.items()}
    if isinstance(value, list):
        return [stringify(item) for item in value]
    return value


# Intrinsic functions


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Any = _NoValue()


class Resolver:
    """Resolves intrinsic functions for one stack operation."""

    def __init__(
        self,
        *,
        stack: StackInfo,
        template: Template,
        parameters: Mapping[str, Any],
        resources: Mapping[str, DeployedResource],
        exports: Callable[[str], Any],
    ) -> None:
        self._stack = stack
        self._template = template
        self._parameters = parameters
        self._resources = resources
        self._exports = exports
        self._conditions: dict[str, bool] = {}
        self.imports: set[str] = set()

    # Values

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [item for item in (self.resolve(v) for v in value) if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref" or key.startswith("Fn::"):
                return self._intrinsic(key, arg)
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def _intrinsic(self, key: str, arg: Any) -> Any:
        if key == "Ref":
            return self.ref(arg)
        if key == "Fn::GetAtt":
            if isinstance(arg, str):
                logical_id, attribute = arg.split(".", 1)
            else:
                logical_id, attribute = arg[0], self.resolve(arg[1])
            return self.get_att(logical_id, str(attribute))
        if key == "Fn::Join":
            separator, items = arg
            items = self.resolve(items)
            return str(separator).join(_as_string(self.resolve(item)) for item in items)
        if key == "Fn::Sub":
            return self._sub(arg)
        if key == "Fn::Select":
            index, items = self.resolve(arg[0]), self.resolve(arg[1])
            try:
                return items[int(index)]
            except (IndexError, ValueError, TypeError) as error:
                raise TemplateError(f"Fn::Select index {index!r} of {items!r}") from error
        if key == "Fn::Split":
            separator, text = arg
            return _as_string(self.resolve(text)).split(str(separator))
        if key == "Fn::ImportValue":
            name = str(self.resolve(arg))
            self.imports.add(name)
            return self._exports(name)
        if key == "Fn::If":
            condition, when_true, when_false = arg
            return self.resolve(when_true if self.condition(condition) else when_false)
        if key == "Fn::FindInMap":
            map_name, top, second = (str(self.resolve(part)) for part in arg)
            try:
                return self.resolve(self._template.mappings[map_name][top][second])
            except KeyError as error:
                raise TemplateError(f"Fn::FindInMap {map_name}/{top}/{second}") from error
        if key == "Fn::Base64":
            return base64.b64encode(_as_string(self.resolve(arg)).encode()).decode()
        if key == "Fn::GetAZs":
            return list(AVAILABILITY_ZONES)
        if key in ("Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Fn::Contains"):
            return self.evaluate({key: arg})
        raise SimulationError(f"Intrinsic function {key} is not modelled")

    def ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Partition": PARTITION,
            "AWS::URLSuffix": URL_SUFFIX,
            "AWS::StackName": self._stack.name,
            "AWS::StackId": self._stack.stack_id,
            "AWS::NotificationARNs": [],
        }
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in pseudo:
            return pseudo[name]
        if name in self._parameters:
            return self._parameters[name]
        return self._resource(name).physical_id

    def get_att(self, logical_id: str, attribute: str) -> Any:
        resource = self._resource(logical_id)
        if attribute not in resource.attributes:
            if is_custom_resource(resource.resource_type):
                raise TemplateError(
                    f"CustomResource attribute error: Vendor response doesn't contain "
                    f"{attribute} key in object of {logical_id}"
                )
            raise SimulationError(
                f"Attribute {attribute} of {resource.resource_type} ({logical_id}) is not modelled"
            )
        return resource.attributes[attribute]

    def _resource(self, logical_id: str) -> DeployedResource:
        resource = self._resources.get(logical_id)
        if resource is None:
            if logical_id in self._template.resources:
                raise SimulationError(
                    f"{logical_id} is referenced before it exists: the dependency order is wrong"
                )
            raise TemplateError(f"Unresolved reference {logical_id}")
        return resource

    def _sub(self, arg: Any) -> str:
        text, variables = _sub_parts(arg)
        values = {name: self.resolve(value) for name, value in variables.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in values:
                return _as_string(values[name])
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return _as_string(self.get_att(logical_id, attribute))
            return _as_string(self.ref(name))

        return _SUB_VARIABLE.sub(replace, text)

    # Conditions

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            if name not in self._template.conditions:
                raise TemplateError(f"Unknown condition {name}")
            self._conditions[name] = self.evaluate(self._template.conditions[name])
        return self._conditions[name]

    def evaluate(self, expression: Any) -> bool:
        """A condition function (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition) or a rule
        assertion (also Fn::Contains)."""
        if isinstance(expression, bool):
            return expression
        if isinstance(expression, str) and expression in ("true", "false"):
            return expression == "true"
        if not isinstance(expression, dict) or len(expression) != 1:
            raise SimulationError(f"Not a condition: {expression!r}")
        ((key, arg),) = expression.items()
        if key == "Condition":
            return self.condition(arg)
        if key == "Fn::Equals":
            left, right = (self.resolve(part) for part in arg)
            return _as_string(left) == _as_string(right)
        if key == "Fn::Not":
            return not self.evaluate(arg[0])
        if key == "Fn::And":
            return all(self.evaluate(part) for part in arg)
        if key == "Fn::Or":
            return any(self.evaluate(part) for part in arg)
        if key == "Fn::Contains":
            items, item = self.resolve(arg[0]), self.resolve(arg[1])
            return _as_string(item) in [_as_string(i) for i in items]
        raise SimulationError(f"Condition function {key} is not modelled")


def _as_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise TemplateError(f"Expected a string, got {value!r}")


def _static_resolver(template: Template, stack_name: str) -> Resolver:
    """A resolver for values that may not depend on resources (export and import names)."""

    def no_exports(name: str) -> Any:
        raise SimulationError(f"An export name may not itself import a value ({name})")

    parameters = {
        name: declaration.get("Default") for name, declaration in template.parameters.items()
    }
    return Resolver(
        stack=StackInfo(stack_name, f"arn:{PARTITION}:cloudformation:{REGION}:{ACCOUNT_ID}:stack/"),
        template=template,
        parameters=parameters,
        resources={},
        exports=no_exports,
    )


# The engine


def deployment_order(templates: Mapping[str, Template]) -> list[str]:
    """Stack names, each after the stacks whose exports it imports."""
    exporters: dict[str, str] = {}
    for name, template in templates.items():
        for export in template.export_names(name):
            exporters[export] = name
    dependencies = {
        name: {
            exporters[export]
            for export in template.imported_export_names(name)
            if export in exporters and exporters[export] != name
        }
        for name, template in templates.items()
    }
    return topological_order(list(templates), dependencies)


class CloudFormation:
    """Deploys, updates and deletes stacks, one resource at a time, through provisioners."""

    def __init__(
        self,
        provisioners: Mapping[str, Provisioner],
        *,
        ssm_parameters: Mapping[str, str] | None = None,
        seed: int = 0,
    ) -> None:
        self.provisioners = dict(provisioners)
        self.ssm_parameters = dict(ssm_parameters or {})
        self.stacks: dict[str, DeployedStack] = {}
        self.journal: list[Operation] = []
        self.retained: list[RetainedResource] = []
        self._random = random.Random(seed)
        self._in_progress: Mapping[str, DeployedResource] = {}

    # Apps

    def deploy_app(self, templates: Mapping[str, Template], *, delete_missing: bool) -> None:
        """Deploy every stack in dependency order (as `cdk deploy --all`); with
        `delete_missing`, first delete the deployed stacks the app no longer has (as `cdk
        destroy` of each)."""
        order = deployment_order(templates)
        if delete_missing:
            for name in self._deletion_order([n for n in self.stacks if n not in templates]):
                self.delete_stack(name)
        for name in order:
            self.deploy_stack(name, templates[name])

    def destroy_all(self) -> None:
        """Delete every stack, importers before exporters (as `cdk destroy --all`)."""
        for name in self._deletion_order(list(self.stacks)):
            self.delete_stack(name)

    def exports(self) -> dict[str, tuple[str, Any]]:
        """Export name -> (exporting stack, value)."""
        return {
            export: (stack.name, value)
            for stack in self.stacks.values()
            for export, value in stack.exports.items()
        }

    # Stacks

    def deploy_stack(
        self,
        name: str,
        template: Template | Mapping[str, Any],
        parameters: Mapping[str, Any] | None = None,
    ) -> DeployedStack:
        """Create the stack, or update it to `template`."""
        if not isinstance(template, Template):
            template = Template(template)
        self._require_provisioners(template)
        previous = self.stacks.get(name)
        info = previous.info if previous else StackInfo(name, self._new_stack_id(name))
        new_resources: dict[str, DeployedResource] = {}
        resolver = Resolver(
            stack=info,
            template=template,
            parameters=self._parameters(name, template, parameters or {}),
            resources=new_resources,
            exports=self._import,
        )
        self._check_rules(info, template, resolver)
        graph = template.dependencies()
        active = [
            logical_id
            for logical_id, resource in template.resources.items()
            if "Condition" not in resource or resolver.condition(resource["Condition"])
        ]
        for logical_id in active:
            inactive = graph[logical_id] - set(active)
            if inactive:
                raise SimulationError(f"{logical_id} depends on inactive {sorted(inactive)}")
        old_resources = previous.resources if previous else {}
        replaced: list[DeployedResource] = []
        self._in_progress = new_resources
        try:
            for logical_id in topological_order(active, graph):
                resource, old = self._deploy_resource(
                    info, template, logical_id, graph[logical_id], resolver, old_resources
                )
                new_resources[logical_id] = resource
                if old is not None:
                    replaced.append(old)
        finally:
            self._in_progress = {}
        outputs, exports = self._outputs(info, template, resolver)
        self._check_exports_on_update(info, previous, exports)
        stack = DeployedStack(
            info, template, new_resources, outputs, exports, frozenset(resolver.imports)
        )
        self.stacks[name] = stack
        removed = [
            old for logical_id, old in old_resources.items() if logical_id not in new_resources
        ]
        if previous is not None:
            self._cleanup(info, previous, removed, replaced)
        return stack

    def delete_stack(self, name: str) -> None:
        stack = self.stacks[name]
        for export in stack.exports:
            importers = self._importers(export, exclude=name)
            if importers:
                raise StackOperationFailed(
                    name,
                    "-",
                    "DELETE_STACK",
                    f"Export {export} cannot be deleted as it is in use by {', '.join(importers)}",
                )
        for logical_id in self._resource_deletion_order(stack.resources, stack.template):
            resource = stack.resources[logical_id]
            self._delete_resource(stack.info, resource, resource.deletion_policy)
        del self.stacks[name]

    # Resources

    def _deploy_resource(
        self,
        stack: StackInfo,
        template: Template,
        logical_id: str,
        dependencies: frozenset[str],
        resolver: Resolver,
        old_resources: Mapping[str, DeployedResource],
    ) -> tuple[DeployedResource, DeployedResource | None]:
        """The resource as deployed, and the old one if it was replaced."""
        definition = template.resources[logical_id]
        resource_type = str(definition["Type"])
        try:
            properties = resolver.resolve(definition.get("Properties") or {})
        except TemplateError as error:
            raise StackOperationFailed(stack.name, logical_id, "RESOLVE", str(error)) from error
        custom = is_custom_resource(resource_type)
        if custom:
            properties = stringify(properties)
        old = old_resources.get(logical_id)
        if old is not None and old.resource_type != resource_type:
            raise StackOperationFailed(
                stack.name,
                logical_id,
                UPDATE,
                f"Update of resource type is not permitted ({old.resource_type} to "
                f"{resource_type})",
            )
        if custom:
            action = CREATE if old is None else UPDATE
            self._check_service_token(stack, logical_id, action, properties, old)
        request = ResourceRequest(stack, logical_id, resource_type, properties, self._suffix())
        provisioner = self.provisioners[resource_type]
        replaced_old: DeployedResource | None = None
        if old is None:
            provisioned = self._step(request, CREATE, lambda: provisioner.create(request))
        elif old.properties == properties:
            provisioned = Provisioned(old.physical_id, old.attributes)
        else:
            provisioned = self._step(
                request, UPDATE, lambda: provisioner.update(request, old), journal=False
            )
            replacing = provisioned.physical_id != old.physical_id
            self.journal.append(
                Operation(
                    stack.name,
                    logical_id,
                    resource_type,
                    REPLACE if replacing else UPDATE,
                    provisioned.physical_id,
                )
            )
            if replacing:
                # The old one goes by the new template's UpdateReplacePolicy.
                replaced_old = dataclasses.replace(
                    old, update_replace_policy=definition.get("UpdateReplacePolicy", "Delete")
                )
        deployed = DeployedResource(
            logical_id=logical_id,
            resource_type=resource_type,
            physical_id=provisioned.physical_id,
            properties=properties,
            attributes=dict(provisioned.attributes),
            dependencies=dependencies,
            deletion_policy=definition.get("DeletionPolicy", "Delete"),
            update_replace_policy=definition.get("UpdateReplacePolicy", "Delete"),
        )
        return deployed, replaced_old

    def _cleanup(
        self,
        stack: StackInfo,
        previous: DeployedStack,
        removed: list[DeployedResource],
        replaced: list[DeployedResource],
    ) -> None:
        """After every create and update: delete what was removed or replaced, in deletion
        order over the old template's dependencies."""
        policy = {r.logical_id: r.deletion_policy for r in removed}
        policy.update({r.logical_id: r.update_replace_policy for r in replaced})
        doomed = {r.logical_id: r for r in [*removed, *replaced]}
        for logical_id in self._resource_deletion_order(previous.resources, previous.template):
            if logical_id in doomed:
                self._delete_resource(stack, doomed[logical_id], policy[logical_id])

    def _delete_resource(self, stack: StackInfo, resource: DeployedResource, policy: str) -> None:
        if policy in RETAIN_POLICIES:
            self.retained.append(
                RetainedResource(
                    stack.name, resource.logical_id, resource.resource_type, resource.physical_id
                )
            )
            self.journal.append(
                Operation(
                    stack.name,
                    resource.logical_id,
                    resource.resource_type,
                    RETAIN,
                    resource.physical_id,
                )
            )
            return
        provisioner = self.provisioners[resource.resource_type]
        request = ResourceRequest(
            stack, resource.logical_id, resource.resource_type, resource.properties, ""
        )
        self._step(
            request,
            DELETE,
            lambda: provisioner.delete(stack, resource),
            physical_id=resource.physical_id,
        )

    def _step(
        self,
        request: ResourceRequest,
        action: str,
        run: Callable[[], Any],
        *,
        journal: bool = True,
        physical_id: str | None = None,
    ) -> Any:
        try:
            result = run()
        except (SimulationError, StackOperationFailed):
            raise
        except Exception as error:
            raise StackOperationFailed(
                request.stack.name,
                request.logical_id,
                action,
                f"{type(error).__name__}: {error}",
            ) from error
        if journal:
            done_id = physical_id if physical_id is not None else result.physical_id
            self.journal.append(
                Operation(
                    request.stack.name, request.logical_id, request.resource_type, action, done_id
                )
            )
        return result

    # Guards and helpers

    def _require_provisioners(self, template: Template) -> None:
        unknown = sorted({r["Type"] for r in template.resources.values()} - set(self.provisioners))
        if unknown:
            raise SimulationError(f"No provisioner for resource types {unknown}")

    def _check_service_token(
        self,
        stack: StackInfo,
        logical_id: str,
        action: str,
        properties: Mapping[str, Any],
        old: DeployedResource | None,
    ) -> None:
        token = properties.get(SERVICE_TOKEN)
        if not token:
            raise StackOperationFailed(stack.name, logical_id, action, "ServiceToken is missing")
        if old is not None and old.properties.get(SERVICE_TOKEN) != token:
            raise StackOperationFailed(
                stack.name, logical_id, action, "Modifying service token is not allowed."
            )
        if token not in self._function_arns():
            raise StackOperationFailed(
                stack.name,
                logical_id,
                action,
                f"ServiceToken {token} is not the ARN of a deployed Lambda function",
            )

    def _function_arns(self) -> set[str]:
        deployed = [r for s in self.stacks.values() for r in s.resources.values()]
        return {
            str(r.attributes.get("Arn"))
            for r in [*deployed, *self._in_progress.values()]
            if r.resource_type == LAMBDA_FUNCTION_TYPE
        }

    def _import(self, name: str) -> Any:
        found = self.exports().get(name)
        if found is None:
            raise TemplateError(f"No export named {name} found")
        return found[1]

    def _importers(self, export: str, *, exclude: str) -> list[str]:
        return sorted(
            stack.name
            for stack in self.stacks.values()
            if stack.name != exclude and export in stack.imports
        )

    def _check_exports_on_update(
        self, stack: StackInfo, previous: DeployedStack | None, exports: Mapping[str, Any]
    ) -> None:
        for export in exports:
            owner = self.exports().get(export)
            if owner is not None and owner[0] != stack.name:
                raise StackOperationFailed(
                    stack.name, "-", "EXPORT", f"Export {export} is already exported by {owner[0]}"
                )
        if previous is None:
            return
        for export, old_value in previous.exports.items():
            importers = self._importers(export, exclude=stack.name)
            if importers and exports.get(export, NO_VALUE) != old_value:
                raise StackOperationFailed(
                    stack.name,
                    "-",
                    "EXPORT",
                    f"Cannot update export {export} as it is in use by {', '.join(importers)}",
                )

    def _outputs(
        self, stack: StackInfo, template: Template, resolver: Resolver
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        outputs: dict[str, Any] = {}
        exports: dict[str, Any] = {}
        for name, output in template.outputs.items():
            if "Condition" in output and not resolver.condition(output["Condition"]):
                continue
            try:
                value = resolver.resolve(output["Value"])
                outputs[name] = value
                if "Export" in output:
                    exports[str(resolver.resolve(output["Export"]["Name"]))] = value
            except TemplateError as error:
                raise StackOperationFailed(stack.name, name, "OUTPUT", str(error)) from error
        return outputs, exports

    def _parameters(
        self, stack: str, template: Template, supplied: Mapping[str, Any]
    ) -> dict[str, Any]:
        unknown = set(supplied) - set(template.parameters)
        if unknown:
            raise StackOperationFailed(stack, "-", "VALIDATE", f"Unknown parameters {unknown}")
        values: dict[str, Any] = {}
        for name, declaration in template.parameters.items():
            raw = supplied.get(name, declaration.get("Default"))
            if raw is None:
                raise StackOperationFailed(stack, name, "VALIDATE", "Parameter has no value")
            parameter_type = str(declaration.get("Type", "String"))
            if parameter_type.startswith("AWS::SSM::Parameter::Value<"):
                if raw not in self.ssm_parameters:
                    raise SimulationError(
                        f"SSM parameter {raw} (parameter {name}) is not in ssm_parameters"
                    )
                raw = self.ssm_parameters[raw]
            allowed = declaration.get("AllowedValues")
            if allowed is not None and raw not in allowed:
                raise StackOperationFailed(stack, name, "VALIDATE", f"{raw!r} not in {allowed}")
            if parameter_type == "CommaDelimitedList" or parameter_type.startswith("List<"):
                values[name] = str(raw).split(",")
            else:
                values[name] = raw
        return values

    def _check_rules(self, stack: StackInfo, template: Template, resolver: Resolver) -> None:
        for rule_name, rule in template.rules.items():
            if "RuleCondition" in rule and not resolver.evaluate(rule["RuleCondition"]):
                continue
            for assertion in rule.get("Assertions", []):
                if not resolver.evaluate(assertion["Assert"]):
                    raise StackOperationFailed(
                        stack.name,
                        rule_name,
                        "VALIDATE",
                        str(assertion.get("AssertDescription", "rule assertion failed")),
                    )

    def _resource_deletion_order(
        self, resources: Mapping[str, DeployedResource], template: Template
    ) -> list[str]:
        """Deletion waves over `resources`, from the dependencies they were deployed with;
        within a wave in the order of `template`, the one they were deployed from."""
        names = [logical_id for logical_id in template.resources if logical_id in resources]
        return deletion_order(names, {n: resources[n].dependencies for n in names})

    def _deletion_order(self, names: Sequence[str]) -> list[str]:
        """`names` of deployed stacks, importers before the stacks they import from."""
        exporters = {
            export: stack.name for stack in self.stacks.values() for export in stack.exports
        }
        dependencies = {
            name: {
                exporters[export]
                for export in self.stacks[name].imports
                if export in exporters and exporters[export] in names and exporters[export] != name
            }
            for name in names
        }
        return deletion_order(list(names), dependencies)

    def _new_stack_id(self, name: str) -> str:
        stack_uuid = uuid.UUID(int=self._random.getrandbits(128), version=4)
        return f"arn:{PARTITION}:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{name}/{stack_uuid}"

    def _suffix(self) -> str:
        alphabet = string.ascii_uppercase + string.digits
        return "".join(self._random.choice(alphabet) for _ in range(12))
