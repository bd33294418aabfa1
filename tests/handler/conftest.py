"""Fixtures of the handler tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

import cloudformation_reader
import retry
import ses_client
from tests.handler.cloudformation_fake import FakeCloudFormation
from tests.handler.handler_fakes import REGION, STACK_ID, FakeContext, SesCalls


@pytest.fixture
def context() -> FakeContext:
    return FakeContext()


@pytest.fixture(autouse=True)
def slept(monkeypatch: pytest.MonkeyPatch, context: FakeContext) -> list[float]:
    """Backoff waits, recorded instead of slept; each moves the fake Lambda clock on."""
    delays: list[float] = []

    def fake_sleep(seconds: float) -> None:
        delays.append(seconds)
        context.advance(seconds)

    monkeypatch.setattr(retry, "sleep", fake_sleep)
    return delays


@pytest.fixture(scope="session")
def clients() -> tuple[Any, Any]:
    """The handler's client (built by its own factory) and an independent boto3 client.

    Built once: client creation costs more than most tests. moto intercepts every client
    created after it is imported, whichever mock_aws context is active when they call.
    """
    import ses_tenants.testing  # noqa: F401  (installs the tenant API into moto)

    return (
        ses_client.create_client(region_name=REGION),
        boto3.client("sesv2", region_name=REGION),
    )


@pytest.fixture
def aws(clients: tuple[Any, Any]) -> Iterator[None]:
    """moto with the SES tenant double; each test starts from an empty SES, no faults."""
    with mock_aws():
        yield


@pytest.fixture
def sesv2(aws: None, clients: tuple[Any, Any]) -> Any:
    """A client to arrange SES state and read it back, independent of the handler's: its
    calls are not recorded, and it uses the installed botocore's model, not the vendored one."""
    return clients[1]


@pytest.fixture
def ses_calls(aws: None, clients: tuple[Any, Any]) -> Iterator[SesCalls]:
    """Hand the handler its client, recording every SES call it makes."""
    calls = SesCalls()
    client = clients[0]
    client.meta.events.register("before-call.sesv2", calls.record, unique_id="ses-calls")
    ses_client.set_client(client)
    yield calls
    ses_client.set_client(None)
    client.meta.events.unregister("before-call.sesv2", unique_id="ses-calls")


@pytest.fixture(autouse=True)
def stacks() -> Iterator[FakeCloudFormation]:
    """What the handler reads from CloudFormation: the events' stack, being updated, with
    no other resources unless a test adds them."""
    fake = FakeCloudFormation()
    fake.put_stack(STACK_ID)
    cloudformation_reader.set_client(fake)
    yield fake
    cloudformation_reader.set_client(None)
