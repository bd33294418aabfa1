"""A whole account's tenants read in bulk, as domain values instead of SES's dicts.

Used by the operations CLI (`ses-tenants status`, `drift`, `import`). The fleet is read page
by page (ListTenants, ListReputationEntities, ListRecommendations), so the number of SES
calls grows with the number of pages, not of tenants; what only a per-tenant call can tell
(tags and suppression: GetTenant; associations: ListTenantResources) is read per tenant,
and only when asked for. Every call goes through a `Retrier`, so throttling is waited out.

It returns the handler's values (tenants.py's `Tenant` and `Reputation`, parsed by the
gateway) and two of its own, `TenantSummary` (what ListTenants lists) and `Finding`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from .retry import NOT_FOUND_CODE, Retrier, error_code
from .ses_gateway import SesGateway, reputation_from_ses
from .tenants import Reputation, Tenant

#: SES's page size ceiling for the tenant list operations.
PAGE_SIZE = 100
OPEN = "OPEN"


@dataclass(frozen=True)
class TenantSummary:
    """A tenant as ListTenants lists it."""

    name: str
    arn: str
    id: str
    created: datetime | None = None

    @classmethod
    def from_ses(cls, info: Mapping[str, Any]) -> TenantSummary:
        return cls(
            name=info["TenantName"],
            arn=info["TenantArn"],
            id=info.get("TenantId", ""),
            created=info.get("CreatedTimestamp"),
        )


@dataclass(frozen=True)
class Finding:
    """An open recommendation (finding) of SES's advisor on a resource."""

    resource_arn: str
    type: str
    impact: str | None
    description: str | None = None

    @classmethod
    def from_ses(cls, recommendation: Mapping[str, Any]) -> Finding:
        return cls(
            resource_arn=recommendation["ResourceArn"],
            type=recommendation.get("Type", ""),
            impact=recommendation.get("Impact"),
            description=recommendation.get("Description"),
        )


#: Told of each page read: (operation, items so far).
PageListener = Callable[[str, int], None]


class FleetReader:
    """Reads an account's tenants through one sesv2 client and one Retrier."""

    def __init__(self, client: Any, retrier: Retrier, on_page: PageListener | None = None) -> None:
        self._client = client
        self._retrier = retrier
        self._on_page = on_page

    # Bulk reads: one call per page

    def tenants(self) -> list[TenantSummary]:
        return [
            TenantSummary.from_ses(info)
            for info in self._pages("ListTenants", self._client.list_tenants, "Tenants")
        ]

    def reputations(self, tenant_arn_prefix: str | None = None) -> dict[str, Reputation]:
        """Reputation entities by tenant ARN; `tenant_arn_prefix` (e.g.
        `arn:aws:ses:us-east-1:123456789012:tenant/`) leaves out entities of other kinds."""
        request: dict[str, Any] = {}
        if tenant_arn_prefix:
            request["Filter"] = {"ENTITY_REFERENCE_PREFIX": tenant_arn_prefix}
        entities = self._pages(
            "ListReputationEntities",
            self._client.list_reputation_entities,
            "ReputationEntities",
            **request,
        )
        reputations = (reputation_from_ses(entity) for entity in entities)
        return {reputation.tenant_arn: reputation for reputation in reputations}

    def open_findings(self) -> dict[str, list[Finding]]:
        """Open findings by the ARN of the resource they are about."""
        findings: dict[str, list[Finding]] = {}
        for recommendation in self._pages(
            "ListRecommendations",
            self._client.list_recommendations,
            "Recommendations",
            Filter={"STATUS": OPEN},
        ):
            finding = Finding.from_ses(recommendation)
            findings.setdefault(finding.resource_arn, []).append(finding)
        return findings

    # Per-tenant reads

    def details(self, name: str) -> Tenant | None:
        """The tenant as GetTenant describes it (tags, suppression); None if it is gone."""
        return SesGateway(self._client, self._retrier).get_tenant(name)

    def resources(self, name: str) -> list[str] | None:
        """The ARNs of the resources associated with the tenant; None if it is gone."""
        try:
            return [
                resource["ResourceArn"]
                for resource in self._pages(
                    "ListTenantResources",
                    self._client.list_tenant_resources,
                    "TenantResources",
                    notify=False,
                    TenantName=name,
                )
            ]
        except ClientError as error:
            if error_code(error) == NOT_FOUND_CODE:
                return None
            raise

    def _pages(
        self,
        operation: str,
        method: Callable[..., Mapping[str, Any]],
        member: str,
        *,
        notify: bool = True,
        **request: Any,
    ) -> Iterator[Mapping[str, Any]]:
        token: str | None = None
        count = 0
        while True:
            page_request = {**request, "PageSize": PAGE_SIZE}
            if token:
                page_request["NextToken"] = token
            page = self._retrier.call(
                lambda page_request=page_request: method(**page_request),  # type: ignore[misc]
                description=operation,
            )
            items = page.get(member) or []
            count += len(items)
            yield from items
            if notify and self._on_page is not None:
                self._on_page(operation, count)
            token = page.get("NextToken")
            if not token:
                return


def tenant_arn_prefix(tenant_arn: str) -> str:
    """`arn:aws:ses:us-east-1:123456789012:tenant/` from any tenant ARN of the account."""
    head, separator, _ = tenant_arn.partition(":tenant/")
    return f"{head}{separator}" if separator else ""
