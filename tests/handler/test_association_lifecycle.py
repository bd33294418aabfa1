"""Custom::SesTenantResourceAssociation through on_event, against moto plus the double."""

from __future__ import annotations

from typing import Any

import pytest

import contract
import ses_tenants.testing as double
import tenant_handler
from errors import InvalidProperties, RequestFailed
from tests.handler.handler_fakes import (
    ACCOUNT,
    REGION,
    FakeContext,
    SesCalls,
    association_properties,
    cfn_event,
    tenant_properties,
)

IDENTITY = f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/example.com"
CONFIGURATION_SET = f"arn:aws:ses:{REGION}:{ACCOUNT}:configuration-set/acme-pool"
ASSOCIATION = contract.ASSOCIATION_RESOURCE_TYPE


@pytest.fixture
def tenant(sesv2: Any, ses_calls: SesCalls, context: FakeContext) -> str:
    """Tenant "acme" (created by the handler), an identity and a configuration set."""
    tenant_handler.on_event(cfn_event("Create", tenant_properties("acme")), context)
    sesv2.create_email_identity(EmailIdentity="example.com")
    sesv2.create_configuration_set(ConfigurationSetName="acme-pool")
    ses_calls.clear()
    return "acme"


def associated(sesv2: Any, tenant: str = "acme") -> list[str]:
    resources = sesv2.list_tenant_resources(TenantName=tenant)["TenantResources"]
    return sorted(resource["ResourceArn"] for resource in resources)


def event(request_type: str, resource_arn: str, **kwargs: Any) -> dict[str, Any]:
    properties = association_properties("acme", resource_arn)
    return cfn_event(request_type, properties, resource_type=ASSOCIATION, **kwargs)


def test_create(sesv2: Any, ses_calls: SesCalls, context: FakeContext, tenant: str) -> None:
    response = tenant_handler.on_event(event("Create", IDENTITY), context)

    assert response == {
        "PhysicalResourceId": f"acme|{IDENTITY}",
        "Data": {contract.ATTR_TENANT_NAME: "acme", contract.PROP_RESOURCE_ARN: IDENTITY},
    }
    assert ses_calls.names == ["CreateTenantResourceAssociation"]
    assert associated(sesv2) == [IDENTITY]


def test_a_duplicate_create_succeeds(
    sesv2: Any, ses_calls: SesCalls, context: FakeContext, tenant: str
) -> None:
    first = tenant_handler.on_event(event("Create", IDENTITY), context)

    again = tenant_handler.on_event(event("Create", IDENTITY), context)

    assert again == first
    assert ses_calls.names == ["CreateTenantResourceAssociation"] * 2
    assert associated(sesv2) == [IDENTITY]


def test_delete(sesv2: Any, ses_calls: SesCalls, context: FakeContext, tenant: str) -> None:
    created = tenant_handler.on_event(event("Create", IDENTITY), context)

    response = tenant_handler.on_event(
        event("Delete", IDENTITY, physical_id=created["PhysicalResourceId"]), context
    )

    assert response["PhysicalResourceId"] == created["PhysicalResourceId"]
    assert associated(sesv2) == []
    # The resource itself stays.
    assert sesv2.get_email_identity(EmailIdentity="example.com")["IdentityType"]


def test_delete_of_an_association_already_gone_succeeds(
    ses_calls: SesCalls, context: FakeContext, tenant: str
) -> None:
    tenant_handler.on_event(event("Delete", IDENTITY, physical_id=f"acme|{IDENTITY}"), context)

    assert ses_calls.names == ["DeleteTenantResourceAssociation"]


def test_delete_after_the_tenant_is_gone_succeeds(
    sesv2: Any, ses_calls: SesCalls, context: FakeContext, tenant: str
) -> None:
    tenant_handler.on_event(event("Create", IDENTITY), context)
    sesv2.delete_tenant(TenantName="acme")

    tenant_handler.on_event(event("Delete", IDENTITY, physical_id=f"acme|{IDENTITY}"), context)

    assert sesv2.list_resource_tenants(ResourceArn=IDENTITY)["ResourceTenants"] == []


def test_delete_of_a_foreign_physical_id_makes_no_call(
    ses_calls: SesCalls, context: FakeContext, tenant: str
) -> None:
    # E.g. the request id the Provider framework reports for a Create that failed early.
    response = tenant_handler.on_event(event("Delete", IDENTITY, physical_id="abc-123"), context)

    assert response == {"PhysicalResourceId": "abc-123"}
    assert ses_calls.names == []


