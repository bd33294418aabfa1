"""Retries of SES calls: counted, logged, backed off, and bounded by the Lambda's time.

This is the only place that retries (the client's own retries are off, see ses_client.py),
so the number of attempts and the time spent sleeping are known here and can stop before
the function times out. A timed-out function reports nothing: CloudFormation would wait for
the Provider framework's own timeout and the user would get no reason at all.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from enum import Enum
from typing import TypeVar

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from .errors import RequestFailed

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Kept free at the end of the function's time for undoing a half-done Create and returning
#: the failure to the framework: this share of the time the request started with, and at
#: least SAFETY_MARGIN_MS (one more SES call at the client's read timeout, an undo, the
#: report). Under a throttled deploy of hundreds of tenants an undo's two calls (read the
#: mark, delete) compete with every other invocation for SES's ~1 request/s, so it needs
#: far more than the calls take (2 minutes of a 10-minute function; BENCHMARKS.md, part 6).
SAFETY_MARGIN_SHARE = 0.2
SAFETY_MARGIN_MS = 45_000
#: Where even an undo stops retrying: time to report the failure. A call answers in
#: milliseconds; one that hangs up to the client's timeouts (connect 10 s, read 30 s) this
#: late can still run into the Lambda timeout, a risk an undo takes to get its calls in.
UNDO_MARGIN_MS = 5_000
#: An undo retries at least this often: the longer backoff of forward work spreads a burst
#: of handlers out, while an undo must get its few calls through before the time is up.
UNDO_MAX_DELAY_SECONDS = 2.0
#: SES allows about one control-plane request per second per account, hence a 1 s base.
BASE_DELAY_SECONDS = 1.0
MAX_DELAY_SECONDS = 20.0
#: A tenant or resource created seconds ago can answer NotFoundException for a moment.
NOT_FOUND_MAX_ATTEMPTS = 5
#: Server errors and dropped connections: retried a few times, as botocore would.
TRANSIENT_MAX_ATTEMPTS = 5

THROTTLING_CODES = frozenset(
    {"TooManyRequestsException", "ThrottlingException", "Throttling", "RequestLimitExceeded"}
)
TRANSIENT_CODES = frozenset(
    {
        "ConcurrentModificationException",
        "ConflictException",
        "InternalFailure",
        "InternalServerError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
    }
)
NOT_FOUND_CODE = "NotFoundException"

#: How the handler waits between attempts; tests replace it so backoff costs no time.
sleep: Callable[[float], None] = time.sleep


class Retryable(Enum):
    THROTTLED = "throttled"
    TRANSIENT = "transient"
    NOT_YET_VISIBLE = "not yet visible"


#: Attempt limits per kind; throttling is limited by time alone.
_MAX_ATTEMPTS = {
    Retryable.THROTTLED: None,
    Retryable.TRANSIENT: TRANSIENT_MAX_ATTEMPTS,
    Retryable.NOT_YET_VISIBLE: NOT_FOUND_MAX_ATTEMPTS,
}


#: Errors in transport: the connection failed, or the answer was lost (a read timeout, a
#: connection closed mid-answer), so a write may or may not have happened.
TRANSPORT_ERRORS = (BotocoreConnectionError, HTTPClientError)


class OutOfTime(RequestFailed):
    """Retrying would run into the Lambda timeout, so the request fails now with a reason."""


class TransportFailed(RequestFailed):
    """A call's transport kept failing; whether a write happened is unknown."""


def error_code(error: BaseException) -> str | None:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code") or "") or None
    return None


def classify(error: BaseException, *, retry_not_found: bool) -> Retryable | None:
    """Whether an SES call that raised `error` is worth another attempt, and why."""
    if isinstance(error, TRANSPORT_ERRORS):
        return Retryable.TRANSIENT
    if not isinstance(error, ClientError):
        return None
    code = error_code(error)
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if code in THROTTLING_CODES or status == 429:
        return Retryable.THROTTLED
    if code in TRANSIENT_CODES or (isinstance(status, int) and status >= 500):
        return Retryable.TRANSIENT
    if code == NOT_FOUND_CODE and retry_not_found:
        return Retryable.NOT_YET_VISIBLE
    return None


