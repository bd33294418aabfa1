"""Templates and their dependency graphs: which resource goes before which."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tests.lifecycle.cfn.errors import SimulationError

SERVICE_TOKEN = "ServiceToken"
GENERIC_CUSTOM_RESOURCE_TYPE = "AWS::CloudFormation::CustomResource"
LAMBDA_FUNCTION_TYPE = "AWS::Lambda::Function"
RETAIN_POLICIES = frozenset({"Retain", "RetainExceptOnCreate"})


def is_custom_resource(resource_type: str) -> bool:
    return resource_type.startswith("Custom::") or resource_type == GENERIC_CUSTOM_RESOURCE_TYPE


SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def sub_parts(arg: Any) -> tuple[str, Mapping[str, Any]]:
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


def sub_names(text: str) -> list[str]:
    """The variables `${...}` of an Fn::Sub string, without the `${!literal}` escapes."""
    return [name for name in SUB_VARIABLE.findall(text) if not name.startswith("!")]


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
                text, variables = sub_parts(arg)
                for name in sub_names(text):
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
