"""Drive the custom-resource handler the way the Provider framework does, against the SES
tenant API double, and see every SES call its client makes.

The handler lives in lambda/ (a Python keyword) and imports its siblings by their own
names, as the Lambda runtime does: its folder goes on sys.path, and its modules are
imported only after that.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
HANDLER_DIR = REPO_ROOT / "lambda"
REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/SesTenant-bench/uuid"
SERVICE_TOKEN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:SesTenantsPlatform-onEvent"
TEN_MINUTES_MS = 10 * 60 * 1000
READ_PREFIXES = ("Get", "List")

FAKE_AWS_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_EC2_METADATA_DISABLED": "true",
}


def handler_module(name: str) -> ModuleType:
    """A module of the handler (tenant_handler, ses_client, retry, contract...)."""
    if str(HANDLER_DIR) not in sys.path:
        sys.path.insert(0, str(HANDLER_DIR))
    return importlib.import_module(name)


def quiet_handler_logs() -> None:
    """The handler logs each request at INFO and each retry at WARNING; with no handler
    configured Python would print the warnings to stderr, drowning the progress lines."""
    logging.getLogger().addHandler(logging.NullHandler())


class FakeContext:
    """The Lambda context's clock, moved on by the backoff the handler would have slept."""

    def __init__(self, remaining_ms: int = TEN_MINUTES_MS) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms

    def advance(self, seconds: float) -> None:
        self.remaining_ms -= int(seconds * 1000)


@dataclass
class CallLog:
    """Every SES v2 request the handler's client sends (each attempt), by operation name."""

    names: list[str] = field(default_factory=list)

    def record(self, model: Any, **_: Any) -> None:
        self.names.append(model.name)

    @property
    def reads(self) -> list[str]:
        return [name for name in self.names if name.startswith(READ_PREFIXES)]

    @property
    def writes(self) -> list[str]:
        return [name for name in self.names if not name.startswith(READ_PREFIXES)]

    def clear(self) -> None:
        self.names.clear()


@dataclass
class Backoff:
    """Stands in for the handler's sleep: records each wait and moves the clock on."""

    delays: list[float] = field(default_factory=list)
    context: FakeContext | None = None

    def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)
        if self.context is not None:
            self.context.advance(seconds)


@dataclass
class Double:
    """An empty SES (moto + the tenant double) with the handler's client recorded."""

    calls: CallLog
    backoff: Backoff
    sesv2: Any  # an unrecorded client to arrange SES state

    def invoke(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """One invocation of on_event, with a fresh Lambda time budget, as Lambda gives."""
        context = FakeContext()
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
    calls, backoff = CallLog(), Backoff()
    original_sleep = retry.sleep
    with mock_aws():
        client = ses_client.create_client(region_name=REGION)
        client.meta.events.register("before-call.sesv2", calls.record)
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
    contract = handler_module("contract")
    properties: dict[str, Any] = {
        "ServiceToken": SERVICE_TOKEN,
        contract.PROP_TENANT_NAME: name,
        contract.PROP_REPUTATION_POLICY: reputation_policy,
        contract.PROP_SENDING_STATUS: sending_status,
        contract.PROP_ADOPT_EXISTING: "true" if adopt_existing else "false",
    }
    if suppression is not None:
        properties[contract.PROP_SUPPRESSION_SCOPE] = suppression[0]
        properties[contract.PROP_SUPPRESSED_REASONS] = list(suppression[1])
    if tags:
        properties[contract.PROP_TAGS] = [
            {"Key": key, "Value": value} for key, value in sorted(tags.items())
        ]
    return properties


def association_properties(tenant_name: str, resource_arn: str) -> dict[str, Any]:
    contract = handler_module("contract")
    return {
        "ServiceToken": SERVICE_TOKEN,
        contract.PROP_TENANT_NAME: tenant_name,
        contract.PROP_RESOURCE_ARN: resource_arn,
    }


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
) -> dict[str, Any]:
    contract = handler_module("contract")
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": SERVICE_TOKEN,
        "ResponseURL": "https://cloudformation-custom-resource-response.example/",
        "StackId": STACK_ID,
        "RequestId": f"{request_type.lower()}-{logical_id}",
        "LogicalResourceId": logical_id,
        "ResourceType": (
            contract.ASSOCIATION_RESOURCE_TYPE if association else contract.TENANT_RESOURCE_TYPE
        ),
        "ResourceProperties": dict(properties),
    }
    if physical_id is not None:
        event["PhysicalResourceId"] = physical_id
    if old_properties is not None:
        event["OldResourceProperties"] = dict(old_properties)
    return event


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
