"""Enumerations of the Tenant construct's options, with SES's own wire values."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class ReputationPolicy(Enum):
    """How SES reacts to reputation findings for the tenant."""

    #: Never pause automatically (SES may still pause for severe abuse).
    NONE = "none"
    #: Pause on high-severity findings. SES's default for a new tenant.
    STANDARD = "standard"
    #: Pause on any finding.
    STRICT = "strict"


class SendingStatus(Enum):
    """The customer-managed sending status of the tenant."""

    #: Sending allowed (unless SES itself pauses the tenant).
    ENABLED = "ENABLED"
    #: Sending paused by you.
    DISABLED = "DISABLED"
    #: Sending allowed despite open reputation findings.
    REINSTATED = "REINSTATED"


class SuppressionScope(Enum):
    """Which suppression list SES checks and fills for the tenant's sending."""

    ACCOUNT = "ACCOUNT"
    TENANT = "TENANT"


class SuppressionReason(Enum):
    """Why SES adds an address to the suppression list."""

    BOUNCE = "BOUNCE"
    COMPLAINT = "COMPLAINT"


@dataclass(frozen=True)
class Suppression:
    """Which suppression list SES checks and fills for the tenant's sending, and for which
    reasons: one value, since SES takes the two together (reasons without a scope are a
    BadRequestException). No reasons: no list is checked or written."""

    scope: SuppressionScope
    reasons: tuple[SuppressionReason, ...] = ()

    @staticmethod
    def account(*reasons: SuppressionReason) -> Suppression:
        """The account-level suppression list, for `reasons`."""
        return Suppression(SuppressionScope.ACCOUNT, reasons)

    @staticmethod
    def tenant(*reasons: SuppressionReason) -> Suppression:
        """The tenant's own suppression list, for `reasons`."""
        return Suppression(SuppressionScope.TENANT, reasons)
