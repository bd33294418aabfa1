"""Injected faults: make chosen SES v2 operations answer an error instead of running.

The rules live in a moto backend, so moto's reset (a new ``mock_aws`` context, or
``POST /moto-api/reset`` in server mode) drops them with the rest of the state: faults never
leak from one test into the next. A lock guards them because server mode answers requests on
several threads.
"""

from __future__ import annotations

import functools
import json
import threading
import uuid
from collections import Counter
from dataclasses import dataclass

import botocore.session
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.base_backend import BackendDict, BaseBackend

ANY_OPERATION = "*"
THROTTLE = "TooManyRequestsException"
_FAULT_REGION = "aws"  # faults are process-wide: one store, whatever the account or region

_lock = threading.Lock()


@dataclass
class Fault:
    code: str
    message: str
    status: int

    def response(self) -> tuple[int, dict[str, str], str]:
        """A rest-json error as SES sends it; every SDK reads the code from the header."""
        headers = {
            "Content-Type": "application/json",
            "x-amzn-ErrorType": self.code,
            "x-amzn-RequestId": str(uuid.uuid4()),
        }
        return self.status, headers, json.dumps({"message": self.message})


@dataclass
class _Rule:
    fault: Fault
    remaining: int | None  # None: until cleared
    every: int | None  # None: every call
    seen: int = 0

    def fires(self) -> bool:
        if self.every is None:
            return True
        self.seen += 1
        return self.seen % self.every == 0


class FaultBackend(BaseBackend):
    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)
        self.rules: dict[str, list[_Rule]] = {}
        self.injected: Counter[str] = Counter()


fault_backends = BackendDict(
    FaultBackend, "sesv2", use_boto3_regions=False, additional_regions=[_FAULT_REGION]
)


def _store() -> FaultBackend:
    return fault_backends[DEFAULT_ACCOUNT_ID][_FAULT_REGION]


@functools.cache
def _sesv2_errors() -> dict[str, int]:
    model = botocore.session.get_session().get_service_model("sesv2")
    return {
        s.name: s.metadata.get("error", {}).get("httpStatusCode", 400) for s in model.error_shapes
    }


@functools.cache
def _sesv2_operations() -> frozenset[str]:
    return frozenset(botocore.session.get_session().get_service_model("sesv2").operation_names)


def inject_fault(
    operation: str,
    count: int | None = 1,
    *,
    code: str = THROTTLE,
    message: str | None = None,
    status: int | None = None,
    every: int | None = None,
) -> None:
    """Make ``operation`` (a botocore name such as "CreateTenant", or "*" for every SES v2
    operation) fail with ``code``.

    ``count`` faults are injected, then the operation works again (``None``: until
    ``clear_faults``). With ``every=N`` only every Nth call fails (calls N, 2N, ...), e.g.
    ``inject_fault("CreateTenant", every=2, count=None)`` throttles half the calls for good.
    ``status`` defaults to the code's modeled HTTP status (429 for the throttle, 404 for
    NotFoundException, 400 for a code SES does not model).

    The SDKs retry throttles by themselves: a client with default retries absorbs a few
    injected TooManyRequestsException before the caller sees one.

    Faults are dropped when a new ``mock_aws`` context starts, so inject them inside it.
    """
    if operation != ANY_OPERATION and operation not in _sesv2_operations():
        raise ValueError(f"{operation!r} is not an SES v2 operation (use botocore's PascalCase)")
    if count is not None and count < 1:
        raise ValueError("count must be a positive number of faults, or None for no limit")
    if every is not None and every < 1:
        raise ValueError("every must be a positive call interval")
    fault = Fault(
        code=code,
        message=message if message is not None else _default_message(code),
        status=status if status is not None else _sesv2_errors().get(code, 400),
    )
    with _lock:
        _store().rules.setdefault(operation, []).append(_Rule(fault, count, every))


def clear_faults() -> None:
    """Drop every injected fault and the counts of those already served."""
    with _lock:
        store = _store()
        store.rules.clear()
        store.injected.clear()


def fault_stats() -> dict[str, int]:
    """How many injected faults each operation has answered since the last reset."""
    with _lock:
        return dict(_store().injected)


def take_fault(operation: str) -> Fault | None:
    """The fault this call of ``operation`` must answer, if any; consumes it."""
    with _lock:
        store = _store()
        for key in (operation, ANY_OPERATION):
            rules = store.rules.get(key, [])
            for rule in list(rules):
                if not rule.fires():
                    continue
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining == 0:
                        rules.remove(rule)
                store.injected[operation] += 1
                return rule.fault
    return None


def _default_message(code: str) -> str:
    if code == THROTTLE:
        return "Too many requests."
    return f"Injected {code} (ses_tenants.testing fault injection)."
