"""Template assertions for PauseAlerts: the rules' event patterns, the schedule, the function
and its least-privilege role, the state table, the topic, and one function per app."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from platform_app.customers import CustomersFile, load_customers
from platform_app.stacks import build_platform
from ses_tenants import PauseAlerts, SesTenantsValidationError, Tenant
from ses_tenants._handler import pause_alerts_contract as contract
from ses_tenants.pause_alerts import ALERTS_ENTRY_POINT
from ses_tenants.provider import HANDLER_ASSET_DIR
from tests.conftest import REPO_ROOT
from tests.constructs.helpers import ACCOUNT, REGION, logical_id_of, new_stack, only, resources_of

EVENTS = Path(__file__).parent / "events"
TENANT_PREFIX = f"arn:aws:ses:{REGION}:{ACCOUNT}:tenant/"


class Synthesized:
    def __init__(self) -> None:
        self.stack = new_stack()
        oncall = sns.Topic(self.stack, "AcmeOncall")
        self.alerts = PauseAlerts(
            self.stack, "PauseAlerts", route_tag="alerts-route", routes={"acme": oncall}
        )
        self.oncall_id = logical_id_of(oncall)
        self.template = Template.from_stack(self.stack)
        self.json: dict[str, Any] = dict(self.template.to_json())
        self.function_id = logical_id_of(self.alerts.function)

    def resolve(self, value: Any) -> Any:
        return self.stack.resolve(value)


@pytest.fixture(scope="module")
def synthesized() -> Synthesized:
    return Synthesized()


def _rule(synthesized: Synthesized, rule: Any) -> dict[str, Any]:
    return dict(synthesized.json["Resources"][logical_id_of(rule)]["Properties"])


def _pattern(synthesized: Synthesized, rule: Any) -> dict[str, Any]:
    """The rule's event pattern as CloudFormation renders it in the aws partition."""
    return dict(_in_aws_partition(_rule(synthesized, rule)["EventPattern"]))