def test_a_changed_resource_is_a_replacement(
    sesv2: Any, ses_calls: SesCalls, context: FakeContext, tenant: str
) -> None:
    old = tenant_handler.on_event(event("Create", IDENTITY), context)
    ses_calls.clear()

    new = tenant_handler.on_event(
        event(
            "Update",
            CONFIGURATION_SET,
            old_properties=association_properties("acme", IDENTITY),
            physical_id=old["PhysicalResourceId"],
        ),
        context,
    )

    assert new["PhysicalResourceId"] == f"acme|{CONFIGURATION_SET}"
    assert ses_calls.names == ["CreateTenantResourceAssociation"]
    assert associated(sesv2) == [CONFIGURATION_SET, IDENTITY]

    # CloudFormation then deletes the old physical resource.
    tenant_handler.on_event(
        event("Delete", IDENTITY, physical_id=old["PhysicalResourceId"]), context
    )

    assert associated(sesv2) == [CONFIGURATION_SET]


def test_an_update_that_changes_nothing_makes_no_call(
    ses_calls: SesCalls, context: FakeContext, tenant: str
) -> None:
    old = tenant_handler.on_event(event("Create", IDENTITY), context)
    ses_calls.clear()
    properties = {**association_properties("acme", IDENTITY), "ServiceToken": "arn:aws:lambda:x"}

    response = tenant_handler.on_event(
        cfn_event(
            "Update",
            properties,
            resource_type=ASSOCIATION,
            old_properties=association_properties("acme", IDENTITY),
            physical_id=old["PhysicalResourceId"],
        ),
        context,
    )

    assert response == old
    assert ses_calls.names == []


def test_not_found_right_after_the_tenant_was_created_is_waited_out(
    sesv2: Any, ses_calls: SesCalls, context: FakeContext, tenant: str, slept: list[float]
) -> None:
    double.inject_fault(
        "CreateTenantResourceAssociation",
        count=2,
        code="NotFoundException",
        message="Tenant acme does not exist",
        status=404,
    )

    tenant_handler.on_event(event("Create", IDENTITY), context)

    assert ses_calls.names == ["CreateTenantResourceAssociation"] * 3
    assert len(slept) == 2
    assert associated(sesv2) == [IDENTITY]


def test_throttling_is_retried(
    sesv2: Any, ses_calls: SesCalls, context: FakeContext, tenant: str, slept: list[float]
) -> None:
    double.inject_fault("CreateTenantResourceAssociation", count=2)
    double.inject_fault("DeleteTenantResourceAssociation", count=2)

    created = tenant_handler.on_event(event("Create", IDENTITY), context)
    tenant_handler.on_event(
        event("Delete", IDENTITY, physical_id=created["PhysicalResourceId"]), context
    )

    assert len(slept) == 4
    assert associated(sesv2) == []


def test_a_resource_that_does_not_exist_fails_clearly(
    ses_calls: SesCalls, context: FakeContext, tenant: str, slept: list[float]
) -> None:
    missing = f"arn:aws:ses:{REGION}:{ACCOUNT}:configuration-set/nowhere"

    with pytest.raises(RequestFailed) as raised:
        tenant_handler.on_event(event("Create", missing), context)

    message = str(raised.value)
    assert message.startswith(f"Associating '{missing}' with tenant 'acme' failed")
    assert "NotFoundException: Configuration set <nowhere> does not exist" in message
    assert "must exist in this account and region" in message
    # Briefly retried (it might have been created seconds ago), then given up.
    assert len(slept) == len(ses_calls.names) - 1 > 0


@pytest.mark.parametrize(
    "resource_arn",
    [
        f"arn:aws:ses:{REGION}:{ACCOUNT}:dedicated-ip-pool/acme-pool",
        f"arn:aws:ses:{REGION}:{ACCOUNT}:email-identity/example.com",
        "example.com",
    ],
)
def test_an_arn_that_is_no_associable_ses_resource_fails_before_any_call(
    ses_calls: SesCalls, context: FakeContext, resource_arn: str
) -> None:
    with pytest.raises(InvalidProperties, match="is not the ARN of an SES email identity"):
        tenant_handler.on_event(event("Create", resource_arn), context)
    assert ses_calls.names == []
