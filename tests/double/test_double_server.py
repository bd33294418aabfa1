"""Serving: unimplemented operations fail loudly, the CLI, installation."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config

import ses_tenants.testing as double
from ses_tenants.testing import server
from ses_tenants.testing.install import installed


def test_unimplemented_operation_fails_loudly(sesv2: Any, expect_error: Any) -> None:
    # Neither moto nor the double implements GetAccount: an error, never an empty 200.
    error = expect_error("NotImplemented", sesv2.get_account, status=501)
    assert "GetAccount" in str(error)


def test_ses_v1_templates_are_associable(
    client_factory: Callable[..., Any], sesv2: Any, ses_arn: Any
) -> None:
    ses = client_factory("ses")
    ses.create_template(Template={"TemplateName": "legacy", "SubjectPart": "Hi"})
    sesv2.create_tenant(TenantName="acme")
    sesv2.create_tenant_resource_association(
        TenantName="acme", ResourceArn=ses_arn("template", "legacy")
    )
    listed = sesv2.list_tenant_resources(TenantName="acme")["TenantResources"]
    assert listed == [{"ResourceType": "template", "ResourceArn": ses_arn("template", "legacy")}]


def test_install_is_idempotent() -> None:
    from moto.sesv2 import urls

    before = dict(urls.url_paths)
    double.install()
    double.install()
    assert urls.url_paths == before
    assert installed()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_start_server_refuses_a_busy_port() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        started = time.monotonic()
        with pytest.raises(OSError, match="cannot serve"):
            server.start_server(port=busy.getsockname()[1])
        assert time.monotonic() - started < 5


def test_cli_serves_on_the_given_port() -> None:
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "ses_tenants.testing.server", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()  # printed once the server accepts connections
        assert endpoint in banner, banner
        client = boto3.client(
            "sesv2",
            region_name="us-east-1",
            endpoint_url=endpoint,
            config=Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=5),
        )
        created = client.create_tenant(TenantName="cli")
        assert created["TenantArn"].endswith(f"tenant/cli/{created['TenantId']}")
        assert client.get_tenant(TenantName="cli")["Tenant"]["SendingStatus"] == "ENABLED"
    finally:
        process.terminate()
        try:
            assert process.wait(timeout=10) == 0
        finally:
            process.kill()
