"""Parsing and validation of the properties CloudFormation sends (all strings)."""

from __future__ import annotations

from typing import Any

import pytest

from ses_tenants._handler import contract, rules
from ses_tenants._handler.errors import InvalidProperties
from ses_tenants._handler.properties import (
    AssociationSpec,
    Suppression,
    TenantSpec,
    is_valid_tenant_name,
    parse_association_physical_id,
    parse_association_properties,
    parse_tenant_properties,
)
from tests.handler.handler_fakes import SERVICE_TOKEN, tenant_properties

IDENTITY_ARN = "arn:aws:ses:us-east-1:123456789012:identity/example.com"
POOL_ARN = "arn:aws:ses:us-east-1:123456789012:dedicated-ip-pool/p"


def tags(count: int) -> list[dict[str, str]]:
    return [{"Key": f"k{i}", "Value": f"v{i}"} for i in range(count)]


def invalid(properties: dict[str, Any]) -> str:
    with pytest.raises(InvalidProperties) as raised:
        parse_tenant_properties(properties)
    return str(raised.value)


def test_minimal_properties_take_ses_defaults_and_ignore_the_service_token() -> None:
    spec = parse_tenant_properties(
        {"ServiceToken": SERVICE_TOKEN, contract.PROP_TENANT_NAME: "acme"}
    )

    assert spec == TenantSpec(
        name="acme",
        reputation_policy=contract.DEFAULT_REPUTATION_POLICY,
        sending_status=contract.DEFAULT_SENDING_STATUS,
        suppression=None,
        tags={},
        adopt_existing=False,
    )


def test_full_properties_are_parsed_from_strings() -> None:
    spec = parse_tenant_properties(
        {
            **tenant_properties("acme_Corp-1"),
            contract.PROP_REPUTATION_POLICY: "strict",
            contract.PROP_SENDING_STATUS: "DISABLED",
            contract.PROP_SUPPRESSION_SCOPE: "TENANT",
            contract.PROP_SUPPRESSED_REASONS: ["COMPLAINT", "BOUNCE"],
            contract.PROP_TAGS: [{"Key": "team", "Value": "mail"}, {"Key": "e", "Value": ""}],
            contract.PROP_ADOPT_EXISTING: "true",
        }
    )

    assert spec == TenantSpec(
        name="acme_Corp-1",
        reputation_policy="strict",
        sending_status="DISABLED",
        suppression=Suppression(scope="TENANT", reasons=("BOUNCE", "COMPLAINT")),
        tags={"team": "mail", "e": ""},
        adopt_existing=True,
    )


@pytest.mark.parametrize(("raw", "parsed"), [("true", True), ("false", False), ("False", False)])
def test_adopt_existing_is_parsed_from_its_string(raw: str, parsed: bool) -> None:
    properties = tenant_properties(adopt_existing=raw)
    assert parse_tenant_properties(properties).adopt_existing is parsed


def test_a_scope_without_reasons_means_no_reasons() -> None:
    spec = parse_tenant_properties(tenant_properties(suppression_scope="ACCOUNT"))
    assert spec.suppression == Suppression(scope="ACCOUNT", reasons=())


def test_empty_reasons_with_a_scope_are_allowed() -> None:
    properties = tenant_properties(suppression_scope="TENANT", suppressed_reasons=[])
    assert parse_tenant_properties(properties).suppression == Suppression("TENANT", ())


@pytest.mark.parametrize(
    ("properties", "expected"),
    [
        ({"ServiceToken": SERVICE_TOKEN}, "TenantName is required"),
        (tenant_properties("acme corp"), "TenantName 'acme corp' is invalid: use 1-64"),
        (tenant_properties("a" * 65), "is invalid: use 1-64 characters"),
        (tenant_properties("acme\n"), "TenantName 'acme\\n' is invalid: use 1-64"),
        (tenant_properties("ac\nme"), "TenantName 'ac\\nme' is invalid"),
        (
            tenant_properties(reputation_policy="STRICT"),
            "ReputationPolicy 'STRICT' is not one of none, standard, strict",
        ),
        (
            tenant_properties(sending_status="PAUSED"),
            "SendingStatus 'PAUSED' is not one of ENABLED, DISABLED, REINSTATED",
        ),
        (
            tenant_properties(adopt_existing="yes"),
            'AdoptExisting \'yes\' must be "true" or "false"',
        ),
        (
            tenant_properties(suppression_scope="GLOBAL"),
            "SuppressionScope 'GLOBAL' is not one of ACCOUNT, TENANT",
        ),
        (
            tenant_properties(suppressed_reasons=["BOUNCE"]),
            "SuppressedReasons needs SuppressionScope",
        ),
        (
            tenant_properties(suppression_scope="TENANT", suppressed_reasons=["BOUNCE", "BOUNCE"]),
            "SuppressedReasons lists BOUNCE more than once",
        ),
        (
            tenant_properties(suppression_scope="TENANT", suppressed_reasons=["SPAM"]),
            "SuppressedReasons ['SPAM'] are not among BOUNCE, COMPLAINT",
        ),
        (
            tenant_properties(suppression_scope="TENANT", suppressed_reasons="BOUNCE"),
            "must be a list",
        ),
        (tenant_properties(tags={"team": "mail"}), "Tags must be a list of"),
        (
            tenant_properties(tags=[{"Key": "aws:cloudformation:stack-name", "Value": "x"}]),
            "reserved by AWS",
        ),
        (tenant_properties(tags=[{"Key": "AWS:x", "Value": "x"}]), "reserved by AWS"),
        (tenant_properties(tags=[{"Key": "Aws:x", "Value": "x"}]), "reserved by AWS"),
        (
            tenant_properties(tags=[{"Key": contract.OWNER_TAG_KEY, "Value": "me"}]),
            "is reserved: this library uses",
        ),
        (
            tenant_properties(tags=[{"Key": "SES-Tenants:Owner", "Value": "me"}]),
            "is reserved: this library uses",
        ),
        (tenant_properties(tags=[{"Key": "", "Value": "x"}]), "must be 1-128 characters"),
        (
            tenant_properties(tags=[{"Key": "k" * 129, "Value": "x"}]),
            "(129 characters) must be 1-128 characters",
        ),
        (tenant_properties(tags=[{"Key": "k", "Value": "v" * 257}]), "longer than 256 characters"),
        (
            tenant_properties(tags=[{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}]),
            "key 'k' appears more than once",
        ),
        (tenant_properties(tags=[{"Key": "k"}, "team=mail"]), "Tags[1] must be"),
        (
            tenant_properties(tags=tags(contract.MAX_USER_TAGS + 1)),
            "Tags: 50 tags; at most 49 are allowed",
        ),
    ],
)
def test_invalid_tenant_properties_are_rejected_with_the_rule(
    properties: dict[str, Any], expected: str
) -> None:
    assert expected in invalid(properties)


