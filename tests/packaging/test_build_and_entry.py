"""The wheel builds without setuptools warnings and carries the licence; the double's
command says which extra to install when moto is missing."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT


@pytest.mark.slow
def test_the_build_is_quiet_and_the_wheel_carries_license_and_model(tmp_path: Path) -> None:
    # Built from a copy: test_wheel.py may be building in the repository on another worker.
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(REPO_ROOT / name, source / name)
    shutil.copytree(
        REPO_ROOT / "constructs",
        source / "constructs",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path)],
        cwd=source,
        check=True,
        capture_output=True,
        text=True,
    )
    output = built.stdout + built.stderr
    for warning in ("absent from the `packages` configuration", "Deprecat", "!!"):
        assert warning not in output, output
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "ses_tenants_cdk-0.1.0.dist-info/licenses/LICENSE" in names
    model = "ses_tenants/_handler/botocore_data/sesv2/2019-09-27/"
    for data in ("service-2.json.gz", "paginators-1.json", "endpoint-rule-set-1.json.gz"):
        assert model + data in names


def test_the_double_without_the_testing_extra_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ses_tenants.testing import server

    monkeypatch.setitem(sys.modules, "moto.server", None)  # as if moto were not installed
    assert server.main(["--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "pip install 'ses-tenants-cdk[testing]'" in err
    assert "Traceback" not in err


def test_the_double_command_names_the_extra_before_importing_the_double(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Importing ses_tenants.testing needs moto, so the command checks before it does.
    from ses_tenants import double_command

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "moto" else real_find_spec(name, *args),
    )
    assert double_command.main(["--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "pip install 'ses-tenants-cdk[testing]'" in err
    assert "missing module 'moto'" in err
