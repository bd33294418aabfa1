"""Fixtures of the handler tests."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import boto3
import pytest
from moto import mock_aws

from ses_tenants._handler import cloudformation_reader, retry, ses_client
from ses_tenants.testing.handler_kit import RecordedSleep
from tests.handler.cloudformation_fake import FakeCloudFormation
from tests.handler.granted_policy import (
    GrantedPolicy,
    SesRequest,
    request_arns,
    synthesize_handler_policy,
    tenant_arn_in_double,
)
from tests.handler.handler_fakes import REGION, STACK_ID, FakeContext, SesCalls


@pytest.fixture
def context() -> FakeContext:
    return FakeContext()


@pytest.fixture(autouse=True)
def slept(monkeypatch: pytest.MonkeyPatch, context: FakeContext) -> list[float]:
    """Backoff waits, recorded instead of slept; each moves the fake Lambda clock on."""
    recorded = RecordedSleep(context)
    monkeypatch.setattr(retry, "sleep", recorded.sleep)
    return recorded.delays


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


@pytest.fixture(scope="session")
def handler_policy() -> GrantedPolicy:
    """The handler role's policy as the provider synthesizes it (once per test process)."""
    return synthesize_handler_policy()


@pytest.fixture
def ses_calls(
    aws: None, clients: tuple[Any, Any], handler_policy: GrantedPolicy
) -> Iterator[SesCalls]:
    """Hand the handler its client, recording every SES call it makes; when the test is
    done, fail it if the provider's policy does not grant one of them on every ARN it was
    made on."""
    # Every request, even one a test's hook stops before it is sent, and kept when a test
    # clears the calls: the API parameters as the handler passed them, and the tenant's ARN
    # as the double knows it at the time of the call.
    requests: list[SesRequest] = []

    def record_request(operation: str, params: Mapping[str, Any]) -> None:
        requests.append(SesRequest(operation, request_arns(params, tenant_arn_in_double)))

    client = clients[0]
    calls = SesCalls(on_request=record_request).attach(client)
    ses_client.set_client(client)
    yield calls
    ses_client.set_client(None)
    calls.detach(client)
    ungranted = handler_policy.ungranted(requests)
    assert not ungranted, (
        "The handler made SES calls its role is not granted (add them to "
        "_handler/operations.py's SES_OPERATIONS):\n" + "\n".join(ungranted)
    )


@pytest.fixture(autouse=True)
def stacks() -> Iterator[FakeCloudFormation]:
    """What the handler reads from CloudFormation: the events' stack, being updated, with
    no other resources unless a test adds them."""
    fake = FakeCloudFormation()
    fake.put_stack(STACK_ID)
    cloudformation_reader.set_client(fake)
    yield fake
    cloudformation_reader.set_client(None)