class Retrier:
    """Runs SES calls, retrying what is retryable while the function has time left."""

    def __init__(
        self,
        remaining_time_ms: Callable[[], int],
        *,
        margin_ms: int | None = None,
        max_delay_seconds: float = MAX_DELAY_SECONDS,
        jitter: Callable[[], float] = random.random,
        sleep_function: Callable[[float], None] | None = None,
    ) -> None:
        """`margin_ms`: the time kept free at the end; default: see SAFETY_MARGIN_SHARE."""
        self._remaining_time_ms = remaining_time_ms
        if margin_ms is None:
            margin_ms = max(SAFETY_MARGIN_MS, int(SAFETY_MARGIN_SHARE * remaining_time_ms()))
        self._margin_ms = margin_ms
        self._max_delay_seconds = max_delay_seconds
        self._jitter = jitter
        self._sleep_function = sleep_function

    def call(
        self, action: Callable[[], T], *, description: str, retry_not_found: bool = False
    ) -> T:
        """`action()`, retried on throttling, transient errors and (if asked) NotFound.

        The last error is re-raised once its kind's attempts are used up (a transport error
        as TransportFailed, naming the call); OutOfTime is raised instead when waiting for
        the next attempt would eat into the safety margin.
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                return action()
            except (ClientError, *TRANSPORT_ERRORS) as error:
                kind = classify(error, retry_not_found=retry_not_found)
                limit = _MAX_ATTEMPTS.get(kind) if kind else None
                if kind is None or (limit is not None and attempt >= limit):
                    if isinstance(error, TRANSPORT_ERRORS):
                        raise TransportFailed(
                            f"{description} failed after {attempt} attempt(s): "
                            f"{_reason(error)}. Whether SES carried it out is unknown."
                        ) from error
                    raise
                delay = self.backoff_seconds(attempt)
                remaining_ms = self._remaining_time_ms()
                if remaining_ms - delay * 1000 < self._margin_ms:
                    raise OutOfTime(
                        f"Gave up on {description} after {attempt} attempt(s): SES answered "
                        f"{_reason(error)} and only {remaining_ms / 1000:.0f}s of the "
                        f"handler's time remained ({self._margin_ms / 1000:.0f}s are kept to "
                        "report the failure). SES allows about one tenant-management "
                        "request per second per account: deploy again, or deploy fewer "
                        "tenants at once."
                    ) from error
                logger.warning(
                    "Retrying %s in %.1fs: attempt %d was %s (%s)",
                    description,
                    delay,
                    attempt,
                    kind.value,
                    _reason(error),
                )
                (self._sleep_function or sleep)(delay)

    def for_undo(self) -> Retrier:
        """The same retries, allowed into the safety margin down to UNDO_MARGIN_MS: the time
        kept back from forward work is what an undo runs on."""
        return Retrier(
            self._remaining_time_ms,
            margin_ms=min(self._margin_ms, UNDO_MARGIN_MS),
            max_delay_seconds=min(self._max_delay_seconds, UNDO_MAX_DELAY_SECONDS),
            jitter=self._jitter,
            sleep_function=self._sleep_function,
        )

    def backoff_seconds(self, attempt: int) -> float:
        """Exponential backoff with jitter: between half and all of base * 2^(attempt-1).

        Half is kept fixed so that a burst of throttled handlers (a deploy of many tenants)
        spreads out instead of retrying almost at once, as full jitter may.
        """
        ceiling = min(self._max_delay_seconds, BASE_DELAY_SECONDS * 2 ** (attempt - 1))
        return ceiling / 2 + self._jitter() * ceiling / 2


def _reason(error: BaseException) -> str:
    if isinstance(error, ClientError):
        message = error.response.get("Error", {}).get("Message") or ""
        return f"{error_code(error)}: {message}" if message else str(error_code(error))
    return f"{type(error).__name__}: {error}"
