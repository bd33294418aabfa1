"""The rules the handler enforces at deploy fail at synth, with the same words.

Each rule lives once, in the handler's `rules` module; the constructs raise
SesTenantsValidationError with its text, naming the construct path and the property.
"""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

import contract
import rules
from errors import InvalidProperties
from properties import parse_tenant_properties
from ses_tenants import SesTenantsValidationError, Tenant
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
]
#: Tags.of() refuses an empty key itself.
BAD_TAGS_OF = [param for param in BAD_TAGS if param.values[0]]


def _raised(build: object) -> SesTenantsValidationError:
    with pytest.raises(SesTenantsValidationError) as raised:
        build()  # type: ignore[operator]
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
