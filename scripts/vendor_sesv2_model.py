"""Copy botocore's SES v2 service model into the handler asset.

The Lambda runtime's preinstalled botocore can predate the tenant operations (botocore
1.40.0) and tenant suppression (1.43.18). The handler therefore ships the model of the
pinned botocore in ``constructs/ses_tenants/_handler/botocore_data/`` and puts that folder
first on botocore's data search path. Run this after bumping botocore in constraints.txt,
then commit the result; ``cdk synth`` does not run it, and a test fails while the copy
differs from the installed botocore.

Usage: .venv/bin/python scripts/vendor_sesv2_model.py
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import botocore

SERVICE = "sesv2"
API_VERSION = "2019-09-27"
#: What botocore loads to build an sesv2 client: the API, the endpoint rules, the paginators.
MODEL_FILES = ("service-2.json.gz", "endpoint-rule-set-1.json.gz", "paginators-1.json")

REPO_ROOT = Path(__file__).resolve().parent.parent
VENDORED_DATA_DIR = REPO_ROOT / "constructs" / "ses_tenants" / "_handler" / "botocore_data"


def installed_model_dir() -> Path:
    return Path(botocore.__file__).resolve().parent / "data" / SERVICE / API_VERSION


def vendored_model_dir(data_dir: Path = VENDORED_DATA_DIR) -> Path:
    return data_dir / SERVICE / API_VERSION


def vendor(data_dir: Path = VENDORED_DATA_DIR) -> list[Path]:
    source = installed_model_dir()
    target = vendored_model_dir(data_dir)
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for name in MODEL_FILES:
        # copyfile, not copy2: the bytes are what matter, and a fresh mtime keeps git honest.
        shutil.copyfile(source / name, target / name)
        copied.append(target / name)
    return copied


def main() -> int:
    for path in vendor():
        print(f"vendored {path.relative_to(REPO_ROOT)} from botocore {botocore.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