def _in_aws_partition(value: Any) -> Any:
    if value == {"Ref": "AWS::Partition"}:
        return "aws"
    if isinstance(value, dict) and set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        return separator.join(_in_aws_partition(part) for part in parts)
    if isinstance(value, dict):
        return {key: _in_aws_partition(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_in_aws_partition(item) for item in value]
    return value


def _matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    """EventBridge matching for what these patterns use: value lists and prefix."""
    for key, expected in pattern.items():
        value = event.get(key)
        values = value if isinstance(value, list) else [value]
        if not any(
            (isinstance(e, dict) and isinstance(v, str) and v.startswith(e["prefix"]))
            or (not isinstance(e, dict) and e == v)
            for e in expected
            for v in values
        ):
            return False
    return True


def _event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    event["resources"] = [
        arn.replace(":012345678901:", f":{ACCOUNT}:") for arn in event["resources"]
    ]
    return event


def test_the_status_rule_matches_sending_status_events_of_tenants(
    synthesized: Synthesized,
) -> None:
    pattern = _pattern(synthesized, synthesized.alerts.status_rule)
    assert pattern == {
        "source": ["aws.ses"],
        "detail-type": ["Sending Status Disabled", "Sending Status Enabled"],
        "resources": [{"prefix": TENANT_PREFIX}],
    }
    assert _matches(pattern, _event("sending_status_disabled"))
    assert _matches(pattern, _event("sending_status_enabled"))
    assert not _matches(pattern, _event("advisor_recommendation_open"))


def test_the_findings_rule_matches_open_and_resolved_findings_of_tenants(
    synthesized: Synthesized,
) -> None:
    pattern = _pattern(synthesized, synthesized.alerts.findings_rule)
    assert pattern["detail-type"] == [
        "Advisor Recommendation Status Open",
        "Advisor Recommendation Status Resolved",
        "Advisor Recommendation Status Closed",
    ]
    assert pattern["resources"] == [{"prefix": TENANT_PREFIX}]
    assert _matches(pattern, _event("advisor_recommendation_open"))
    assert _matches(pattern, _event("advisor_recommendation_resolved"))
    identity_finding = _event("advisor_recommendation_open")
    identity_finding["resources"] = [f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/example.com"]
    assert not _matches(pattern, identity_finding)
    assert not _matches(pattern, _event("sending_status_disabled"))


def test_rules_and_schedule_invoke_the_one_function(synthesized: Synthesized) -> None:
    sweep = _rule(synthesized, synthesized.alerts.sweep_rule)
    assert sweep["ScheduleExpression"] == "rate(15 minutes)"
    rules = resources_of(synthesized.template, "AWS::Events::Rule")
    assert len(rules) == 3
    for rule in rules.values():
        (target,) = rule["Properties"]["Targets"]
        assert target["Arn"] == {"Fn::GetAtt": [synthesized.function_id, "Arn"]}
        assert target["RetryPolicy"] == {"MaximumRetryAttempts": 2}
    permissions = resources_of(synthesized.template, "AWS::Lambda::Permission")
    assert {p["Properties"]["Principal"] for p in permissions.values()} == {"events.amazonaws.com"}
    assert len(permissions) == 3


def test_the_function(synthesized: Synthesized) -> None:
    properties = resources_of(synthesized.template, "AWS::Lambda::Function")[
        synthesized.function_id
    ]["Properties"]
    assert properties["Handler"] == ALERTS_ENTRY_POINT
    assert (properties["Runtime"], properties["Architectures"]) == ("python3.14", ["arm64"])
    assert properties["Timeout"] == 300
    *package, module, _ = ALERTS_ENTRY_POINT.split(".")
    assert (HANDLER_ASSET_DIR.joinpath(*package) / f"{module}.py").is_file()
    env = properties["Environment"]["Variables"]
    assert env[contract.ENV_STATE_TABLE] == {"Ref": logical_id_of(synthesized.alerts.table)}
    assert env[contract.ENV_TOPIC_ARN] == {"Ref": logical_id_of(synthesized.alerts.topic)}
    assert env[contract.ENV_ROUTE_TAG] == "alerts-route"
    routes = synthesized.resolve(env[contract.ENV_ROUTES])
    assert "acme" in json.dumps(routes) and synthesized.oncall_id in json.dumps(routes)
    (log_group_id, log_group) = only(resources_of(synthesized.template, "AWS::Logs::LogGroup"))
    assert log_group["Properties"]["RetentionInDays"] == 90
    assert properties["LoggingConfig"]["LogGroup"] == {"Ref": log_group_id}
    assert not resources_of(synthesized.template, "Custom::LogRetention")


def _statements(synthesized: Synthesized) -> list[dict[str, Any]]:
    (policy,) = resources_of(synthesized.template, "AWS::IAM::Policy").values()
    return list(policy["Properties"]["PolicyDocument"]["Statement"])


def test_the_role_may_do_only_what_the_function_does(synthesized: Synthesized) -> None:
    statements = {s.get("Sid"): s for s in _statements(synthesized)}
    tenant_reads = statements["ReadTenantStatus"]
    assert tenant_reads["Action"] == ["ses:GetReputationEntity", "ses:ListTagsForResource"]
    assert synthesized.resolve(tenant_reads["Resource"]) == {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":ses:{REGION}:{ACCOUNT}:tenant/*"]]
    }
    listing = statements["ListReputation"]
    assert listing["Action"] == ["ses:ListReputationEntities", "ses:ListRecommendations"]
    assert listing["Resource"] == "*"
    state = statements["AlertState"]
    assert state["Action"] == [f"dynamodb:{op}" for op in contract.STATE_TABLE_OPERATIONS]
    assert state["Resource"] == {"Fn::GetAtt": [logical_id_of(synthesized.alerts.table), "Arn"]}
    publishes = [s for s in _statements(synthesized) if s["Action"] == "sns:Publish"]
    assert sorted(json.dumps(s["Resource"]) for s in publishes) == sorted(
        json.dumps({"Ref": i})
        for i in (logical_id_of(synthesized.alerts.topic), synthesized.oncall_id)
    )
    logs = [s for s in _statements(synthesized) if str(s["Action"]).startswith("['logs:")]
    assert len(logs) == 1
    granted = {a for s in _statements(synthesized) for a in _actions(s)}
    assert {a for a in granted if a.startswith("ses:")} == {
        f"ses:{op}" for op in contract.SES_OPERATIONS
    }
    (role,) = resources_of(synthesized.template, "AWS::IAM::Role").values()
    assert "ManagedPolicyArns" not in role["Properties"]


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def test_the_state_table_and_the_topic(synthesized: Synthesized) -> None:
    (table,) = resources_of(synthesized.template, "AWS::DynamoDB::Table").values()
    properties = table["Properties"]
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert [k["AttributeName"] for k in properties["KeySchema"]] == ["pk", "sk"]
    assert table["DeletionPolicy"] == "Delete"
    topic = resources_of(synthesized.template, "AWS::SNS::Topic")[
        logical_id_of(synthesized.alerts.topic)
    ]
    assert "alias/aws/sns" in json.dumps(topic["Properties"]["KmsMasterKeyId"])
    policies = resources_of(synthesized.template, "AWS::SNS::TopicPolicy")
    assert any("aws:SecureTransport" in json.dumps(p) for p in policies.values())


