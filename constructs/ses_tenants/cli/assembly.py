"""What a synthesized app (its `cdk.out` cloud assembly) asks SES to hold.

Reads the manifest and the stack templates it names, takes the `Custom::SesTenant` and
`Custom::SesTenantResourceAssociation` resources, parses a tenant's properties with the
handler's own parser, and resolves the intrinsic functions CDK writes into names and ARNs
(Ref, Fn::GetAtt, Fn::Join, Fn::ImportValue, the pseudo parameters) for a given account,
region and partition. A resource whose name CloudFormation generates at deploy time (a
configuration set or template without a name) cannot be known from the assembly: its
association is kept with its type and logical id, and matched against SES by type.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ses_tenants._handler import contract
from ses_tenants._handler.errors import InvalidProperties
from ses_tenants._handler.properties import TenantSpec, parse_tenant_properties

STACK_ARTIFACT = "aws:cloudformation:stack"
NESTED_ASSEMBLY_ARTIFACT = "cdk:cloud-assembly"

#: The name a Ref to each SES resource type gives, and where its template holds it.
_NAME_PROPERTY: dict[str, tuple[str, ...]] = {
    "AWS::SES::EmailIdentity": ("EmailIdentity",),
    "AWS::SES::ConfigurationSet": ("Name",),
    "AWS::SES::Template": ("Template", "TemplateName"),
}
#: The ARN segment of each associable SES resource type.
ARN_SEGMENT_OF_TYPE = {
    "AWS::SES::EmailIdentity": "identity",
    "AWS::SES::ConfigurationSet": "configuration-set",
    "AWS::SES::Template": "template",
}


class AssemblyError(Exception):
    """The cloud assembly cannot be read, or is not an app of this library."""


@dataclass(frozen=True)
class Environment:
    """Where the assembly is compared: the values of AWS::AccountId, Region and Partition."""

    account: str
    region: str
    partition: str = "aws"


@dataclass(frozen=True)
class DesiredAssociation:
    """An association the app declares. `resource_arn` is None when the resource's name is
    generated at deploy time; `segment` and `logical_id` then say what it is."""

    stack: str
    logical_id: str
    tenant_name: str
    resource_arn: str | None
    segment: str | None = None
    resource_logical_id: str | None = None

    def describe(self) -> str:
        if self.resource_arn:
            return self.resource_arn
        return f"{self.segment}/<generated name of {self.stack}/{self.resource_logical_id}>"


@dataclass(frozen=True)
class DesiredTenant:
    stack: str
    logical_id: str
    spec: TenantSpec
    associations: list[DesiredAssociation] = field(default_factory=list)


@dataclass(frozen=True)
class Unresolved:
    """A value known only at deploy time (a generated name, an attribute)."""

    segment: str | None = None
    logical_id: str | None = None


@dataclass
class _Stack:
    name: str
    template: Mapping[str, Any]
    #: The stack's region, or None when the app leaves it to the deploy (unknown-region).
    region: str | None = None

    @property
    def resources(self) -> Mapping[str, Any]:
        resources = self.template.get("Resources")
        return resources if isinstance(resources, Mapping) else {}


def read_desired(
    cdk_out: Path, environment: Environment, *, only_region: str | None = None
) -> list[DesiredTenant]:
    """Every tenant the assembly at `cdk_out` declares, with its associations; with
    `only_region`, those of the stacks for that region (or for whichever region the deploy
    is made in)."""
    stacks = list(_stacks(cdk_out))
    exports = _exports(stacks)
    if only_region is not None:
        regions = sorted({stack.region for stack in stacks if stack.region})
        stacks = [stack for stack in stacks if stack.region in (None, only_region)]
        if not stacks:
            raise AssemblyError(
                f"{cdk_out}: every stack is for region(s) {', '.join(regions)}, none for "
                f"{only_region}: pass --region"
            )
    tenants: dict[tuple[str, str], DesiredTenant] = {}
    associations: list[tuple[_Stack, str, Mapping[str, Any]]] = []
    for stack in stacks:
        for logical_id, resource in stack.resources.items():
            if not isinstance(resource, Mapping):
                continue
            kind = resource.get("Type")
            properties = resource.get("Properties") or {}
            if kind == contract.TENANT_RESOURCE_TYPE:
                resolver = _Resolver(stack, environment, exports)
                tenants[(stack.name, logical_id)] = DesiredTenant(
                    stack.name, logical_id, _tenant_spec(stack, logical_id, properties, resolver)
                )
            elif kind == contract.ASSOCIATION_RESOURCE_TYPE:
                associations.append((stack, logical_id, properties))
    if not tenants and not associations:
        raise AssemblyError(
            f"{cdk_out}: the cloud assembly declares no {contract.TENANT_RESOURCE_TYPE} or "
            f"{contract.ASSOCIATION_RESOURCE_TYPE} resource in any of its "
            f"{len(stacks)} template(s); it is not the output of an app built with "
            "ses-tenants-cdk. Give the cdk.out of this app (--cdk-out)."
        )
    by_name = {tenant.spec.name: tenant for tenant in tenants.values()}
    for stack, logical_id, properties in associations:
        resolver = _Resolver(stack, environment, exports)
        tenant_name = resolver.resolve(properties.get(contract.PROP_TENANT_NAME))
        arn = resolver.resolve(properties.get(contract.PROP_RESOURCE_ARN))
        if not isinstance(tenant_name, str):
            raise AssemblyError(
                f"{stack.name}/{logical_id}: the association's {contract.PROP_TENANT_NAME} "
                "cannot be resolved from the assembly"
            )
        tenant = by_name.get(tenant_name)
        if tenant is None:
            # A tenant of another app (Tenant.from_tenant_name): its associations are this
            # app's all the same.
            tenant = DesiredTenant(stack.name, "", TenantSpec(name=tenant_name))
            by_name[tenant_name] = tenant
        if isinstance(arn, str):
            desired = DesiredAssociation(stack.name, logical_id, tenant_name, arn)
        elif isinstance(arn, Unresolved) and arn.segment:
            desired = DesiredAssociation(
                stack.name, logical_id, tenant_name, None, arn.segment, arn.logical_id
            )
        else:
            raise AssemblyError(
                f"{stack.name}/{logical_id}: the association's {contract.PROP_RESOURCE_ARN} "
                "cannot be resolved from the assembly"
            )
        tenant.associations.append(desired)
    return sorted(by_name.values(), key=lambda tenant: tenant.spec.name)


def _tenant_spec(
    stack: _Stack, logical_id: str, properties: Mapping[str, Any], resolver: _Resolver
) -> TenantSpec:
    resolved = {key: resolver.resolve(value) for key, value in properties.items()}
    unresolved = sorted(
        key
        for key, value in resolved.items()
        if key != "ServiceToken" and _contains_unresolved(value)
    )
    if unresolved:
        raise AssemblyError(
            f"{stack.name}/{logical_id}: {', '.join(unresolved)} of the tenant are known only "
            "at deploy time; drift needs them in the template"
        )
    resolved.pop("ServiceToken", None)
    try:
        return parse_tenant_properties(resolved)
    except InvalidProperties as error:
        raise AssemblyError(f"{stack.name}/{logical_id}: {error}") from None


def _contains_unresolved(value: Any) -> bool:
    if isinstance(value, Unresolved):
        return True
    if isinstance(value, list):
        return any(_contains_unresolved(item) for item in value)
    if isinstance(value, Mapping):
        return any(_contains_unresolved(item) for item in value.values())
    return False


def _stacks(cdk_out: Path) -> Iterator[_Stack]:
    manifest_path = cdk_out / "manifest.json"
    if not cdk_out.is_dir():
        raise AssemblyError(
            f"{cdk_out}: no such directory. Synthesize the app first (`cdk synth`, or "
            "`make synth`), or give its output with --cdk-out."
        )
    if not manifest_path.is_file():
        raise AssemblyError(
            f"{cdk_out}: not a cloud assembly (no manifest.json). Synthesize the app first "
            "(`cdk synth`), or give its output with --cdk-out."
        )
    manifest = _read_json(manifest_path, "manifest")
    artifacts = manifest.get("artifacts") if isinstance(manifest, Mapping) else None
    if not isinstance(artifacts, Mapping):
        raise AssemblyError(f"{manifest_path}: not a cloud assembly manifest (no artifacts)")
    for artifact_id, artifact in artifacts.items():
        if not isinstance(artifact, Mapping):
            continue
        properties = artifact.get("properties") or {}
        if artifact.get("type") == STACK_ARTIFACT:
            template_file = properties.get("templateFile")
            if not isinstance(template_file, str):
                raise AssemblyError(f"{manifest_path}: stack {artifact_id} names no template")
            template = _read_json(cdk_out / template_file, "template")
            if not isinstance(template, Mapping):
                raise AssemblyError(f"{cdk_out / template_file}: not a CloudFormation template")
            yield _Stack(
                str(properties.get("stackName") or artifact_id),
                template,
                _region_of(artifact.get("environment")),
            )
        elif artifact.get("type") == NESTED_ASSEMBLY_ARTIFACT:
            directory = properties.get("directoryName")
            if isinstance(directory, str):
                yield from _stacks(cdk_out / directory)


def _region_of(environment: Any) -> str | None:
    """The region of "aws://123456789012/eu-west-1"; None for "unknown-region"."""
    if not isinstance(environment, str):
        return None
    region = environment.rpartition("/")[2]
    return None if not region or region.startswith("unknown-") else region


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text())
    except OSError as error:
        raise AssemblyError(f"{path}: cannot read the {what}: {error.strerror}") from None
    except ValueError as error:
        raise AssemblyError(f"{path}: the {what} is not valid JSON: {error}") from None


def _exports(stacks: list[_Stack]) -> dict[str, tuple[_Stack, Any]]:
    exports: dict[str, tuple[_Stack, Any]] = {}
    for stack in stacks:
        outputs = stack.template.get("Outputs") or {}
        for output in outputs.values() if isinstance(outputs, Mapping) else ():
            export = output.get("Export") if isinstance(output, Mapping) else None
            name = export.get("Name") if isinstance(export, Mapping) else None
            if isinstance(name, str):
                exports[name] = (stack, output.get("Value"))
    return exports


class _Resolver:
    """Resolves CDK's intrinsic functions within one stack, as CloudFormation would."""

    def __init__(
        self,
        stack: _Stack,
        environment: Environment,
        exports: Mapping[str, tuple[_Stack, Any]],
    ) -> None:
        self._stack = stack
        self._environment = environment
        self._exports = exports

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, Mapping):
            return value
        if len(value) != 1:
            return {key: self.resolve(item) for key, item in value.items()}
        ((function, argument),) = value.items()
        if function == "Ref":
            return self._ref(argument)
        if function == "Fn::GetAtt":
            return self._get_att(argument)
        if function == "Fn::Join":
            return self._join(argument)
        if function == "Fn::ImportValue":
            return self._import_value(argument)
        if function.startswith("Fn::"):
            return Unresolved()
        return {function: self.resolve(argument)}

    def _ref(self, name: Any) -> Any:
        pseudo = {
            "AWS::AccountId": self._environment.account,
            "AWS::Region": self._environment.region,
            "AWS::Partition": self._environment.partition,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self._stack.name,
        }
        if name in pseudo:
            return pseudo[name]
        resource = self._stack.resources.get(name)
        if not isinstance(resource, Mapping):
            return Unresolved()
        kind = resource.get("Type")
        properties = resource.get("Properties") or {}
        if kind == contract.TENANT_RESOURCE_TYPE:
            return self.resolve(properties.get(contract.PROP_TENANT_NAME))
        if kind in _NAME_PROPERTY:
            value: Any = properties
            for key in _NAME_PROPERTY[kind]:
                value = value.get(key) if isinstance(value, Mapping) else None
            if value is None:
                return Unresolved(ARN_SEGMENT_OF_TYPE[kind], name)
            return self.resolve(value)
        return Unresolved()

    def _get_att(self, argument: Any) -> Any:
        if isinstance(argument, str):
            argument = argument.split(".", 1)
        if not isinstance(argument, list) or len(argument) != 2:
            return Unresolved()
        logical_id, attribute = argument
        resource = self._stack.resources.get(logical_id)
        if (
            isinstance(resource, Mapping)
            and resource.get("Type") == contract.TENANT_RESOURCE_TYPE
            and attribute == contract.ATTR_TENANT_NAME
        ):
            return self.resolve((resource.get("Properties") or {}).get(contract.PROP_TENANT_NAME))
        return Unresolved()

    def _join(self, argument: Any) -> Any:
        if not isinstance(argument, list) or len(argument) != 2:
            return Unresolved()
        separator, parts = argument
        resolved = [self.resolve(part) for part in parts] if isinstance(parts, list) else []
        if all(isinstance(part, str) for part in resolved):
            return str(separator).join(resolved)
        # arn:...:configuration-set/<generated>: keep what the resource is.
        for part in resolved:
            if isinstance(part, Unresolved) and part.segment:
                return part
        return Unresolved()

    def _import_value(self, name: Any) -> Any:
        name = self.resolve(name)
        if isinstance(name, str) and name in self._exports:
            stack, value = self._exports[name]
            return _Resolver(stack, self._environment, self._exports).resolve(value)
        return Unresolved()
