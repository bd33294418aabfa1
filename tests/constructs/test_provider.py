"""Template assertions for TenantProvider: the singleton, the function and least privilege."""

from __future__ import annotations

import json

import aws_cdk as cdk
from aws_cdk.assertions import Template

from ses_tenants import Tenant, TenantProvider
from ses_tenants._handler import cloudformation_reader, contract, operations
from ses_tenants.provider import HANDLER_ASSET_DIR, HANDLER_ENTRY_POINT
from tests.constructs.helpers import ACCOUNT, REGION, logical_id_of, new_stack, resources_of


def _stack_with_two_tenants() -> tuple[cdk.Stack, Template]:
    stack = new_stack()
    Tenant(stack, "Acme", tenant_name="acme")
    Tenant(stack, "Globex", tenant_name="globex")
    return stack, Template.from_stack(stack)


def test_one_provider_per_stack_however_many_tenants() -> None:
    stack, template = _stack_with_two_tenants()
    assert TenantProvider.of(stack) is TenantProvider.of(stack)
    functions = resources_of(template, "AWS::Lambda::Function")
    # The handler, and the Provider framework's onEvent, isComplete and onTimeout.
    assert len(functions) == 4
    assert len(resources_of(template, "AWS::StepFunctions::StateMachine")) == 1
    tokens = {
        json.dumps(r["Properties"]["ServiceToken"])
        for r in resources_of(template, contract.TENANT_RESOURCE_TYPE).values()
    }
    assert len(tokens) == 1


def test_handler_function_settings() -> None:
    stack, template = _stack_with_two_tenants()
    provider = TenantProvider.of(stack)
    handler = resources_of(template, "AWS::Lambda::Function")[logical_id_of(provider.handler)]
    properties = handler["Properties"]
    assert properties["Runtime"] == "python3.14"
    assert properties["Architectures"] == ["arm64"]
    assert properties["Handler"] == HANDLER_ENTRY_POINT
    assert properties["Timeout"] == 600
    assert properties["LoggingConfig"]["LogGroup"] == {
        "Ref": next(k for k in resources_of(template, "AWS::Logs::LogGroup") if "HandlerLogs" in k)
    }
    *package, module, _function = HANDLER_ENTRY_POINT.split(".")
    assert (HANDLER_ASSET_DIR.joinpath(*package) / f"{module}.py").is_file()


def test_the_handler_is_also_the_waiters_is_complete_with_the_hour_cloudformation_allows() -> None:
    stack, template = _stack_with_two_tenants()
    handler_arn = stack.resolve(TenantProvider.of(stack).handler.function_arn)
    environments = [
        f["Properties"].get("Environment", {}).get("Variables", {})
        for f in resources_of(template, "AWS::Lambda::Function").values()
    ]
    on_event = next(e for e in environments if "USER_ON_EVENT_FUNCTION_ARN" in e)
    assert on_event["USER_ON_EVENT_FUNCTION_ARN"] == handler_arn
    assert on_event["USER_IS_COMPLETE_FUNCTION_ARN"] == handler_arn
    assert "WAITER_STATE_MACHINE_ARN" in on_event
    (waiter,) = resources_of(template, "AWS::StepFunctions::StateMachine").values()
    definition = json.dumps(waiter["Properties"]["DefinitionString"])
    # Every 30 s for an hour: 120 attempts.
    assert '\\"IntervalSeconds\\":30' in definition
    assert '\\"MaxAttempts\\":120' in definition
    logging = waiter["Properties"]["LoggingConfiguration"]
    assert logging["Level"] == "ALL"
    (destination,) = logging["Destinations"]
    waiter_logs = next(k for k in resources_of(template, "AWS::Logs::LogGroup") if "Waiter" in k)
    assert destination["CloudWatchLogsLogGroup"]["LogGroupArn"] == {
        "Fn::GetAtt": [waiter_logs, "Arn"]
    }


def test_every_log_group_has_retention_and_no_log_retention_function() -> None:
    _, template = _stack_with_two_tenants()
    log_groups = resources_of(template, "AWS::Logs::LogGroup")
    assert len(log_groups) == 3  # the handler's, the framework functions', the waiter's
    assert all(g["Properties"]["RetentionInDays"] == 90 for g in log_groups.values())
    assert not resources_of(template, "Custom::LogRetention")


def _statements(template: Template) -> list[dict]:
    statements = []
    for policy in resources_of(template, "AWS::IAM::Policy").values():
        statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return statements


#: What Step Functions needs to deliver the waiter's logs, authorized on no narrower resource
#: (log delivery), and the two writes CDK's StateMachine grants alongside on the same "*".
LOG_DELIVERY_ACTIONS = {
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
}


