"""The construct's enums carry exactly the values the handler accepts."""

from __future__ import annotations

from ses_tenants import ReputationPolicy, SendingStatus, SuppressionReason, SuppressionScope
from ses_tenants._handler import contract


def test_enum_values_match_the_handler_contract() -> None:
    assert tuple(p.value for p in ReputationPolicy) == contract.REPUTATION_POLICIES
    assert tuple(s.value for s in SendingStatus) == contract.SENDING_STATUSES
    assert tuple(s.value for s in SuppressionScope) == contract.SUPPRESSION_SCOPES
    assert tuple(r.value for r in SuppressionReason) == contract.SUPPRESSION_REASONS
    assert ReputationPolicy.STANDARD.value == contract.DEFAULT_REPUTATION_POLICY
    assert SendingStatus.ENABLED.value == contract.DEFAULT_SENDING_STATUS
