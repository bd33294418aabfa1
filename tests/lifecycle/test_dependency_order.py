"""The simulator's order against the SES tenant double: a dependency the template leaves out
shows as a failed step, because SES refuses to delete a resource that is still associated."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

import ses_tenants.testing  # noqa: F401  (installs the tenant API into moto's SES v2)
from ses_tenants._handler import contract, retry, ses_client
from tests.lifecycle.cfn.account import REGION
from tests.lifecycle.cfn.engine import CloudFormation, StackOperationFailed
from tests.lifecycle.cfn.provisioners import record_only_provisioners
from tests.lifecycle.cfn.state import DELETE
from tests.lifecycle.harness import tenant_provider
from tests.lifecycle.ses_provisioners import EMAIL_IDENTITY_TYPE, ses_arn, ses_provisioners

STACK = "OrderTest"
DOMAIN = "order.example.com"
TENANT_NAME = "order-test"
SERVICE_TOKEN = {"Fn::GetAtt": ["Provider", "Arn"]}


def template(*, association_refers_to_identity: bool) -> dict[str, Any]:
    """A tenant associated with an identity. Without the reference, the association names
    the identity by a literal ARN, so nothing tells CloudFormation to delete it first."""
    resource_arn: Any = (
        {
            "Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:"
            "identity/${Identity}"
        }
        if association_refers_to_identity
        else ses_arn("identity", DOMAIN)
    )
    association: dict[str, Any] = {
        "Type": contract.ASSOCIATION_RESOURCE_TYPE,
        "Properties": {
            "ServiceToken": SERVICE_TOKEN,
            contract.PROP_TENANT_NAME: {"Fn::GetAtt": ["Tenant", contract.ATTR_TENANT_NAME]},
            contract.PROP_RESOURCE_ARN: resource_arn,
        },
    }
    if not association_refers_to_identity:
        # Created after the identity all the same, as a careless template might get lucky.
        association["DependsOn"] = ["Tenant"]
    return {
        "Resources": {
            "Provider": {"Type": "AWS::Lambda::Function", "Properties": {}},
            "Identity": {"Type": EMAIL_IDENTITY_TYPE, "Properties": {"EmailIdentity": DOMAIN}},
            "Tenant": {
                "Type": contract.TENANT_RESOURCE_TYPE,
                "Properties": {
                    "ServiceToken": SERVICE_TOKEN,
                    contract.PROP_TENANT_NAME: TENANT_NAME,
                },
            },
            "Association": association,
        }
    }


@pytest.fixture
def sesv2() -> Iterator[Any]:
    with mock_aws():
        ses_client.set_client(ses_client.create_client(region_name=REGION))
        try:
            yield boto3.client("sesv2", region_name=REGION)
        finally:
            ses_client.set_client(None)


@pytest.fixture
def cloudformation(sesv2: Any, monkeypatch: pytest.MonkeyPatch) -> CloudFormation:
    monkeypatch.setattr(retry, "sleep", lambda seconds: None)
    provider = tenant_provider()
    return CloudFormation(
        {
            **record_only_provisioners(),
            **ses_provisioners(sesv2),
            contract.TENANT_RESOURCE_TYPE: provider,
            contract.ASSOCIATION_RESOURCE_TYPE: provider,
        }
    )


def _associated(sesv2: Any) -> list[str]:
    answer = sesv2.list_tenant_resources(TenantName=TENANT_NAME)
    return [resource["ResourceArn"] for resource in answer["TenantResources"]]


def test_the_double_refuses_to_delete_an_associated_identity(sesv2: Any) -> None:
    sesv2.create_email_identity(EmailIdentity=DOMAIN)
    sesv2.create_tenant(TenantName=TENANT_NAME)
    sesv2.create_tenant_resource_association(
        TenantName=TENANT_NAME, ResourceArn=ses_arn("identity", DOMAIN)
    )
    with pytest.raises(ClientError, match="because it has tenant associations"):
        sesv2.delete_email_identity(EmailIdentity=DOMAIN)


def test_a_template_with_the_reference_deletes_the_association_first(
    cloudformation: CloudFormation, sesv2: Any
) -> None:
    cloudformation.deploy_stack(STACK, template(association_refers_to_identity=True))
    assert _associated(sesv2) == [ses_arn("identity", DOMAIN)]

    cloudformation.delete_stack(STACK)

    deleted = [op.logical_id for op in cloudformation.journal if op.action == DELETE]
    assert deleted.index("Association") < deleted.index("Identity")
    assert sesv2.list_email_identities()["EmailIdentities"] == []
    assert sesv2.list_tenants()["Tenants"] == []


def test_a_template_without_it_fails_to_delete_the_identity(
    cloudformation: CloudFormation, sesv2: Any
) -> None:
    cloudformation.deploy_stack(STACK, template(association_refers_to_identity=False))
    assert _associated(sesv2) == [ses_arn("identity", DOMAIN)]

    with pytest.raises(StackOperationFailed) as failed:
        cloudformation.delete_stack(STACK)

    assert (failed.value.logical_id, failed.value.action) == ("Identity", DELETE)
    assert "because it has tenant associations" in failed.value.reason
