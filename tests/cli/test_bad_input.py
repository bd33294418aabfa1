"""Bad input and AWS trouble: a clear message on stderr and an exit code scripts can rely on
(2: usage or input, 3: AWS)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ses_tenants.cli.commands import EXIT_AWS, EXIT_USAGE
from ses_tenants.testing.plugin import SesDouble
from tests.cli.conftest import Cli

NO_AWS_CONFIGURATION = {
    "AWS_ACCESS_KEY_ID": None,
    "AWS_SECRET_ACCESS_KEY": None,
    "AWS_SESSION_TOKEN": None,
    "AWS_PROFILE": None,
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
    "AWS_CONFIG_FILE": "/nonexistent/config",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": None,
    "AWS_CONTAINER_CREDENTIALS_FULL_URI": None,
    "AWS_WEB_IDENTITY_TOKEN_FILE": None,
}


def _assembly(
    folder: Path,
    resources: dict[str, object],
    environment: str = "aws://unknown-account/unknown-region",
) -> Path:
    folder.mkdir()
    manifest = {
        "version": "55.0.0",
        "artifacts": {
            "Web": {
                "type": "aws:cloudformation:stack",
                "environment": environment,
                "properties": {"templateFile": "Web.template.json"},
            }
        },
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "Web.template.json").write_text(json.dumps({"Resources": resources}))
    return folder


def test_a_missing_cdk_out(ses_cli: Cli, tmp_path: Path) -> None:
    result = ses_cli.run(["drift", "--cdk-out", str(tmp_path / "cdk.out")])
    assert result.exit_code == EXIT_USAGE
    assert "cdk.out: no such directory. Synthesize the app first" in result.stderr


def test_a_folder_that_is_not_a_cloud_assembly(ses_cli: Cli, tmp_path: Path) -> None:
    result = ses_cli.run(["drift", "--cdk-out", str(tmp_path)])
    assert result.exit_code == EXIT_USAGE
    assert "not a cloud assembly (no manifest.json)" in result.stderr


def test_a_template_that_is_not_this_apps(ses_cli: Cli, tmp_path: Path) -> None:
    folder = _assembly(tmp_path / "cdk.out", {"Bucket": {"Type": "AWS::S3::Bucket"}})
    result = ses_cli.run(["drift", "--cdk-out", str(folder)])
    assert result.exit_code == EXIT_USAGE
    assert "not the output of an app built with ses-tenants-cdk" in result.stderr


def test_a_template_that_is_not_json(ses_cli: Cli, tmp_path: Path) -> None:
    folder = _assembly(tmp_path / "cdk.out", {})
    (folder / "Web.template.json").write_text("Resources: {}")
    result = ses_cli.run(["drift", "--cdk-out", str(folder)])
    assert result.exit_code == EXIT_USAGE
    assert "Web.template.json: the template is not valid JSON" in result.stderr


def test_a_tenant_with_invalid_properties(ses_cli: Cli, tmp_path: Path) -> None:
    tenant = {"Type": "Custom::SesTenant", "Properties": {"TenantName": "bad name"}}
    folder = _assembly(tmp_path / "cdk.out", {"Tenant": tenant})
    result = ses_cli.run(["drift", "--cdk-out", str(folder)])
    assert result.exit_code == EXIT_USAGE
    assert "Web/Tenant: Invalid properties for tenant 'bad name'" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read the customers file: No such file or directory"),
        ("customers: [unclosed", "the customers file is not valid YAML"),
        ("- just a list", "not a customers file: expected a mapping with a 'customers' list"),
    ],
)
def test_an_unreadable_customers_file(
    ses_cli: Cli, tmp_path: Path, content: str | None, message: str
) -> None:
    customers = tmp_path / "customers.yaml"
    if content is not None:
        customers.write_text(content)
    result = ses_cli.run(["import", "--customers", str(customers)])
    assert result.exit_code == EXIT_USAGE
    assert message in result.stderr


@pytest.mark.parametrize("command", [["status"], ["import", "--customers", "customers.yaml"]])
def test_no_credentials(ses_cli: Cli, command: list[str]) -> None:
    result = ses_cli.run(command, env=NO_AWS_CONFIGURATION)
    assert result.exit_code == EXIT_AWS
    assert result.stderr.startswith("Error: No AWS credentials found. Configure them")


def test_an_unknown_profile(ses_cli: Cli) -> None:
    result = ses_cli.run(["status", "--profile", "nobody"], env=NO_AWS_CONFIGURATION)
    assert result.exit_code == EXIT_AWS
    assert "The config profile (nobody) could not be found" in result.stderr


def test_no_region(ses_cli: Cli) -> None:
    env = {**NO_AWS_CONFIGURATION, "AWS_REGION": None, "AWS_DEFAULT_REGION": None}
    env |= {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    result = ses_cli.run(["status"], env=env)
    assert result.exit_code == EXIT_USAGE
    assert "No AWS region: pass --region" in result.stderr


def test_access_denied_names_the_permissions(ses_cli: Cli, ses_double_server: SesDouble) -> None:
    ses_double_server.inject_fault("ListTenants", code="AccessDeniedException", status=403)
    result = ses_cli.run(["status"])
    assert result.exit_code == EXIT_AWS
    assert "Access denied to ListTenants" in result.stderr
    assert "ses:ListTenants" in result.stderr


def test_unknown_options_are_usage_errors(ses_cli: Cli) -> None:
    result = ses_cli.run(["status", "--colour"])
    assert result.exit_code == EXIT_USAGE
    assert "No such option '--colour'" in result.stderr


def test_an_app_for_another_region(ses_cli: Cli, tmp_path: Path) -> None:
    tenant = {"Type": "Custom::SesTenant", "Properties": {"TenantName": "acme"}}
    folder = _assembly(tmp_path / "cdk.out", {"Tenant": tenant}, "aws://123456789012/eu-west-1")
    result = ses_cli.run(["drift", "--cdk-out", str(folder)])
    assert result.exit_code == EXIT_USAGE
    assert "every stack is for region(s) eu-west-1, none for us-east-1: pass --region" in (
        result.stderr
    )
