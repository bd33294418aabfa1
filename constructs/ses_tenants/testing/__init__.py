"""A faithful test double of the Amazon SES v2 tenant API, built on moto.

Importing this package installs the tenant operations into moto's SES v2 service, so they
are served under ``mock_aws`` and by a moto server running in this process::

    import ses_tenants.testing as double

    double.inject_fault("CreateTenant", count=2)   # the next 2 calls are throttled (429)
    double.clear_faults()

See ``server.py`` to serve it over HTTP to any SDK (``ses-tenants-double --port N``), and
``control.py`` for the same hooks over HTTP (``DoubleClient``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .calls import call_log, clear_call_log
from .control import DoubleClient
from .faults import clear_faults, fault_stats, inject_fault
from .install import install
from .models import is_tenant_arn, tenant_backends

if TYPE_CHECKING:
    from moto.server import ThreadedMotoServer

__all__ = [
    "DoubleClient",
    "call_log",
    "clear_call_log",
    "clear_faults",
    "fault_stats",
    "inject_fault",
    "install",
    "set_ses_managed_status",
    "start_server",
]


def set_ses_managed_status(
    tenant_arn: str, status: str = "DISABLED", *, cause: str | None = None
) -> None:
    """Act as SES itself pausing (DISABLED) or reinstating a tenant, e.g. after a reputation
    finding: GetReputationEntity shows it as the AWS SES-managed status, and the tenant's
    aggregate SendingStatus follows. Works under ``mock_aws`` and for an in-process server.
    """
    if not is_tenant_arn(tenant_arn):
        raise ValueError(f"not a tenant ARN: {tenant_arn!r}")
    _, _, _, region, account, _ = tenant_arn.split(":", 5)
    tenant_backends[account][region].set_ses_managed_status(tenant_arn, status, cause)


def start_server(port: int = 0, host: str = "127.0.0.1") -> tuple[ThreadedMotoServer, str]:
    """Start the double as an HTTP server in this process; see ``server.start_server``."""
    from .server import start_server as _start_server

    return _start_server(port=port, host=host)


install()
