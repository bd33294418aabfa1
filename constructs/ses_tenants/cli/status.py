"""`ses-tenants status`: every tenant's sending status, reputation and findings, paused first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ses_tenants._handler.fleet import FleetReader, tenant_arn_prefix
from ses_tenants._handler.tenants import Reputation
from ses_tenants.cli.output import Progress, table


@dataclass(frozen=True)
class TenantStatus:
    name: str
    arn: str
    id: str
    customer_managed: str | None
    ses_managed: str | None
    aggregate: str | None
    paused: bool
    #: Why SES paused it (the SES-managed status's cause), or why it was paused by hand.
    cause: str | None
    reputation_policy: str | None
    impact: str | None
    open_findings: int
    finding_types: tuple[str, ...]
    #: The associated resources' ARNs, when asked for (`--resources`).
    resources: tuple[str, ...] | None

    def as_json(self) -> dict[str, Any]:
        value = {
            "name": self.name,
            "arn": self.arn,
            "id": self.id,
            "paused": self.paused,
            "sending_status": {
                "customer_managed": self.customer_managed,
                "ses_managed": self.ses_managed,
                "aggregate": self.aggregate,
            },
            "cause": self.cause,
            "reputation_policy": self.reputation_policy,
            "reputation_impact": self.impact,
            "open_findings": self.open_findings,
            "finding_types": list(self.finding_types),
        }
        if self.resources is not None:
            value["resources"] = list(self.resources)
        return value


def collect_status(
    reader: FleetReader, progress: Progress, *, with_resources: bool = False
) -> list[TenantStatus]:
    """The fleet's status in bulk: ListTenants, ListReputationEntities and
    ListRecommendations pages; ListTenantResources per tenant only `with_resources`."""
    tenants = reader.tenants()
    if not tenants:
        return []
    reputations = reader.reputations(tenant_arn_prefix(tenants[0].arn))
    findings = reader.open_findings()
    statuses = []
    for index, tenant in enumerate(tenants, start=1):
        reputation = reputations.get(tenant.arn)
        open_findings = findings.get(tenant.arn, [])
        resources = None
        if with_resources:
            listed = reader.resources(tenant.name)
            resources = tuple(sorted(listed or ()))
            progress.step("ListTenantResources", index, len(tenants))
        statuses.append(
            TenantStatus(
                name=tenant.name,
                arn=tenant.arn,
                id=tenant.id,
                customer_managed=_status(reputation, "customer_managed"),
                ses_managed=_status(reputation, "ses_managed"),
                aggregate=reputation.aggregate if reputation else None,
                paused=bool(reputation and reputation.paused),
                cause=_cause(reputation),
                reputation_policy=reputation.policy if reputation else None,
                impact=reputation.impact if reputation else None,
                open_findings=len(open_findings),
                finding_types=tuple(sorted({finding.type for finding in open_findings})),
                resources=resources,
            )
        )
    return sorted(statuses, key=lambda status: (not status.paused, status.name))


def _status(reputation: Reputation | None, which: str) -> str | None:
    record = getattr(reputation, which) if reputation else None
    return record.status if record else None


def _cause(reputation: Reputation | None) -> str | None:
    if reputation is None:
        return None
    for record in (reputation.ses_managed, reputation.customer_managed):
        if record and record.status == "DISABLED" and record.cause:
            return record.cause
    return None


def render(statuses: list[TenantStatus], *, with_resources: bool) -> str:
    headers = [
        "TENANT",
        "PAUSED",
        "CUSTOMER",
        "SES",
        "AGGREGATE",
        "POLICY",
        "IMPACT",
        "FINDINGS",
    ]
    if with_resources:
        headers.append("RESOURCES")
    rows = []
    for status in statuses:
        findings = str(status.open_findings)
        if status.finding_types:
            findings += f" ({', '.join(status.finding_types)})"
        row: list[Any] = [
            status.name,
            "yes" if status.paused else "no",
            status.customer_managed,
            status.ses_managed,
            status.aggregate,
            status.reputation_policy,
            status.impact,
            findings,
        ]
        if with_resources:
            row.append(len(status.resources or ()))
        rows.append(row)
    return table(headers, rows)
