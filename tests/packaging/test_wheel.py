"""The wheel carries the handler, and an app outside this repository can synthesize with it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import textwrap
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow

OUTSIDE_APP = textwrap.dedent(
    """
    import aws_cdk as cdk
    from aws_cdk import aws_ses as ses
    import constructs
    import ses_tenants
    from ses_tenants import Tenant, ReputationPolicy

    app = cdk.App()
    stack = cdk.Stack(app, "Outside")
    identity = ses.EmailIdentity(stack, "Id", identity=ses.Identity.domain("x.example.com"))
    Tenant(stack, "T", tenant_name="outside", reputation_policy=ReputationPolicy.STRICT).associate(
        identity
    )
    app.synth()
    print(ses_tenants.__file__)
    print(constructs.__file__)
    """
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist)],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
    )
    (built,) = dist.glob("*.whl")
    return built


def test_wheel_carries_the_handler_asset_and_the_double(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in [
        "ses_tenants/__init__.py",
        "ses_tenants/_handler/tenant_handler.py",
        "ses_tenants/_handler/contract.py",
        "ses_tenants/_handler/botocore_data/sesv2/2019-09-27/service-2.json.gz",
        "ses_tenants/testing/__init__.py",
        "ses_tenants/py.typed",
    ]:
        assert required in names, required
    assert not any(name.startswith(("constructs/", "tests/")) for name in names)
    assert not any("__pycache__" in name for name in names)


def test_app_outside_the_repo_synthesizes_with_the_installed_wheel(
    wheel: Path, tmp_path: Path
) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    # The wheel's dependencies are the ones already installed here: reuse them rather than
    # download aws-cdk-lib again; the wheel itself is installed for real.
    site_packages = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(site_packages) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)],
        check=True,
        capture_output=True,
    )
    app_dir = tmp_path / "outside-app"
    app_dir.mkdir()
    (app_dir / "app.py").write_text(OUTSIDE_APP)
    outdir = app_dir / "cdk.out"
    result = subprocess.run(
        [python, "app.py"],
        cwd=app_dir,
        env={**os.environ, "CDK_OUTDIR": str(outdir), "PYTHONPATH": ""},
        check=True,
        capture_output=True,
        text=True,
    )
    ses_tenants_file, constructs_file = result.stdout.split()[-2:]
    assert ses_tenants_file.startswith(site_packages)
    assert not constructs_file.startswith(str(REPO_ROOT / "constructs"))

    template = json.loads((outdir / "Outside.template.json").read_text())
    (handler,) = [
        r
        for r in template["Resources"].values()
        if r["Properties"].get("Handler", "").startswith("_handler.tenant_handler")
    ]
    asset_hash = handler["Properties"]["Code"]["S3Key"].removesuffix(".zip")
    asset_dir = outdir / f"asset.{asset_hash}"
    # Only the handler package and its model data: the rest of the library imports aws_cdk.
    assert [p.name for p in asset_dir.iterdir()] == ["_handler"]
    package = asset_dir / "_handler"
    assert (package / "__init__.py").is_file()
    assert (package / "tenant_handler.py").is_file()
    assert (package / "contract.py").is_file()
    assert (package / "botocore_data" / "sesv2" / "2019-09-27" / "service-2.json.gz").is_file()
    assert not any("__pycache__" in str(p) for p in asset_dir.rglob("*"))
