"""Intrinsic functions and conditions, resolved for one stack operation."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from typing import Any

from tests.lifecycle.cfn.account import (
    ACCOUNT_ID,
    AVAILABILITY_ZONES,
    PARTITION,
    REGION,
    URL_SUFFIX,
)
from tests.lifecycle.cfn.errors import SimulationError, TemplateError
from tests.lifecycle.cfn.state import DeployedResource, StackInfo
from tests.lifecycle.cfn.template import (
    SUB_VARIABLE,
    Template,
    imported_names,
    is_custom_resource,
    sub_parts,
)


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
            return str(separator).join(as_string(self.resolve(item)) for item in items)
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
            return as_string(self.resolve(text)).split(str(separator))
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
            return base64.b64encode(as_string(self.resolve(arg)).encode()).decode()
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
        text, variables = sub_parts(arg)
        values = {name: self.resolve(value) for name, value in variables.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in values:
                return as_string(values[name])
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return as_string(self.get_att(logical_id, attribute))
            return as_string(self.ref(name))

        return SUB_VARIABLE.sub(replace, text)

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
            return as_string(left) == as_string(right)
        if key == "Fn::Not":
            return not self.evaluate(arg[0])
        if key == "Fn::And":
            return all(self.evaluate(part) for part in arg)
        if key == "Fn::Or":
            return any(self.evaluate(part) for part in arg)
        if key == "Fn::Contains":
            items, item = self.resolve(arg[0]), self.resolve(arg[1])
            return as_string(item) in [as_string(i) for i in items]
        raise SimulationError(f"Condition function {key} is not modelled")


def as_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise TemplateError(f"Expected a string, got {value!r}")


def static_resolver(template: Template, stack_name: str) -> Resolver:
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


def export_names(template: Template, stack_name: str) -> list[str]:
    """Names of the exports the template's outputs declare."""
    resolver = static_resolver(template, stack_name)
    names = []
    for output in template.outputs.values():
        export = output.get("Export")
        if export is not None:
            names.append(str(resolver.resolve(export["Name"])))
    return names


def imported_export_names(template: Template, stack_name: str) -> set[str]:
    """Names of the exports the template imports (Fn::ImportValue), resolved."""
    resolver = static_resolver(template, stack_name)
    found = imported_names(template.resources) + imported_names(template.outputs)
    return {str(resolver.resolve(name)) for name in found}
