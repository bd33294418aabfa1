"""The call log: every SES v1 and v2 request the double answered, in order.

Like the faults, the log lives in a moto backend, so moto's reset (a new ``mock_aws``
context, ``POST /moto-api/reset``) empties it. It records what the double saw, after the
SDK's retries: a call retried twice appears three times.
"""

from __future__ import annotations

import threading
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.base_backend import BackendDict, BaseBackend

_REGION = "aws"  # one log per process, whatever the account or region
_lock = threading.Lock()


class CallLogBackend(BaseBackend):
    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)
        self.calls: list[dict[str, Any]] = []


call_log_backends = BackendDict(
    CallLogBackend, "sesv2", use_boto3_regions=False, additional_regions=[_REGION]
)


def _store() -> CallLogBackend:
    return call_log_backends[DEFAULT_ACCOUNT_ID][_REGION]


def record(
    service: str,
    operation: str | None,
    account: str,
    region: str,
    status: int,
    params: dict[str, Any] | None = None,
) -> None:
    entry = {
        "service": service,
        "operation": operation or "",
        "account": account,
        "region": region,
        "status": int(status),
        "params": params or {},
    }
    with _lock:
        _store().calls.append(entry)


def call_log(operation: str | None = None) -> list[dict[str, Any]]:
    """The calls answered since the last reset, oldest first, each a dict with ``service``
    ("sesv2" or "ses"), ``operation`` (botocore's name), ``account``, ``region``, the HTTP
    ``status`` answered (an injected fault's too) and the request's ``params`` (the JSON
    body for SES v2, path members included; the query parameters for SES v1). With
    ``operation``, only that operation's calls."""
    with _lock:
        calls = [dict(call) for call in _store().calls]
    return [call for call in calls if operation in (None, call["operation"])]


def clear_call_log() -> None:
    with _lock:
        _store().calls.clear()
