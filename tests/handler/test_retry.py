"""The retrier: what is retried, how long it waits, and that it stops before the timeout."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from ses_tenants._handler.retry import (
    MAX_DELAY_SECONDS,
    NOT_FOUND_MAX_ATTEMPTS,
    SAFETY_MARGIN_MS,
    SAFETY_MARGIN_SHARE,
    UNDO_MARGIN_MS,
    UNDO_MAX_DELAY_SECONDS,
    OutOfTime,
    Retrier,
    Retryable,
    classify,
)
from tests.handler.handler_fakes import FakeContext


def client_error(code: str, status: int = 400, message: str = "nope") -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        "CreateTenant",
    )


def failing(errors: list[Exception], result: str = "done") -> Callable[[], str]:
    """An action that raises `errors` one per call, then returns `result`."""
    pending = list(errors)

    def action() -> str:
        if pending:
            raise pending.pop(0)
        return result

    return action


def retrier(context: FakeContext, **kwargs: Any) -> Retrier:
    return Retrier(context.get_remaining_time_in_millis, jitter=lambda: 0.5, **kwargs)


@pytest.mark.parametrize(
    ("error", "retry_not_found", "kind"),
    [
        (client_error("TooManyRequestsException", 429), False, Retryable.THROTTLED),
        (client_error("SomethingNew", 429), False, Retryable.THROTTLED),
        (client_error("InternalFailure", 500), False, Retryable.TRANSIENT),
        (client_error("ConcurrentModificationException"), False, Retryable.TRANSIENT),
        (EndpointConnectionError(endpoint_url="https://email"), False, Retryable.TRANSIENT),
        (client_error("NotFoundException", 404), True, Retryable.NOT_YET_VISIBLE),
        (client_error("NotFoundException", 404), False, None),
        (client_error("AlreadyExistsException"), True, None),
        (client_error("BadRequestException"), True, None),
        (client_error("LimitExceededException"), True, None),
        (ValueError("bug"), True, None),
    ],
)
def test_classification(error: Exception, retry_not_found: bool, kind: Retryable | None) -> None:
    assert classify(error, retry_not_found=retry_not_found) is kind


def test_throttling_is_retried_with_growing_delays(
    context: FakeContext, slept: list[float]
) -> None:
    throttles: list[Exception] = [client_error("TooManyRequestsException", 429)] * 7
    action = failing(throttles)

    assert retrier(context).call(action, description="CreateTenant of tenant 'acme'") == "done"

    # Half the ceiling plus half the jitter (0.5): 3/4 of 1, 2, 4, ... capped at 20 s.
    assert slept == [0.75, 1.5, 3.0, 6.0, 12.0, 15.0, 15.0]


def test_jitter_stays_between_half_and_all_of_the_ceiling(context: FakeContext) -> None:
    low = Retrier(context.get_remaining_time_in_millis, jitter=lambda: 0.0)
    high = Retrier(context.get_remaining_time_in_millis, jitter=lambda: 1.0)

    assert (low.backoff_seconds(3), high.backoff_seconds(3)) == (2.0, 4.0)
    assert high.backoff_seconds(30) == MAX_DELAY_SECONDS


def test_not_found_is_retried_a_few_times_only_when_asked(
    context: FakeContext, slept: list[float]
) -> None:
    not_found = client_error("NotFoundException", 404)
    assert (
        retrier(context).call(failing([not_found] * 2), description="x", retry_not_found=True)
        == "done"
    )
    assert len(slept) == 2

    with pytest.raises(ClientError):
        retrier(context).call(failing([not_found] * 2), description="x")
    assert len(slept) == 2

    with pytest.raises(ClientError) as raised:
        retrier(context).call(
            failing([not_found] * NOT_FOUND_MAX_ATTEMPTS), description="x", retry_not_found=True
        )
    assert raised.value is not_found
    assert len(slept) == 2 + NOT_FOUND_MAX_ATTEMPTS - 1


def test_other_errors_are_raised_at_once(context: FakeContext, slept: list[float]) -> None:
    bad_request = client_error("BadRequestException")

    with pytest.raises(ClientError) as raised:
        retrier(context).call(failing([bad_request]), description="x", retry_not_found=True)

    assert raised.value is bad_request
    assert slept == []


def test_retries_stop_before_the_lambda_times_out(context: FakeContext, slept: list[float]) -> None:
    context.remaining_ms = SAFETY_MARGIN_MS + 10_000
    attempts = 0

    def always_throttled() -> str:
        nonlocal attempts
        attempts += 1
        raise client_error("TooManyRequestsException", 429, "Too many requests.")

    with pytest.raises(OutOfTime) as raised:
        retrier(context).call(always_throttled, description="CreateTenant of tenant 'acme'")

    message = str(raised.value)
    assert message.startswith(f"Gave up on CreateTenant of tenant 'acme' after {attempts} attempt")
    assert "TooManyRequestsException: Too many requests" in message
    assert "deploy again, or deploy fewer tenants at once" in message
    # Every sleep fitted in the time above the margin, and the next would not have.
    assert slept == [0.75, 1.5, 3.0]
    assert context.remaining_ms - 6_000 < SAFETY_MARGIN_MS <= context.remaining_ms
    assert attempts == len(slept) + 1


def test_the_sleep_function_can_be_given(context: FakeContext, slept: list[float]) -> None:
    own: list[float] = []
    throttle = client_error("TooManyRequestsException", 429)

    retrier(context, sleep_function=own.append).call(failing([throttle]), description="x")

    assert own == [0.75]
    assert slept == []


def test_the_margin_is_a_share_of_the_time_the_request_started_with(
    context: FakeContext, slept: list[float]
) -> None:
    context.remaining_ms = 10 * 60 * 1000
    throttled = client_error("TooManyRequestsException", 429)

    with pytest.raises(OutOfTime, match=r"\(120s are kept to report the failure\)"):
        Retrier(context.get_remaining_time_in_millis, jitter=lambda: 0.5).call(
            failing([throttled] * 100), description="x"
        )

    assert context.remaining_ms >= int(SAFETY_MARGIN_SHARE * 10 * 60 * 1000)


def test_an_undo_retries_often_and_into_the_margin(
    context: FakeContext, slept: list[float]
) -> None:
    context.remaining_ms = 10 * 60 * 1000
    forward = Retrier(context.get_remaining_time_in_millis, jitter=lambda: 0.5)
    context.remaining_ms = 100_000  # forward work has stopped: what is left is the undo's
    throttled = client_error("TooManyRequestsException", 429)

    with pytest.raises(OutOfTime):
        forward.for_undo().call(failing([throttled] * 1000), description="x")

    assert max(slept) <= UNDO_MAX_DELAY_SECONDS
    assert context.remaining_ms >= UNDO_MARGIN_MS - UNDO_MAX_DELAY_SECONDS * 1000
    assert context.remaining_ms < UNDO_MARGIN_MS + UNDO_MAX_DELAY_SECONDS * 1000
