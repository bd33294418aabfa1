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
from .models import TenantBackend, is_tenant_arn, tenant_backends

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
    "open_recommendation",
    "resolve_recommendation",
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


def open_recommendation(
    resource_arn: str,
    type: str,
    *,
    impact: str = "HIGH",
    description: str | None = None,
) -> None:
    """Act as Virtual Deliverability Manager opening a finding (a recommendation) about
    ``resource_arn`` (a tenant's ARN, or an identity's): ListRecommendations shows it OPEN, and
    a tenant's ReputationImpact becomes the highest impact of its open findings. ``type`` is
    one of DKIM, DMARC, SPF, BIMI, COMPLAINT, BOUNCE, FEEDBACK_3P, IP_LISTING; ``description``
    tells two findings of one type apart (default: the type). Opening it again reopens it.

    A finding does not pause the tenant by itself: pair it with ``set_ses_managed_status``
    as SES's reputation policy would (standard: on HIGH findings, strict: on any).
    """
    _backend_of(resource_arn).set_recommendation(resource_arn, type, "OPEN", impact, description)


def resolve_recommendation(resource_arn: str, type: str, *, description: str | None = None) -> None:
    """Mark an open finding FIXED, as VDM does when the cause is gone."""
    _backend_of(resource_arn).set_recommendation(resource_arn, type, "FIXED", None, description)


def _backend_of(resource_arn: str) -> TenantBackend:
    parts = str(resource_arn).split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "ses":
        raise ValueError(f"not an SES ARN: {resource_arn!r}")
    return tenant_backends[parts[4]][parts[3]]


def start_server(port: int = 0, host: str = "127.0.0.1") -> tuple[ThreadedMotoServer, str]:
    """Start the double as an HTTP server in this process; see ``server.start_server``."""
    from .server import start_server as _start_server

    return _start_server(port=port, host=host)


install()
