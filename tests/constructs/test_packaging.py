"""The repository layout must not shadow the `constructs` distribution."""

from __future__ import annotations

from pathlib import Path

import constructs

from tests.conftest import REPO_ROOT


def test_import_constructs_is_the_installed_distribution() -> None:
    location = Path(constructs.__file__).resolve()
    assert "site-packages" in location.parts
    assert not location.is_relative_to(REPO_ROOT / "constructs")
    assert hasattr(constructs, "Construct")


def test_repository_constructs_folder_is_not_a_package() -> None:
    assert not (REPO_ROOT / "constructs" / "__init__.py").exists()
