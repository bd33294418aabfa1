"""Template assertions for Tenant and its associations."""

from __future__ import annotations

import re

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ses as ses
from aws_cdk.assertions import Template

from ses_tenants import (
    ReputationPolicy,
    SendingStatus,
    SesTenantsValidationError,
    Suppression,
    SuppressionReason,
    SuppressionScope,
    Tenant,
)
from ses_tenants._handler import contract
from tests.constructs.helpers import logical_id_of, new_stack, only, resources_of

TEMPLATE_ARN = "arn:aws:ses:us-east-1:123456789012:template/welcome"


def _tenant_properties(template: Template) -> dict:
    _, resource = only(resources_of(template, contract.TENANT_RESOURCE_TYPE))
    return resource["Properties"]


def test_minimal_tenant_sends_defaults_as_strings() -> None:
    stack = new_stack()
    Tenant(stack, "Acme", tenant_name="acme")
    properties = _tenant_properties(Template.from_stack(stack))
    assert properties[contract.PROP_TENANT_NAME] == "acme"
    assert properties[contract.PROP_REPUTATION_POLICY] == "standard"
    assert properties[contract.PROP_SENDING_STATUS] == "ENABLED"
    assert properties[contract.PROP_ADOPT_EXISTING] == "false"
    assert contract.PROP_SUPPRESSION_SCOPE not in properties
    assert contract.PROP_SUPPRESSED_REASONS not in properties
    assert contract.PROP_TAGS not in properties


def test_full_tenant_properties() -> None:
    stack = new_stack()
    Tenant(
        stack,
        "Acme",
        tenant_name="acme",
        reputation_policy=ReputationPolicy.STRICT,
        sending_status=SendingStatus.DISABLED,
        suppression=Suppression.tenant(SuppressionReason.BOUNCE, SuppressionReason.COMPLAINT),
        tags={"customer-id": "42", "a": "b"},
        adopt_existing=True,
    )
    properties = _tenant_properties(Template.from_stack(stack))
    assert properties[contract.PROP_REPUTATION_POLICY] == "strict"
    assert properties[contract.PROP_SENDING_STATUS] == "DISABLED"
    assert properties[contract.PROP_SUPPRESSION_SCOPE] == "TENANT"
    assert properties[contract.PROP_SUPPRESSED_REASONS] == ["BOUNCE", "COMPLAINT"]
    assert properties[contract.PROP_TAGS] == [
        {"Key": "a", "Value": "b"},
        {"Key": "customer-id", "Value": "42"},
    ]
    assert properties[contract.PROP_ADOPT_EXISTING] == "true"


def test_tags_of_scope_reach_the_tenant_beside_its_own_tags() -> None:
    stack = new_stack()
    Tenant(stack, "Acme", tenant_name="acme", tags={"customer-id": "42"})
    cdk.Tags.of(stack).add("team", "mail")
    properties = _tenant_properties(Template.from_stack(stack))
    assert properties[contract.PROP_TAGS] == [
        {"Key": "customer-id", "Value": "42"},
        {"Key": "team", "Value": "mail"},
    ]


def test_scope_without_reasons_sends_an_empty_reason_list() -> None:
    stack = new_stack()
    Tenant(stack, "Acme", tenant_name="acme", suppression=Suppression.account())
    properties = _tenant_properties(Template.from_stack(stack))
    assert properties[contract.PROP_SUPPRESSION_SCOPE] == "ACCOUNT"
    assert properties[contract.PROP_SUPPRESSED_REASONS] == []


@pytest.mark.parametrize(
    ("policy", "deletion_policy"),
    [(cdk.RemovalPolicy.DESTROY, "Delete"), (cdk.RemovalPolicy.RETAIN, "Retain")],
)
def test_removal_policy_becomes_the_deletion_policy(
    policy: cdk.RemovalPolicy, deletion_policy: str
) -> None:
    stack = new_stack()
    Tenant(stack, "Acme", tenant_name="acme", removal_policy=policy)
    _, resource = only(resources_of(Template.from_stack(stack), contract.TENANT_RESOURCE_TYPE))
    assert resource["DeletionPolicy"] == deletion_policy
    assert resource["UpdateReplacePolicy"] == deletion_policy


def test_attributes_are_tokens_read_from_the_custom_resource() -> None:
    stack = new_stack()
    tenant = Tenant(stack, "Acme", tenant_name="acme")
    logical_id = logical_id_of(tenant)
    for value, attribute in [
        (tenant.tenant_name, contract.ATTR_TENANT_NAME),
        (tenant.tenant_arn, contract.ATTR_TENANT_ARN),
        (tenant.tenant_id, contract.ATTR_TENANT_ID),
    ]:
        assert cdk.Token.is_unresolved(value)
        assert stack.resolve(value) == {"Fn::GetAtt": [logical_id, attribute]}


