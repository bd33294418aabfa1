"""moto's own SES v2 resources as SES treats them: duplicates, missing resources, and the
identity, configuration-set, dedicated-IP-pool and template operations moto lacks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

# Identities


def test_create_email_identity_twice_is_already_exists(sesv2: Any, expect_error: Any) -> None:
    sesv2.create_email_identity(EmailIdentity="mail.example.com")
    expect_error(
        "AlreadyExistsException",
        sesv2.create_email_identity,
        EmailIdentity="mail.example.com",
        status=400,
    )
    listed = sesv2.list_email_identities()["EmailIdentities"]
    assert [i["IdentityName"] for i in listed] == ["mail.example.com"]


def test_an_identity_verified_through_ses_v1_is_taken(
    client_factory: Callable[..., Any], sesv2: Any, expect_error: Any
) -> None:
    client_factory("ses").verify_email_identity(EmailAddress="ops@example.com")
    expect_error(
        "AlreadyExistsException", sesv2.create_email_identity, EmailIdentity="ops@example.com"
    )


def test_create_email_identity_with_a_missing_configuration_set_is_not_found(
    sesv2: Any, expect_error: Any
) -> None:
    expect_error(
        "NotFoundException",
        sesv2.create_email_identity,
        EmailIdentity="mail.example.com",
        ConfigurationSetName="cs-missing",
        message="Configuration set <cs-missing> does not exist.",
        status=404,
    )
    assert sesv2.list_email_identities()["EmailIdentities"] == []

    sesv2.create_configuration_set(ConfigurationSetName="cs-main")
    sesv2.create_email_identity(EmailIdentity="mail.example.com", ConfigurationSetName="cs-main")
    identity = sesv2.get_email_identity(EmailIdentity="mail.example.com")
    assert identity["ConfigurationSetName"] == "cs-main"


def test_identity_default_configuration_set(sesv2: Any, expect_error: Any) -> None:
    sesv2.create_email_identity(EmailIdentity="mail.example.com")
    sesv2.create_configuration_set(ConfigurationSetName="cs-main")

    sesv2.put_email_identity_configuration_set_attributes(
        EmailIdentity="mail.example.com", ConfigurationSetName="cs-main"
    )
    identity = sesv2.get_email_identity(EmailIdentity="mail.example.com")
    assert identity["ConfigurationSetName"] == "cs-main"

    sesv2.put_email_identity_configuration_set_attributes(EmailIdentity="mail.example.com")
    assert "ConfigurationSetName" not in sesv2.get_email_identity(EmailIdentity="mail.example.com")

    expect_error(
        "NotFoundException",
        sesv2.put_email_identity_configuration_set_attributes,
        EmailIdentity="mail.example.com",
        ConfigurationSetName="cs-missing",
        status=404,
    )
    expect_error(
        "NotFoundException",
        sesv2.put_email_identity_configuration_set_attributes,
        EmailIdentity="nobody.example.com",
        ConfigurationSetName="cs-main",
        status=404,
    )


# Dedicated IP pools


def test_create_dedicated_ip_pool_twice_is_already_exists(sesv2: Any, expect_error: Any) -> None:
    sesv2.create_dedicated_ip_pool(PoolName="pool-a", ScalingMode="MANAGED")
    expect_error(
        "AlreadyExistsException",
        sesv2.create_dedicated_ip_pool,
        PoolName="pool-a",
        ScalingMode="STANDARD",
        status=400,
    )
    pool = sesv2.get_dedicated_ip_pool(PoolName="pool-a")["DedicatedIpPool"]
    assert pool["ScalingMode"] == "MANAGED"


def test_a_pool_is_standard_by_default(sesv2: Any) -> None:
    sesv2.create_dedicated_ip_pool(PoolName="pool-a")
    assert sesv2.get_dedicated_ip_pool(PoolName="pool-a")["DedicatedIpPool"] == {
        "PoolName": "pool-a",
        "ScalingMode": "STANDARD",
    }


def test_delete_dedicated_ip_pool(sesv2: Any, expect_error: Any) -> None:
    expect_error(
        "NotFoundException",
        sesv2.delete_dedicated_ip_pool,
        PoolName="pool-missing",
        message="Dedicated IP pool <pool-missing> does not exist.",
        status=404,
    )
    sesv2.create_dedicated_ip_pool(PoolName="pool-a")
    sesv2.delete_dedicated_ip_pool(PoolName="pool-a")
    assert sesv2.list_dedicated_ip_pools()["DedicatedIpPools"] == []
    expect_error("NotFoundException", sesv2.delete_dedicated_ip_pool, PoolName="pool-a")


def test_pool_scaling_mode(sesv2: Any, expect_error: Any) -> None:
    sesv2.create_dedicated_ip_pool(PoolName="pool-a", ScalingMode="STANDARD")
    sesv2.put_dedicated_ip_pool_scaling_attributes(PoolName="pool-a", ScalingMode="MANAGED")
    assert sesv2.get_dedicated_ip_pool(PoolName="pool-a")["DedicatedIpPool"]["ScalingMode"] == (
        "MANAGED"
    )
    # MANAGED pools cannot go back to STANDARD.
    expect_error(
        "BadRequestException",
        sesv2.put_dedicated_ip_pool_scaling_attributes,
        PoolName="pool-a",
        ScalingMode="STANDARD",
        status=400,
    )
    expect_error(
        "BadRequestException",
        sesv2.put_dedicated_ip_pool_scaling_attributes,
        PoolName="pool-a",
        ScalingMode="AUTO",
    )
    expect_error(
        "NotFoundException",
        sesv2.put_dedicated_ip_pool_scaling_attributes,
        PoolName="pool-missing",
        ScalingMode="MANAGED",
        status=404,
    )


# Configuration sets and their sending pool


def _delivery(sesv2: Any, name: str = "cs-main") -> dict[str, Any]:
    return dict(sesv2.get_configuration_set(ConfigurationSetName=name)["DeliveryOptions"])


def test_create_configuration_set_with_a_missing_pool(sesv2: Any, expect_error: Any) -> None:
    expect_error(
        "NotFoundException",
        sesv2.create_configuration_set,
        ConfigurationSetName="cs-main",
        DeliveryOptions={"SendingPoolName": "pool-missing"},
        message="Dedicated IP pool <pool-missing> does not exist.",
        status=404,
    )
    assert sesv2.list_configuration_sets()["ConfigurationSets"] == []

    sesv2.create_dedicated_ip_pool(PoolName="pool-a")
    sesv2.create_configuration_set(
        ConfigurationSetName="cs-main",
        DeliveryOptions={"SendingPoolName": "pool-a", "TlsPolicy": "REQUIRE"},
    )
    assert _delivery(sesv2) == {"SendingPoolName": "pool-a", "TlsPolicy": "REQUIRE"}


def test_create_configuration_set_twice_is_already_exists(sesv2: Any, expect_error: Any) -> None:
    sesv2.create_configuration_set(ConfigurationSetName="cs-main")
    expect_error(
        "AlreadyExistsException",
        sesv2.create_configuration_set,
        ConfigurationSetName="cs-main",
        status=400,
    )


def test_put_delivery_options_sets_and_clears_the_pool(sesv2: Any) -> None:
    sesv2.create_dedicated_ip_pool(PoolName="pool-a")
    sesv2.create_configuration_set(ConfigurationSetName="cs-main")

    sesv2.put_configuration_set_delivery_options(
        ConfigurationSetName="cs-main", SendingPoolName="pool-a", TlsPolicy="REQUIRE"
    )
    assert _delivery(sesv2) == {"SendingPoolName": "pool-a", "TlsPolicy": "REQUIRE"}

    # A put replaces the whole block: what it omits is cleared.
    sesv2.put_configuration_set_delivery_options(
        ConfigurationSetName="cs-main", TlsPolicy="OPTIONAL"
    )
    assert _delivery(sesv2) == {"TlsPolicy": "OPTIONAL"}
    sesv2.put_configuration_set_delivery_options(ConfigurationSetName="cs-main")
    assert _delivery(sesv2) == {}


@pytest.mark.parametrize(
    ("options", "code", "status"),
    [
        ({"SendingPoolName": "pool-missing"}, "NotFoundException", 404),
        ({"TlsPolicy": "ALWAYS"}, "BadRequestException", 400),
    ],
)
def test_put_delivery_options_rejects(
    sesv2: Any, expect_error: Any, options: dict[str, Any], code: str, status: int
) -> None:
    sesv2.create_dedicated_ip_pool(PoolName="pool-a")
    sesv2.create_configuration_set(
        ConfigurationSetName="cs-main", DeliveryOptions={"SendingPoolName": "pool-a"}
    )
    expect_error(
        code,
        sesv2.put_configuration_set_delivery_options,
        ConfigurationSetName="cs-main",
        **options,
        status=status,
    )
    assert _delivery(sesv2) == {"SendingPoolName": "pool-a"}  # unchanged


def test_put_delivery_options_of_a_missing_configuration_set(sesv2: Any, expect_error: Any) -> None:
    expect_error(
        "NotFoundException",
        sesv2.put_configuration_set_delivery_options,
        ConfigurationSetName="cs-missing",
        TlsPolicy="REQUIRE",
        message="Configuration set <cs-missing> does not exist.",
        status=404,
    )


# Email templates


def test_update_email_template(sesv2: Any, expect_error: Any) -> None:
    sesv2.create_email_template(
        TemplateName="welcome", TemplateContent={"Subject": "Hi", "Text": "Hello"}
    )
    created = sesv2.list_email_templates()["TemplatesMetadata"][0]["CreatedTimestamp"]

    sesv2.update_email_template(
        TemplateName="welcome", TemplateContent={"Subject": "Hey", "Html": "<p>Hello</p>"}
    )
    template = sesv2.get_email_template(TemplateName="welcome")
    assert template["TemplateContent"] == {"Subject": "Hey", "Html": "<p>Hello</p>"}
    assert sesv2.list_email_templates()["TemplatesMetadata"][0]["CreatedTimestamp"] == created

    expect_error(
        "NotFoundException",
        sesv2.update_email_template,
        TemplateName="missing",
        TemplateContent={"Subject": "Hi"},
        status=404,
    )


def test_list_email_templates_in_pages(sesv2: Any, expect_error: Any) -> None:
    assert sesv2.list_email_templates()["TemplatesMetadata"] == []
    for name in ["c", "a", "b"]:
        sesv2.create_email_template(TemplateName=name, TemplateContent={"Subject": name})

    first = sesv2.list_email_templates(PageSize=2)
    assert [t["TemplateName"] for t in first["TemplatesMetadata"]] == ["a", "b"]
    assert all(isinstance(t["CreatedTimestamp"], datetime) for t in first["TemplatesMetadata"])
    rest = sesv2.list_email_templates(PageSize=2, NextToken=first["NextToken"])
    assert [t["TemplateName"] for t in rest["TemplatesMetadata"]] == ["c"]
    assert "NextToken" not in rest

    expect_error("BadRequestException", sesv2.list_email_templates, PageSize=101)
    expect_error("BadRequestException", sesv2.list_email_templates, NextToken="bogus")
