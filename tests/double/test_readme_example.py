import pytest
from botocore.exceptions import ClientError


def send_welcome(sesv2, tenant: str, to: str) -> str:
    """The code under test: sends as the customer's tenant."""
    return sesv2.send_email(
        FromEmailAddress="hello@acme.example",
        Destination={"ToAddresses": [to]},
        Content={"Template": {"TemplateName": "welcome", "TemplateData": "{}"}},
        ConfigurationSetName="acme-transactional",
        TenantName=tenant,
    )["MessageId"]


def test_send_welcome_needs_the_configuration_set_associated(ses_double):
    sesv2 = ses_double.client("sesv2")
    sesv2.create_email_identity(EmailIdentity="acme.example")
    sesv2.create_configuration_set(ConfigurationSetName="acme-transactional")
    sesv2.create_email_template(
        TemplateName="welcome", TemplateContent={"Subject": "Hi", "Text": "Welcome"}
    )
    sesv2.create_tenant(TenantName="acme")
    arn = "arn:aws:ses:us-east-1:123456789012:{}".format
    for resource in ("identity/acme.example", "template/welcome"):
        sesv2.create_tenant_resource_association(TenantName="acme", ResourceArn=arn(resource))

    # The common mistake: the configuration set is not associated with the tenant.
    with pytest.raises(ClientError) as denied:
        send_welcome(sesv2, "acme", "someone@example.org")
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert arn("configuration-set/acme-transactional") in str(denied.value)

    sesv2.create_tenant_resource_association(
        TenantName="acme", ResourceArn=arn("configuration-set/acme-transactional")
    )
    assert send_welcome(sesv2, "acme", "someone@example.org")
    assert [c["params"]["TenantName"] for c in ses_double.call_log("SendEmail")] == [
        "acme",
        "acme",
    ]
