"""The platform app's stacks: what deployed stacks rely on stays as it was."""

from __future__ import annotations

import json

import aws_cdk as cdk

from platform_app.customers import load_customers
from platform_app.stacks import build_platform
from tests.conftest import REPO_ROOT

#: The outputs of every stack of the platform app for customers.yaml, as they were when
#: CustomerTenant still made them: the app makes them now, under the same logical ids.
EXPECTED_OUTPUTS = REPO_ROOT / "tests" / "app" / "platform_outputs.json"


def test_platform_outputs_are_unchanged() -> None:
    app = cdk.App()
    stacks = build_platform(app, load_customers(REPO_ROOT / "customers.yaml"))
    assembly = app.synth()
    outputs = {
        stack.stack_name: assembly.get_stack_by_name(stack.stack_name).template.get("Outputs", {})
        for stack in stacks
    }
    assert outputs == json.loads(EXPECTED_OUTPUTS.read_text())
