"""The pytest plugin's fixtures, used as a user's suite would (no conftest of ours)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError


def test_served_fixture(ses_double_server: Any) -> None:
    assert ses_double_server.endpoint.startswith("http://127.0.0.1:")
    sesv2 = ses_double_server.client("sesv2")
    assert sesv2.list_tenants()["Tenants"] == []  # reset before the test
    ses_double_server.inject_fault("CreateTenant", count=1)
    with pytest.raises(ClientError):
        sesv2.create_tenant(TenantName="acme")
    arn = sesv2.create_tenant(TenantName="acme")["TenantArn"]
    ses_double_server.set_ses_managed_status(arn, "DISABLED")
    assert sesv2.get_tenant(TenantName="acme")["Tenant"]["SendingStatus"] == "DISABLED"
    assert ses_double_server.fault_stats() == {"CreateTenant": 1}
    assert [c["status"] for c in ses_double_server.call_log("CreateTenant")] == [429, 200]


def test_in_process_fixture(ses_double: Any) -> None:
    sesv2 = ses_double.client("sesv2")
    sesv2.create_tenant(TenantName="acme")
    ses_double.reset()
    assert sesv2.list_tenants()["Tenants"] == []
