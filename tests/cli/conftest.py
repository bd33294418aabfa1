"""The `ses-tenants` CLI against the SES tenant double served on 127.0.0.1.

The CLI reaches the double through AWS_ENDPOINT_URL, as it would reach SES. Fleets are
arranged either with a client of the served double, or by deploying a synthesized app
through the lifecycle harness's CloudFormation simulator (`simulated_account`, under
mock_aws): the served double shares moto's state with mock_aws in this process, so the CLI
sees what the simulated deploy left in SES.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from ses_tenants.cli import commands as cli
from ses_tenants.testing.plugin import SesDouble
from tests.lifecycle.cloud_assembly import REPO_ROOT, CloudAssembly, synthesize

REGION = "us-east-1"


@dataclass
class Cli:
    """Runs `ses-tenants` through its entry point (click's `main`) against the double."""

    endpoint: str

    def env(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }

    def run(self, args: Sequence[str], env: dict[str, str | None] | None = None) -> Result:
        runner = CliRunner()
        return runner.invoke(cli.main, list(args), env={**self.env(), **(env or {})})

    def json(self, args: Sequence[str], *, exit_code: int = 0) -> Any:
        result = self.run([*args, "--json", "--quiet"])
        assert result.exit_code == exit_code, result.output
        return json.loads(result.stdout)


@pytest.fixture
def ses_cli(ses_double_server: SesDouble, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    # Backoff between throttled attempts is recorded, not slept.
    monkeypatch.setattr(cli, "_sleep", lambda seconds: None)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    assert ses_double_server.endpoint is not None
    yield Cli(ses_double_server.endpoint)


#: Two customers between them using every setting drift compares.
FLEET = {
    "customers": [
        {
            "id": "acme",
            "tenant_name": "acme",
            "domain": "mail.acme.example.com",
            "reputation_policy": "strict",
            "suppression": {"scope": "TENANT", "reasons": ["BOUNCE", "COMPLAINT"]},
            "templates": [{"name": "acme-welcome", "subject": "Hi", "text": "Hello"}],
            "tags": {"customer-id": "42"},
        },
        {
            "id": "globex",
            "tenant_name": "globex",
            "domain": "notify.globex.example.com",
            "sending_status": "DISABLED",
            "tags": {"customer-id": "77"},
        },
    ]
}


def write_customers(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


@pytest.fixture(scope="session")
def fleet_assembly(tmp_path_factory: pytest.TempPathFactory) -> CloudAssembly:
    """The platform app synthesized for FLEET (one synth for the whole session)."""
    folder = tmp_path_factory.mktemp("fleet")
    customers = write_customers(folder / "customers.yaml", FLEET)
    return synthesize({"fleet": customers}, folder / "cdk.out")["fleet"]


__all__ = ["FLEET", "REPO_ROOT", "Cli", "write_customers"]