def test_iam_is_least_privilege() -> None:
    stack, template = _stack_with_two_tenants()
    statements = _statements(template)
    for statement in statements:
        actions = _actions(statement)
        assert "ses:*" not in actions
        resources = (
            statement["Resource"]
            if isinstance(statement["Resource"], list)
            else [statement["Resource"]]
        )
        if "*" in resources:
            assert set(actions) <= LOG_DELIVERY_ACTIONS, actions
    by_sid = {s["Sid"]: s for s in statements if "Sid" in s}
    tenant_arn = stack.resolve(
        stack.format_arn(service="ses", resource="tenant", resource_name="*")
    )
    assert by_sid["ManageTenants"]["Resource"] == tenant_arn
    assert "ses:CreateTenant" in by_sid["ManageTenants"]["Action"]
    assert "ses:DeleteTenant" in by_sid["ManageTenants"]["Action"]
    rendered_resources = json.dumps(by_sid["AssociateResources"]["Resource"])
    for segment in contract.ASSOCIABLE_RESOURCE_SEGMENTS:
        assert f":{segment}/*" in rendered_resources
    assert ":aws:reputation-policy/*" in json.dumps(by_sid["ApplyReputationPolicies"]["Resource"])
    assert f":{REGION}:" in json.dumps(tenant_arn) and ACCOUNT in json.dumps(tenant_arn)


def _actions(statement: dict) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]


def test_the_ses_statements_grant_exactly_the_handlers_table_of_operations() -> None:
    _, template = _stack_with_two_tenants()
    by_sid = {s["Sid"]: s for s in _statements(template) if "Sid" in s}
    for resource, sid in [
        (operations.SesResource.TENANT, "ManageTenants"),
        (operations.SesResource.ASSOCIATED_RESOURCE, "AssociateResources"),
        (operations.SesResource.REPUTATION_POLICY, "ApplyReputationPolicies"),
    ]:
        assert _actions(by_sid[sid]) == [
            f"ses:{name}" for name in operations.ses_operations_on(resource)
        ], sid
    granted = {a for s in _statements(template) for a in _actions(s) if a.startswith("ses:")}
    assert granted == {f"ses:{name}" for name in operations.SES_OPERATIONS}


def test_the_handler_may_only_read_the_stacks_of_its_account_and_region() -> None:
    _, template = _stack_with_two_tenants()
    statements = _statements(template)
    (reads,) = [s for s in statements if any(a.startswith("cloudformation:") for a in _actions(s))]
    assert reads["Sid"] == "ReadStacks"
    assert reads["Effect"] == "Allow"
    assert _actions(reads) == [
        f"cloudformation:{name}" for name in cloudformation_reader.REQUIRED_OPERATIONS
    ]
    assert _actions(reads) == ["cloudformation:DescribeStacks", "cloudformation:ListStackResources"]
    assert reads["Resource"] == {
        "Fn::Join": [
            "",
            ["arn:", {"Ref": "AWS::Partition"}, f":cloudformation:{REGION}:{ACCOUNT}:stack/*"],
        ]
    }


def test_no_managed_policies_on_the_provider_roles() -> None:
    _, template = _stack_with_two_tenants()
    for role in resources_of(template, "AWS::IAM::Role").values():
        assert "ManagedPolicyArns" not in role["Properties"]


def test_shared_provider_in_a_platform_stack_is_imported_by_customer_stacks() -> None:
    app = cdk.App()
    env = cdk.Environment(account=ACCOUNT, region=REGION)
    platform = cdk.Stack(app, "Platform", env=env)
    provider = TenantProvider(platform, "Provider")
    customers = [cdk.Stack(app, f"Customer{i}", env=env) for i in range(3)]
    for i, stack in enumerate(customers):
        Tenant(stack, "Tenant", tenant_name=f"customer-{i}", provider=provider)

    for stack in customers:
        template = Template.from_stack(stack)
        assert not resources_of(template, "AWS::Lambda::Function")
        (tenant,) = resources_of(template, contract.TENANT_RESOURCE_TYPE).values()
        assert "Fn::ImportValue" in tenant["Properties"]["ServiceToken"]
    assert len(resources_of(Template.from_stack(platform), "AWS::Lambda::Function")) == 4


def test_provider_from_service_token() -> None:
    stack = new_stack()
    token = "arn:aws:lambda:us-east-1:123456789012:function:shared-provider"
    Tenant(stack, "Acme", tenant_name="acme", provider=TenantProvider.from_service_token(token))
    template = Template.from_stack(stack)
    assert not resources_of(template, "AWS::Lambda::Function")
    (tenant,) = resources_of(template, contract.TENANT_RESOURCE_TYPE).values()
    assert tenant["Properties"]["ServiceToken"] == token