def test_a_given_topic_is_used_and_none_is_created() -> None:
    stack = new_stack()
    topic = sns.Topic(stack, "Ops")
    alerts = PauseAlerts(stack, "Alerts", topic=topic, sweep_interval=cdk.Duration.minutes(5))
    template = Template.from_stack(stack)
    assert alerts.topic is topic
    assert len(resources_of(template, "AWS::SNS::Topic")) == 1
    (function,) = resources_of(template, "AWS::Lambda::Function").values()
    variables = function["Properties"]["Environment"]["Variables"]
    assert contract.ENV_ROUTE_TAG not in variables
    schedules = [
        r["Properties"]["ScheduleExpression"]
        for r in resources_of(template, "AWS::Events::Rule").values()
        if "ScheduleExpression" in r["Properties"]
    ]
    assert schedules == ["rate(5 minutes)"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"routes": {"acme": None}}, "routes: need route_tag"),
        ({"route_tag": "aws:route"}, "route_tag: must be a tag key"),
        ({"route_tag": ""}, "route_tag: must be a tag key"),
        ({"sweep_interval": cdk.Duration.seconds(30)}, "sweep_interval: must be 1 minute"),
        ({"sweep_interval": cdk.Duration.days(2)}, "sweep_interval: must be 1 minute"),
    ],
)
def test_bad_options_fail_at_synth(options: dict[str, Any], message: str) -> None:
    stack = new_stack()
    if "routes" in options:
        options = {"routes": {"acme": sns.Topic(stack, "Acme")}}
    with pytest.raises(SesTenantsValidationError, match=message):
        PauseAlerts(stack, "Alerts", **options)


def _functions_in_app(customers: CustomersFile) -> list[str]:
    """The handler of every Lambda function of the platform app for ``customers``."""
    app = cdk.App()
    return [
        function["Properties"].get("Handler", "")
        for stack in build_platform(app, customers)
        for function in resources_of(Template.from_stack(stack), "AWS::Lambda::Function").values()
    ]


def test_functions_per_app_stay_constant_in_the_number_of_customers() -> None:
    customers = load_customers(REPO_ROOT / "customers.yaml")
    assert len(customers.customers) >= 3
    one = customers.model_copy(update={"customers": customers.customers[:1]})
    with_one = _functions_in_app(one)
    assert sorted(with_one) == sorted(_functions_in_app(customers))
    assert with_one.count(ALERTS_ENTRY_POINT) == 1


def test_alerts_and_tenants_share_the_handler_asset() -> None:
    stack = new_stack()
    Tenant(stack, "Acme", tenant_name="acme")
    PauseAlerts(stack, "Alerts")
    template = Template.from_stack(stack)
    keys = {
        json.dumps(f["Properties"]["Code"]["S3Key"])
        for f in resources_of(template, "AWS::Lambda::Function").values()
        if f["Properties"].get("Handler", "").startswith("_handler.")
    }
    assert len(keys) == 1
