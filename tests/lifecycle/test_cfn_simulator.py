"""The CloudFormation simulator on its own: values, order, updates, policies and guards."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.lifecycle.cfn.account import ACCOUNT_ID
from tests.lifecycle.cfn.engine import (
    CloudFormation,
    ResourceStep,
    StackOperationFailed,
    deployment_order,
)
from tests.lifecycle.cfn.errors import SimulationError
from tests.lifecycle.cfn.provider_framework import (
    CREATE_FAILED_PHYSICAL_ID_MARKER,
    ProviderFrameworkCustomResource,
)
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
from tests.lifecycle.cfn.status import (
    CREATE_COMPLETE,
    CREATE_FAILED,
    CREATE_IN_PROGRESS,
    DELETE_COMPLETE,
    DELETE_FAILED,
    DELETE_IN_PROGRESS,
    DELETE_SKIPPED,
    ROLLBACK_COMPLETE,
    ROLLBACK_IN_PROGRESS,
    UPDATE_COMPLETE,
    UPDATE_COMPLETE_CLEANUP_IN_PROGRESS,
    UPDATE_FAILED,
    UPDATE_IN_PROGRESS,
    UPDATE_ROLLBACK_COMPLETE,
    UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS,
    UPDATE_ROLLBACK_FAILED,
    UPDATE_ROLLBACK_IN_PROGRESS,
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
        self.respond: Callable[[dict[str, Any]], Mapping[str, Any]] = lambda event: {
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


# Statuses, rollbacks and the read API


def custom(properties: Mapping[str, Any] | None = None, /, **attributes: Any) -> dict[str, Any]:
    return {
        "Type": CUSTOM,
        "Properties": {"ServiceToken": TOKEN, **dict(properties or {})},
        **attributes,
    }


def requests(handler: Handler) -> list[tuple[str, str]]:
    """(RequestType, LogicalResourceId) of every event the handler got."""
    return [(event["RequestType"], event["LogicalResourceId"]) for event in handler.events]


def listed(cfn: CloudFormation, stack: str) -> dict[str, tuple[str | None, str]]:
    """Logical id -> (physical id, status), as ListStackResources reports them."""
    answer = cfn.read_client().list_stack_resources(StackName=stack)
    return {
        summary["LogicalResourceId"]: (summary.get("PhysicalResourceId"), summary["ResourceStatus"])
        for summary in answer["StackResourceSummaries"]
    }


def test_a_failed_create_deletes_what_it_created_and_the_next_deploy_starts_anew(
    cfn: CloudFormation, things: Things, handler: Handler
) -> None:
    body = {
        "Resources": {
            **FUNCTION,
            "Custom": custom(),
            "Base": thing({"Name": "base"}),
            "User": thing(
                {"Uses": {"Ref": "Base"}, "Greeting": {"Fn::GetAtt": ["Custom", "Greeting"]}}
            ),
            "Kept": thing(DeletionPolicy="Retain"),
            "Dropped": thing(DeletionPolicy="RetainExceptOnCreate"),
            "Failing": thing(DependsOn="User"),
        }
    }
    cfn.fail_on.add(("Create", "Failing", CREATE))
    with pytest.raises(StackOperationFailed) as failed:
        cfn.deploy_stack("Create", body)

    assert (failed.value.logical_id, failed.value.action) == ("Failing", CREATE)
    assert "Simulated failure" in failed.value.reason
    assert (failed.value.status, failed.value.rollback_failures) == (ROLLBACK_COMPLETE, ())
    # Deletion order: what uses a resource goes first; the failed one has nothing to delete.
    assert deleted(things) == ["User", "Dropped", "Base"]
    assert requests(handler) == [("Create", "Custom"), ("Delete", "Custom")]
    assert [(r.logical_id, r.physical_id) for r in cfn.retained] == [
        ("Kept", listed(cfn, "Create")["Kept"][0])
    ]
    first_id = cfn.stacks["Create"].info.stack_id
    assert cfn.stack_status("Create") == ROLLBACK_COMPLETE
    assert cfn.stacks["Create"].resources == {}
    assert {status for _, status in listed(cfn, "Create").values()} == {
        DELETE_COMPLETE,
        DELETE_SKIPPED,
    }
    (failure,) = [e for e in cfn.stack_events("Create") if e.status == CREATE_FAILED]
    assert failure.logical_id == "Failing" and "Simulated failure" in str(failure.reason)
    assert [e.status for e in cfn.stack_events("Create") if e.logical_id == "Create"] == [
        CREATE_IN_PROGRESS,
        ROLLBACK_IN_PROGRESS,
        ROLLBACK_COMPLETE,
    ]

    cfn.fail_on.clear()
    stack = cfn.deploy_stack("Create", body)
    assert stack.info.stack_id != first_id
    assert cfn.stack_status("Create") == CREATE_COMPLETE
    assert cfn.stack_status(first_id) == DELETE_COMPLETE
    assert created(things).count("Failing") == 1


def test_a_custom_resource_whose_create_failed_gets_no_delete(
    cfn: CloudFormation, handler: Handler
) -> None:
    def respond(event: dict[str, Any]) -> Mapping[str, Any]:
        if event["LogicalResourceId"] == "Second":
            raise RuntimeError("no luck")
        return {"PhysicalResourceId": f"{event['LogicalResourceId']}-id"}

    handler.respond = respond
    body = {"Resources": {**FUNCTION, "First": custom(), "Second": custom(DependsOn="First")}}
    with pytest.raises(StackOperationFailed, match="RuntimeError: no luck") as failed:
        cfn.deploy_stack("Marker", body)

    assert failed.value.status == ROLLBACK_COMPLETE
    # The Provider framework answers the Delete of its CREATE_FAILED marker itself.
    assert requests(handler) == [("Create", "First"), ("Create", "Second"), ("Delete", "First")]
    assert listed(cfn, "Marker")["Second"] == (CREATE_FAILED_PHYSICAL_ID_MARKER, DELETE_COMPLETE)


def test_a_failed_update_rolls_back_every_updated_resource_then_cleans_up(
    cfn: CloudFormation, things: Things, handler: Handler
) -> None:
    def respond(event: dict[str, Any]) -> Mapping[str, Any]:
        properties = event["ResourceProperties"]
        if event["LogicalResourceId"] == "Failing" and properties["Count"] == "2":
            raise RuntimeError("cannot count to 2")
        return {"PhysicalResourceId": properties.get("Name", "custom-1"), "Data": {"X": "y"}}

    handler.respond = respond

    def template(version: int) -> dict[str, Any]:
        resources = {
            **FUNCTION,
            "InPlace": custom({"Count": version}),
            "Renamed": custom({"Name": f"renamed-{version}"}, DependsOn="InPlace"),
            "Thing": thing({"Name": f"thing-{version}"}),
            "Failing": custom({"Name": "failing", "Count": version}, DependsOn="Renamed"),
            "Unchanged": custom({"Name": "unchanged"}),
        }
        if version == 2:
            resources["Added"] = thing()
            resources["AddedCustom"] = custom({"Name": "added"})
        return {"Resources": resources}

    previous = cfn.deploy_stack("Update", template(1))
    events = len(handler.events)
    with pytest.raises(StackOperationFailed, match="cannot count to 2") as failed:
        cfn.deploy_stack("Update", template(2))

    assert (failed.value.logical_id, failed.value.status) == ("Failing", UPDATE_ROLLBACK_COMPLETE)
    sent = [
        (
            e["RequestType"],
            e["LogicalResourceId"],
            e.get("PhysicalResourceId"),
            e["ResourceProperties"].get("Count") or e["ResourceProperties"].get("Name"),
            (e.get("OldResourceProperties") or {}).get("Count")
            or (e.get("OldResourceProperties") or {}).get("Name"),
        )
        for e in handler.events[events:]
    ]
    assert sent == [
        # The update, in dependency order.
        ("Update", "InPlace", "custom-1", "2", "1"),
        ("Create", "AddedCustom", None, "added", None),
        ("Update", "Renamed", "renamed-1", "renamed-2", "renamed-1"),
        ("Update", "Failing", "failing", "2", "1"),
        # The rollback, in reverse: the failed one too; the replaced one without an event.
        ("Update", "Failing", "failing", "1", "2"),
        ("Update", "InPlace", "custom-1", "1", "2"),
        # The cleanup: what the update created, and the replacement's new physical id.
        ("Delete", "Renamed", "renamed-2", "renamed-2", None),
        ("Delete", "AddedCustom", "added", "added", None),
    ]
    thing_deletes = {
        logical_id: physical_id
        for call, logical_id, physical_id in things.calls
        if call == "delete"
    }
    assert set(thing_deletes) == {"Added", "Thing"} and thing_deletes["Thing"] == "thing-2"
    assert cfn.stack_status("Update") == UPDATE_ROLLBACK_COMPLETE
    assert cfn.stacks["Update"] is previous
    now = listed(cfn, "Update")
    assert set(now) == set(previous.resources)
    assert now["Renamed"] == ("renamed-1", UPDATE_COMPLETE)
    assert now["Thing"] == ("thing-1", UPDATE_COMPLETE)
    assert now["Unchanged"] == ("unchanged", CREATE_COMPLETE)
    rollback_steps = [
        (op.logical_id, op.action)
        for op in cfn.journal
        if op.stack_status == UPDATE_ROLLBACK_IN_PROGRESS
    ]
    assert rollback_steps == [("Failing", UPDATE), ("InPlace", UPDATE)]

    # The stack can be updated again, from the state it went back to.
    handler.respond = lambda event: {}
    cfn.deploy_stack("Update", {"Resources": {**FUNCTION, "InPlace": custom({"Count": 3})}})
    assert cfn.stack_status("Update") == UPDATE_COMPLETE


def test_a_rollback_that_fails_stops_the_stack_until_continue_update_rollback(
    cfn: CloudFormation, handler: Handler
) -> None:
    def template(version: int) -> dict[str, Any]:
        resources = {
            **FUNCTION,
            "First": custom({"Count": version}),
            "Second": custom({"Count": version}, DependsOn="First"),
        }
        if version == 2:
            resources["Added"] = thing()
        return {"Resources": resources}

    cfn.deploy_stack("Stuck", template(1))
    cfn.fail_on.add(("Stuck", "Second", UPDATE))
    rollback_of_first = {"fails": True}

    def fail_first_rollback(step: ResourceStep) -> str | None:
        rolling_back = step.stack_status == UPDATE_ROLLBACK_IN_PROGRESS
        if rolling_back and step.logical_id == "First" and rollback_of_first["fails"]:
            return "First cannot go back"
        return None

    cfn.fail_when = fail_first_rollback
    with pytest.raises(StackOperationFailed) as failed:
        cfn.deploy_stack("Stuck", template(2))

    assert (failed.value.logical_id, failed.value.status) == ("Second", UPDATE_ROLLBACK_FAILED)
    (rollback_failure,) = failed.value.rollback_failures
    assert (rollback_failure.logical_id, rollback_failure.action) == ("First", UPDATE)
    assert "First cannot go back" in str(failed.value)
    assert listed(cfn, "Stuck")["First"][1] == UPDATE_FAILED
    assert "Added" in listed(cfn, "Stuck")
    # Second's forward Update failed before reaching the handler; its rollback Update did not.
    assert requests(handler)[-2:] == [("Update", "First"), ("Update", "Second")]

    with pytest.raises(
        StackOperationFailed,
        match=r"UPDATE_ROLLBACK_FAILED state and can not be updated.*continue_update_rollback",
    ):
        cfn.deploy_stack("Stuck", template(2))
    with pytest.raises(StackOperationFailed, match=r"\['Second'\] cannot be skipped"):
        cfn.continue_update_rollback("Stuck", resources_to_skip=["Second"])
    with pytest.raises(StackOperationFailed) as again:
        cfn.continue_update_rollback("Stuck")
    assert again.value.status == UPDATE_ROLLBACK_FAILED

    events = len(handler.events)
    cfn.continue_update_rollback("Stuck", resources_to_skip=["First"])
    assert handler.events[events:] == []
    assert cfn.stack_status("Stuck") == UPDATE_ROLLBACK_COMPLETE
    assert set(listed(cfn, "Stuck")) == {"Provider", "First", "Second"}
    with pytest.raises(StackOperationFailed, match="cannot be called from current stack status"):
        cfn.continue_update_rollback("Stuck")

    cfn.fail_on.clear()
    cfn.deploy_stack("Stuck", template(2))
    assert cfn.stack_status("Stuck") == UPDATE_COMPLETE


def test_a_continued_rollback_sends_the_updates_that_failed(
    cfn: CloudFormation, handler: Handler
) -> None:
    body = {"Resources": {**FUNCTION, "Only": custom({"Count": 1})}}
    cfn.deploy_stack("Retry", body)
    flaky = {"fails": True}
    cfn.fail_when = lambda step: "flaky" if step.logical_id == "Only" and flaky["fails"] else None
    with pytest.raises(StackOperationFailed) as failed:
        cfn.deploy_stack("Retry", {"Resources": {**FUNCTION, "Only": custom({"Count": 2})}})
    assert failed.value.status == UPDATE_ROLLBACK_FAILED

    flaky["fails"] = False
    cfn.continue_update_rollback("Retry")
    last = handler.events[-1]
    assert (last["RequestType"], last["ResourceProperties"]["Count"]) == ("Update", "1")
    assert last["OldResourceProperties"]["Count"] == "2"
    assert cfn.stack_status("Retry") == UPDATE_ROLLBACK_COMPLETE


def test_cleanup_failures_do_not_fail_the_update(cfn: CloudFormation, things: Things) -> None:
    cfn.deploy_stack(
        "Clean", {"Resources": {"Replaced": thing({"Name": "r1"}), "Removed": thing()}}
    )
    cfn.fail_on |= {("Clean", "Replaced", DELETE), ("Clean", "Removed", DELETE)}

    cfn.deploy_stack("Clean", {"Resources": {"Replaced": thing({"Name": "r2"})}})

    assert cfn.stack_status("Clean") == UPDATE_COMPLETE
    assert {(f.logical_id, f.action, f.stack_status) for f in cfn.cleanup_failures} == {
        ("Replaced", DELETE, UPDATE_COMPLETE_CLEANUP_IN_PROGRESS),
        ("Removed", DELETE, UPDATE_COMPLETE_CLEANUP_IN_PROGRESS),
    }
    assert cfn.cleanup_failures[0].physical_id in ("r1", cfn.cleanup_failures[1].physical_id)
    assert listed(cfn, "Clean") == {"Replaced": ("r2", UPDATE_COMPLETE)}
    assert deleted(things) == []


def test_a_failed_delete_keeps_what_it_did_not_delete(cfn: CloudFormation, things: Things) -> None:
    body = {
        "Resources": {
            "Base": thing({"Name": "base"}),
            "User": thing({"Uses": {"Ref": "Base"}}),
            "Other": thing({"Name": "other"}),
        }
    }
    stack_id = cfn.deploy_stack("Doomed", body).info.stack_id
    cfn.fail_on.add(("Doomed", "User", DELETE))
    with pytest.raises(StackOperationFailed) as failed:
        cfn.delete_stack("Doomed")

    assert (failed.value.logical_id, failed.value.action) == ("User", DELETE)
    assert failed.value.status == DELETE_FAILED
    assert deleted(things) == ["Other"]
    assert set(cfn.stacks["Doomed"].resources) == {"User", "Base"}
    assert listed(cfn, "Doomed") == {
        "Base": ("base", CREATE_COMPLETE),
        "User": (listed(cfn, "Doomed")["User"][0], DELETE_FAILED),
        "Other": ("other", DELETE_COMPLETE),
    }
    with pytest.raises(StackOperationFailed, match="DELETE_FAILED state and can not be updated"):
        cfn.deploy_stack("Doomed", body)

    cfn.fail_on.clear()
    cfn.delete_stack("Doomed")
    assert deleted(things) == ["Other", "User", "Base"]
    assert "Doomed" not in cfn.stacks
    assert cfn.stack_status(stack_id) == DELETE_COMPLETE


class Watcher:
    """A provisioner that reads, through the read client, what CloudFormation reports while
    it runs: the stack's status and its own resource's."""

    def __init__(self) -> None:
        self.client: Any = None
        self.seen: list[tuple[str, str, str, str]] = []
        self.listed: list[dict[str, str]] = []

    def _look(self, action: str, stack: StackInfo, logical_id: str) -> None:
        (described,) = self.client.describe_stacks(StackName=stack.stack_id)["Stacks"]
        summaries = self.client.list_stack_resources(StackName=stack.stack_id)[
            "StackResourceSummaries"
        ]
        statuses = {s["LogicalResourceId"]: s["ResourceStatus"] for s in summaries}
        self.seen.append((action, logical_id, described["StackStatus"], statuses[logical_id]))
        self.listed.append(statuses)

    def create(self, request: ResourceRequest) -> Provisioned:
        self._look("create", request.stack, request.logical_id)
        return Provisioned(request.generated_name())

    def update(self, request: ResourceRequest, current: DeployedResource) -> Provisioned:
        self._look("update", request.stack, request.logical_id)
        return Provisioned(current.physical_id)

    def delete(self, stack: StackInfo, resource: DeployedResource) -> None:
        self._look("delete", stack, resource.logical_id)

    def requires_replacement(self, request: ResourceRequest, current: DeployedResource) -> bool:
        return False


def test_statuses_are_current_while_a_provisioner_runs(things: Things) -> None:
    watcher = Watcher()
    cfn = CloudFormation({THING: things, "Test::Watcher": watcher})
    watcher.client = cfn.read_client()

    def watched(properties: Mapping[str, Any] | None = None, **attributes: Any) -> dict[str, Any]:
        return {"Type": "Test::Watcher", "Properties": dict(properties or {}), **attributes}

    def deploy(stack: str, **resources: dict[str, Any]) -> None:
        cfn.deploy_stack(stack, {"Resources": resources})

    deploy("Watched", Before=thing(), W=watched(DependsOn="Before"), After=thing(DependsOn="W"))
    deploy("Watched", Before=thing(), W=watched({"V": 2}), Gone=watched())
    cfn.fail_on = {("Watched", "Failing", CREATE), ("Failed", "Failing", CREATE)}
    with pytest.raises(StackOperationFailed):
        deploy(
            "Watched",
            W=watched({"V": 3}),
            Gone=watched(),
            New=watched(),
            Failing=thing(DependsOn="W"),
        )
    deploy("Watched", Before=thing(), W=watched({"V": 2}))
    cfn.delete_stack("Watched")
    with pytest.raises(StackOperationFailed):
        deploy("Failed", W=watched(), Failing=thing(DependsOn="W"))

    assert watcher.seen == [
        ("create", "W", CREATE_IN_PROGRESS, CREATE_IN_PROGRESS),
        ("update", "W", UPDATE_IN_PROGRESS, UPDATE_IN_PROGRESS),
        ("create", "Gone", UPDATE_IN_PROGRESS, CREATE_IN_PROGRESS),
        # The failed update, its rollback and the rollback's cleanup.
        ("update", "W", UPDATE_IN_PROGRESS, UPDATE_IN_PROGRESS),
        ("create", "New", UPDATE_IN_PROGRESS, CREATE_IN_PROGRESS),
        ("update", "W", UPDATE_ROLLBACK_IN_PROGRESS, UPDATE_IN_PROGRESS),
        ("delete", "New", UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS, DELETE_IN_PROGRESS),
        # An update's cleanup, a stack's delete, a failed create's rollback.
        ("delete", "Gone", UPDATE_COMPLETE_CLEANUP_IN_PROGRESS, DELETE_IN_PROGRESS),
        ("delete", "W", DELETE_IN_PROGRESS, DELETE_IN_PROGRESS),
        ("create", "W", CREATE_IN_PROGRESS, CREATE_IN_PROGRESS),
        ("delete", "W", ROLLBACK_IN_PROGRESS, DELETE_IN_PROGRESS),
    ]
    # While W is created, what it depends on is done and what depends on it not started.
    assert watcher.listed[0] == {"Before": CREATE_COMPLETE, "W": CREATE_IN_PROGRESS}


def test_the_read_client_answers_like_boto3(cfn: CloudFormation) -> None:
    client = cfn.read_client()
    many = {f"R{index:03}": thing() for index in range(250)}
    stack_id = cfn.deploy_stack("Many", {"Resources": many}).info.stack_id

    (described,) = client.describe_stacks(StackName="Many")["Stacks"]
    assert described == {"StackId": stack_id, "StackName": "Many", "StackStatus": CREATE_COMPLETE}
    assert client.describe_stacks(StackName=stack_id)["Stacks"] == [described]
    pages, token = [], None
    while True:
        page = client.list_stack_resources(
            StackName=stack_id, **({"NextToken": token} if token else {})
        )
        pages.append(page["StackResourceSummaries"])
        token = page.get("NextToken")
        if token is None:
            break
    assert [len(page) for page in pages] == [100, 100, 50]
    summaries = [summary for page in pages for summary in page]
    assert [s["LogicalResourceId"] for s in summaries] == list(many)
    assert summaries[0] == {
        "LogicalResourceId": "R000",
        "PhysicalResourceId": cfn.stacks["Many"].resources["R000"].physical_id,
        "ResourceType": THING,
        "ResourceStatus": CREATE_COMPLETE,
    }

    cfn.delete_stack("Many")
    for call in (client.describe_stacks, client.list_stack_resources):
        with pytest.raises(ClientError) as unknown:
            call(StackName="Many")
        error = unknown.value.response["Error"]
        assert (error["Code"], error["Message"]) == (
            "ValidationError",
            "Stack with id Many does not exist",
        )
    assert unknown.value.operation_name == "ListStackResources"
    (gone,) = client.describe_stacks(StackName=stack_id)["Stacks"]
    assert gone["StackStatus"] == DELETE_COMPLETE
    page = client.list_stack_resources(StackName=stack_id)
    assert {s["ResourceStatus"] for s in page["StackResourceSummaries"]} == {DELETE_COMPLETE}
    assert client.describe_stacks()["Stacks"] == []


def test_a_stack_whose_rollback_failed_can_still_be_deleted(
    cfn: CloudFormation, things: Things, handler: Handler
) -> None:
    cfn.deploy_stack("Stuck", {"Resources": {**FUNCTION, "Only": custom({"Count": 1})}})
    cfn.fail_when = lambda step: "broken" if step.logical_id == "Only" else None
    with pytest.raises(StackOperationFailed) as failed:
        cfn.deploy_stack(
            "Stuck",
            {"Resources": {**FUNCTION, "Only": custom({"Count": 2}), "Added": thing()}},
        )
    assert failed.value.status == UPDATE_ROLLBACK_FAILED

    cfn.fail_when = None
    cfn.delete_stack("Stuck")
    assert deleted(things) == ["Added"]
    delete = handler.events[-1]
    assert (delete["RequestType"], delete["ResourceProperties"]["Count"]) == ("Delete", "2")
    assert "Stuck" not in cfn.stacks
