"""Tenant resource associations, the cascade on DeleteTenant and SES's delete guards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest


@pytest.fixture
def tenant(sesv2: Any) -> dict[str, Any]:
    return dict(sesv2.create_tenant(TenantName="acme"))


def _resources(sesv2: Any, tenant: str, **kwargs: Any) -> list[tuple[str, str]]:
    listed = sesv2.list_tenant_resources(TenantName=tenant, **kwargs)["TenantResources"]
    return [(r["ResourceType"], r["ResourceArn"]) for r in listed]


def test_associate_each_resource_kind(
    sesv2: Any, tenant: dict[str, Any], ses_resources: dict[str, str]
) -> None:
    for resource in ses_resources.values():
        response = sesv2.create_tenant_resource_association(TenantName="acme", ResourceArn=resource)
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 200

    # Ordered by ARN; ResourceType is the raw ARN segment, not the SDK enum spelling.
    assert _resources(sesv2, "acme") == [
        ("configuration-set", ses_resources["configuration-set"]),
        ("identity", ses_resources["identity"]),
        ("template", ses_resources["template"]),
    ]


@pytest.mark.parametrize("kind", ["identity", "configuration-set", "template"])
def test_filter_by_raw_resource_type(
    sesv2: Any, tenant: dict[str, Any], ses_resources: dict[str, str], kind: str
) -> None:
    for resource in ses_resources.values():
        sesv2.create_tenant_resource_association(TenantName="acme", ResourceArn=resource)
    assert _resources(sesv2, "acme", Filter={"RESOURCE_TYPE": kind}) == [
        (kind, ses_resources[kind])
    ]


@pytest.mark.parametrize("spelling", ["EMAIL_IDENTITY", "CONFIGURATION_SET", "EMAIL_TEMPLATE"])
def test_filter_rejects_the_enum_spelling(
    sesv2: Any, tenant: dict[str, Any], expect_error: Any, spelling: str
) -> None:
    expect_error(
        "BadRequestException",
        sesv2.list_tenant_resources,
        TenantName="acme",
        Filter={"RESOURCE_TYPE": spelling},
        message=f"Invalid resource type {spelling} specified.",
        status=400,
    )


def test_list_resource_tenants_in_association_order(
    sesv2: Any, ses_resources: dict[str, str]
) -> None:
    ids = {name: sesv2.create_tenant(TenantName=name)["TenantId"] for name in ["b", "c", "a"]}
    identity = ses_resources["identity"]
    for name in ["c", "a", "b"]:
        sesv2.create_tenant_resource_association(TenantName=name, ResourceArn=identity)

    listed = sesv2.list_resource_tenants(ResourceArn=identity)["ResourceTenants"]
    assert [(t["TenantName"], t["TenantId"], t["ResourceArn"]) for t in listed] == [
        ("c", ids["c"], identity),
        ("a", ids["a"], identity),
        ("b", ids["b"], identity),
    ]
    assert all(isinstance(t["AssociatedTimestamp"], datetime) for t in listed)

    first = sesv2.list_resource_tenants(ResourceArn=identity, PageSize=2)
    assert [t["TenantName"] for t in first["ResourceTenants"]] == ["c", "a"]
    rest = sesv2.list_resource_tenants(
        ResourceArn=identity, PageSize=2, NextToken=first["NextToken"]
    )
    assert [t["TenantName"] for t in rest["ResourceTenants"]] == ["b"]
    assert "NextToken" not in rest
    assert (
        sesv2.list_resource_tenants(ResourceArn=ses_resources["template"])["ResourceTenants"] == []
    )


def test_list_tenant_resources_pages(
    sesv2: Any, tenant: dict[str, Any], ses_resources: dict[str, str]
) -> None:
    for resource in ses_resources.values():
        sesv2.create_tenant_resource_association(TenantName="acme", ResourceArn=resource)
    pages = sesv2.get_paginator("list_tenant_resources").paginate(
        TenantName="acme", PaginationConfig={"PageSize": 1}
    )
    arns = [r["ResourceArn"] for page in pages for r in page["TenantResources"]]
    assert arns == sorted(ses_resources.values())


def test_duplicate_association_already_exists(
    sesv2: Any, tenant: dict[str, Any], ses_resources: dict[str, str], expect_error: Any
) -> None:
    identity = ses_resources["identity"]
    sesv2.create_tenant_resource_association(TenantName="acme", ResourceArn=identity)
    expect_error(
        "AlreadyExistsException",
        sesv2.create_tenant_resource_association,
        TenantName="acme",
        ResourceArn=identity,
        message=f"Resources {identity} has already been associated with tenant acme",
        status=400,
    )


def test_missing_tenant_is_not_found(
    sesv2: Any, ses_resources: dict[str, str], expect_error: Any
) -> None:
    for call in (
        sesv2.create_tenant_resource_association,
        sesv2.delete_tenant_resource_association,
    ):
        expect_error(
            "NotFoundException",
            call,
            TenantName="ghost",
            ResourceArn=ses_resources["identity"],
            message="The requested tenant <ghost> does not exist.",
            status=404,
        )
    expect_error("NotFoundException", sesv2.list_tenant_resources, TenantName="ghost")


@pytest.mark.parametrize(
    ("kind", "name", "message"),
    [
        ("identity", "ghost.example.com", "Identity <ghost.example.com> does not exist"),
        ("configuration-set", "ghost-cs", "Configuration set <ghost-cs> does not exist:"),
        ("template", "ghost-tpl", "Email template <ghost-tpl> does not exist"),
    ],
)
def test_missing_resource_is_not_found(
    sesv2: Any,
    tenant: dict[str, Any],
    expect_error: Any,
    ses_arn: Any,
    kind: str,
    name: str,
    message: str,
) -> None:
    expect_error(
        "NotFoundException",
        sesv2.create_tenant_resource_association,
        TenantName="acme",
        ResourceArn=ses_arn(kind, name),
        message=message,
        status=404,
    )
    expect_error("NotFoundException", sesv2.list_resource_tenants, ResourceArn=ses_arn(kind, name))


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        ("not-an-arn", "Provided resource identifier is not an SES resource"),
        (
            "arn:aws:sqs:us-east-1:123456789012:queue",
            "Provided resource identifier is not an SES resource",
        ),
        (
            # moto's internal spelling of an identity ARN is not what SES accepts.
            "arn:aws:ses:us-east-1:123456789012:email-identity/mail.example.com",
            "Unsupported resource type: email-identity",
        ),
        (
            "arn:aws:ses:eu-west-1:123456789012:identity/mail.example.com",
            "Resource <arn:aws:ses:eu-west-1:123456789012:identity/mail.example.com> must be "
            "in the same region",
        ),
    ],
)
def test_resource_arn_must_be_an_associable_ses_resource(
    sesv2: Any,
    tenant: dict[str, Any],
    ses_resources: dict[str, str],
    expect_error: Any,
    resource: str,
    message: str,
) -> None:
    expect_error(
        "BadRequestException",
        sesv2.create_tenant_resource_association,
        TenantName="acme",
        ResourceArn=resource,
        message=message,
        status=400,
    )


def test_delete_association_is_silent_when_already_gone(
    sesv2: Any, tenant: dict[str, Any], ses_resources: dict[str, str]
) -> None:
    identity = ses_resources["identity"]
    sesv2.create_tenant_resource_association(TenantName="acme", ResourceArn=identity)
    sesv2.delete_tenant_resource_association(TenantName="acme", ResourceArn=identity)
    assert _resources(sesv2, "acme") == []
    again = sesv2.delete_tenant_resource_association(TenantName="acme", ResourceArn=identity)
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_delete_tenant_cascades_to_its_associations_only(
    sesv2: Any, ses_resources: dict[str, str], expect_error: Any
) -> None:
    for name in ["acme", "other"]:
        sesv2.create_tenant(TenantName=name)
    for resource in ses_resources.values():
        sesv2.create_tenant_resource_association(TenantName="acme", ResourceArn=resource)
    sesv2.create_tenant_resource_association(
        TenantName="other", ResourceArn=ses_resources["identity"]
    )

    sesv2.delete_tenant(TenantName="acme")

    identity_tenants = sesv2.list_resource_tenants(ResourceArn=ses_resources["identity"])
    assert [t["TenantName"] for t in identity_tenants["ResourceTenants"]] == ["other"]
    cs_tenants = sesv2.list_resource_tenants(ResourceArn=ses_resources["configuration-set"])
    assert cs_tenants["ResourceTenants"] == []
    # The resources themselves stay.
    assert sesv2.get_email_identity(EmailIdentity="mail.example.com")["IdentityType"] == "DOMAIN"
    assert sesv2.get_configuration_set(ConfigurationSetName="cs-main")["ConfigurationSetName"]
    assert sesv2.get_email_template(TemplateName="welcome")["TemplateName"] == "welcome"
    # A new tenant of the same name starts clean.
    sesv2.create_tenant(TenantName="acme")
    assert _resources(sesv2, "acme") == []


@pytest.mark.parametrize(
    ("kind", "delete", "params"),
    [
        ("identity", "delete_email_identity", {"EmailIdentity": "mail.example.com"}),
        ("configuration-set", "delete_configuration_set", {"ConfigurationSetName": "cs-main"}),
        ("template", "delete_email_template", {"TemplateName": "welcome"}),
    ],
)
def test_associated_resource_cannot_be_deleted(
    sesv2: Any,
    tenant: dict[str, Any],
    ses_resources: dict[str, str],
    expect_error: Any,
    kind: str,
    delete: str,
    params: dict[str, str],
) -> None:
    resource = ses_resources[kind]
    sesv2.create_tenant_resource_association(TenantName="acme", ResourceArn=resource)
    expect_error(
        "BadRequestException",
        getattr(sesv2, delete),
        message=f"Cannot delete <{resource}> because it has tenant associations. "
        "Remove all tenant associations and try again.",
        status=400,
        **params,
    )
    # Still there, still associated.
    assert _resources(sesv2, "acme") == [(kind, resource)]

    sesv2.delete_tenant_resource_association(TenantName="acme", ResourceArn=resource)
    getattr(sesv2, delete)(**params)
    expect_error("NotFoundException", getattr(sesv2, delete), status=404, **params)


def test_deleting_the_tenant_frees_its_resources(
    sesv2: Any, tenant: dict[str, Any], ses_resources: dict[str, str], expect_error: Any
) -> None:
    sesv2.create_tenant_resource_association(
        TenantName="acme", ResourceArn=ses_resources["configuration-set"]
    )
    expect_error(
        "BadRequestException", sesv2.delete_configuration_set, ConfigurationSetName="cs-main"
    )
    sesv2.delete_tenant(TenantName="acme")
    sesv2.delete_configuration_set(ConfigurationSetName="cs-main")
    assert sesv2.list_configuration_sets()["ConfigurationSets"] == []


def test_unassociated_resources_delete_as_in_moto(
    sesv2: Any, ses_resources: dict[str, str]
) -> None:
    sesv2.delete_email_identity(EmailIdentity="mail.example.com")
    sesv2.delete_configuration_set(ConfigurationSetName="cs-main")
    assert sesv2.list_email_identities()["EmailIdentities"] == []
    assert sesv2.list_configuration_sets()["ConfigurationSets"] == []
