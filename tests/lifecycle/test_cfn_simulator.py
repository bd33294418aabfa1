"""The CloudFormation simulator on its own: values, order, updates, policies and guards."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pytest

from tests.lifecycle.cfn.account import ACCOUNT_ID
from tests.lifecycle.cfn.engine import CloudFormation, StackOperationFailed, deployment_order
from tests.lifecycle.cfn.errors import SimulationError
from tests.lifecycle.cfn.provider_framework import ProviderFrameworkCustomResource
from tests.lifecycle.cfn.provisioners import (
    Provisioned,
    ResourceRequest,
    generated_physical_name,
    record_only_provisioners,
)
from tests.lifecycle.cfn.state import (
    CREATE,
    DELETE,
    REPLACE,
    RETAIN,
    UPDATE,
    DeployedResource,
    RetainedResource,
    StackInfo,
)
from tests.lifecycle.cfn.template import Template

THING = "Test::Thing"
CUSTOM = "Custom::Thing"
FUNCTION = {"Provider": {"Type": "AWS::Lambda::Function", "Properties": {}}}
TOKEN = {"Fn::GetAtt": ["Provider", "Arn"]}


class Things:
    """A provisioner that records its calls. `Name` names the thing; changing it replaces."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Any]] = []

    def create(self, request: ResourceRequest) -> Provisioned:
        self.calls.append(("create", request.logical_id, dict(request.properties)))
        name = str(request.properties.get("Name") or request.generated_name())
        return Provisioned(name, {"Arn": f"arn:thing:{name}"})

    def update(self, request: ResourceRequest, current: DeployedResource) -> Provisioned:
        if request.properties.get("Name") != current.properties.get("Name"):
            return self.create(request)
        self.calls.append(("update", request.logical_id, dict(request.properties)))
        return Provisioned(current.physical_id, current.attributes)

    def delete(self, stack: StackInfo, resource: DeployedResource) -> None:
        self.calls.append(("delete", resource.logical_id, resource.physical_id))


