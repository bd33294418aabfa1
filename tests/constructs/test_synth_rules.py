"""The rules the handler enforces at deploy fail at synth, with the same words.

Each rule lives once, in the handler's `rules` module; the constructs raise
SesTenantsValidationError with its text, naming the construct path and the property.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ses as ses
from aws_cdk.assertions import Template

from ses_tenants import SesTenantsValidationError, Tenant
from ses_tenants._handler import contract, rules
from ses_tenants._handler.errors import InvalidProperties
from ses_tenants._handler.properties import parse_tenant_properties
from ses_tenants.app_registry import AppRegistry
from ses_tenants.customer_tenant import CustomerTenant
from tests.constructs.helpers import ACCOUNT, REGION, new_stack, only, resources_of
from tests.handler.handler_fakes import tenant_properties

ENV = cdk.Environment(account=ACCOUNT, region=REGION)

BAD_TAGS = [
    pytest.param("", "v", id="empty key"),
    pytest.param("k" * 129, "v", id="key over 128"),
    pytest.param("k", "v" * 257, id="value over 256"),
    pytest.param("aws:cost", "1", id="aws prefix"),
    pytest.param("AWS:cost", "1", id="AWS prefix"),
    pytest.param("Aws:Cost", "1", id="Aws prefix"),
    pytest.param(contract.OWNER_TAG_KEY, "me", id="ownership key"),
    pytest.param(contract.OWNER_TAG_KEY.upper(), "me", id="ownership key upper case"),
    pytest.param("SES-Tenants:Owner", "me", id="ownership key mixed case"),
    pytest.param("SES-Tenants:Adopted-From", "x", id="adoption record key mixed case"),
]
#: Tags.of() refuses an empty key itself.
BAD_TAGS_OF = [param for param in BAD_TAGS if param.values[0]]


def _raised(build: Callable[[], object]) -> SesTenantsValidationError:
    with pytest.raises(SesTenantsValidationError) as raised:
        build()
    return raised.value


def _synth_failure(app: cdk.App) -> str:
    with pytest.raises(RuntimeError) as raised:
        app.synth()
    return str(raised.value)


def _tenant_properties(template: Template) -> dict:
    _, resource = only(resources_of(template, contract.TENANT_RESOURCE_TYPE))
    return resource["Properties"]


# Tenant name


@pytest.mark.parametrize("name", ["acme\n", "acme\r\n", "\nacme", "ac\nme", "has space", ""])
def test_a_tenant_name_outside_the_rule_fails_at_synth(name: str) -> None:
    error = _raised(lambda: Tenant(new_stack(), "Acme", tenant_name=name))
    assert error.construct_path == "TestStack/Acme"
    assert error.prop == "tenant_name"
    assert error.rule == rules.tenant_name_problem(name)


def test_the_handler_refuses_a_tenant_name_with_a_trailing_newline_too() -> None:
    with pytest.raises(InvalidProperties) as raised:
        parse_tenant_properties(tenant_properties("acme\n"))
    assert str(rules.tenant_name_problem("acme\n")) in str(raised.value)


@pytest.mark.parametrize("name", ["a", "acme_corp-2", "x" * 64])
def test_tenant_names_within_the_rule_pass(name: str) -> None:
    assert rules.tenant_name_problem(name) is None
    Tenant(new_stack(), "Acme", tenant_name=name)


# Tags given to the constructor


@pytest.mark.parametrize(("key", "value"), BAD_TAGS)
def test_a_bad_tag_fails_in_the_constructor_with_the_handlers_rule(key: str, value: str) -> None:
    error = _raised(lambda: Tenant(new_stack(), "Acme", tenant_name="acme", tags={key: value}))
    problem = rules.tag_problem(key, value)
    assert problem is not None
    assert (error.construct_path, error.prop, error.rule) == ("TestStack/Acme", "tags", problem)
    assert str(error).startswith(f"Tenant 'TestStack/Acme': tags: {problem}")
    # The same words fail the deploy when the handler meets the same tag.
    with pytest.raises(InvalidProperties) as raised:
        parse_tenant_properties(tenant_properties(tags=[{"Key": key, "Value": value}]))
    assert problem in str(raised.value)


def test_tags_at_the_limits_pass() -> None:
    stack = new_stack()
    tags = {"k" * 128: "v" * 256, "empty": ""}
    tags.update({f"k{i}": "v" for i in range(contract.MAX_USER_TAGS - len(tags))})
    Tenant(stack, "Acme", tenant_name="acme", tags=tags)
    cdk.Stage.of(stack).synth()  # type: ignore[union-attr]


def test_too_many_tags_in_the_constructor_fail_with_the_handlers_rule() -> None:
    tags = {f"k{i}": "v" for i in range(contract.MAX_USER_TAGS + 1)}
    error = _raised(lambda: Tenant(new_stack(), "Acme", tenant_name="acme", tags=tags))
    assert error.prop == "tags"
    assert error.rule == rules.tag_count_problem(len(tags))
    assert "50 tags" in error.rule and "at most 49" in error.rule


def test_a_token_tag_key_is_left_to_the_handler() -> None:
    stack = new_stack()
    key = cdk.CfnParameter(stack, "Key").value_as_string
    Tenant(stack, "Acme", tenant_name="acme", tags={key: "v"})
    Template.from_stack(stack)


# Resource ARNs


def test_an_arn_outside_the_rule_fails_with_the_handlers_rule() -> None:
    tenant = Tenant(new_stack(), "Acme", tenant_name="acme")
    arn = "arn:aws:ses:us-east-1:123456789012:identity/example.com\n"
    error = _raised(lambda: tenant.associate(arn))
    assert error.prop == "resource_arn"
    assert error.rule == rules.resource_arn_problem(arn)
    assert "a dedicated IP pool is reached through a configuration set" in error.rule


# Tags added with Tags.of(): they reach the tenant after its constructor, so they are
# checked when the app is synthesized.


def test_tags_of_scope_count_towards_the_limit_at_synth() -> None:
    stack = new_stack()
    app = cdk.Stage.of(stack)
    assert isinstance(app, cdk.App)
    own = contract.MAX_USER_TAGS - 2
    Tenant(stack, "Acme", tenant_name="acme", tags={f"k{i}": "v" for i in range(own)})
    for name in ("team", "cost-centre", "env"):
        cdk.Tags.of(app).add(name, "x")

    message = _synth_failure(app)

    assert "Tenant 'TestStack/Acme': tags:" in message
    assert str(rules.tag_count_problem(own + 3)) in message


def test_tags_of_scope_up_to_the_limit_pass() -> None:
    stack = new_stack()
    own = contract.MAX_USER_TAGS - 2
    Tenant(stack, "Acme", tenant_name="acme", tags={f"k{i}": "v" for i in range(own)})
    cdk.Tags.of(stack).add("team", "x")
    cdk.Tags.of(stack).add("k0", "overrides an own tag, so it adds none")
    cdk.Tags.of(stack).add("env", "x")
    properties = _tenant_properties(Template.from_stack(stack))
    assert len(properties[contract.PROP_TAGS]) == contract.MAX_USER_TAGS


@pytest.mark.parametrize(("key", "value"), BAD_TAGS_OF)
def test_a_bad_tag_from_tags_of_fails_at_synth(key: str, value: str) -> None:
    stack = new_stack()
    app = cdk.Stage.of(stack)
    assert isinstance(app, cdk.App)
    Tenant(stack, "Acme", tenant_name="acme")
    cdk.Tags.of(app).add(key, value)

    message = _synth_failure(app)

    assert "Tenant 'TestStack/Acme': tags:" in message
    assert str(rules.tag_problem(key, value)) in message


def test_every_tenant_with_a_bad_tag_from_tags_of_is_named() -> None:
    stack = new_stack()
    app = cdk.Stage.of(stack)
    assert isinstance(app, cdk.App)
    Tenant(stack, "Acme", tenant_name="acme")
    Tenant(stack, "Globex", tenant_name="globex")
    cdk.Tags.of(app).add("AWS:team", "mail")

    message = _synth_failure(app)

    assert "Tenant 'TestStack/Acme': tags:" in message
    assert "Tenant 'TestStack/Globex': tags:" in message


# Two tenants of one name in one app


def test_two_tenants_of_one_name_in_one_stack_fail_naming_both() -> None:
    stack = new_stack()
    Tenant(stack, "Acme", tenant_name="acme")
    error = _raised(lambda: Tenant(stack, "AcmeAgain", tenant_name="acme"))
    assert error.construct_path == "TestStack/AcmeAgain"
    assert error.prop == "tenant_name"
    assert "'TestStack/Acme'" in error.rule
    assert "'acme'" in error.rule


def test_two_tenants_of_one_name_in_two_stacks_fail_naming_both() -> None:
    app = cdk.App()
    Tenant(cdk.Stack(app, "First", env=ENV), "Acme", tenant_name="acme")
    other = cdk.Stack(app, "Second", env=ENV)
    error = _raised(lambda: Tenant(other, "Acme", tenant_name="acme"))
    assert error.construct_path == "Second/Acme"
    assert "'First/Acme'" in error.rule


def test_two_customers_of_one_tenant_name_fail_naming_both() -> None:
    stack = new_stack()
    CustomerTenant(stack, "One", tenant_name="acme", domain="one.example.com")
    error = _raised(
        lambda: CustomerTenant(stack, "Two", tenant_name="acme", domain="two.example.com")
    )
    assert error.construct_path == "TestStack/Two/Tenant"
    assert "'TestStack/One/Tenant'" in error.rule


def test_env_agnostic_stacks_share_one_namespace() -> None:
    app = cdk.App()
    Tenant(cdk.Stack(app, "First"), "Acme", tenant_name="acme")
    error = _raised(lambda: Tenant(cdk.Stack(app, "Second"), "Acme", tenant_name="acme"))
    assert "'First/Acme'" in error.rule


def test_one_name_in_two_regions_or_accounts_is_two_tenants() -> None:
    app = cdk.App()
    for stack_id, account, region in [
        ("UsEast", ACCOUNT, "us-east-1"),
        ("EuWest", ACCOUNT, "eu-west-1"),
        ("OtherAccount", "210987654321", "us-east-1"),
    ]:
        stack = cdk.Stack(app, stack_id, env=cdk.Environment(account=account, region=region))
        Tenant(stack, "Acme", tenant_name="acme")
    app.synth()


def test_a_clash_in_a_second_environment_names_the_tenant_there() -> None:
    app = cdk.App()
    for stack_id, region in [("UsEast", "us-east-1"), ("EuWest", "eu-west-1")]:
        stack = cdk.Stack(app, stack_id, env=cdk.Environment(account=ACCOUNT, region=region))
        Tenant(stack, "Acme", tenant_name="acme")
    again = cdk.Stack(app, "EuWestAgain", env=cdk.Environment(account=ACCOUNT, region="eu-west-1"))
    error = _raised(lambda: Tenant(again, "Acme", tenant_name="acme"))
    assert "'EuWest/Acme'" in error.rule
    assert f"aws://{ACCOUNT}/eu-west-1" in error.rule


def test_one_name_in_two_apps_is_no_clash() -> None:
    Tenant(new_stack(), "Acme", tenant_name="acme")
    Tenant(new_stack(), "Acme", tenant_name="acme")


def test_token_names_and_imported_tenants_claim_nothing() -> None:
    stack = new_stack()
    name = cdk.CfnParameter(stack, "Name").value_as_string
    Tenant(stack, "FromParameter", tenant_name=name)
    Tenant(stack, "FromParameterToo", tenant_name=name)
    Tenant.from_tenant_name(stack, "Imported", "acme")
    Tenant(stack, "Acme", tenant_name="acme")
    Template.from_stack(stack)


def test_the_app_registry_returns_the_holder_of_a_claimed_key() -> None:
    app = cdk.App()
    first = cdk.Stack(app, "First")
    second = cdk.Stack(app, "Second")
    registry = AppRegistry.of(first)

    assert AppRegistry.of(second) is registry
    assert AppRegistry.of(new_stack()) is not registry
    assert registry.claim("tenant name", "acme", first) is None
    assert registry.claim("tenant name", "acme", second) is first
    assert registry.claim("association", "acme", second) is None  # kinds are apart


# associate()


def test_associating_a_dedicated_ip_pool_says_to_associate_its_configuration_set() -> None:
    stack = new_stack()
    tenant = Tenant(stack, "Acme", tenant_name="acme")
    pools: list[Any] = [
        ses.DedicatedIpPool(stack, "Pool"),
        ses.DedicatedIpPool.from_dedicated_ip_pool_name(stack, "Imported", "shared"),
        ses.CfnDedicatedIpPool(stack, "CfnPool"),
    ]
    for pool in pools:
        error = _raised(partial(tenant.associate, pool))
        assert error.construct_path == "TestStack/Acme"
        assert error.prop == "associate"
        assert "dedicated IP pool" in error.rule
        assert "configuration set that routes through" in error.rule


@pytest.mark.parametrize(
    ("make", "described_as"),
    [
        (lambda stack: s3.Bucket(stack, "Bucket"), "'TestStack/Bucket'"),
        (
            lambda stack: ses.CfnEmailIdentity(stack, "Cfn", email_identity="a.example.com"),
            "'TestStack/Cfn'",
        ),
        (lambda stack: 42, "42"),
        (lambda stack: None, "None"),
    ],
)
def test_associating_an_unsupported_object_names_what_is_accepted(
    make: Callable[[cdk.Stack], Any], described_as: str
) -> None:
    stack = new_stack()
    tenant = Tenant(stack, "Acme", tenant_name="acme")
    candidate = make(stack)
    error = _raised(lambda: tenant.associate(candidate))
    assert error.construct_path == "TestStack/Acme"
    assert error.prop == "associate"
    assert described_as in error.rule
    for accepted in ("ses.IEmailIdentity", "ses.IConfigurationSet", "ses.CfnTemplate", "ARN"):
        assert accepted in error.rule


# apply_removal_policy()


@pytest.mark.parametrize(
    ("initial", "applied", "expected"),
    [
        (cdk.RemovalPolicy.DESTROY, cdk.RemovalPolicy.RETAIN, "Retain"),
        (cdk.RemovalPolicy.RETAIN, cdk.RemovalPolicy.DESTROY, "Delete"),
    ],
)
def test_apply_removal_policy_sets_the_tenants_deletion_and_replace_policy(
    initial: cdk.RemovalPolicy, applied: cdk.RemovalPolicy, expected: str
) -> None:
    stack = new_stack()
    tenant = Tenant(stack, "Acme", tenant_name="acme", removal_policy=initial)
    tenant.apply_removal_policy(applied)
    _, resource = only(resources_of(Template.from_stack(stack), contract.TENANT_RESOURCE_TYPE))
    assert resource["DeletionPolicy"] == expected
    assert resource["UpdateReplacePolicy"] == expected
