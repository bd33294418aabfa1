"""A pytest plugin (entry point ``ses_tenants``): the SES tenant double in one fixture.

Installed with the package (``pip install 'ses-tenants-cdk[testing]'``), it gives every test
suite two fixtures::

    def test_my_sender(ses_double):                 # in process, under mock_aws
        sesv2 = ses_double.client("sesv2")
        ...

    def test_my_service(ses_double_server):          # served over HTTP (one server per
        os.environ["AWS_ENDPOINT_URL"] = ses_double_server.endpoint   # session, reset
        ...                                           # before and after each test)

Both yield a ``SesDouble``: ``client(service, **kwargs)`` for a boto3 client aimed at the
double (region us-east-1 unless given, no retries unless ``config`` is given), and the test
hooks ``inject_fault``, ``clear_faults``, ``fault_stats``, ``set_ses_managed_status``,
``open_recommendation``, ``resolve_recommendation``, ``call_log`` and ``reset``. The module
imports moto only when a fixture is used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

REGION = "us-east-1"


class SesDouble:
    """The double a fixture gives: in process (``endpoint`` None) or served."""

    def __init__(self, endpoint: str | None = None, region: str = REGION):
        from .control import DoubleClient

        self.endpoint = endpoint
        self.region = region
        self._remote = DoubleClient(endpoint) if endpoint else None

    def client(self, service: str = "sesv2", **kwargs: Any) -> Any:
        import boto3
        from botocore.config import Config

        kwargs.setdefault("region_name", self.region)
        # One attempt per call, so a test sees each injected fault; pass config= to differ.
        kwargs.setdefault("config", Config(retries={"total_max_attempts": 1}))
        if self.endpoint:
            kwargs.setdefault("endpoint_url", self.endpoint)
            kwargs.setdefault("aws_access_key_id", "testing")
            kwargs.setdefault("aws_secret_access_key", "testing")
        return boto3.client(service, **kwargs)

    def _hooks(self) -> Any:
        if self._remote is not None:
            return self._remote
        import ses_tenants.testing as hooks

        return hooks

    def inject_fault(self, operation: str, count: int | None = 1, **options: Any) -> None:
        self._hooks().inject_fault(operation, count, **options)

    def clear_faults(self) -> None:
        self._hooks().clear_faults()

    def fault_stats(self) -> dict[str, int]:
        return dict(self._hooks().fault_stats())

    def set_ses_managed_status(
        self, tenant_arn: str, status: str = "DISABLED", *, cause: str | None = None
    ) -> None:
        self._hooks().set_ses_managed_status(tenant_arn, status, cause=cause)

    def open_recommendation(
        self,
        resource_arn: str,
        type: str,
        *,
        impact: str = "HIGH",
        description: str | None = None,
    ) -> None:
        self._hooks().open_recommendation(
            resource_arn, type, impact=impact, description=description
        )

    def resolve_recommendation(
        self, resource_arn: str, type: str, *, description: str | None = None
    ) -> None:
        self._hooks().resolve_recommendation(resource_arn, type, description=description)

    def call_log(self, operation: str | None = None) -> list[dict[str, Any]]:
        return list(self._hooks().call_log(operation))

    def reset(self) -> None:
        if self._remote is not None:
            self._remote.reset()
        else:
            from moto.moto_api._internal.models import moto_api_backend

            moto_api_backend.reset()


@pytest.fixture
def ses_double() -> Iterator[SesDouble]:
    """The double in this process, under a fresh ``mock_aws``."""
    from moto import mock_aws

    import ses_tenants.testing  # noqa: F401  (installs the tenant operations)

    with mock_aws():
        yield SesDouble()


@pytest.fixture(scope="session")
def _ses_double_served() -> Iterator[str]:
    from .server import start_server

    server, endpoint = start_server()
    yield endpoint
    server.stop()


@pytest.fixture
def ses_double_server(_ses_double_served: str) -> Iterator[SesDouble]:
    """The double served over HTTP on 127.0.0.1 (one server per session), reset around
    each test; ``.endpoint`` is its URL."""
    double = SesDouble(_ses_double_served)
    double.reset()
    try:
        yield double
    finally:
        double.reset()
