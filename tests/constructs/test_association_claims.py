"""Association ids that do not depend on how an ARN renders, and one claim per pair per app."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ses as ses
from aws_cdk.assertions import Template

from ses_tenants import SesTenantsValidationError, Tenant
from ses_tenants._handler import contract
from ses_tenants.association import TenantResourceAssociation, association_id
from tests.constructs.helpers import ACCOUNT, REGION, resources_of

CONFIGURATION_SET_ARN = f"arn:aws:ses:{REGION}:{ACCOUNT}:configuration-set/acme-set"


def _customer_stack(app: cdk.App, name: str, env: cdk.Environment | None) -> cdk.Stack:
    stack = cdk.Stack(app, name, env=env)
    tenant = Tenant(stack, "Acme", tenant_name=f"acme-{name.lower()}")
    tenant.associate(ses.EmailIdentity(stack, "Id", identity=ses.Identity.domain("example.com")))
    tenant.associate(ses.ConfigurationSet(stack, "Named", configuration_set_name="acme-set"))
    tenant.associate(ses.ConfigurationSet(stack, "Unnamed"))
    template = ses.CfnTemplate(
        stack,
        "Welcome",
        template=ses.CfnTemplate.TemplateProperty(template_name="welcome", subject_part="Hi"),
    )
    tenant.associate(template)
    tenant.associate(f"arn:aws:ses:{REGION}:{ACCOUNT}:template/literal")
    return stack


def test_association_ids_do_not_change_when_the_stack_gets_an_environment() -> None:
    # Adding env= renders ARNs with literals instead of pseudo parameters; a new logical id
    # would make CloudFormation create the "new" association and delete the old one.
    app = cdk.App()
    agnostic = _customer_stack(app, "Agnostic", None)
    pinned = _customer_stack(app, "Pinned", cdk.Environment(account=ACCOUNT, region=REGION))

    def association_ids(stack: cdk.Stack) -> set[str]:
        template = Template.from_stack(stack)
        return set(resources_of(template, contract.ASSOCIATION_RESOURCE_TYPE))

    assert len(association_ids(agnostic)) == 5
    assert association_ids(agnostic) == association_ids(pinned)


@pytest.mark.parametrize("construct_first", [True, False])
def test_a_construct_and_the_literal_arn_of_the_same_resource_are_one_pair(
    construct_first: bool,
) -> None:
    stack = cdk.Stack(cdk.App(), "Stack")
    tenant = Tenant(stack, "Acme", tenant_name="acme")
    configuration_set = ses.ConfigurationSet(stack, "Set", configuration_set_name="acme-set")
    first, second = (
        (configuration_set, CONFIGURATION_SET_ARN)
        if construct_first
        else (CONFIGURATION_SET_ARN, configuration_set)
    )
    tenant.associate(first)

    with pytest.raises(SesTenantsValidationError) as raised:
        tenant.associate(second)

    assert raised.value.prop == "resource_arn"
    assert "is already associated with tenant 'acme' by 'Stack/Acme/Association" in (
        raised.value.rule
    )


def test_associating_an_unnamed_and_a_named_resource_of_one_type_is_fine() -> None:
    stack = cdk.Stack(cdk.App(), "Stack")
    tenant = Tenant(stack, "Acme", tenant_name="acme")
    tenant.associate(ses.ConfigurationSet(stack, "Unnamed"))
    tenant.associate(CONFIGURATION_SET_ARN)

    assert len(resources_of(Template.from_stack(stack), contract.ASSOCIATION_RESOURCE_TYPE)) == 2


def test_two_stacks_claiming_the_same_pair_fail_at_synth() -> None:
    app = cdk.App()
    owner = cdk.Stack(app, "Owner")
    Tenant(owner, "Acme", tenant_name="acme").associate(CONFIGURATION_SET_ARN)
    other = cdk.Stack(app, "Other")
    imported = Tenant.from_tenant_name(other, "Imported", "acme")

    with pytest.raises(SesTenantsValidationError) as raised:
        TenantResourceAssociation(
            other, "Same", tenant=imported, resource_arn=CONFIGURATION_SET_ARN
        )

    assert raised.value.construct_path == "Other/Same"
    assert raised.value.prop == "resource_arn"
    assert raised.value.rule == (
        "configuration-set/acme-set is already associated with tenant 'acme' by "
        f"'Owner/Acme/{association_id('configuration-set/acme-set')}'. Declare each "
        "association once in an app: removing either one would remove it from SES for both."
    )


def test_the_same_resource_may_be_associated_with_several_tenants() -> None:
    stack = cdk.Stack(cdk.App(), "Stack")
    for name in ("acme", "globex"):
        Tenant(stack, name, tenant_name=name).associate(CONFIGURATION_SET_ARN)

    template = Template.from_stack(stack)
    assert len(resources_of(template, contract.ASSOCIATION_RESOURCE_TYPE)) == 2


def test_unnamed_resources_of_the_same_path_in_two_stacks_are_not_one_pair() -> None:
    # Their Refs look alike ({"Ref": "Unnamed..."}) but name different configuration sets.
    app = cdk.App()
    for name in ("First", "Second"):
        stack = cdk.Stack(app, name)
        tenant = Tenant.from_tenant_name(stack, "Imported", "acme")
        TenantResourceAssociation(
            stack,
            "Association",
            tenant=tenant,
            resource_arn=stack.format_arn(
                service="ses",
                resource="configuration-set",
                resource_name=ses.ConfigurationSet(stack, "Unnamed").configuration_set_name,
            ),
        )

    assert len(resources_of(Template.from_stack(stack), contract.ASSOCIATION_RESOURCE_TYPE)) == 1