def test_the_failure_names_the_tenant_and_every_problem() -> None:
    message = invalid(tenant_properties("acme", reputation_policy="lax", sending_status="OFF"))

    assert message.startswith("Invalid properties for tenant 'acme': ")
    assert "ReputationPolicy 'lax'" in message
    assert "SendingStatus 'OFF'" in message


def test_the_maximum_number_of_user_tags_is_allowed() -> None:
    spec = parse_tenant_properties(tenant_properties(tags=tags(contract.MAX_USER_TAGS)))
    assert len(spec.tags) == contract.MAX_USER_TAGS


def test_unknown_properties_are_ignored() -> None:
    assert parse_tenant_properties(tenant_properties(Salt="2")).name == "acme"


def test_association_properties() -> None:
    spec = parse_association_properties(
        {
            "ServiceToken": SERVICE_TOKEN,
            contract.PROP_TENANT_NAME: "acme",
            contract.PROP_RESOURCE_ARN: IDENTITY_ARN,
        }
    )

    assert spec == AssociationSpec(tenant_name="acme", resource_arn=IDENTITY_ARN)
    assert spec.physical_id == f"acme|{IDENTITY_ARN}"
    assert parse_association_physical_id(spec.physical_id) == spec


@pytest.mark.parametrize(
    ("properties", "expected"),
    [
        ({contract.PROP_RESOURCE_ARN: IDENTITY_ARN}, "TenantName is required"),
        ({contract.PROP_TENANT_NAME: "acme"}, "ResourceArn is required"),
        (
            {
                contract.PROP_TENANT_NAME: "acme",
                contract.PROP_RESOURCE_ARN: POOL_ARN,
            },
            "is not the ARN of an SES email identity, configuration set or email template",
        ),
        (
            {contract.PROP_TENANT_NAME: "acme", contract.PROP_RESOURCE_ARN: "arn:aws:s3:::bucket"},
            "is not the ARN of an SES",
        ),
        (
            {contract.PROP_TENANT_NAME: "acme", contract.PROP_RESOURCE_ARN: IDENTITY_ARN + "\n"},
            "is not the ARN of an SES",
        ),
        (
            {contract.PROP_TENANT_NAME: "acme\n", contract.PROP_RESOURCE_ARN: IDENTITY_ARN},
            "TenantName 'acme\\n' is invalid",
        ),
    ],
)
def test_invalid_association_properties_are_rejected(
    properties: dict[str, Any], expected: str
) -> None:
    with pytest.raises(InvalidProperties, match="Invalid properties for") as raised:
        parse_association_properties(properties)
    assert expected in str(raised.value)


@pytest.mark.parametrize(
    "physical_id", ["", "acme", "not a tenant|arn", "acme|", f"acme\n|{IDENTITY_ARN}"]
)
def test_foreign_physical_ids_are_not_associations(physical_id: str) -> None:
    assert parse_association_physical_id(physical_id) is None


@pytest.mark.parametrize("name", ["acme\n", "acme\r\n", "\nacme", "", "a" * 65, 42, None])
def test_a_name_outside_the_rule_is_not_a_tenant_name(name: object) -> None:
    assert not is_valid_tenant_name(name)


def test_every_rule_reaches_the_report_in_its_own_words() -> None:
    """The handler reports each problem with the words of `rules`, which the constructs use
    at synth too."""
    bad_tags = [{"Key": "aws:x", "Value": "1"}, {"Key": "k", "Value": "v" * 257}]
    name = "acme\n"
    message = invalid(tenant_properties(name, tags=bad_tags))
    assert f"TenantName {rules.tenant_name_problem(name)}" in message
    assert f"Tags[0]: {rules.tag_problem('aws:x', '1')}" in message
    assert f"Tags[1]: {rules.tag_problem('k', 'v' * 257)}" in message
    too_many = invalid(tenant_properties(tags=tags(contract.MAX_USER_TAGS + 1)))
    assert f"Tags: {rules.tag_count_problem(contract.MAX_USER_TAGS + 1)}" in too_many
