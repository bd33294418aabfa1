"""Drive the custom-resource handler the way the Provider framework does, against the SES
tenant API double, and see every SES call its client makes.

The handler is the package ``ses_tenants._handler``; its modules are imported by name.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from ses_tenants.testing import handler_kit
from ses_tenants.testing.handler_kit import (
    ACCOUNT,
    REGION,
    FakeLambdaContext,
    RecordedSleep,
    SesCalls,
    function_arn,
    stack_id,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
#: The Lambda asset's root: the folder that holds the `_handler` package.
HANDLER_ASSET_ROOT = REPO_ROOT / "constructs" / "ses_tenants"
STACK_ID = stack_id("SesTenant-bench")
SERVICE_TOKEN = function_arn("SesTenantsPlatform-onEvent")

FAKE_AWS_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_EC2_METADATA_DISABLED": "true",
}


def handler_module(name: str) -> ModuleType:
    """A module of the handler (tenant_handler, ses_client, retry, contract...)."""
    return importlib.import_module(f"ses_tenants._handler.{name}")


def quiet_handler_logs() -> None:
    """The handler logs each request at INFO and each retry at WARNING; with no handler
    configured Python would print the warnings to stderr, drowning the progress lines."""
    logging.getLogger().addHandler(logging.NullHandler())


@dataclass
class Double:
    """An empty SES (moto + the tenant double) with the handler's client recorded."""

    calls: SesCalls
    #: Stands in for the handler's sleep: records each wait and moves the clock on.
    backoff: RecordedSleep
    sesv2: Any  # an unrecorded client to arrange SES state

    def invoke(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """One invocation of on_event, with a fresh Lambda time budget, as Lambda gives."""
        context = FakeLambdaContext(SERVICE_TOKEN)
        self.backoff.context = context
        return handler_module("tenant_handler").on_event(event, context)


@contextmanager
def ses_double() -> Iterator[Double]:
    """A fresh double for one scenario: moto state, injected faults and call log all new."""
    os.environ.update(FAKE_AWS_ENVIRONMENT)
    import boto3
    from moto import mock_aws

    import ses_tenants.testing  # noqa: F401  (installs the tenant API into moto)

    ses_client = handler_module("ses_client")
    retry: Any = handler_module("retry")
    backoff = RecordedSleep()
    original_sleep = retry.sleep
    with mock_aws():
        client = ses_client.create_client(region_name=REGION)
        calls = SesCalls().attach(client)
        ses_client.set_client(client)
        retry.sleep = backoff.sleep
        try:
            yield Double(calls, backoff, boto3.client("sesv2", region_name=REGION))
        finally:
            retry.sleep = original_sleep
            ses_client.set_client(None)


# CloudFormation-shaped events, as the Provider framework passes them to on_event.


def tenant_properties(
    name: str,
    *,
    reputation_policy: str = "standard",
    sending_status: str = "ENABLED",
    suppression: tuple[str, list[str]] | None = None,
    tags: Mapping[str, str] | None = None,
    adopt_existing: bool = False,
) -> dict[str, Any]:
    """Custom::SesTenant properties as the Tenant construct renders them (all strings)."""
    return handler_kit.tenant_properties(
        name,
        reputation_policy=reputation_policy,
        sending_status=sending_status,
        suppression_scope=suppression[0] if suppression is not None else None,
        suppressed_reasons=list(suppression[1]) if suppression is not None else None,
        tags=[{"Key": key, "Value": value} for key, value in sorted(tags.items())]
        if tags
        else None,
        adopt_existing="true" if adopt_existing else "false",
        service_token=SERVICE_TOKEN,
    )


def association_properties(tenant_name: str, resource_arn: str) -> dict[str, Any]:
    return handler_kit.association_properties(
        tenant_name, resource_arn, service_token=SERVICE_TOKEN
    )


def association_physical_id(tenant_name: str, resource_arn: str) -> str:
    return str(handler_module("properties").AssociationSpec(tenant_name, resource_arn).physical_id)


def cfn_event(
    request_type: str,
    properties: Mapping[str, Any],
    *,
    logical_id: str,
    association: bool = False,
    physical_id: str | None = None,
    old_properties: Mapping[str, Any] | None = None,
    stack_id: str = STACK_ID,
    request_id: str | None = None,
) -> dict[str, Any]:
    """The event of one of the benchmark stack's resources; its RequestId names the request
    type and the resource unless given."""
    contract = handler_module("contract")
    return handler_kit.custom_resource_event(
        request_type,
        properties,
        resource_type=(
            contract.ASSOCIATION_RESOURCE_TYPE if association else contract.TENANT_RESOURCE_TYPE
        ),
        logical_id=logical_id,
        stack_id=stack_id,
        physical_id=physical_id,
        old_properties=old_properties,
        request_id=request_id or f"{request_type.lower()}-{logical_id}",
    )


# SES resources a tenant is associated with, made with the unrecorded client.


def ses_arn(kind: str, name: str) -> str:
    return f"arn:aws:ses:{REGION}:{ACCOUNT}:{kind}/{name}"


def create_customer_resources(sesv2: Any, domain: str, templates: list[str]) -> list[str]:
    """A domain identity, a configuration set and templates; their ARNs, as CloudFormation
    would pass them to the association resources."""
    configuration_set = f"cs-{domain.replace('.', '-')}"
    sesv2.create_email_identity(EmailIdentity=domain)
    sesv2.create_configuration_set(ConfigurationSetName=configuration_set)
    for template in templates:
        sesv2.create_email_template(
            TemplateName=template, TemplateContent={"Subject": "Hi", "Text": "Hello"}
        )
    return [
        ses_arn("identity", domain),
        ses_arn("configuration-set", configuration_set),
        *(ses_arn("template", template) for template in templates),
    ]
