"""The examples/ apps synthesize, on their own, as a user would run them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT

EXAMPLE = REPO_ROOT / "examples" / "single_tenant"


def test_single_tenant_example_synthesizes(tmp_path: Path) -> None:
    outdir = tmp_path / "cdk.out"
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=EXAMPLE,
        env={**os.environ, "CDK_OUTDIR": str(outdir)},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr.lower(), result.stderr
    template = json.loads((outdir / "AcmeEmail.template.json").read_text())
    types = [resource["Type"] for resource in template["Resources"].values()]
    assert types.count("Custom::SesTenant") == 1
    assert types.count("Custom::SesTenantResourceAssociation") == 2
    assert set(template["Outputs"]) == {
        "TenantName",
        "IdentityName",
        "ConfigurationSetName",
        "SenderRoleArn",
    }
