"""`ses-tenants status`: the fleet read in bulk, paused tenants first."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from ses_tenants.testing.plugin import SesDouble
from tests.cli.conftest import Cli


def _tenants(double: SesDouble, *names: str) -> dict[str, str]:
    sesv2 = double.client()
    return {name: sesv2.create_tenant(TenantName=name)["TenantArn"] for name in names}


def test_paused_tenants_come_first_with_their_statuses_and_findings(
    ses_cli: Cli, ses_double_server: SesDouble
) -> None:
    arns = _tenants(ses_double_server, "alpha", "bravo", "charlie", "delta")
    sesv2 = ses_double_server.client()
    # delta: paused by SES, for its bounces; bravo: paused by its owner.
    ses_double_server.set_ses_managed_status(arns["delta"], cause="Bounce rate above 10%")
    ses_double_server.open_recommendation(arns["delta"], "BOUNCE", impact="HIGH")
    ses_double_server.open_recommendation(arns["charlie"], "DMARC", impact="LOW")
    sesv2.update_reputation_entity_customer_managed_status(
        ReputationEntityType="RESOURCE",
        ReputationEntityReference=arns["bravo"],
        SendingStatus="DISABLED",
    )
    sesv2.update_reputation_entity_policy(
        ReputationEntityType="RESOURCE",
        ReputationEntityReference=arns["alpha"],
        ReputationEntityPolicy="arn:aws:ses:us-east-1:aws:reputation-policy/strict",
    )

    result = ses_cli.run(["status"])

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "TENANT", "PAUSED", "CUSTOMER", "SES", "AGGREGATE", "POLICY", "IMPACT", "FINDINGS"
    ]  # fmt: skip
    rows = [line.split() for line in lines[1:5]]
    assert [row[0] for row in rows] == ["bravo", "delta", "alpha", "charlie"]
    assert rows[0][:5] == ["bravo", "yes", "DISABLED", "ENABLED", "DISABLED"]
    assert rows[1][:8] == [
        "delta",
        "yes",
        "ENABLED",
        "DISABLED",
        "DISABLED",
        "standard",
        "HIGH",
        "1",
    ]
    assert rows[2][:6] == ["alpha", "no", "ENABLED", "ENABLED", "ENABLED", "strict"]
    assert rows[3][7:] == ["1", "(DMARC)"]
    assert "4 tenant(s), 2 paused." in result.stdout
    assert "3 SES call(s) (ListRecommendations 1, ListReputationEntities 1, ListTenants 1)" in (
        result.stdout
    )


def test_json_has_every_status_and_the_calls_made(
    ses_cli: Cli, ses_double_server: SesDouble
) -> None:
    arns = _tenants(ses_double_server, "quiet", "noisy")
    ses_double_server.set_ses_managed_status(arns["noisy"], cause="Complaints")
    sesv2 = ses_double_server.client()
    sesv2.create_email_identity(EmailIdentity="noisy.example.com")
    identity = "arn:aws:ses:us-east-1:123456789012:identity/noisy.example.com"
    sesv2.create_tenant_resource_association(TenantName="noisy", ResourceArn=identity)

    report = ses_cli.json(["status", "--resources"])

    assert [t["name"] for t in report["tenants"]] == ["noisy", "quiet"]
    noisy = report["tenants"][0]
    assert noisy == {
        "name": "noisy",
        "arn": arns["noisy"],
        "id": arns["noisy"].rsplit("/", 1)[1],
        "paused": True,
        "sending_status": {
            "customer_managed": "ENABLED",
            "ses_managed": "DISABLED",
            "aggregate": "DISABLED",
        },
        "cause": "Complaints",
        "reputation_policy": "standard",
        "reputation_impact": None,
        "open_findings": 0,
        "finding_types": [],
        "resources": [identity],
    }
    assert report["summary"] == {"tenants": 2, "paused": 1}
    # --resources asks for one ListTenantResources per tenant, on top of the bulk reads.
    assert report["ses_calls"]["by_operation"] == {
        "ListRecommendations": 1,
        "ListReputationEntities": 1,
        "ListTenantResources": 2,
        "ListTenants": 1,
    }


def test_calls_grow_with_pages_not_tenants_and_throttling_is_waited_out(
    ses_cli: Cli, ses_double_server: SesDouble
) -> None:
    _tenants(ses_double_server, *(f"tenant-{n:03}" for n in range(250)))
    ses_double_server.inject_fault("ListTenants", count=2, code="TooManyRequestsException")

    report = ses_cli.json(["status"])

    assert len(report["tenants"]) == 250
    # 3 pages of 100 each for the tenants and their reputation entities, 1 of findings;
    # the two throttled ListTenants attempts were retried.
    assert report["ses_calls"] == {
        "total": 9,
        "throttled": 2,
        "by_operation": {
            "ListRecommendations": 1,
            "ListReputationEntities": 3,
            "ListTenants": 5,
        },
    }


def test_an_empty_account_has_nothing_to_show(ses_cli: Cli) -> None:
    result = ses_cli.run(["status", "--quiet"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("0 tenant(s), 0 paused. 1 SES call(s) (ListTenants 1)")


def test_the_installed_command_runs(ses_double_server: SesDouble) -> None:
    """The console script itself, in a process of its own."""
    _tenants(ses_double_server, "scripted")
    command = Path(sys.executable).parent / "ses-tenants"
    assert command.is_file(), "the ses-tenants script is not installed (pip install -e .)"
    env: dict[str, Any] = {
        **os.environ,
        "AWS_ENDPOINT_URL": ses_double_server.endpoint,
        "AWS_REGION": "us-east-1",
    }
    done = subprocess.run(
        [command, "status", "--json", "--rate", "50"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert [t["name"] for t in json.loads(done.stdout)["tenants"]] == ["scripted"]
