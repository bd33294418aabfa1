"""The engine: CloudFormation deploying, updating and deleting stacks through provisioners."""

from __future__ import annotations

import dataclasses
import random
import string
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tests.lifecycle.cfn.account import ACCOUNT_ID, PARTITION, REGION
from tests.lifecycle.cfn.errors import SimulationError, TemplateError
from tests.lifecycle.cfn.intrinsics import (
    NO_VALUE,
    Resolver,
    export_names,
    imported_export_names,
    stringify,
)
from tests.lifecycle.cfn.provisioners import Provisioned, Provisioner, ResourceRequest
from tests.lifecycle.cfn.state import (
    CREATE,
    DELETE,
    REPLACE,
    RETAIN,
    UPDATE,
    DeployedResource,
    DeployedStack,
    Operation,
    RetainedResource,
    StackInfo,
)
from tests.lifecycle.cfn.template import (
    LAMBDA_FUNCTION_TYPE,
    RETAIN_POLICIES,
    SERVICE_TOKEN,
    Template,
    deletion_order,
    is_custom_resource,
    topological_order,
)


class StackOperationFailed(Exception):
    """A step CloudFormation would have failed: a provisioner or handler error, or a guard."""

    def __init__(self, stack: str, logical_id: str, action: str, reason: str) -> None:
        super().__init__(f"{stack}/{logical_id} {action} failed: {reason}")
        self.stack = stack
        self.logical_id = logical_id
        self.action = action
        self.reason = reason


def deployment_order(templates: Mapping[str, Template]) -> list[str]:
    """Stack names, each after the stacks whose exports it imports."""
    exporters: dict[str, str] = {}
    for name, template in templates.items():
        for export in export_names(template, name):
            exporters[export] = name
    dependencies = {
        name: {
            exporters[export]
            for export in imported_export_names(template, name)
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