class Handler:
    """A custom-resource handler that records events and answers with canned responses."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.respond = lambda event: {
            "PhysicalResourceId": event["ResourceProperties"].get("Name", "custom-1"),
            "Data": {"Greeting": "hello"},
        }

    def __call__(self, event: dict[str, Any], context: Any) -> Mapping[str, Any]:
        self.events.append(event)
        assert context.get_remaining_time_in_millis() > 0
        return dict(self.respond(event))


@pytest.fixture
def things() -> Things:
    return Things()


@pytest.fixture
def handler() -> Handler:
    return Handler()


@pytest.fixture
def cfn(things: Things, handler: Handler) -> CloudFormation:
    return CloudFormation(
        {
            **record_only_provisioners(),
            THING: things,
            CUSTOM: ProviderFrameworkCustomResource(handler),
        },
        ssm_parameters={"/bootstrap/version": "30"},
    )


def thing(properties: Mapping[str, Any] | None = None, /, **attributes: Any) -> dict[str, Any]:
    return {"Type": THING, "Properties": dict(properties or {}), **attributes}


def created(things: Things) -> list[str]:
    return [logical_id for call, logical_id, _ in things.calls if call == "create"]


def deleted(things: Things) -> list[str]:
    return [logical_id for call, logical_id, _ in things.calls if call == "delete"]


def properties_of(things: Things, logical_id: str) -> Any:
    return next(props for call, lid, props in things.calls if (call, lid) == ("create", logical_id))


def test_intrinsics_resolve_against_resources_parameters_and_pseudo_parameters(
    cfn: CloudFormation, things: Things
) -> None:
    cfn.deploy_stack(
        "Values",
        {
            "Parameters": {"Stage": {"Type": "String", "Default": "prod"}},
            "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}},
            "Resources": {
                "A": thing({"Name": "alpha"}),
                "B": thing(
                    {
                        "Joined": {"Fn::Join": [":", [{"Ref": "A"}, {"Ref": "AWS::Region"}]]},
                        "Sub": {
                            "Fn::Sub": "${A}|${A.Arn}|${AWS::AccountId}|${!Literal}|"
                            "${AWS::StackName}"
                        },
                        "SubVars": {"Fn::Sub": ["${X}-${Stage}", {"X": {"Ref": "AWS::Partition"}}]},
                        "Selected": {"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]},
                        "IfTrue": {"Fn::If": ["IsProd", "big", "small"]},
                        "Dropped": {"Ref": "AWS::NoValue"},
                        "Suffix": {"Ref": "AWS::URLSuffix"},
                    }
                ),
            },
        },
    )
    assert properties_of(things, "B") == {
        "Joined": "alpha:us-east-1",
        "Sub": f"alpha|arn:thing:alpha|{ACCOUNT_ID}|${{Literal}}|Values",
        "SubVars": "aws-prod",
        "Selected": "b",
        "IfTrue": "big",
        "Suffix": "amazonaws.com",
    }


def test_resources_are_created_in_dependency_waves_and_deleted_in_reverse(
    cfn: CloudFormation, things: Things
) -> None:
    cfn.deploy_stack(
        "Order",
        {
            "Resources": {
                "Last": thing(DependsOn="Middle"),
                "Middle": thing({"Uses": {"Fn::GetAtt": ["First", "Arn"]}}),
                "First": thing(),
                "Alone": thing(),
            }
        },
    )
    assert created(things) == ["First", "Alone", "Middle", "Last"]
    cfn.delete_stack("Order")
    assert deleted(things) == ["Last", "Alone", "Middle", "First"]
    assert cfn.stacks == {}


def test_what_the_simulator_does_not_model_fails_before_any_change(
    cfn: CloudFormation, things: Things
) -> None:
    with pytest.raises(SimulationError, match=r"No provisioner for resource types \['AWS::S3"):
        cfn.deploy_stack("S", {"Resources": {"A": thing(), "B": {"Type": "AWS::S3::Bucket"}}})
    with pytest.raises(SimulationError, match="Fn::Cidr is not modelled"):
        cfn.deploy_stack("S", {"Resources": {"A": thing({"X": {"Fn::Cidr": ["x", 1, 2]}})}})
    with pytest.raises(SimulationError, match="Circular dependency"):
        cfn.deploy_stack("S", {"Resources": {"A": thing(DependsOn="B"), "B": thing(DependsOn="A")}})
    with pytest.raises(SimulationError, match="neither resources nor parameters"):
        cfn.deploy_stack("S", {"Resources": {"A": thing({"X": {"Ref": "Nowhere"}})}})
    assert created(things) == []


def test_custom_resources_get_the_events_cloudformation_sends(
    cfn: CloudFormation, things: Things, handler: Handler
) -> None:
    resources = {
        **FUNCTION,
        "Custom": {
            "Type": CUSTOM,
            "Properties": {"ServiceToken": TOKEN, "Count": 5, "On": True, "List": [1.5, False]},
        },
        "User": thing({"Greeting": {"Fn::GetAtt": ["Custom", "Greeting"]}}),
    }
    stack = cfn.deploy_stack("Custom", {"Resources": resources})
    (create,) = handler.events
    token = stack.resources["Provider"].attributes["Arn"]
    assert create["RequestType"] == "Create"
    assert create["ServiceToken"] == token
    assert create["ResourceProperties"] == {
        "ServiceToken": token,
        "Count": "5",
        "On": "true",
        "List": ["1.5", "false"],
    }
    assert re.fullmatch(
        rf"arn:aws:cloudformation:us-east-1:{ACCOUNT_ID}:stack/Custom/[0-9a-f-]{{36}}",
        create["StackId"],
    )
    assert create["ResponseURL"].startswith("https://")
    assert (create["LogicalResourceId"], create["ResourceType"]) == ("Custom", CUSTOM)
    assert "PhysicalResourceId" not in create and "OldResourceProperties" not in create
    assert properties_of(things, "User") == {"Greeting": "hello"}

    resources["Custom"]["Properties"]["Count"] = 6
    cfn.deploy_stack("Custom", {"Resources": resources})
    update = handler.events[-1]
    assert update["RequestType"] == "Update"
    assert update["PhysicalResourceId"] == "custom-1"
    assert update["OldResourceProperties"]["Count"] == "5"
    assert update["ResourceProperties"]["Count"] == "6"

    cfn.delete_stack("Custom")
    delete = handler.events[-1]
    assert delete["RequestType"] == "Delete"
    assert delete["PhysicalResourceId"] == "custom-1"
    assert delete["ResourceProperties"]["Count"] == "6"
    assert [e["RequestType"] for e in handler.events] == ["Create", "Update", "Delete"]


def test_unchanged_resources_are_left_alone(cfn: CloudFormation, handler: Handler) -> None:
    body = {
        "Resources": {**FUNCTION, "Custom": {"Type": CUSTOM, "Properties": {"ServiceToken": TOKEN}}}
    }
    cfn.deploy_stack("Same", body)
    journal = len(cfn.journal)
    cfn.deploy_stack("Same", body)
    assert cfn.journal[journal:] == []
    assert len(handler.events) == 1


def test_a_replacement_is_cleaned_up_after_every_change_of_the_stack(
    cfn: CloudFormation, things: Things
) -> None:
    cfn.deploy_stack(
        "Replace",
        {
            "Resources": {
                "A": thing({"Name": "a1"}),
                "B": thing({"Uses": {"Ref": "A"}}),
                "Gone": thing(),
            }
        },
    )
    journal = len(cfn.journal)
    cfn.deploy_stack(
        "Replace",
        {
            "Resources": {
                "A": thing({"Name": "a2"}),
                "B": thing({"Uses": {"Ref": "A"}}),
                "New": thing(),
            }
        },
    )
    steps = [(op.logical_id, op.action, op.physical_id) for op in cfn.journal[journal:]]
    assert steps[:3] == [
        ("A", REPLACE, "a2"),
        ("New", CREATE, steps[1][2]),
        ("B", UPDATE, steps[2][2]),
    ]
    assert {step[:2] for step in steps[3:]} == {("A", DELETE), ("Gone", DELETE)}
    assert ("A", DELETE, "a1") in steps
    assert properties_of(things, "A") == {"Name": "a1"}


def test_retain_policies_keep_resources(cfn: CloudFormation, things: Things) -> None:
    kept = {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
    cfn.deploy_stack(
        "Keep",
        {"Resources": {"Replaced": thing({"Name": "old"}, **kept), "Removed": thing(**kept)}},
    )
    cfn.deploy_stack("Keep", {"Resources": {"Replaced": thing({"Name": "new"}, **kept)}})
    cfn.delete_stack("Keep")
    assert deleted(things) == []
    assert [(r.logical_id, r.physical_id) for r in cfn.retained] == [
        ("Replaced", "old"),
        ("Removed", cfn.retained[1].physical_id),
        ("Replaced", "new"),
    ]
    assert all(isinstance(r, RetainedResource) for r in cfn.retained)
    assert {op.action for op in cfn.journal if op.action != CREATE} == {REPLACE, RETAIN}


def test_service_tokens_must_name_a_deployed_function_and_never_change(
    cfn: CloudFormation,
) -> None:
    custom = {
        "Type": CUSTOM,
        "Properties": {"ServiceToken": "arn:aws:lambda:us-east-1:1:function:x"},
    }
    with pytest.raises(StackOperationFailed, match="not the ARN of a deployed Lambda function"):
        cfn.deploy_stack("Token", {"Resources": {"Custom": custom}})

    other = {"Other": {"Type": "AWS::Lambda::Function", "Properties": {}}}
    body: dict[str, Any] = {
        "Resources": {
            **FUNCTION,
            **other,
            "Custom": {"Type": CUSTOM, "Properties": {"ServiceToken": TOKEN}},
        }
    }
    cfn.deploy_stack("Token2", body)
    body["Resources"]["Custom"]["Properties"]["ServiceToken"] = {"Fn::GetAtt": ["Other", "Arn"]}
    with pytest.raises(StackOperationFailed, match="Modifying service token is not allowed"):
        cfn.deploy_stack("Token2", body)


def test_provider_framework_rules(cfn: CloudFormation, handler: Handler) -> None:
    body = {
        "Resources": {**FUNCTION, "Custom": {"Type": CUSTOM, "Properties": {"ServiceToken": TOKEN}}}
    }
    handler.respond = lambda event: {"PhysicalResourceId": "p", "Data": {"Big": "x" * 5000}}
    with pytest.raises(StackOperationFailed, match="Response object is too long"):
        cfn.deploy_stack("Big", body)

    handler.respond = lambda event: {"PhysicalResourceId": event["RequestType"]}
    cfn.deploy_stack("Moving", body)
    with pytest.raises(StackOperationFailed, match="cannot change the physical resource ID"):
        cfn.delete_stack("Moving")


def test_missing_custom_resource_attributes_fail_the_step(
    cfn: CloudFormation, handler: Handler
) -> None:
    body = {
        "Resources": {
            **FUNCTION,
            "Custom": {"Type": CUSTOM, "Properties": {"ServiceToken": TOKEN}},
            "User": thing({"X": {"Fn::GetAtt": ["Custom", "Missing"]}}),
        }
    }
    with pytest.raises(StackOperationFailed, match="Vendor response doesn't contain Missing"):
        cfn.deploy_stack("Attr", body)


def test_stacks_follow_their_imports(cfn: CloudFormation, things: Things) -> None:
    exporter = Template(
        {
            "Resources": {"Shared": thing({"Name": "shared"})},
            "Outputs": {
                "Out": {
                    "Value": {"Ref": "Shared"},
                    "Export": {"Name": {"Fn::Sub": "${AWS::StackName}:Shared"}},
                }
            },
        }
    )
    importer = Template(
        {"Resources": {"User": thing({"Uses": {"Fn::ImportValue": "Exporter:Shared"}})}}
    )
    templates = {"Importer": importer, "Exporter": exporter}
    assert deployment_order(templates) == ["Exporter", "Importer"]

    with pytest.raises(StackOperationFailed, match="No export named Exporter:Shared"):
        cfn.deploy_stack("Importer", importer)
    cfn.deploy_app(templates, delete_missing=False)
    assert properties_of(things, "User") == {"Uses": "shared"}
    with pytest.raises(StackOperationFailed, match="in use by Importer"):
        cfn.delete_stack("Exporter")

    cfn.destroy_all()
    assert deleted(things) == ["User", "Shared"]


def test_rules_are_checked_with_ssm_parameters(cfn: CloudFormation) -> None:
    body = {
        "Parameters": {
            "Version": {
                "Type": "AWS::SSM::Parameter::Value<String>",
                "Default": "/bootstrap/version",
            }
        },
        "Rules": {
            "Check": {
                "Assertions": [
                    {
                        "Assert": {"Fn::Not": [{"Fn::Contains": [["1", "2"], {"Ref": "Version"}]}]},
                        "AssertDescription": "bootstrap too old",
                    }
                ]
            }
        },
        "Resources": {"A": thing()},
    }
    cfn.deploy_stack("Rules", body)
    cfn.ssm_parameters["/bootstrap/version"] = "2"
    with pytest.raises(StackOperationFailed, match="bootstrap too old"):
        cfn.deploy_stack("Rules2", body)


def test_generated_names_fit_and_keep_their_parts() -> None:
    name = generated_physical_name("SesTenant-acme", "CustomerConfigurationSetF07BEBEE", "ABC", 64)
    assert name == "SesTenant-acme-CustomerConfigurationSetF07BEBEE-ABC"
    short = generated_physical_name("S" * 100, "L" * 100, "R" * 12, 64)
    assert len(short) == 64 and short.endswith("-" + "R" * 12) and "-L" in short
