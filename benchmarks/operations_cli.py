"""Part 7: `ses-tenants status` and `ses-tenants drift` on a fleet of 10,000 tenants (SES's
default quota) against the double limited to SES's ~1 request/s, in virtual time.

The commands run through their click entry point, in process, against the SES tenant double
under mock_aws. A `before-call.sesv2` hook on the command's own client gives every request
SES_LATENCY_SECONDS of virtual time and takes a token from a bucket of RATE_PER_SECOND
tokens (BURST at most, the strictest reading of "about 1 request/s"); without a token the
hook answers TooManyRequestsException (HTTP 429) itself, as SES does. The command's Retrier
waits on the virtual clock instead of sleeping. So *virtual time* is how long the command
would take against an account held to 1 request/s, and *wall time* is what this machine
spent computing it (moto included).

The fleet: FLEET_SIZE tenants in SES, 1 in 100 paused by SES with an open finding; a
synthesized-looking cloud assembly (STACKS stacks of tenants, as the library writes them)
declaring all but DRIFTED of them, plus DRIFTED tenants SES lacks, and DRIFTED tenants whose
tags were changed by hand: 3 x DRIFTED drifts to find.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.awsrequest import AWSResponse
from click.testing import CliRunner

# As in the concurrent deploy (part 6): SES's ~1 request/s, no burst, 30 ms a request.
from benchmarks.concurrent_deploy import (
    BURST,
    RATE_PER_SECOND,
    SES_LATENCY_SECONDS,
    TokenBucket,
    throttled_answer,
)
from benchmarks.handler_harness import FAKE_AWS_ENVIRONMENT, REGION

FLEET_SIZE = 10_000
STACKS = 100
DRIFTED = 10
PAUSED_EVERY = 100
ACCOUNT = "123456789012"


@dataclass(frozen=True)
class CommandRun:
    command: str
    tenants: int
    ses_calls: int
    throttled: int
    calls_by_operation: dict[str, int]
    virtual_seconds: float
    wall_seconds: float
    #: Tenants listed (status) or drifts found (drift).
    findings: int


@dataclass(frozen=True)
class OperationsCli:
    fleet_size: int
    rate_per_second: float
    runs: list[CommandRun]


class VirtualSes:
    """The hooks on the command's client: latency and the token bucket, on a virtual clock."""

    def __init__(self) -> None:
        self.now = 0.0
        self._bucket = TokenBucket(RATE_PER_SECOND, BURST)

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def before_call(self, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        self.now += SES_LATENCY_SECONDS
        if self._bucket.take(self.now):
            return None
        return throttled_answer()


def _tenant_name(index: int) -> str:
    return f"customer-{index:05}"


def _stack(index: int) -> str:
    return f"SesTenant-fleet-{index % STACKS:02}"


def _logical_id(index: int) -> str:
    return f"Tenant{index:05}"


def _owner_mark(index: int) -> str:
    stack_id = (
        f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{_stack(index)}/0000-{index % STACKS}"
    )
    return f"{stack_id}/{_logical_id(index)}"


def _arrange_ses() -> None:
    """FLEET_SIZE tenants, written straight into the double's backend (boto3 would take
    minutes to make them): tenants 0..FLEET_SIZE-DRIFTED-1 as deployed, the last DRIFTED made
    outside the app, the first DRIFTED with a tag changed by hand."""
    from ses_tenants.testing.models import OPEN, tenant_backends

    backend = tenant_backends[ACCOUNT][REGION]
    for index in range(FLEET_SIZE):
        tags = [{"Key": "customer-id", "Value": str(index)}]
        if index < FLEET_SIZE - DRIFTED:
            tags.append({"Key": "ses-tenants:owner", "Value": _owner_mark(index)})
        if index < DRIFTED:
            tags[0]["Value"] = "changed-by-hand"
        tenant = backend.create_tenant(_tenant_name(index), tags, None)
        if index % PAUSED_EVERY == PAUSED_EVERY - 1:
            backend.set_ses_managed_status(tenant.arn, "DISABLED", "Bounce rate above 10%")
            backend.set_recommendation(tenant.arn, "BOUNCE", OPEN, "HIGH", None)


def _write_assembly(directory: Path) -> None:
    """The cloud assembly of an app declaring tenants 0..FLEET_SIZE-DRIFTED-1 and DRIFTED
    tenants SES does not have, STACKS stacks of them, as the library writes them."""
    declared = [*range(FLEET_SIZE - DRIFTED), *range(FLEET_SIZE, FLEET_SIZE + DRIFTED)]
    templates: dict[str, dict[str, Any]] = {}
    for index in declared:
        resources = templates.setdefault(_stack(index), {})
        resources[_logical_id(index)] = {
            "Type": "Custom::SesTenant",
            "Properties": {
                "ServiceToken": {"Fn::ImportValue": "SesTenantsPlatform:ServiceToken"},
                "TenantName": _tenant_name(index),
                "ReputationPolicy": "standard",
                "SendingStatus": "ENABLED",
                "AdoptExisting": "false",
                "Tags": [{"Key": "customer-id", "Value": str(index)}],
            },
        }
    artifacts = {}
    for stack, resources in templates.items():
        template_file = f"{stack}.template.json"
        (directory / template_file).write_text(json.dumps({"Resources": resources}))
        artifacts[stack] = {
            "type": "aws:cloudformation:stack",
            "environment": "aws://unknown-account/unknown-region",
            "properties": {"templateFile": template_file},
        }
    (directory / "manifest.json").write_text(
        json.dumps({"version": "55.0.0", "artifacts": artifacts})
    )


@contextmanager
def _limited(virtual: VirtualSes) -> Iterator[None]:
    """The CLI's client, hooked up to `virtual`; its Retrier waits on the virtual clock."""
    from ses_tenants.cli import aws, commands

    real_connect = commands.connect

    def connect(options: aws.AwsOptions, *, sleep: Callable[[float], None] | None = None) -> Any:
        ses = real_connect(options, sleep=virtual.sleep, clock=lambda: virtual.now)
        ses.client.meta.events.register("before-call.sesv2", virtual.before_call)
        return ses

    commands.connect = connect
    try:
        yield
    finally:
        commands.connect = real_connect


def _run(command: list[str], label: str, findings_key: str) -> CommandRun:
    from ses_tenants.cli.commands import main

    virtual = VirtualSes()
    random.seed(0)  # the Retrier's jitter
    with _limited(virtual):
        started = time.perf_counter()
        result = CliRunner().invoke(main, [*command, "--json", "--quiet"])
        wall = time.perf_counter() - started
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    report = json.loads(result.stdout)
    calls = report["ses_calls"]
    return CommandRun(
        command=label,
        tenants=FLEET_SIZE,
        ses_calls=calls["total"],
        throttled=calls["throttled"],
        calls_by_operation=dict(Counter(calls["by_operation"])),
        virtual_seconds=virtual.now,
        wall_seconds=wall,
        findings=len(report[findings_key]),
    )


def measure_operations_cli(progress: Callable[[str], None]) -> OperationsCli:
    from moto import mock_aws

    import ses_tenants.testing  # noqa: F401  (installs the tenant API into moto)

    os.environ.update(FAKE_AWS_ENVIRONMENT)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    runs = []
    with mock_aws(), tempfile.TemporaryDirectory() as folder:
        progress(f"operations CLI: arranging {FLEET_SIZE:,} tenants")
        _arrange_ses()
        _write_assembly(Path(folder))
        progress("operations CLI: status")
        runs.append(_run(["status"], "status", "tenants"))
        progress("operations CLI: drift (one GetTenant and ListTenantResources per tenant)")
        runs.append(_run(["drift", "--cdk-out", folder], "drift", "drift"))
    return OperationsCli(FLEET_SIZE, RATE_PER_SECOND, runs)


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def operations_cli_section(result: OperationsCli) -> list[str]:
    """BENCHMARKS.md's part 7."""
    lines = [
        f"## 7. Operations CLI on {result.fleet_size:,} tenants at "
        f"{result.rate_per_second:g} request/s",
        "",
        "`ses-tenants status` and `ses-tenants drift` through their click entry point, "
        "against the double under mock_aws with every SES request given "
        f"{SES_LATENCY_SECONDS * 1000:.0f} ms and a token of a {RATE_PER_SECOND:g}/s bucket "
        "(burst 1) in virtual time; a request without a token is answered "
        "TooManyRequestsException and retried by the command's Retrier. The command paces "
        "its requests to `--rate` (default 1/s); pacing and backoff wait on the virtual "
        "clock (`benchmarks/operations_cli.py`). 1 in 100 tenants is paused "
        f"by SES with an open finding; the app declares all but {DRIFTED} of them, "
        f"{DRIFTED} that SES lacks and {DRIFTED} whose tags were changed by hand.",
        "",
        "| Command | SES calls | Of which throttled | Calls by operation | Virtual time | "
        "Wall time | Reported |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in result.runs:
        operations = ", ".join(f"{op} {n:,}" for op, n in sorted(run.calls_by_operation.items()))
        reported = "tenants" if run.command == "status" else "drifts"
        lines.append(
            f"| `{run.command}` | {run.ses_calls:,} | {run.throttled:,} | {operations} | "
            f"{_duration(run.virtual_seconds)} | {run.wall_seconds:.0f} s | "
            f"{run.findings:,} {reported} |"
        )
    lines += [
        "",
        "`status` reads pages (100 tenants, entities or findings each), so its calls grow with "
        "pages, not tenants. `drift` needs each declared tenant's tags, suppression and "
        "associations, which SES gives only per tenant (GetTenant, ListTenantResources): two "
        "calls per tenant, so at 1 request/s it takes hours on a full account. Throttled "
        "attempts are counted among the calls.",
        "",
    ]
    return lines
