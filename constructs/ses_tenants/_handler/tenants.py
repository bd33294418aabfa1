"""SES tenants as values rather than SES's dicts: what the gateway reads (`Tenant`, its
`Reputation`) and the one settings type (`TenantSettings`) in which what a resource asks for,
what SES holds and what an adoption record kept are compared.

Pure values: parsing SES's shapes into them is the gateway's (ses_gateway.py), working out
writes between settings is tenant_changes.py's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from . import contract
from .properties import Suppression

DISABLED = "DISABLED"


@dataclass(frozen=True)
class TenantSettings:
    """What can be set on a tenant. `tags` include the library's own (the ownership mark,
    an adoption record), when there are any."""

    tags: Mapping[str, str]
    suppression: Suppression | None
    reputation_policy: str
    sending_status: str


@dataclass(frozen=True)
class Tenant:
    """A tenant as GetTenant (or CreateTenant) describes it."""

    name: str
    arn: str
    id: str
    tags: Mapping[str, str] = field(default_factory=dict)
    suppression: Suppression | None = None

    @property
    def owner_mark(self) -> str | None:
        return self.tags.get(contract.OWNER_TAG_KEY)


@dataclass(frozen=True)
class StatusRecord:
    """One of a tenant's sending statuses, with why and when it last changed."""

    status: str
    cause: str | None = None
    updated: datetime | None = None


@dataclass(frozen=True)
class Reputation:
    """A tenant's reputation entity: its policy (by name: none, standard, strict), its three
    sending statuses and its reputation impact."""

    tenant_arn: str
    policy: str = contract.DEFAULT_REPUTATION_POLICY
    customer_managed: StatusRecord | None = None
    ses_managed: StatusRecord | None = None
    aggregate: str | None = None
    impact: str | None = None

    @property
    def sending_status(self) -> str:
        """The customer-managed status, the one a resource sets."""
        if self.customer_managed is None:
            return contract.DEFAULT_SENDING_STATUS
        return self.customer_managed.status

    @property
    def paused(self) -> bool:
        return DISABLED in (
            self.aggregate,
            self.customer_managed and self.customer_managed.status,
            self.ses_managed and self.ses_managed.status,
        )


def settings_of(tenant: Tenant, reputation: Reputation | None) -> TenantSettings:
    """The settings of `tenant` as SES holds them (SES's defaults without a reputation)."""
    reputation = reputation or Reputation(tenant.arn)
    return TenantSettings(
        tags=dict(tenant.tags),
        suppression=tenant.suppression,
        reputation_policy=reputation.policy,
        sending_status=reputation.sending_status,
    )
