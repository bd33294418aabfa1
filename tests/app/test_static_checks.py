"""Static checks of the synthesized platform app: cdk-nag (AwsSolutions) and cfn-lint."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks

from platform_app.customers import load_customers
from platform_app.stacks import build_platform
from tests.conftest import REPO_ROOT

CFN_LINT_ERROR_BIT = 2  # cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 infos


def _synth_with_nag(outdir: Path, extra: object = None) -> None:
    app = cdk.App(outdir=str(outdir))
    stacks = build_platform(app, load_customers(REPO_ROOT / "customers.yaml"))
    if extra is not None:
        extra(stacks[0])  # type: ignore[operator]
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()


@pytest.fixture(scope="module")
def cloud_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("cdk.out")
    _synth_with_nag(outdir)  # raises if cdk-nag reports an unacknowledged finding
    return outdir


def _acknowledgements(assembly: Path) -> dict[str, str]:
    """Every acknowledged rule in the assembly's metadata, with its reason."""
    found: dict[str, str] = {}
    for metadata_file in assembly.glob("*.metadata.json"):
        for entries in json.loads(metadata_file.read_text()).values():
            for entry in entries:
                if entry["type"] == "aws:cdk:acknowledged-rules":
                    found.update(entry["data"])
    return found


def test_cdk_nag_passes_and_every_acknowledgement_is_narrow_and_justified(
    cloud_assembly: Path,
) -> None:
    acknowledged = _acknowledgements(cloud_assembly)
    assert acknowledged, "the provider's wildcard resources must be acknowledged explicitly"
    for rule, reason in acknowledged.items():
        # One finding (a rule and the exact resource), never a whole rule; and a reason.
        assert (
            re.fullmatch(r"Annotation::AwsSolutions-IAM5\[Resource::arn:.+/\*\]", rule)
            or rule.endswith(".Arn>:*]")
            # PauseAlerts: the two list calls IAM grants on no narrower resource.
            or (rule == "Annotation::AwsSolutions-IAM5[Resource::*]" and "List" in reason)
            # The provider's waiter: Step Functions log delivery, and no tracing to enable.
            or (rule == "Annotation::AwsSolutions-IAM5[Resource::*]" and "log delivery" in reason)
            or (rule == "Annotation::AwsSolutions-SF2" and "Provider framework" in reason)
        ), rule
        assert len(reason.split()) >= 8, f"{rule}: reason too thin: {reason!r}"


def test_cdk_nag_is_live(tmp_path: Path) -> None:
    def add_wildcard_policy(stack: cdk.Stack) -> None:
        role = iam.Role(stack, "Careless", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        role.add_to_policy(iam.PolicyStatement(actions=["ses:*"], resources=["*"]))

    with pytest.raises(RuntimeError, match=r"(?s)ValidationFailed.*IAM5\[Action::ses:\*\]"):
        _synth_with_nag(tmp_path, add_wildcard_policy)


def test_cfn_lint_finds_no_error_in_any_template(cloud_assembly: Path) -> None:
    templates = sorted(cloud_assembly.glob("*.template.json"))
    assert len(templates) == 4
    result = subprocess.run(
        [sys.executable, "-m", "cfnlint", *map(str, templates)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode & CFN_LINT_ERROR_BIT == 0, result.stdout + result.stderr
    assert " E" not in result.stdout
