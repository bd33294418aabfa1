"""The SES v2 client, built from the service model vendored next to this file.

The Lambda runtime's preinstalled botocore may predate the tenant operations (botocore
1.40.0) or tenant suppression (1.43.18). Rather than depending on it, the asset carries the
sesv2 model files of the pinned botocore in botocore_data/ (scripts/vendor_sesv2_model.py
copies them) and this module puts that folder first on botocore's data search path, which
botocore consults before its own data for every model file it loads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import botocore.session
from botocore.config import Config

from .operations import SES_OPERATIONS

SERVICE_NAME = "sesv2"
VENDORED_DATA_PATH = Path(__file__).resolve().parent / "botocore_data"

#: The operations the handler calls (operations.py, which the provider grants from); a model
#: without them cannot serve a single request.
REQUIRED_OPERATIONS = tuple(SES_OPERATIONS)

#: botocore's own retries are off: retry.py retries instead, where attempts are counted,
#: logged, bounded by the function's remaining time and extended to NotFound right after a
#: create. Retries in both places would multiply (each of ours hiding several of botocore's,
#: with sleeps we cannot see). Note `total_max_attempts`: the older `max_attempts` key counts
#: *retries*, so `max_attempts=1` would still allow a second attempt.
CLIENT_CONFIG = Config(
    retries={"total_max_attempts": 1, "mode": "standard"},
    # A hung connection must not use up the time the retries are budgeted against.
    connect_timeout=10,
    read_timeout=30,
    user_agent_extra="ses-tenants-cdk-handler",
)


class OutdatedServiceModel(RuntimeError):
    """The sesv2 model botocore loaded lacks tenant operations the handler needs."""


def new_session(data_path: Path = VENDORED_DATA_PATH) -> Any:
    """A botocore session whose loader looks in `data_path` before botocore's own data."""
    session = botocore.session.get_session()
    session.get_component("data_loader").search_paths.insert(0, str(data_path))
    return session


def require_tenant_operations(service_model: Any, data_path: Path = VENDORED_DATA_PATH) -> None:
    missing = [op for op in REQUIRED_OPERATIONS if op not in service_model.operation_names]
    if missing:
        raise OutdatedServiceModel(
            f"The sesv2 service model lacks {', '.join(missing)} (botocore "
            f"{botocore.__version__}, data path {data_path}). Run "
            "scripts/vendor_sesv2_model.py with a botocore >= 1.43.18 installed and "
            "redeploy, so that the handler asset carries a current model."
        )


def create_client(data_path: Path = VENDORED_DATA_PATH, region_name: str | None = None) -> Any:
    """A new sesv2 client using the model in `data_path`, with botocore's retries off."""
    client = new_session(data_path).create_client(
        SERVICE_NAME, region_name=region_name, config=CLIENT_CONFIG
    )
    require_tenant_operations(client.meta.service_model, data_path)
    return client


_client: Any = None


def get_client() -> Any:
    """The module's client, created on first use and then reused across invocations."""
    global _client
    if _client is None:
        _client = create_client()
    return _client


def set_client(client: Any) -> None:
    """Replace the module's client (tests; None recreates it on next use)."""
    global _client
    _client = client


# Fail at import (the function's init phase), with the fix in the message, rather than
# with an UnknownOperation error halfway through the first tenant.
require_tenant_operations(new_session().get_service_model(SERVICE_NAME))
