"""Fixtures for the SES tenant double's tests.

Every test that takes ``sesv2`` runs twice: against ``mock_aws`` and against the double served
over HTTP on 127.0.0.1 (one server per session, reset before and after each test).
"""

from __future__ import annotations

import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID

import ses_tenants.testing as double

REGION = "us-east-1"
ACCOUNT = DEFAULT_ACCOUNT_ID
# One attempt per call: a test sees every injected throttle instead of botocore retrying it.
NO_RETRIES = Config(retries={"total_max_attempts": 1})


def _reset(endpoint: str) -> None:
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200


@pytest.fixture(scope="session")
def double_endpoint() -> Iterator[str]:
    server, endpoint = double.start_server()
    yield endpoint
    server.stop()


@pytest.fixture(scope="session")
def boto_session() -> boto3.Session:
    # One session for all tests: botocore caches the loaded service models per session, and
    # moto's mock_aws intercepts the clients of any session created after moto's import.
    return boto3.Session(region_name=REGION)


@pytest.fixture(params=["mock_aws", "server"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def client_factory(
    request: pytest.FixtureRequest, mode: str, boto_session: boto3.Session
) -> Iterator[Callable[..., Any]]:
    """Builds boto3 clients aimed at the double in the current mode."""
    if mode == "mock_aws":
        with mock_aws():
            yield lambda service="sesv2", **kwargs: boto_session.client(service, **kwargs)
        return
    endpoint = request.getfixturevalue("double_endpoint")
    _reset(endpoint)
    try:
        yield lambda service="sesv2", **kwargs: boto_session.client(
            service, endpoint_url=endpoint, **kwargs
        )
    finally:
        _reset(endpoint)


@pytest.fixture
def sesv2(client_factory: Callable[..., Any]) -> Any:
    return client_factory("sesv2", config=NO_RETRIES)


def arn(kind: str, name: str) -> str:
    return f"arn:aws:ses:{REGION}:{ACCOUNT}:{kind}/{name}"


@pytest.fixture
def ses_arn() -> Callable[[str, str], str]:
    """``ses_arn("identity", "example.com")``: the ARN AWS gives an SES resource."""
    return arn


@pytest.fixture
def expect_error() -> Callable[..., ClientError]:
    """``expect_error(code, call, *args, message=..., status=..., **kwargs)``."""

    def check(
        code: str,
        call: Callable[..., Any],
        *args: Any,
        message: str | None = None,
        status: int | None = None,
        **kwargs: Any,
    ) -> ClientError:
        with pytest.raises(ClientError) as caught:
            call(*args, **kwargs)
        error = caught.value.response
        assert error["Error"]["Code"] == code, error
        if message is not None:
            assert error["Error"]["Message"] == message
        if status is not None:
            assert error["ResponseMetadata"]["HTTPStatusCode"] == status
        return caught.value

    return check


@pytest.fixture
def ses_resources(sesv2: Any) -> dict[str, str]:
    """One of each associable resource, by ARN segment -> ARN."""
    sesv2.create_email_identity(EmailIdentity="mail.example.com")
    sesv2.create_configuration_set(ConfigurationSetName="cs-main")
    sesv2.create_email_template(
        TemplateName="welcome", TemplateContent={"Subject": "Hi", "Text": "Hello"}
    )
    return {
        "identity": arn("identity", "mail.example.com"),
        "configuration-set": arn("configuration-set", "cs-main"),
        "template": arn("template", "welcome"),
    }
