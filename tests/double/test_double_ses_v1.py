"""SES v1 deletes refuse what a tenant is associated with, as SES v2's do."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.ses.models import ses_backends

from tests.double.conftest import ACCOUNT, NO_RETRIES, REGION


@pytest.fixture
def ses(client_factory: Callable[..., Any]) -> Any:
    return client_factory("ses", config=NO_RETRIES)


def _refused(call: Callable[..., Any], arn: str, **kwargs: Any) -> None:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    error = caught.value.response
    assert error["Error"]["Code"] == "BadRequestException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Message"] == (
        f"Cannot delete <{arn}> because it has tenant associations. "
        "Remove all tenant associations and try again."
    )


def test_v1_deletes_refuse_associated_resources(
    ses: Any, sesv2: Any, ses_resources: dict[str, str]
) -> None:
    sesv2.create_tenant(TenantName="acme")
    for arn in ses_resources.values():
        sesv2.create_tenant_resource_association(TenantName="acme", ResourceArn=arn)
    _refused(ses.delete_identity, ses_resources["identity"], Identity="mail.example.com")
    _refused(
        ses.delete_configuration_set,
        ses_resources["configuration-set"],
        ConfigurationSetName="cs-main",
    )
    _refused(ses.delete_template, ses_resources["template"], TemplateName="welcome")
    assert ses.list_identities()["Identities"] == ["mail.example.com"]
    assert len(ses.list_configuration_sets()["ConfigurationSets"]) == 1
    assert len(ses.list_templates()["TemplatesMetadata"]) == 1

    # Without associations, SES v1 deletes them as before.
    sesv2.delete_tenant(TenantName="acme")
    ses.delete_identity(Identity="mail.example.com")
    ses.delete_configuration_set(ConfigurationSetName="cs-main")
    ses.delete_template(TemplateName="welcome")
    assert ses.list_identities()["Identities"] == []
    assert sesv2.list_configuration_sets()["ConfigurationSets"] == []


def test_an_association_whose_resource_is_gone_can_be_deleted(
    sesv2: Any, ses_resources: dict[str, str]
) -> None:
    sesv2.create_tenant(TenantName="acme")
    sesv2.create_tenant_resource_association(
        TenantName="acme", ResourceArn=ses_resources["configuration-set"]
    )
    # Removed behind the double's back (no SES API can do it while associated).
    store = ses_backends[ACCOUNT][REGION]
    del store.config_sets["cs-main"]
    sesv2.delete_tenant_resource_association(
        TenantName="acme", ResourceArn=ses_resources["configuration-set"]
    )
    assert sesv2.list_tenant_resources(TenantName="acme")["TenantResources"] == []
    # And again: already gone is a silent success.
    sesv2.delete_tenant_resource_association(
        TenantName="acme", ResourceArn=ses_resources["configuration-set"]
    )
