"""Deployed state: stacks and resources as CloudFormation remembers them, and the journal."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.lifecycle.cfn.template import Template

# Journal actions.
CREATE, UPDATE, REPLACE, DELETE, RETAIN = "CREATE", "UPDATE", "REPLACE", "DELETE", "RETAIN"


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
    #: The parameter values it was deployed with (an unchanged template with unchanged
    #: parameters is not an update).
    parameters: Mapping[str, Any] = field(default_factory=dict)

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
    #: What the stack was doing (e.g. UPDATE_ROLLBACK_IN_PROGRESS for a rollback's Update);
    #: left out of comparisons, so that a test can expect a step without it.
    stack_status: str = field(default="", compare=False)


@dataclass(frozen=True)
class RetainedResource:
    stack: str
    logical_id: str
    resource_type: str
    physical_id: str
