"""Part 3: the SES calls the handler makes for each lifecycle event, counted at botocore's
layer (every request its client sends) while it runs against the SES tenant API double."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks.handler_harness import (
    Double,
    association_physical_id,
    association_properties,
    cfn_event,
    create_customer_resources,
    ses_double,
    tenant_properties,
)

TENANT_LOGICAL_ID = "CustomerTenant"
DOMAIN = "mail.acme.example.com"
TEMPLATES = ["acme-welcome", "acme-receipt"]

#: A tenant with every property away from SES's defaults.
FULL_TAGS = {"customer-id": "42", "cost-center": "growth"}
FULL: dict[str, Any] = {
    "reputation_policy": "strict",
    "sending_status": "DISABLED",
    "suppression": ("TENANT", ["BOUNCE", "COMPLAINT"]),
    "tags": FULL_TAGS,
}
#: One property changed at a time, from FULL: (what changes, its new keyword arguments,
#: fewest writes). AdoptExisting only tells Create what to do with a same-named tenant: it is
#: no state in SES, so changing it needs no call.
SINGLE_PROPERTY_UPDATES: list[tuple[str, dict[str, Any], int]] = [
    ("ReputationPolicy strict → standard", {"reputation_policy": "standard"}, 1),
    ("SendingStatus DISABLED → ENABLED", {"sending_status": "ENABLED"}, 1),
    ("SuppressionScope TENANT → ACCOUNT", {"suppression": ("ACCOUNT", ["BOUNCE", "COMPLAINT"])}, 1),
    ("SuppressedReasons minus COMPLAINT", {"suppression": ("TENANT", ["BOUNCE"])}, 1),
    ("Suppression removed (both properties)", {"suppression": None}, 1),
    ("Tags: one value changed", {"tags": {"customer-id": "43", "cost-center": "growth"}}, 1),
    ("Tags: one added", {"tags": {**FULL_TAGS, "tier": "gold"}}, 1),
    ("Tags: one removed", {"tags": {"customer-id": "42"}}, 1),
    ("AdoptExisting false → true", {"adopt_existing": True}, 0),
]
REPEATS = 3


@dataclass(frozen=True)
class CallCount:
    event: str
    operations: tuple[str, ...]
    reads: int
    writes: int
    #: What any implementation must write: one call per SES change the event asks for.
    fewest_writes: int
    #: What the issue asks for, if anything: "no-op", "single-property" or "create".
    target: str | None = None

    @property
    def meets_target(self) -> bool | None:
        if self.target is None:
            return None
        if self.target == "create":
            return self.reads == 0 and self.writes == self.fewest_writes
        return self.writes == self.fewest_writes

    def operations_summary(self) -> str:
        """'CreateTenant, CreateTenantResourceAssociation x4', in order of first call."""
        counts = Counter(self.operations)
        return (
            ", ".join(name if count == 1 else f"{name} x{count}" for name, count in counts.items())
            or "none"
        )


@dataclass(frozen=True)
class Scenario:
    event: str
    #: Brings SES to the state the measured events start from; its calls are not counted.
    arrange: Callable[[Double, list[str]], None]
    #: The measured events, as CloudFormation would send them, in its order.
    events: Callable[[list[str]], Sequence[dict[str, Any]]]
    fewest_writes: int
    target: str | None = None


def _tenant(name: str = "acme", **overrides: Any) -> dict[str, Any]:
    return tenant_properties(name, **{**FULL, **overrides})


def _create_tenant(properties: dict[str, Any]) -> dict[str, Any]:
    return cfn_event("Create", properties, logical_id=TENANT_LOGICAL_ID)


def _update_tenant(old: dict[str, Any], new: dict[str, Any], physical_id: str) -> dict[str, Any]:
    return cfn_event(
        "Update", new, logical_id=TENANT_LOGICAL_ID, physical_id=physical_id, old_properties=old
    )


def _delete_tenant(properties: dict[str, Any], physical_id: str) -> dict[str, Any]:
    return cfn_event("Delete", properties, logical_id=TENANT_LOGICAL_ID, physical_id=physical_id)


def _association_event(
    request_type: str, tenant_name: str, arn: str, index: int, old_tenant: str | None = None
) -> dict[str, Any]:
    properties = association_properties(tenant_name, arn)
    physical_tenant = old_tenant or tenant_name
    return cfn_event(
        request_type,
        properties,
        logical_id=f"Association{index}",
        association=True,
        physical_id=None
        if request_type == "Create"
        else association_physical_id(physical_tenant, arn),
        old_properties=(
            association_properties(physical_tenant, arn) if request_type == "Update" else None
        ),
    )


def _create_full(arns: list[str], name: str = "acme") -> list[dict[str, Any]]:
    return [
        _create_tenant(_tenant(name)),
        *(_association_event("Create", name, arn, i) for i, arn in enumerate(arns)),
    ]


def _arrange_nothing(double: Double, arns: list[str]) -> None:
    pass


def _arrange_full_tenant(double: Double, arns: list[str]) -> None:
    for event in _create_full(arns):
        double.invoke(event)


def _arrange_tenant(double: Double, arns: list[str]) -> None:
    double.invoke(_create_tenant(_tenant()))


def _rename(arns: list[str]) -> list[dict[str, Any]]:
    """CloudFormation's order: the tenant is updated (our handler creates the new one), the
    associations, whose TenantName changed, are updated (each creates the new association);
    then the cleanup phase deletes the old associations and, last, the old tenant."""
    return [
        _update_tenant(_tenant("acme"), _tenant("acme-renamed"), physical_id="acme"),
        *(
            _association_event("Update", "acme-renamed", arn, i, old_tenant="acme")
            for i, arn in enumerate(arns)
        ),
        *(_association_event("Delete", "acme", arn, i) for i, arn in enumerate(arns)),
        _delete_tenant(_tenant("acme"), physical_id="acme"),
    ]


def _update_from_full(change: dict[str, Any]) -> Callable[[list[str]], list[dict[str, Any]]]:
    def events(arns: list[str]) -> list[dict[str, Any]]:
        return [_update_tenant(_tenant(), _tenant(**change), "acme")]

    return events


def _delete_full(arns: list[str]) -> list[dict[str, Any]]:
    """Associations first: they depend on the tenant, so CloudFormation deletes them first."""
    return [
        *(_association_event("Delete", "acme", arn, i) for i, arn in enumerate(arns)),
        _delete_tenant(_tenant(), physical_id="acme"),
    ]


def scenarios() -> list[Scenario]:
    associations = 2 + len(TEMPLATES)  # identity, configuration set, templates
    # CreateTenant takes tags and suppression; a non-default reputation policy and sending
    # status take one call each, as CreateTenant cannot set them.
    create_writes = 3
    return [
        Scenario(
            "Create tenant, every property set",
            _arrange_nothing,
            lambda arns: [_create_tenant(_tenant())],
            create_writes,
            "create",
        ),
        Scenario(
            "Create tenant, defaults only",
            _arrange_nothing,
            lambda arns: [_create_tenant(tenant_properties("acme"))],
            1,
            "create",
        ),
        Scenario(
            "Create one association",
            _arrange_tenant,
            lambda arns: [_association_event("Create", "acme", arns[0], 0)],
            1,
            "create",
        ),
        Scenario(
            f"Create full tenant (tenant + {associations} associations)",
            _arrange_nothing,
            _create_full,
            create_writes + associations,
            "create",
        ),
        Scenario(
            "Update, nothing changed",
            _arrange_tenant,
            lambda arns: [_update_tenant(_tenant(), _tenant(), "acme")],
            0,
            "no-op",
        ),
        *(
            Scenario(
                f"Update {what}",
                _arrange_tenant,
                _update_from_full(change),
                writes,
                "single-property",
            )
            for what, change, writes in SINGLE_PROPERTY_UPDATES
        ),
        Scenario(
            f"Rename (tenant + {associations} associations, then cleanup)",
            _arrange_full_tenant,
            _rename,
            # The new tenant as on create, each association made again, and the cleanup
            # deletes CloudFormation sends: each old association, then the old tenant.
            create_writes + associations + associations + 1,
        ),
        Scenario(
            f"Delete full tenant ({associations} associations, then tenant)",
            _arrange_full_tenant,
            _delete_full,
            associations + 1,
        ),
    ]


def count_calls(scenario: Scenario) -> CallCount:
    with ses_double() as double:
        arns = create_customer_resources(double.sesv2, DOMAIN, TEMPLATES)
        scenario.arrange(double, arns)
        double.calls.clear()
        for event in scenario.events(arns):
            double.invoke(event)
        return CallCount(
            event=scenario.event,
            operations=tuple(double.calls.names),
            reads=len(double.calls.reads),
            writes=len(double.calls.writes),
            fewest_writes=scenario.fewest_writes,
            target=scenario.target,
        )


def measure_ses_calls(progress: Callable[[str], None]) -> list[CallCount]:
    """Each scenario REPEATS times in a fresh double; the counts must agree every time."""
    results = []
    for scenario in scenarios():
        counts = {count_calls(scenario) for _ in range(REPEATS)}
        if len(counts) != 1:
            raise RuntimeError(f"{scenario.event}: SES calls differ between runs: {counts}")
        (count,) = counts
        progress(f"SES calls, {count.event}: {count.reads} reads, {count.writes} writes")
        results.append(count)
    return results
