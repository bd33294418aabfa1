"""Small builders shared by the construct tests."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Template

ACCOUNT = "123456789012"
REGION = "us-east-1"


def new_stack(name: str = "TestStack") -> cdk.Stack:
    app = cdk.App()
    return cdk.Stack(app, name, env=cdk.Environment(account=ACCOUNT, region=REGION))


def resources_of(template: Template, resource_type: str) -> dict[str, Any]:
    return dict(template.find_resources(resource_type))


def only(resources: dict[str, Any]) -> tuple[str, Any]:
    assert len(resources) == 1, f"expected one resource, found {list(resources)}"
    return next(iter(resources.items()))


def logical_id_of(construct: Any) -> str:
    """The logical id of the CloudFormation resource behind a (nested) construct."""
    element = construct
    while not isinstance(element, cdk.CfnElement):
        element = element.node.default_child
        assert element is not None, f"{construct} has no CloudFormation resource"
    return cdk.Stack.of(element).get_logical_id(element)