def test_associations_refer_to_tenant_and_resources_by_token() -> None:
    stack = new_stack()
    identity = ses.EmailIdentity(stack, "Identity", identity=ses.Identity.domain("a.example.com"))
    configuration_set = ses.ConfigurationSet(stack, "ConfigSet")
    tenant = Tenant(stack, "Acme", tenant_name="acme")
    tenant.associate(identity)
    tenant.associate(configuration_set)
    tenant.associate(TEMPLATE_ARN)

    template = Template.from_stack(stack)
    tenant_id = logical_id_of(tenant)
    identity_id = logical_id_of(identity)
    config_id = logical_id_of(configuration_set)
    associations = resources_of(template, contract.ASSOCIATION_RESOURCE_TYPE)
    assert len(associations) == 3
    for association in associations.values():
        assert association["Properties"][contract.PROP_TENANT_NAME] == {
            "Fn::GetAtt": [tenant_id, contract.ATTR_TENANT_NAME]
        }
    arns = [str(a["Properties"][contract.PROP_RESOURCE_ARN]) for a in associations.values()]
    assert any(f"'Ref': '{identity_id}'" in arn and ":identity/" in arn for arn in arns)
    assert any(f"'Ref': '{config_id}'" in arn and ":configuration-set/" in arn for arn in arns)
    assert TEMPLATE_ARN in arns


def test_association_ids_are_stable_across_synths() -> None:
    def association_ids() -> set[str]:
        stack = new_stack()
        identity = ses.EmailIdentity(stack, "Id", identity=ses.Identity.domain("a.example.com"))
        tenant = Tenant(stack, "Acme", tenant_name="acme")
        tenant.associate(identity)
        tenant.associate(TEMPLATE_ARN)
        return set(resources_of(Template.from_stack(stack), contract.ASSOCIATION_RESOURCE_TYPE))

    assert association_ids() == association_ids()


def test_cfn_template_is_associated_by_its_arn() -> None:
    stack = new_stack()
    email_template = ses.CfnTemplate(
        stack,
        "Welcome",
        template=ses.CfnTemplate.TemplateProperty(template_name="welcome", subject_part="Hi"),
    )
    tenant = Tenant(stack, "Acme", tenant_name="acme")
    tenant.associate(email_template)
    template_id = logical_id_of(email_template)
    _, association = only(
        resources_of(Template.from_stack(stack), contract.ASSOCIATION_RESOURCE_TYPE)
    )
    arn = str(association["Properties"][contract.PROP_RESOURCE_ARN])
    assert ":template/" in arn
    assert f"'Ref': '{template_id}'" in arn


def test_associating_the_same_resource_twice_is_a_synth_error() -> None:
    stack = new_stack()
    identity = ses.EmailIdentity(stack, "Identity", identity=ses.Identity.domain("a.example.com"))
    tenant = Tenant(stack, "Acme", tenant_name="acme")
    tenant.associate(identity)
    with pytest.raises(SesTenantsValidationError, match=r"TestStack/Acme.*associate.*already"):
        tenant.associate(identity)
    tenant.associate(TEMPLATE_ARN)
    with pytest.raises(SesTenantsValidationError, match="already associated"):
        tenant.associate(TEMPLATE_ARN)


def test_associating_a_non_ses_arn_is_a_synth_error() -> None:
    stack = new_stack()
    tenant = Tenant(stack, "Acme", tenant_name="acme")
    with pytest.raises(SesTenantsValidationError, match=r"resource_arn.*not the ARN of an SES"):
        tenant.associate("arn:aws:s3:::my-bucket")
    with pytest.raises(SesTenantsValidationError, match="resource_arn"):
        tenant.associate("arn:aws:ses:us-east-1:123456789012:dedicated-ip-pool/pool")


SEND_ACTIONS = ["ses:SendBulkEmail", "ses:SendEmail", "ses:SendRawEmail"]


def _worker_statements(stack: cdk.Stack) -> list[dict]:
    policies = resources_of(Template.from_stack(stack), "AWS::IAM::Policy")
    worker_policy = next(p for name, p in policies.items() if name.startswith("WorkerDefault"))
    return worker_policy["Properties"]["PolicyDocument"]["Statement"]


def _worker(stack: cdk.Stack) -> iam.Role:
    return iam.Role(stack, "Worker", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))


def test_grant_send_is_scoped_to_the_tenant_and_its_resources() -> None:
    stack = new_stack()
    identity = ses.EmailIdentity(stack, "Identity", identity=ses.Identity.domain("a.example.com"))
    tenant = Tenant(stack, "Acme", tenant_name="acme")
    role = _worker(stack)
    tenant.associate(identity)
    tenant.grant_send(role)
    tenant.associate(TEMPLATE_ARN)  # after the grant: still covered

    tenant_id = logical_id_of(tenant)
    (statement,) = _worker_statements(stack)
    assert sorted(statement["Action"]) == SEND_ACTIONS
    assert statement["Condition"] == {
        "StringEquals": {"ses:TenantName": {"Fn::GetAtt": [tenant_id, "TenantName"]}}
    }
    resources = statement["Resource"]
    assert TEMPLATE_ARN in resources
    assert any(":identity/" in str(resource) for resource in resources)
    assert len(resources) == 2
    assert "*" not in str(resources)


