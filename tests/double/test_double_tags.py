"""TagResource / UntagResource / ListTagsForResource on tenant ARNs and on moto's resources."""

from __future__ import annotations

from typing import Any


def _tags(sesv2: Any, arn: str) -> list[dict[str, str]]:
    return list(sesv2.list_tags_for_resource(ResourceArn=arn)["Tags"])


def test_tag_untag_and_list_a_tenant(sesv2: Any) -> None:
    arn = sesv2.create_tenant(TenantName="acme", Tags=[{"Key": "team", "Value": "mail"}])[
        "TenantArn"
    ]
    assert _tags(sesv2, arn) == [{"Key": "team", "Value": "mail"}]

    sesv2.tag_resource(
        ResourceArn=arn,
        Tags=[{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "platform"}],
    )
    # Listed by key; a re-tagged key keeps one entry with the new value.
    assert _tags(sesv2, arn) == [
        {"Key": "env", "Value": "dev"},
        {"Key": "team", "Value": "platform"},
    ]

    sesv2.untag_resource(ResourceArn=arn, TagKeys=["team", "never-set"])
    assert _tags(sesv2, arn) == [{"Key": "env", "Value": "dev"}]
    assert sesv2.get_tenant(TenantName="acme")["Tenant"]["Tags"] == [{"Key": "env", "Value": "dev"}]


def test_tagging_keeps_the_50_tag_limit(sesv2: Any, expect_error: Any) -> None:
    arn = sesv2.create_tenant(
        TenantName="acme", Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)]
    )["TenantArn"]
    expect_error(
        "BadRequestException",
        sesv2.tag_resource,
        ResourceArn=arn,
        Tags=[{"Key": "one-too-many", "Value": "v"}],
    )
    assert len(_tags(sesv2, arn)) == 50


def test_unknown_tenant_arn_is_not_found(sesv2: Any, expect_error: Any) -> None:
    created = sesv2.create_tenant(TenantName="acme")
    arn, tenant_id = created["TenantArn"], created["TenantId"]
    sesv2.delete_tenant(TenantName="acme")
    message = f"No Tenant present with name: acmewith tenantId: {tenant_id}"
    expect_error(
        "NotFoundException", sesv2.list_tags_for_resource, ResourceArn=arn, message=message
    )
    expect_error(
        "NotFoundException",
        sesv2.tag_resource,
        ResourceArn=arn,
        Tags=[{"Key": "k", "Value": "v"}],
        message=message,
        status=404,
    )
    expect_error(
        "NotFoundException", sesv2.untag_resource, ResourceArn=arn, TagKeys=["k"], status=404
    )
    # A recreated tenant of the same name is a new resource: the old ARN stays unknown.
    sesv2.create_tenant(TenantName="acme")
    expect_error("NotFoundException", sesv2.list_tags_for_resource, ResourceArn=arn)


def test_moto_resources_keep_their_tagging(sesv2: Any, ses_arn: Any) -> None:
    sesv2.create_configuration_set(
        ConfigurationSetName="cs-main", Tags=[{"Key": "owner", "Value": "ops"}]
    )
    cs = ses_arn("configuration-set", "cs-main")
    assert _tags(sesv2, cs) == [{"Key": "owner", "Value": "ops"}]
    sesv2.tag_resource(ResourceArn=cs, Tags=[{"Key": "env", "Value": "prod"}])
    sesv2.untag_resource(ResourceArn=cs, TagKeys=["owner"])
    assert _tags(sesv2, cs) == [{"Key": "env", "Value": "prod"}]

    # Identities answer to the ARN AWS uses, though moto files them under email-identity/.
    sesv2.create_email_identity(
        EmailIdentity="mail.example.com", Tags=[{"Key": "owner", "Value": "ops"}]
    )
    identity = ses_arn("identity", "mail.example.com")
    assert _tags(sesv2, identity) == [{"Key": "owner", "Value": "ops"}]
    sesv2.tag_resource(ResourceArn=identity, Tags=[{"Key": "env", "Value": "prod"}])
    assert {t["Key"] for t in _tags(sesv2, identity)} == {"owner", "env"}


def test_a_tenant_arn_of_another_account_is_refused(sesv2: Any, expect_error: Any) -> None:
    arn = sesv2.create_tenant(TenantName="acme")["TenantArn"]
    foreign = arn.replace(":123456789012:", ":210987654321:")
    expect_error(
        "BadRequestException",
        sesv2.list_tags_for_resource,
        ResourceArn=foreign,
        message="Operations on a resource created in a different account is not allowed",
    )
