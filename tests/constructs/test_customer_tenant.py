"""Template assertions for CustomerTenant, the per-customer pattern."""

from __future__ import annotations

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
    TenantProps,
)
from ses_tenants._handler import contract
from ses_tenants.customer_tenant import CustomerTenant, EmailTemplate
from tests.constructs.helpers import logical_id_of, new_stack, only, resources_of


def _customer(stack: cdk.Stack, **kwargs: object) -> CustomerTenant:
    return CustomerTenant(
        stack, "Customer", tenant_name="acme", domain="mail.acme.example.com", **kwargs
    )


def test_creates_and_associates_everything_a_customer_sends_with() -> None:
    stack = new_stack()
    customer = _customer(
        stack,
        dedicated_ip_pool=True,
        templates=[EmailTemplate(name="welcome", subject="Hi", text="Hello")],
    )
    template = Template.from_stack(stack)

    identity_id, identity = only(resources_of(template, "AWS::SES::EmailIdentity"))
    assert identity["Properties"]["EmailIdentity"] == "mail.acme.example.com"
    assert "DkimSigningAttributes" not in identity["Properties"]  # Easy DKIM: SES's default
    pool_id, pool = only(resources_of(template, "AWS::SES::DedicatedIpPool"))
    assert pool["Properties"]["ScalingMode"] == "MANAGED"
    config_id, config = only(resources_of(template, "AWS::SES::ConfigurationSet"))
    assert config["Properties"]["DeliveryOptions"]["SendingPoolName"] == {"Ref": pool_id}
    template_id, _ = only(resources_of(template, "AWS::SES::Template"))

    associations = resources_of(template, contract.ASSOCIATION_RESOURCE_TYPE)
    rendered = [str(a["Properties"][contract.PROP_RESOURCE_ARN]) for a in associations.values()]
    assert len(rendered) == 3
    for logical_id in (identity_id, config_id, template_id):
        assert sum(f"'Ref': '{logical_id}'" in arn for arn in rendered) == 1
    assert logical_id_of(customer.identity) == identity_id


def test_shared_pool_is_routed_through_the_configuration_set() -> None:
    stack = new_stack()
    shared = ses.DedicatedIpPool.from_dedicated_ip_pool_name(stack, "Shared", "platform-shared")
    _customer(stack, shared_ip_pool=shared)
    template = Template.from_stack(stack)
    assert not resources_of(template, "AWS::SES::DedicatedIpPool")
    _, config = only(resources_of(template, "AWS::SES::ConfigurationSet"))
    assert config["Properties"]["DeliveryOptions"]["SendingPoolName"] == "platform-shared"


def test_outputs_are_left_to_the_app() -> None:
    stack = new_stack()
    _customer(stack, dedicated_ip_pool=True)
    assert Template.from_stack(stack).find_outputs("*") == {}


def test_tenant_options_given_once_as_props() -> None:
    stack = new_stack()
    shared = ses.DedicatedIpPool.from_dedicated_ip_pool_name(stack, "Shared", "platform-shared")
    options = {
        "reputation_policy": ReputationPolicy.STRICT,
        "sending_status": SendingStatus.DISABLED,
        "suppression": Suppression.tenant(SuppressionReason.BOUNCE),
        "tags": {"customer-id": "42"},
        "removal_policy": cdk.RemovalPolicy.RETAIN,
        "adopt_existing": True,
    }
    by_props = CustomerTenant(
        stack,
        "ByProps",
        tenant=TenantProps(tenant_name="acme", **options),
        domain="a.example.com",
        shared_ip_pool=shared,
    )
    other = new_stack("Other")
    by_keywords = CustomerTenant(
        other,
        "ByProps",
        tenant_name="acme",
        domain="a.example.com",
        shared_ip_pool=shared,
        **options,
    )
    rendered = [
        Template.from_stack(s).to_json()["Resources"][logical_id_of(c.tenant)]
        for s, c in ((stack, by_props), (other, by_keywords))
    ]
    assert rendered[0] == rendered[1]
    assert rendered[0]["DeletionPolicy"] == "Retain"
    assert rendered[0]["Properties"][contract.PROP_REPUTATION_POLICY] == "strict"
    assert by_props.tenant.declared_tenant_name == "acme"


def test_tenant_options_are_not_given_twice() -> None:
    stack = new_stack()
    with pytest.raises(SesTenantsValidationError, match=r"tenant: .*not both.*sending_status"):
        CustomerTenant(
            stack,
            "Customer",
            tenant=TenantProps(tenant_name="acme"),
            domain="a.example.com",
            sending_status=SendingStatus.DISABLED,
        )
    with pytest.raises(SesTenantsValidationError, match="tenant: give tenant=TenantProps"):
        CustomerTenant(stack, "Other", domain="a.example.com")


def test_grant_send_covers_identity_and_configuration_set() -> None:
    stack = new_stack()
    customer = _customer(stack)
    role = iam.Role(stack, "Worker", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    customer.grant_send(role)
    policies = resources_of(Template.from_stack(stack), "AWS::IAM::Policy")
    rendered = str(policies[next(k for k in policies if k.startswith("Worker"))])
    assert ":identity/" in rendered
    assert ":configuration-set/" in rendered
    assert "ses:TenantName" in rendered


def test_pool_choices_are_exclusive() -> None:
    stack = new_stack()
    shared = ses.DedicatedIpPool.from_dedicated_ip_pool_name(stack, "Shared", "platform-shared")
    with pytest.raises(SesTenantsValidationError, match=r"Customer.*dedicated_ip_pool"):
        _customer(stack, dedicated_ip_pool=True, shared_ip_pool=shared)


def test_template_without_body_is_rejected() -> None:
    stack = new_stack()
    with pytest.raises(SesTenantsValidationError, match=r"templates.*'empty' needs html or text"):
        _customer(stack, templates=[EmailTemplate(name="empty", subject="Hi")])
