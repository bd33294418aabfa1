"""Tenant state and rules, one backend per account and region.

The backends live in a moto ``BackendDict``, so moto's own reset (the start of a ``mock_aws``
context, ``POST /moto-api/reset`` in server mode) clears tenants with everything else.
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend

from . import resources
from .exceptions import (
    AlreadyExistsException,
    BadRequestException,
    LimitExceededException,
    NotFoundException,
    SendingPausedException,
    enum_error,
    tenant_not_found,
    validation_error,
)
from .resources import SesResource
from .validation import require_name, suppression_attributes, validate_create_name, validate_tags

# SES's default quota per account and region; tests may lower it to reach the limit cheaply.
TENANT_QUOTA = 10_000

ENABLED, REINSTATED, DISABLED = "ENABLED", "REINSTATED", "DISABLED"
SENDING_STATUSES = (ENABLED, REINSTATED, DISABLED)
POLICY_NAMES = ("none", "standard", "strict")
ENTITY_TYPES = ("RESOURCE",)
LIST_TENANTS_FILTERS = ("TENANT_NAME_CONTAINS", "SENDING_STATUS")
REPUTATION_FILTERS = (
    "ENTITY_TYPE",
    "REPUTATION_IMPACT",
    "SENDING_STATUS",
    "ENTITY_REFERENCE_PREFIX",
)
IMPACTS = ("LOW", "HIGH")
RECOMMENDATION_TYPES = (
    "DKIM",
    "DMARC",
    "SPF",
    "BIMI",
    "COMPLAINT",
    "BOUNCE",
    "FEEDBACK_3P",
    "IP_LISTING",
)
OPEN, FIXED = "OPEN", "FIXED"
RECOMMENDATION_STATUSES = (OPEN, FIXED)
RECOMMENDATION_FILTERS = ("TYPE", "IMPACT", "STATUS", "RESOURCE_ARN")
# ListRecommendations takes one filter, or STATUS with IMPACT, or STATUS with TYPE.
RECOMMENDATION_FILTER_PAIRS = ({"STATUS", "IMPACT"}, {"STATUS", "TYPE"})
FILTER_VALUE_MAX = 512


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class StatusRecord:
    status: str = ENABLED
    cause: str | None = None
    last_updated: datetime = field(default_factory=utcnow)


@dataclass
class Tenant:
    name: str
    tenant_id: str
    arn: str
    created: datetime
    tags: list[dict[str, str]]
    suppression: dict[str, Any] | None
    policy_arn: str
    customer_status: StatusRecord = field(default_factory=StatusRecord)
    ses_status: StatusRecord = field(default_factory=StatusRecord)

    @property
    def sending_status(self) -> str:
        """The aggregate: paused if either side paused it, else reinstated if either did."""
        statuses = {self.customer_status.status, self.ses_status.status}
        if DISABLED in statuses:
            return DISABLED
        if REINSTATED in statuses:
            return REINSTATED
        return ENABLED


@dataclass
class SuppressedDestination:
    address: str
    reason: str
    updated: datetime


SUPPRESSION_REASONS = ("BOUNCE", "COMPLAINT")


@dataclass
class Recommendation:
    """A Virtual Deliverability Manager finding (what ListRecommendations returns)."""

    resource_arn: str
    type: str
    description: str
    impact: str
    status: str
    created: datetime
    last_updated: datetime
    # Creation order: ListRecommendations pages in it.
    seq: int


@dataclass
class Association:
    tenant: Tenant
    resource: SesResource
    associated: datetime
    # Creation order: ListResourceTenants pages a resource's tenants in association order.
    seq: int


def policy_arn(name: str, region: str, partition: str) -> str:
    return f"arn:{partition}:ses:{region}:aws:reputation-policy/{name}"


class TenantBackend(BaseBackend):
    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)
        self.tenants: dict[str, Tenant] = {}
        self.associations: dict[tuple[str, str], Association] = {}
        self._seq = itertools.count()
        # Suppression lists: the account's under None, each tenant's under its TenantId.
        self.suppressed: dict[str | None, dict[str, SuppressedDestination]] = {}
        # Findings by (resource ARN, type, description): reopening one keeps its identity.
        self.recommendations: dict[tuple[str, str, str], Recommendation] = {}

    # Tenants

    def create_tenant(
        self,
        name: str | None,
        tags: list[dict[str, str]] | None,
        suppression: dict[str, Any] | None,
    ) -> Tenant:
        name = validate_create_name(name)
        tag_list = validate_tags(list(tags or []))
        attributes = None
        if suppression is not None:
            attributes = suppression_attributes(
                suppression.get("SuppressedReasons"),
                suppression.get("SuppressionScope"),
                member_prefix="suppressionAttributes.",
            )
        if name in self.tenants:
            raise AlreadyExistsException(
                f"Tenant with name {name} already exists in account {self.account_id}"
            )
        if len(self.tenants) >= TENANT_QUOTA:
            raise LimitExceededException(
                f"Tenant limit exceeded: an account can have up to {TENANT_QUOTA} tenants "
                "per Region."
            )
        tenant_id = "tn-" + secrets.token_hex(15)
        tenant = Tenant(
            name=name,
            tenant_id=tenant_id,
            arn=f"arn:{self.partition}:ses:{self.region_name}:{self.account_id}"
            f":tenant/{name}/{tenant_id}",
            created=utcnow(),
            tags=tag_list,
            suppression=attributes,
            policy_arn=policy_arn("standard", self.region_name, self.partition),
        )
        self.tenants[name] = tenant
        return tenant

    def get_tenant(self, name: str | None) -> Tenant:
        name = require_name(name)
        tenant = self.tenants.get(name)
        if tenant is None:
            raise tenant_not_found(name)
        return tenant

    def list_tenants(self, filters: dict[str, str] | None) -> list[Tenant]:
        filters = filters or {}
        for key, value in filters.items():
            if key not in LIST_TENANTS_FILTERS:
                raise enum_error("filter", key, LIST_TENANTS_FILTERS)
            if key == "SENDING_STATUS" and value not in SENDING_STATUSES:
                raise enum_error("filter.SENDING_STATUS", value, SENDING_STATUSES)
        contains = filters.get("TENANT_NAME_CONTAINS")
        status = filters.get("SENDING_STATUS")
        return [
            tenant
            for tenant in self.tenants.values()
            if (contains is None or contains in tenant.name)
            and (status is None or tenant.sending_status == status)
        ]

    def delete_tenant(self, name: str | None) -> None:
        tenant = self.get_tenant(name)
        # Cascade: the associations go, the resources stay. The reputation entity and the
        # suppression attributes live on the tenant and go with it.
        for key in [key for key in self.associations if key[0] == tenant.tenant_id]:
            del self.associations[key]
        self.suppressed.pop(tenant.tenant_id, None)  # the tenant's suppression list goes too
        del self.tenants[tenant.name]

    def put_suppression_attributes(
        self, name: str | None, reasons: list[str] | None, scope: str | None
    ) -> None:
        name = require_name(name)
        attributes = suppression_attributes(reasons, scope, member_prefix="")
        self.get_tenant(name).suppression = attributes

    # Suppressed destinations: the account's list, or a tenant's with TenantName. The
    # tenant's SuppressionScope does not gate these calls.

    def suppression_list(self, tenant_name: str | None) -> dict[str, SuppressedDestination]:
        key = None if tenant_name is None else self.get_tenant(tenant_name).tenant_id
        return self.suppressed.setdefault(key, {})

    def put_suppressed(
        self, tenant_name: str | None, address: str | None, reason: str | None
    ) -> None:
        if not address:
            raise validation_error(
                "Value at 'emailAddress' failed to satisfy constraint: Member must not be null"
            )
        if reason not in SUPPRESSION_REASONS:
            raise enum_error("reason", reason, SUPPRESSION_REASONS)
        entries = self.suppression_list(tenant_name)
        entries[address.lower()] = SuppressedDestination(address, reason, utcnow())

    def get_suppressed(self, tenant_name: str | None, address: str) -> SuppressedDestination:
        entry = self.suppression_list(tenant_name).get(address.lower())
        if entry is None:
            raise NotFoundException(f"Email address <{address}> does not exist.")
        return entry

    def delete_suppressed(self, tenant_name: str | None, address: str) -> None:
        self.get_suppressed(tenant_name, address)
        del self.suppression_list(tenant_name)[address.lower()]

    def list_suppressed(
        self,
        tenant_name: str | None,
        reasons: list[str],
        start: datetime | None,
        end: datetime | None,
    ) -> list[SuppressedDestination]:
        for reason in reasons:
            if reason not in SUPPRESSION_REASONS:
                raise enum_error("reasons", reason, SUPPRESSION_REASONS)
        return [
            entry
            for entry in self.suppression_list(tenant_name).values()
            if (not reasons or entry.reason in reasons)
            and (start is None or entry.updated >= start)
            and (end is None or entry.updated <= end)
        ]

    # Resource associations

    def associate(self, name: str | None, arn: str | None) -> None:
        tenant = self.get_tenant(name)
        resource = self._existing_resource(arn)
        key = (tenant.tenant_id, resource.arn)
        if key in self.associations:
            raise AlreadyExistsException(
                f"Resources {resource.arn} has already been associated with tenant {tenant.name}"
            )
        self.associations[key] = Association(tenant, resource, utcnow(), next(self._seq))

    def disassociate(self, name: str | None, arn: str | None) -> None:
        tenant = self.get_tenant(name)
        if not arn:
            raise validation_error(
                "Value at 'resourceArn' failed to satisfy constraint: Member must not be null"
            )
        # A well-formed SES ARN is enough: an association whose resource is gone (or an
        # association already removed) is deleted without error.
        resource = resources.parse_resource_arn(
            arn, account=self.account_id, region=self.region_name
        )
        self.associations.pop((tenant.tenant_id, resource.arn), None)

    def tenant_resources(
        self, name: str | None, filters: dict[str, str] | None
    ) -> list[Association]:
        tenant = self.get_tenant(name)
        kind = None
        for key, value in (filters or {}).items():
            if key != "RESOURCE_TYPE":
                raise enum_error("filter", key, ("RESOURCE_TYPE",))
            # SES filters on the ARN segment and rejects the SDK's enum spelling.
            if value not in resources.ASSOCIABLE:
                raise BadRequestException(f"Invalid resource type {value} specified.")
            kind = value
        return [
            association
            for association in self.associations.values()
            if association.tenant is tenant and kind in (None, association.resource.kind)
        ]

    def resource_tenants(self, arn: str | None) -> list[Association]:
        resource = self._existing_resource(arn)
        return [a for a in self.associations.values() if a.resource.arn == resource.arn]

    def is_associated(self, kind: str, name: str) -> str | None:
        """The resource's ARN if any tenant is associated with it, else None."""
        arn = resources.resource_arn(kind, name, account=self.account_id, region=self.region_name)
        if any(a.resource.arn == arn for a in self.associations.values()):
            return arn
        return None

    def is_associated_with(self, tenant: Tenant, arn: str) -> bool:
        return (tenant.tenant_id, arn) in self.associations

    def require_sending(self, tenant: Tenant) -> None:
        """A paused tenant (aggregate DISABLED, by the customer or by SES) cannot send."""
        if tenant.sending_status == DISABLED:
            raise SendingPausedException(f"Sending is paused for tenant <{tenant.name}>.")

    def _existing_resource(self, arn: str | None) -> SesResource:
        if not arn:
            raise validation_error(
                "Value at 'resourceArn' failed to satisfy constraint: Member must not be null"
            )
        resource = resources.parse_resource_arn(
            arn, account=self.account_id, region=self.region_name
        )
        resources.require_exists(resource, account=self.account_id, region=self.region_name)
        return resource

    # Reputation entities (one per tenant)

    def reputation_entity(self, entity_type: str | None, reference: str | None) -> Tenant:
        if entity_type not in ENTITY_TYPES:
            raise enum_error("reputationEntityType", entity_type, ENTITY_TYPES)
        for tenant in self.tenants.values():
            if tenant.arn == reference:
                return tenant
        raise NotFoundException(f"Reputation entity <{reference}> does not exist.")

    def reputation_entities(self, filters: dict[str, str] | None) -> list[Tenant]:
        filters = filters or {}
        for key, value in filters.items():
            if key not in REPUTATION_FILTERS:
                raise enum_error("filter", key, REPUTATION_FILTERS)
            _require_filter_value(key, value)
        allowed = {
            "ENTITY_TYPE": ENTITY_TYPES,
            "REPUTATION_IMPACT": IMPACTS,
            "SENDING_STATUS": SENDING_STATUSES,
        }
        for key, values in allowed.items():
            if key in filters and filters[key] not in values:
                raise enum_error(f"filter.{key}", filters[key], values)
        impact = filters.get("REPUTATION_IMPACT")
        status = filters.get("SENDING_STATUS")
        prefix = filters.get("ENTITY_REFERENCE_PREFIX", "")
        return [
            tenant
            for tenant in self.tenants.values()
            if (impact is None or self.reputation_impact(tenant) == impact)
            and (status is None or tenant.sending_status == status)
            and tenant.arn.startswith(prefix)
        ]

    def reputation_impact(self, tenant: Tenant) -> str | None:
        """The highest impact of the tenant's open findings, as ReputationImpact reports."""
        impacts = {
            r.impact
            for r in self.recommendations.values()
            if r.resource_arn == tenant.arn and r.status == OPEN
        }
        for impact in ("HIGH", "LOW"):
            if impact in impacts:
                return impact
        return None

    def update_reputation_policy(
        self, entity_type: str | None, reference: str | None, policy: str | None
    ) -> None:
        valid = {policy_arn(n, self.region_name, self.partition) for n in POLICY_NAMES}
        if policy not in valid:
            raise BadRequestException(
                f"Invalid reputation management policy <{policy}>. Valid policies are: "
                + ", ".join(sorted(valid))
            )
        self.reputation_entity(entity_type, reference).policy_arn = policy

    def update_customer_managed_status(
        self, entity_type: str | None, reference: str | None, status: str | None
    ) -> None:
        if status not in SENDING_STATUSES:
            raise enum_error("sendingStatus", status, SENDING_STATUSES)
        tenant = self.reputation_entity(entity_type, reference)
        tenant.customer_status = StatusRecord(status=status)

    def set_ses_managed_status(self, reference: str, status: str, cause: str | None) -> None:
        """Test hook: what SES itself does when it pauses or reinstates a tenant."""
        if status not in SENDING_STATUSES:
            raise ValueError(f"status must be one of {SENDING_STATUSES}, not {status!r}")
        tenant = next((t for t in self.tenants.values() if t.arn == reference), None)
        if tenant is None:
            raise LookupError(f"no tenant {reference} in {self.account_id}/{self.region_name}")
        tenant.ses_status = StatusRecord(status=status, cause=cause)

    # Recommendations (findings)

    def list_recommendations(self, filters: dict[str, str] | None) -> list[Recommendation]:
        if filters is None:
            filters = {}
        elif not 1 <= len(filters) <= 2:
            raise validation_error(
                f"Value '{filters}' at 'filter' failed to satisfy constraint: Member must have "
                "length less than or equal to 2 and greater than or equal to 1"
            )
        for key, value in filters.items():
            if key not in RECOMMENDATION_FILTERS:
                raise enum_error("filter", key, RECOMMENDATION_FILTERS)
            _require_filter_value(key, value)
        if len(filters) == 2 and set(filters) not in RECOMMENDATION_FILTER_PAIRS:
            raise BadRequestException(
                f"Invalid filter combination {sorted(filters)}: use one filter, or STATUS with "
                "IMPACT, or STATUS with TYPE."
            )
        allowed = {
            "TYPE": RECOMMENDATION_TYPES,
            "IMPACT": IMPACTS,
            "STATUS": RECOMMENDATION_STATUSES,
        }
        for key, values in allowed.items():
            if key in filters and filters[key] not in values:
                raise enum_error(f"filter.{key}", filters[key], values)
        wanted = {
            "TYPE": lambda r: r.type,
            "IMPACT": lambda r: r.impact,
            "STATUS": lambda r: r.status,
            "RESOURCE_ARN": lambda r: r.resource_arn,
        }
        return [
            recommendation
            for recommendation in self.recommendations.values()
            if all(wanted[key](recommendation) == value for key, value in filters.items())
        ]

    def set_recommendation(
        self,
        resource_arn: str,
        kind: str,
        status: str,
        impact: str | None,
        description: str | None,
    ) -> Recommendation:
        """Test hook: what VDM does when it opens (or resolves) a finding about a resource."""
        if kind not in RECOMMENDATION_TYPES:
            raise ValueError(f"type must be one of {RECOMMENDATION_TYPES}, not {kind!r}")
        if status not in RECOMMENDATION_STATUSES:
            raise ValueError(f"status must be one of {RECOMMENDATION_STATUSES}, not {status!r}")
        if impact is not None and impact not in IMPACTS:
            raise ValueError(f"impact must be one of {IMPACTS}, not {impact!r}")
        key = (resource_arn, kind, description or kind)
        now = utcnow()
        existing = self.recommendations.get(key)
        if existing is None:
            if status == FIXED:
                raise LookupError(f"no {kind} recommendation {key[2]!r} for {resource_arn}")
            existing = self.recommendations[key] = Recommendation(
                resource_arn=resource_arn,
                type=kind,
                description=key[2],
                impact=impact or "HIGH",
                status=OPEN,
                created=now,
                last_updated=now,
                seq=next(self._seq),
            )
            return existing
        existing.status = status
        existing.last_updated = now
        if impact is not None:
            existing.impact = impact
        return existing

    # Tags on tenant ARNs

    def tenant_for_tags(self, arn: str) -> Tenant:
        """Resolve a tenant ARN as SES does for tagging: by the TenantId segment alone."""
        parts = arn.split(":", 5)
        if parts[4] != self.account_id:
            raise BadRequestException(
                "Operations on a resource created in a different account is not allowed"
            )
        segments = parts[5].split("/")[1:]  # after "tenant"
        if len(segments) > 1:
            name, tenant_id = segments[0], segments[-1]
        else:
            # SES reads a lone segment as the id, and reports the absent name as "null".
            name, tenant_id = "null", "".join(segments)
        for tenant in self.tenants.values():
            if tenant.tenant_id == tenant_id:
                return tenant
        # The missing space before "with" is SES's own wording.
        raise NotFoundException(f"No Tenant present with name: {name}with tenantId: {tenant_id}")

    def tag_tenant(self, arn: str, tags: list[dict[str, str]]) -> None:
        tenant = self.tenant_for_tags(arn)
        merged = {tag["Key"]: tag for tag in tenant.tags}
        merged.update({tag["Key"]: tag for tag in validate_tags(tags)})
        tenant.tags = validate_tags(list(merged.values()))

    def untag_tenant(self, arn: str, keys: list[str]) -> None:
        tenant = self.tenant_for_tags(arn)
        tenant.tags = [tag for tag in tenant.tags if tag["Key"] not in keys]


def _require_filter_value(key: str, value: object) -> None:
    if not isinstance(value, str) or not 1 <= len(value) <= FILTER_VALUE_MAX:
        raise validation_error(
            f"Value '{value}' at 'filter.{key}' failed to satisfy constraint: Member must have "
            f"length less than or equal to {FILTER_VALUE_MAX} and greater than or equal to 1"
        )


def is_tenant_arn(arn: str | None) -> bool:
    parts = (arn or "").split(":", 5)
    return len(parts) == 6 and parts[2] == "ses" and parts[5].startswith("tenant/")


tenant_backends = BackendDict(TenantBackend, "sesv2")
