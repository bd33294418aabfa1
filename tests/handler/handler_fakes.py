"""What the handler tests share: the kit (ses_tenants.testing.handler_kit) under the names
the tests use, and a second stack besides the kit's `acme` stack."""

from __future__ import annotations

from ses_tenants.testing.handler_kit import (
    ACCOUNT,
    LOGICAL_ID,
    REGION,
    SERVICE_TOKEN,
    STACK_ID,
    TEN_MINUTES_MS,
    SesCalls,
    association_properties,
    stack_id,
    tenant_properties,
)
from ses_tenants.testing.handler_kit import FakeLambdaContext as FakeContext
from ses_tenants.testing.handler_kit import custom_resource_event as cfn_event

OTHER_STACK_ID = stack_id("other", "uuid2")

__all__ = [
    "ACCOUNT",
    "LOGICAL_ID",
    "OTHER_STACK_ID",
    "REGION",
    "SERVICE_TOKEN",
    "STACK_ID",
    "TEN_MINUTES_MS",
    "FakeContext",
    "SesCalls",
    "association_properties",
    "cfn_event",
    "tenant_properties",
]
