"""`ses-tenants drift`: what the synthesized app declares against what SES holds.

CloudFormation cannot detect drift on custom resources, so this compares the assembly's
tenants and associations with the account: the settings through the handler's own
`changes_between` (what a deploy would write is exactly what has drifted), associations by
ARN, the ownership mark by the stack and logical id it names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ses_tenants._handler import contract
from ses_tenants._handler.fleet import FleetReader, tenant_arn_prefix
from ses_tenants._handler.ownership import DIGEST_PREFIX, logical_id_of_mark, stack_of_mark
from ses_tenants._handler.tenant_changes import changes_between, desired_state
from ses_tenants._handler.tenants import Reputation, Tenant, settings_of
from ses_tenants.cli.assembly import DesiredAssociation, DesiredTenant
from ses_tenants.cli.output import Progress, table

TENANT_MISSING = "tenant-missing"
TENANT_UNMANAGED = "tenant-unmanaged"
ASSOCIATION_MISSING = "association-missing"
ASSOCIATION_EXTRA = "association-extra"
TAGS = "tags"
REPUTATION_POLICY = "reputation-policy"
SUPPRESSION = "suppression"
SENDING_STATUS = "sending-status"
OWNERSHIP_MARK = "ownership-mark"
KINDS = (
    TENANT_MISSING,
    TENANT_UNMANAGED,
    ASSOCIATION_MISSING,
    ASSOCIATION_EXTRA,
    TAGS,
    REPUTATION_POLICY,
    SUPPRESSION,
    SENDING_STATUS,
    OWNERSHIP_MARK,
)


@dataclass(frozen=True)
class Drift:
    tenant: str
    kind: str
    detail: str
    #: Where the app declares the tenant ("stack/logical id"), if it does.
    declared_in: str | None = None
    desired: Any = None
    live: Any = None

    def as_json(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "kind": self.kind,
            "detail": self.detail,
            "declared_in": self.declared_in,
            "desired": self.desired,
            "live": self.live,
        }


#: The assembly's tenants for the account, once its id is known (from a tenant's ARN).
DesiredFor = Callable[[str | None], list[DesiredTenant]]


def find_drift(
    reader: FleetReader,
    desired_for: DesiredFor,
    progress: Progress,
    *,
    report_unmanaged: bool = True,
) -> list[Drift]:
    """Every difference, tenants in name order. Two bulk reads (ListTenants and
    ListReputationEntities pages), then GetTenant and ListTenantResources for each tenant the
    app declares that SES holds. `report_unmanaged`: also the tenants SES holds that the app
    does not declare (pointless when only some of the app's stacks are compared)."""
    live = {tenant.name: tenant for tenant in reader.tenants()}
    account = _account_of(next(iter(live.values())).arn) if live else None
    desired = desired_for(account)
    reputations: dict[str, Reputation] = {}
    if live:
        reputations = reader.reputations(tenant_arn_prefix(next(iter(live.values())).arn))
    drifts: list[Drift] = []
    present = [tenant for tenant in desired if tenant.spec.name in live]
    done = 0
    for tenant in desired:
        where = f"{tenant.stack}/{tenant.logical_id}" if tenant.logical_id else None
        if tenant.spec.name not in live:
            drifts.append(
                Drift(
                    tenant.spec.name,
                    TENANT_MISSING,
                    "declared by the app but not in SES: the next deploy creates it"
                    if tenant.logical_id
                    else "associations of the app name it, but SES has no such tenant",
                    where,
                )
            )
            continue
        details = reader.details(tenant.spec.name)
        resources = reader.resources(tenant.spec.name)
        done += 1
        progress.step("GetTenant + ListTenantResources", done, len(present))
        if details is None or resources is None:  # deleted between the reads
            drifts.append(Drift(tenant.spec.name, TENANT_MISSING, "deleted while read", where))
            continue
        if where is not None:
            reputation = reputations.get(details.arn)
            drifts += _settings_drift(tenant, details, reputation, where)
            drifts += _mark_drift(tenant, details, where)
        drifts += _association_drift(tenant, resources, where, managed=bool(tenant.logical_id))
    declared = {tenant.spec.name for tenant in desired}
    for name in sorted(set(live) - declared) if report_unmanaged else ():
        drifts.append(
            Drift(
                name,
                TENANT_UNMANAGED,
                "in SES but not declared by the app (`ses-tenants import` writes a customers-"
                "file entry that adopts it)",
                live=live[name].arn,
            )
        )
    return sorted(drifts, key=lambda drift: (drift.tenant, KINDS.index(drift.kind)))


def _settings_drift(
    tenant: DesiredTenant, details: Tenant, reputation: Reputation | None, where: str
) -> list[Drift]:
    current = settings_of(details, reputation)
    wanted = desired_state(tenant.spec, details.owner_mark)
    changes = changes_between(current, wanted)
    name = tenant.spec.name
    drifts = []
    if changes.tags_to_set or changes.tag_keys_to_remove:
        parts = [
            f"{key}={value!r} (SES: {current.tags.get(key)!r})"
            for key, value in sorted(changes.tags_to_set.items())
        ]
        parts += [
            f"{key} not declared (SES: {current.tags[key]!r})"
            for key in (changes.tag_keys_to_remove)
        ]
        drifts.append(
            Drift(
                name,
                TAGS,
                "; ".join(parts),
                where,
                desired=dict(sorted(tenant.spec.tags.items())),
                live={
                    key: value
                    for key, value in sorted(current.tags.items())
                    if key not in (contract.OWNER_TAG_KEY, contract.ADOPTION_RECORD_TAG_KEY)
                },
            )
        )
    if changes.reputation_policy:
        drifts.append(
            Drift(
                name,
                REPUTATION_POLICY,
                f"{wanted.reputation_policy} declared, {current.reputation_policy} in SES",
                where,
                wanted.reputation_policy,
                current.reputation_policy,
            )
        )
    if changes.suppression_changed:
        drifts.append(
            Drift(
                name,
                SUPPRESSION,
                f"{_suppression(wanted.suppression)} declared, "
                f"{_suppression(current.suppression)} in SES",
                where,
                _suppression_json(wanted.suppression),
                _suppression_json(current.suppression),
            )
        )
    if changes.sending_status:
        drifts.append(
            Drift(
                name,
                SENDING_STATUS,
                f"customer-managed status {wanted.sending_status} declared, "
                f"{current.sending_status} in SES",
                where,
                wanted.sending_status,
                current.sending_status,
            )
        )
    return drifts


def _mark_drift(tenant: DesiredTenant, details: Tenant, where: str) -> list[Drift]:
    mark = details.owner_mark
    if mark is None:
        consequence = (
            "adopt_existing is set, so the next deploy adopts it"
            if tenant.spec.adopt_existing
            else "the next deploy fails on it: set adopt_existing (or run `ses-tenants import`)"
        )
        return [
            Drift(
                tenant.spec.name,
                OWNERSHIP_MARK,
                f"no '{contract.OWNER_TAG_KEY}' tag: made outside the app; {consequence}",
                where,
                where,
                None,
            )
        ]
    if mark.startswith(DIGEST_PREFIX):
        return []  # a digest of a mark too long to read: cannot be checked offline
    stack_id = stack_of_mark(mark) or ""
    stack_name = stack_id.split("/")[1] if stack_id.count("/") >= 2 else stack_id
    owner = f"{stack_name}/{logical_id_of_mark(mark)}"
    if owner == where:
        return []
    return [
        Drift(
            tenant.spec.name,
            OWNERSHIP_MARK,
            f"owned by {owner} ({mark}), declared in {where}",
            where,
            where,
            mark,
        )
    ]


def _association_drift(
    tenant: DesiredTenant, resources: list[str], where: str | None, *, managed: bool
) -> list[Drift]:
    remaining = set(resources)
    missing: list[DesiredAssociation] = []
    for association in tenant.associations:
        if association.resource_arn is None:
            continue
        if association.resource_arn in remaining:
            remaining.discard(association.resource_arn)
        else:
            missing.append(association)
    # Resources whose names CloudFormation generates are matched by kind, the one whose
    # name carries the resource's logical id first.
    for association in tenant.associations:
        if association.resource_arn is not None:
            continue
        candidates = sorted(
            (arn for arn in remaining if _segment(arn) == association.segment),
            key=lambda arn: (association.resource_logical_id or "") not in arn,
        )
        if candidates:
            remaining.discard(candidates[0])
        else:
            missing.append(association)
    drifts = [
        Drift(
            tenant.spec.name,
            ASSOCIATION_MISSING,
            f"{association.describe()} declared ({association.stack}/{association.logical_id}),"
            " not associated in SES",
            where,
            desired=association.describe(),
        )
        for association in missing
    ]
    if managed:
        drifts += [
            Drift(
                tenant.spec.name,
                ASSOCIATION_EXTRA,
                f"{arn} associated in SES, not declared by the app",
                where,
                live=arn,
            )
            for arn in sorted(remaining)
        ]
    return drifts


def _segment(arn: str) -> str:
    resource = arn.split(":", 5)[-1]
    return resource.split("/", 1)[0]


def _account_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 else ""


def _suppression(suppression: Any) -> str:
    if suppression is None:
        return "no suppression attributes"
    reasons = ", ".join(suppression.reasons) or "no reasons"
    return f"scope {suppression.scope} ({reasons})"


def _suppression_json(suppression: Any) -> Any:
    if suppression is None:
        return None
    return {"scope": suppression.scope, "reasons": list(suppression.reasons)}


def render(drifts: list[Drift]) -> str:
    return table(
        ["TENANT", "DRIFT", "DETAIL"],
        [[drift.tenant, drift.kind, drift.detail] for drift in drifts],
    )
