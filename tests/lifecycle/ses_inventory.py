"""Everything SES holds, read through the public API (moto plus the tenant double)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

REPUTATION_ENTITY_TYPE = "RESOURCE"


@dataclass(frozen=True)
class TenantState:
    name: str
    arn: str
    tags: dict[str, str]
    #: The customer-managed status (what the stack sets), not SES's aggregate.
    sending_status: str
    #: The policy's name: none, standard or strict.
    reputation_policy: str
    suppression: dict[str, Any] | None
    #: ARNs of the associated resources.
    resources: frozenset[str]


@dataclass(frozen=True)
class SesInventory:
    tenants: dict[str, TenantState]
    #: Identity -> its default configuration set (None if it has none).
    identities: dict[str, str | None]
    #: Configuration set -> the pool it sends through (None: SES's shared IPs).
    configuration_sets: dict[str, str | None]
    #: Pool -> scaling mode.
    pools: dict[str, str]
    templates: frozenset[str]

    @property
    def is_empty(self) -> bool:
        return not (
            self.tenants
            or self.identities
            or self.configuration_sets
            or self.pools
            or self.templates
        )


def _pages(call: Callable[..., dict[str, Any]], key: str, **arguments: Any) -> Iterator[Any]:
    while True:
        page = call(**arguments)
        yield from page.get(key) or []
        token = page.get("NextToken")
        if not token:
            return
        arguments["NextToken"] = token


def read_tenant(sesv2: Any, name: str) -> TenantState:
    tenant = sesv2.get_tenant(TenantName=name)["Tenant"]
    entity = sesv2.get_reputation_entity(
        ReputationEntityType=REPUTATION_ENTITY_TYPE, ReputationEntityReference=tenant["TenantArn"]
    )["ReputationEntity"]
    resources = _pages(sesv2.list_tenant_resources, "TenantResources", TenantName=name)
    return TenantState(
        name=name,
        arn=tenant["TenantArn"],
        tags={tag["Key"]: tag["Value"] for tag in tenant.get("Tags") or []},
        sending_status=entity["CustomerManagedStatus"]["Status"],
        reputation_policy=entity["ReputationManagementPolicy"].rsplit("/", 1)[-1],
        suppression=tenant.get("SuppressionAttributes"),
        resources=frozenset(resource["ResourceArn"] for resource in resources),
    )


def read_inventory(sesv2: Any, ses: Any) -> SesInventory:
    """`sesv2` and `ses` (v1, for templates: the double has no ListEmailTemplates) clients."""
    tenants = {
        tenant["TenantName"]: read_tenant(sesv2, tenant["TenantName"])
        for tenant in _pages(sesv2.list_tenants, "Tenants")
    }
    identities = {
        identity["IdentityName"]: sesv2.get_email_identity(
            EmailIdentity=identity["IdentityName"]
        ).get("ConfigurationSetName")
        for identity in _pages(sesv2.list_email_identities, "EmailIdentities")
    }
    configuration_sets = {
        name: (
            sesv2.get_configuration_set(ConfigurationSetName=name).get("DeliveryOptions") or {}
        ).get("SendingPoolName")
        for name in _pages(sesv2.list_configuration_sets, "ConfigurationSets")
    }
    pools = {
        name: sesv2.get_dedicated_ip_pool(PoolName=name)["DedicatedIpPool"].get("ScalingMode")
        for name in _pages(sesv2.list_dedicated_ip_pools, "DedicatedIpPools")
    }
    templates = frozenset(
        template["Name"] for template in _pages(ses.list_templates, "TemplatesMetadata")
    )
    return SesInventory(tenants, identities, configuration_sets, pools, templates)
