"""SendEmail / SendBulkEmail with a tenant: associations, defaults, pauses; and without one."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import pytest

SENDER = "news@example.com"
TO = {"ToAddresses": ["someone@example.org"]}
SIMPLE = {"Simple": {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Hello"}}}}
TEMPLATE = {"Template": {"TemplateName": "welcome", "TemplateData": "{}"}}


@pytest.fixture
def setup(sesv2: Any, ses_arn: Callable[[str, str], str]) -> Callable[..., None]:
    """Domain identity example.com, configuration set cs-main, template welcome, tenant acme;
    ``setup(*arns)`` associates the given ARNs with acme."""
    sesv2.create_email_identity(EmailIdentity="example.com")
    sesv2.create_configuration_set(ConfigurationSetName="cs-main")
    sesv2.create_email_template(
        TemplateName="welcome", TemplateContent={"Subject": "Hi", "Text": "Hello"}
    )
    sesv2.create_tenant(TenantName="acme")

    def associate(*arns: str) -> None:
        for arn in arns:
            sesv2.create_tenant_resource_association(TenantName="acme", ResourceArn=arn)

    return associate


def _missing(error: Any) -> str:
    return str(error.response["Error"]["Message"])


def test_send_as_tenant_with_everything_associated(sesv2: Any, setup: Any, ses_arn: Any) -> None:
    setup(ses_arn("identity", "example.com"), ses_arn("configuration-set", "cs-main"))
    sent = sesv2.send_email(
        FromEmailAddress=SENDER,
        Destination=TO,
        Content=SIMPLE,
        ConfigurationSetName="cs-main",
        TenantName="acme",
    )
    assert sent["MessageId"]


def test_unassociated_configuration_set_is_403(
    sesv2: Any, setup: Any, ses_arn: Any, expect_error: Any
) -> None:
    setup(ses_arn("identity", "example.com"))
    error = expect_error(
        "AccessDeniedException",
        sesv2.send_email,
        FromEmailAddress=SENDER,
        Destination=TO,
        Content=SIMPLE,
        ConfigurationSetName="cs-main",
        TenantName="acme",
        status=403,
        message=f"Tenant not associated with resources [{ses_arn('configuration-set', 'cs-main')}]",
    )
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_every_missing_resource_is_listed(
    sesv2: Any, setup: Any, ses_arn: Any, expect_error: Any
) -> None:
    setup()
    error = expect_error(
        "AccessDeniedException",
        sesv2.send_email,
        FromEmailAddress=SENDER,
        Destination=TO,
        Content=TEMPLATE,
        ConfigurationSetName="cs-main",
        TenantName="acme",
        status=403,
    )
    assert _missing(error) == (
        "Tenant not associated with resources ["
        f"{ses_arn('identity', 'example.com')}, {ses_arn('configuration-set', 'cs-main')}, "
        f"{ses_arn('template', 'welcome')}]"
    )


def test_default_configuration_set_is_checked(
    sesv2: Any, setup: Any, ses_arn: Any, expect_error: Any
) -> None:
    setup(ses_arn("identity", "example.com"))
    sesv2.put_email_identity_configuration_set_attributes(
        EmailIdentity="example.com", ConfigurationSetName="cs-main"
    )
    error = expect_error(
        "AccessDeniedException",
        sesv2.send_email,
        FromEmailAddress=SENDER,
        Destination=TO,
        Content=SIMPLE,
        TenantName="acme",
    )
    assert _missing(error).endswith(f"[{ses_arn('configuration-set', 'cs-main')}]")
    setup(ses_arn("configuration-set", "cs-main"))
    assert sesv2.send_email(
        FromEmailAddress=SENDER, Destination=TO, Content=SIMPLE, TenantName="acme"
    )["MessageId"]


def test_exact_address_identity_before_domain(
    sesv2: Any, setup: Any, ses_arn: Any, expect_error: Any
) -> None:
    setup(ses_arn("identity", "example.com"))
    sesv2.create_email_identity(EmailIdentity=SENDER)
    error = expect_error(
        "AccessDeniedException",
        sesv2.send_email,
        FromEmailAddress=f"News <{SENDER}>",
        Destination=TO,
        Content=SIMPLE,
        TenantName="acme",
    )
    assert _missing(error).endswith(f"[{ses_arn('identity', SENDER)}]")
    # Another address of the domain sends as the (associated) domain identity.
    sesv2.send_email(
        FromEmailAddress="other@example.com", Destination=TO, Content=SIMPLE, TenantName="acme"
    )


def test_template_content_as_tenant_and_without(
    sesv2: Any, setup: Any, ses_arn: Any, expect_error: Any
) -> None:
    setup(ses_arn("identity", "example.com"))
    error = expect_error(
        "AccessDeniedException",
        sesv2.send_email,
        FromEmailAddress=SENDER,
        Destination=TO,
        Content={"Template": {"TemplateArn": ses_arn("template", "welcome")}},
        TenantName="acme",
    )
    assert _missing(error).endswith(f"[{ses_arn('template', 'welcome')}]")
    setup(ses_arn("template", "welcome"))
    assert sesv2.send_email(
        FromEmailAddress=SENDER, Destination=TO, Content=TEMPLATE, TenantName="acme"
    )["MessageId"]
    # Template content no longer answers 501, with or without a tenant.
    assert sesv2.send_email(FromEmailAddress=SENDER, Destination=TO, Content=TEMPLATE)["MessageId"]
    expect_error(
        "NotFoundException",
        sesv2.send_email,
        FromEmailAddress=SENDER,
        Destination=TO,
        Content={"Template": {"TemplateName": "missing"}},
        status=404,
    )


def test_without_tenant_nothing_is_checked(sesv2: Any, setup: Any) -> None:
    setup()
    assert sesv2.send_email(
        FromEmailAddress=SENDER, Destination=TO, Content=SIMPLE, ConfigurationSetName="cs-main"
    )["MessageId"]


def test_unknown_tenant_is_not_found(sesv2: Any, setup: Any, expect_error: Any) -> None:
    setup()
    expect_error(
        "NotFoundException",
        sesv2.send_email,
        FromEmailAddress=SENDER,
        Destination=TO,
        Content=SIMPLE,
        TenantName="nobody",
        status=404,
        message="The requested tenant <nobody> does not exist.",
    )


@pytest.mark.parametrize("paused_by", ["customer", "ses"])
def test_paused_tenant_is_refused(
    sesv2: Any, setup: Any, ses_arn: Any, expect_error: Any, paused_by: str
) -> None:
    import ses_tenants.testing as double

    setup(ses_arn("identity", "example.com"))
    tenant_arn = sesv2.get_tenant(TenantName="acme")["Tenant"]["TenantArn"]
    if paused_by == "customer":
        sesv2.update_reputation_entity_customer_managed_status(
            ReputationEntityType="RESOURCE",
            ReputationEntityReference=tenant_arn,
            SendingStatus="DISABLED",
        )
    else:
        double.set_ses_managed_status(tenant_arn, "DISABLED")
    expect_error(
        "SendingPausedException",
        sesv2.send_email,
        FromEmailAddress=SENDER,
        Destination=TO,
        Content=SIMPLE,
        TenantName="acme",
        status=400,
    )
    # Other tenants, and sends without a tenant, are unaffected.
    assert sesv2.send_email(FromEmailAddress=SENDER, Destination=TO, Content=SIMPLE)


def _raw(headers: dict[str, str]) -> dict[str, Any]:
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = "someone@example.org"
    message["Subject"] = "Hi"
    for name, value in headers.items():
        message[name] = value
    message.set_content("Hello")
    return {"Raw": {"Data": message.as_bytes()}}


def test_raw_content_honours_the_tenant_header(
    sesv2: Any, setup: Any, ses_arn: Any, expect_error: Any
) -> None:
    setup(ses_arn("identity", "example.com"))
    assert sesv2.send_email(Content=_raw({"X-SES-TENANT": "acme"}))["MessageId"]
    error = expect_error(
        "AccessDeniedException",
        sesv2.send_email,
        Content=_raw({"X-SES-TENANT": "acme", "X-SES-CONFIGURATION-SET": "cs-main"}),
    )
    assert _missing(error).endswith(f"[{ses_arn('configuration-set', 'cs-main')}]")
    expect_error("NotFoundException", sesv2.send_email, Content=_raw({"X-SES-TENANT": "nobody"}))
    # TenantName wins over the header.
    expect_error(
        "NotFoundException",
        sesv2.send_email,
        Content=_raw({"X-SES-TENANT": "acme"}),
        TenantName="nobody",
    )


def test_ses_v1_send_raw_email_honours_the_tenant_header(
    client_factory: Callable[..., Any], sesv2: Any, setup: Any, ses_arn: Any
) -> None:
    from botocore.exceptions import ClientError

    from tests.double.conftest import NO_RETRIES

    ses = client_factory("ses", config=NO_RETRIES)
    setup(ses_arn("identity", "example.com"))
    raw = _raw({"X-SES-TENANT": "acme"})["Raw"]
    assert ses.send_raw_email(RawMessage=raw)["MessageId"]
    raw = _raw({"X-SES-TENANT": "acme", "X-SES-CONFIGURATION-SET": "cs-main"})["Raw"]
    with pytest.raises(ClientError) as caught:
        ses.send_raw_email(RawMessage=raw)
    error = caught.value.response
    assert error["Error"]["Code"] == "AccessDeniedException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert ses_arn("configuration-set", "cs-main") in error["Error"]["Message"]


def test_send_bulk_email_as_tenant(sesv2: Any, setup: Any, ses_arn: Any, expect_error: Any) -> None:
    setup(ses_arn("identity", "example.com"), ses_arn("template", "welcome"))
    request: dict[str, Any] = {
        "FromEmailAddress": SENDER,
        "DefaultContent": {"Template": {"TemplateName": "welcome", "TemplateData": "{}"}},
        "BulkEmailEntries": [
            {"Destination": {"ToAddresses": ["a@example.org"]}},
            {"Destination": {"ToAddresses": ["b@example.org"]}},
        ],
        "TenantName": "acme",
    }
    results = sesv2.send_bulk_email(**request)["BulkEmailEntryResults"]
    assert [r["Status"] for r in results] == ["SUCCESS", "SUCCESS"]
    assert all(r["MessageId"] for r in results)
    error = expect_error(
        "AccessDeniedException",
        sesv2.send_bulk_email,
        **request,
        ConfigurationSetName="cs-main",
        status=403,
    )
    assert _missing(error).endswith(f"[{ses_arn('configuration-set', 'cs-main')}]")
    expect_error("NotFoundException", sesv2.send_bulk_email, **{**request, "TenantName": "x"})
    without = {k: v for k, v in request.items() if k != "TenantName"}
    assert (
        len(
            sesv2.send_bulk_email(**without, ConfigurationSetName="cs-main")[
                "BulkEmailEntryResults"
            ]
        )
        == 2
    )


def test_send_bulk_email_with_inline_template_content(
    sesv2: Any, setup: Any, ses_arn: Any, expect_error: Any
) -> None:
    setup(ses_arn("identity", "example.com"))
    request: dict[str, Any] = {
        "FromEmailAddress": SENDER,
        "DefaultContent": {
            "Template": {
                "TemplateContent": {"Subject": "Hi", "Text": "Hello {{name}}"},
                "TemplateData": "{}",
            }
        },
        "BulkEmailEntries": [{"Destination": {"ToAddresses": [f"{n}@example.org"]}} for n in "ab"],
        "TenantName": "acme",
    }

    results = sesv2.send_bulk_email(**request)["BulkEmailEntryResults"]

    assert [r["Status"] for r in results] == ["SUCCESS", "SUCCESS"]
    expect_error(
        "AccessDeniedException",
        sesv2.send_bulk_email,
        **request,
        ConfigurationSetName="cs-main",
        status=403,
    )