def test_grant_send_before_any_association_is_one_grant_that_covers_later_ones() -> None:
    stack = new_stack()
    tenant = Tenant(stack, "Acme", tenant_name="acme")
    grant = tenant.grant_send(_worker(stack))
    assert grant.success
    assert len(grant.principal_statements) == 1
    tenant.associate(TEMPLATE_ARN)
    (statement,) = _worker_statements(stack)
    assert statement["Resource"] == [TEMPLATE_ARN]
    assert sorted(statement["Action"]) == SEND_ACTIONS


def test_grant_send_on_a_tenant_left_without_associations_fails_synth() -> None:
    stack = new_stack()
    tenant = Tenant(stack, "Acme", tenant_name="acme")
    tenant.grant_send(_worker(stack))
    with pytest.raises(Exception, match=r"Tenant 'TestStack/Acme': grant_send: .*no resource"):
        Template.from_stack(stack)


def test_two_grantees_each_get_one_statement() -> None:
    stack = new_stack()
    tenant = Tenant(stack, "Acme", tenant_name="acme")
    tenant.grant_send(_worker(stack))
    other = iam.Role(stack, "Other", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    tenant.grant_send(other)
    tenant.associate(TEMPLATE_ARN)
    policies = resources_of(Template.from_stack(stack), "AWS::IAM::Policy")
    for name in ("WorkerDefault", "OtherDefault"):
        policy = next(p for key, p in policies.items() if key.startswith(name))
        (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
        assert statement["Resource"] == [TEMPLATE_ARN]


def test_imported_tenant() -> None:
    stack = new_stack()
    arn = "arn:aws:ses:us-east-1:123456789012:tenant/acme/tn-0123"
    imported = Tenant.from_tenant_attributes(stack, "Imported", tenant_name="acme", tenant_arn=arn)
    assert imported.tenant_name == "acme"
    assert imported.tenant_arn == arn
    by_name = Tenant.from_tenant_name(stack, "ByName", "acme")
    with pytest.raises(SesTenantsValidationError, match="tenant_arn") as raised:
        _ = by_name.tenant_arn
    assert str(raised.value).startswith("imported Tenant 'TestStack/ByName': tenant_arn:")
    assert "_Imported" not in str(raised.value)
    by_name.grant_send(_worker(stack))
    (statement,) = _worker_statements(stack)
    assert sorted(statement["Action"]) == SEND_ACTIONS
    assert statement["Condition"] == {"StringEquals": {"ses:TenantName": "acme"}}
    rendered = str(statement["Resource"])
    for resource_type in ("identity", "configuration-set", "template"):
        assert f":123456789012:{resource_type}/*" in rendered


@pytest.mark.parametrize(
    ("kwargs", "prop", "rule"),
    [
        ({"tenant_name": "has space"}, "tenant_name", "is invalid: use 1-64 characters"),
        ({"tenant_name": ""}, "tenant_name", "is invalid: use 1-64 characters"),
        ({"tenant_name": "x" * 65}, "tenant_name", "is invalid: use 1-64 characters"),
        (
            {"tenant_name": "ok", "tags": {f"k{i}": "v" for i in range(50)}},
            "tags",
            "50 tags; at most 49 are allowed",
        ),
        ({"tenant_name": "ok", "tags": {"aws:cost": "1"}}, "tags", "reserved by AWS"),
        ({"tenant_name": "ok", "tags": {contract.OWNER_TAG_KEY: "me"}}, "tags", "reserved"),
        (
            {"tenant_name": "ok", "suppression": SuppressionScope.TENANT},
            "suppression",
            "is not a Suppression",
        ),
        (
            {
                "tenant_name": "ok",
                "suppression": Suppression.tenant(
                    SuppressionReason.BOUNCE, SuppressionReason.BOUNCE
                ),
            },
            "suppression",
            "more than once",
        ),
        (
            {"tenant_name": "ok", "suppression": Suppression("TENANT")},
            "suppression",
            "not one of",
        ),
        ({"tenant_name": "ok", "reputation_policy": "strict"}, "reputation_policy", "not one of"),
        ({"tenant_name": "ok", "sending_status": "PAUSED"}, "sending_status", "not one of"),
        (
            {"tenant_name": "ok", "suppression": Suppression.tenant("BOUNCE")},
            "suppression",
            "not one of",
        ),
    ],
)
def test_invalid_input_names_construct_property_and_rule(
    kwargs: dict, prop: str, rule: str
) -> None:
    stack = new_stack()
    with pytest.raises(SesTenantsValidationError) as raised:
        Tenant(stack, "Acme", **kwargs)
    message = str(raised.value)
    assert "TestStack/Acme" in message
    assert re.search(rf"\b{prop}\b", message)
    assert rule in message


def test_token_values_are_left_to_the_handler() -> None:
    stack = new_stack()
    name = cdk.CfnParameter(stack, "TenantName").value_as_string
    Tenant(stack, "Acme", tenant_name=name)
    properties = _tenant_properties(Template.from_stack(stack))
    assert properties[contract.PROP_TENANT_NAME] == {"Ref": "TenantName"}
