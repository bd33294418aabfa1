"""The `ses-tenants` command: status, drift and import of an account's SES tenants.

Exit codes: 0 done (no drift), 1 drift found, 2 usage or input error (bad option, missing
or foreign cdk.out, unreadable customers file, no region), 3 AWS error (no or refused
credentials, access denied, SES unreachable or answering an error).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from botocore.exceptions import BotoCoreError, ClientError

from ses_tenants._handler.errors import RequestFailed
from ses_tenants._handler.fleet import FleetReader
from ses_tenants.cli import assembly, drift, importer, status
from ses_tenants.cli.aws import (
    DEFAULT_RATE_PER_SECOND,
    AwsError,
    AwsOptions,
    ConfigurationError,
    Ses,
    connect,
    explain,
)
from ses_tenants.cli.output import Progress, emit_json

EXIT_OK = 0
EXIT_DRIFT = 1
EXIT_USAGE = 2
EXIT_AWS = 3

F = TypeVar("F", bound=Callable[..., Any])

#: Tests (and the benchmark) give a sleep function here: how the Retrier waits.
_sleep: Callable[[float], None] | None = None


def _common_options(command: F) -> F:
    options = [
        click.option("--region", help="AWS region (default: AWS_REGION, then the profile's)."),
        click.option("--profile", help="Named profile from the AWS config (default: AWS_PROFILE)."),
        click.option(
            "--endpoint-url",
            help="SES endpoint, e.g. a local double (default: AWS_ENDPOINT_URL).",
        ),
        click.option(
            "--rate",
            type=click.FloatRange(min=0),
            default=DEFAULT_RATE_PER_SECOND,
            show_default=True,
            help="SES requests per second at most (SES's default quota is 1); 0: no limit.",
        ),
        click.option("--json", "as_json", is_flag=True, help="Print JSON for programs."),
        click.option("--quiet", "-q", is_flag=True, help="No progress lines on stderr."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _fail(message: str, code: int) -> None:
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(code)


def _handles_errors(command: F) -> F:
    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (assembly.AssemblyError, importer.CustomersFileProblem, ConfigurationError) as e:
            _fail(str(e), EXIT_USAGE)
        except AwsError as error:
            _fail(str(error), EXIT_AWS)
        except (ClientError, BotoCoreError) as error:
            _fail(explain(error), EXIT_AWS)
        except RequestFailed as error:
            _fail(str(error), EXIT_AWS)

    return run  # type: ignore[return-value]


def _connect(region: str | None, profile: str | None, endpoint_url: str | None, rate: float) -> Ses:
    return connect(AwsOptions(region, profile, endpoint_url, rate), sleep=_sleep)


def _calls_line(ses: Ses) -> str:
    return f"{ses.calls.describe()} in {ses.region}."


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ses-tenants-cdk")
def main() -> None:
    """Operate an account's SES tenants: status, drift against a synthesized app, import.

    \b
    Exit codes:
      0  done; for drift: no drift
      1  drift found
      2  usage or input error (missing or foreign cdk.out, unreadable customers file)
      3  AWS error (no or refused credentials, access denied, SES unreachable)
    """


@main.command("status")
@click.option(
    "--resources",
    is_flag=True,
    help="Also list each tenant's associated resources (one more SES call per tenant).",
)
@_common_options
@_handles_errors
def status_command(
    resources: bool,
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    rate: float,
    as_json: bool,
    quiet: bool,
) -> None:
    """Every tenant's sending status, reputation policy and open findings, paused first.

    Reads the fleet in bulk (ListTenants, ListReputationEntities and ListRecommendations,
    100 per page): the SES calls grow with pages, not tenants.
    """
    progress = Progress(quiet=quiet)
    ses = _connect(region, profile, endpoint_url, rate)
    reader = FleetReader(ses.client, ses.retrier, progress.page)
    statuses = status.collect_status(reader, progress, with_resources=resources)
    paused = sum(s.paused for s in statuses)
    if as_json:
        emit_json(
            {
                "region": ses.region,
                "tenants": [s.as_json() for s in statuses],
                "summary": {"tenants": len(statuses), "paused": paused},
                "ses_calls": ses.calls.as_json(),
            }
        )
        return
    if statuses:
        click.echo(status.render(statuses, with_resources=resources))
        click.echo()
    click.echo(f"{len(statuses)} tenant(s), {paused} paused. {_calls_line(ses)}")


@main.command("drift")
@click.option(
    "--cdk-out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("cdk.out"),
    show_default=True,
    help="The synthesized app (cloud assembly) to compare with SES.",
)
@click.option(
    "--stack",
    "stacks",
    multiple=True,
    help="Compare only the tenants of this stack (repeatable); unmanaged tenants are then "
    "not reported. Two SES calls per tenant: on a large fleet, a stack takes seconds.",
)
@_common_options
@_handles_errors
def drift_command(
    cdk_out: Path,
    stacks: tuple[str, ...],
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    rate: float,
    as_json: bool,
    quiet: bool,
) -> None:
    """What the synthesized app declares against what SES holds; exit 1 on drift.

    Reports tenants missing or unmanaged, associations missing or extra, tags, reputation
    policy, suppression and customer-managed sending status differing, and ownership marks
    that are missing or name another resource.
    """
    progress = Progress(quiet=quiet)
    # Read the assembly before any AWS call, so that bad input is reported as such.
    placeholder = assembly.Environment(account="000000000000", region=region or "us-east-1")
    declared_stacks = {tenant.stack for tenant in assembly.read_desired(cdk_out, placeholder)}
    if unknown := sorted(set(stacks) - declared_stacks):
        raise assembly.AssemblyError(
            f"{cdk_out}: no tenant in stack(s) {', '.join(unknown)}; the stacks with tenants "
            f"are {', '.join(sorted(declared_stacks))}"
        )
    ses = _connect(region, profile, endpoint_url, rate)
    reader = FleetReader(ses.client, ses.retrier, progress.page)

    def desired_for(account: str | None) -> list[assembly.DesiredTenant]:
        environment = assembly.Environment(
            account=account or "000000000000", region=ses.region, partition=ses.partition
        )
        desired = assembly.read_desired(cdk_out, environment, only_region=ses.region)
        return [tenant for tenant in desired if not stacks or tenant.stack in stacks]

    drifts = drift.find_drift(reader, desired_for, progress, report_unmanaged=not stacks)
    if as_json:
        emit_json(
            {
                "region": ses.region,
                "cdk_out": str(cdk_out),
                "drift": [d.as_json() for d in drifts],
                "ses_calls": ses.calls.as_json(),
            }
        )
    else:
        if drifts:
            click.echo(drift.render(drifts))
            click.echo()
        tenants = len({d.tenant for d in drifts})
        verdict = f"{len(drifts)} drift(s) on {tenants} tenant(s)." if drifts else "No drift."
        click.echo(f"{verdict} {_calls_line(ses)}")
    if drifts:
        raise SystemExit(EXIT_DRIFT)


@main.command("import")
@click.option(
    "--customers",
    "customers_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("customers.yaml"),
    show_default=True,
    help="The customers file to extend.",
)
@click.option(
    "--write",
    is_flag=True,
    help="Append the entries to the customers file (default: print them).",
)
@_common_options
@_handles_errors
def import_command(
    customers_path: Path,
    write: bool,
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    rate: float,
    as_json: bool,
    quiet: bool,
) -> None:
    """Customers-file entries for tenants in SES that the file lacks, to be adopted.

    Each entry names the tenant's identities, configuration sets and templates
    (existing_resources), its reputation policy, sending status, suppression and tags, with
    adopt_existing: true, so that the next deploy takes the tenant over as it is.
    """
    progress = Progress(quiet=quiet)
    customers = importer.read_customers_file(customers_path)
    ses = _connect(region, profile, endpoint_url, rate)
    reader = FleetReader(ses.client, ses.retrier, progress.page)
    imported = importer.entries_to_import(reader, customers, progress)
    if write and imported:
        importer.append_entries(customers, imported)
    if as_json:
        emit_json(
            {
                "customers_file": str(customers_path),
                "written": bool(write and imported),
                "entries": [item["entry"] for item in imported],
                "ses_calls": ses.calls.as_json(),
            }
        )
        return
    if not imported:
        click.echo(f"Every tenant in SES is in {customers_path}. {_calls_line(ses)}")
        return
    if not write:
        click.echo(importer.entries_yaml(imported), nl=False)
        click.echo()
    action = (
        f"Appended to {customers_path}"
        if write
        else f"Paste under 'customers:' in {customers_path} (or run with --write)"
    )
    click.echo(f"{len(imported)} tenant(s) to import. {action}. {_calls_line(ses)}", err=not write)
