"""Shared test set-up. The handler's modules are imported as ``ses_tenants._handler.<module>``."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

# No test may reach AWS: fake credentials and a fixed region for boto3 and moto, and no
# instance-metadata probing. jsii's Node.js end-of-life banner is noise in test output.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
)
os.environ.pop("AWS_PROFILE", None)
