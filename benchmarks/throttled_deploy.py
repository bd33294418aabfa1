"""Part 5: the handler creates 50 customers' tenants and associations while the double
throttles every other SES call; backoff is recorded instead of slept.

The Provider framework runs one invocation per resource, each with its own Lambda time
budget; CloudFormation would run several at once, this runs them one after another.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks.customers import customer
from benchmarks.handler_harness import (
    Double,
    association_properties,
    cfn_event,
    create_customer_resources,
    ses_double,
    tenant_properties,
)
from benchmarks.stats import Spread

TENANTS = 50
REPEATS = 3
#: Every second SES call, of any operation, answers TooManyRequestsException.
THROTTLE_EVERY = 2


@dataclass(frozen=True)
class DeployRun:
    events: int
    failed_events: int
    ses_requests: int
    throttled: int
    max_retries_of_one_event: int
    #: The most one invocation would have slept, against its 10-minute Lambda timeout.
    max_backoff_of_one_event: float
    wall_seconds: float
    backoff_seconds: float


@dataclass(frozen=True)
class ThrottledDeploy:
    tenants: int
    runs: list[DeployRun]

    def spread(self, measure: Callable[[DeployRun], float]) -> Spread:
        return Spread.of([measure(run) for run in self.runs])


def deploy_events(double: Double, count: int) -> list[dict[str, Any]]:
    """Each customer's tenant, then its associations (they refer to the tenant by token)."""
    events = []
    for index in range(count):
        spec = customer(index)
        arns = create_customer_resources(
            double.sesv2, spec["domain"], [t["name"] for t in spec.get("templates", [])]
        )
        suppression = spec.get("suppression")
        properties = tenant_properties(
            spec["tenant_name"],
            reputation_policy=spec.get("reputation_policy", "standard"),
            sending_status=spec.get("sending_status", "ENABLED"),
            suppression=(suppression["scope"], suppression["reasons"]) if suppression else None,
            tags=spec.get("tags"),
            adopt_existing=spec.get("adopt_existing", False),
        )
        events.append(cfn_event("Create", properties, logical_id=f"Tenant{index}"))
        events.extend(
            cfn_event(
                "Create",
                association_properties(spec["tenant_name"], arn),
                logical_id=f"Tenant{index}Association{position}",
                association=True,
            )
            for position, arn in enumerate(arns)
        )
    return events


def deploy_once(seed: int) -> DeployRun:
    # The backoff's jitter comes from `random`: a seed per run makes runs reproducible
    # while still differing from one another.
    random.seed(seed)
    import ses_tenants.testing as fault_injection

    with ses_double() as double:
        events = deploy_events(double, TENANTS)
        fault_injection.inject_fault("*", count=None, every=THROTTLE_EVERY)
        failed = 0
        most_retries = 0
        longest_wait = 0.0
        started = time.perf_counter()
        for event in events:
            retries_before = len(double.backoff.delays)
            try:
                double.invoke(event)
            except Exception:
                failed += 1
            waits = double.backoff.delays[retries_before:]
            most_retries = max(most_retries, len(waits))
            longest_wait = max(longest_wait, sum(waits))
        wall_seconds = time.perf_counter() - started
        return DeployRun(
            events=len(events),
            failed_events=failed,
            ses_requests=len(double.calls.names),
            throttled=sum(fault_injection.fault_stats().values()),
            max_retries_of_one_event=most_retries,
            max_backoff_of_one_event=longest_wait,
            wall_seconds=wall_seconds,
            backoff_seconds=sum(double.backoff.delays),
        )


def measure_throttled_deploy(progress: Callable[[str], None]) -> ThrottledDeploy:
    runs = []
    for seed in range(REPEATS):
        run = deploy_once(seed)
        progress(
            f"throttled deploy run {seed + 1}/{REPEATS}: {run.throttled} throttled, "
            f"{run.failed_events} failed, {run.wall_seconds:.1f}s wall, "
            f"{run.backoff_seconds:.0f}s backoff"
        )
        runs.append(run)
    return ThrottledDeploy(TENANTS, runs)
