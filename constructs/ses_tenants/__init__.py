"""CDK constructs for Amazon SES tenants: one tenant per customer, as infrastructure-as-code.

The names are imported lazily (PEP 562) so that `ses_tenants.testing`, the SES tenant API
double, does not load aws-cdk-lib and start jsii's Node.js process.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ses_tenants.association import Associable, TenantResourceAssociation
    from ses_tenants.customer_tenant import CustomerTenant, EmailTemplate
    from ses_tenants.enums import (
        ReputationPolicy,
        SendingStatus,
        Suppression,
        SuppressionReason,
        SuppressionScope,
    )
    from ses_tenants.errors import SesTenantsValidationError
    from ses_tenants.pause_alerts import PauseAlerts
    from ses_tenants.provider import ITenantProvider, TenantProvider
    from ses_tenants.tenant import ITenant, Tenant, TenantProps

_MODULE_OF = {
    "Associable": "association",
    "TenantResourceAssociation": "association",
    "CustomerTenant": "customer_tenant",
    "EmailTemplate": "customer_tenant",
    "ReputationPolicy": "enums",
    "SendingStatus": "enums",
    "Suppression": "enums",
    "SuppressionReason": "enums",
    "SuppressionScope": "enums",
    "SesTenantsValidationError": "errors",
    "PauseAlerts": "pause_alerts",
    "ITenantProvider": "provider",
    "TenantProvider": "provider",
    "ITenant": "tenant",
    "Tenant": "tenant",
    "TenantProps": "tenant",
}

__all__ = [
    "Associable",
    "CustomerTenant",
    "EmailTemplate",
    "ITenant",
    "ITenantProvider",
    "PauseAlerts",
    "ReputationPolicy",
    "SendingStatus",
    "SesTenantsValidationError",
    "Suppression",
    "SuppressionReason",
    "SuppressionScope",
    "Tenant",
    "TenantProps",
    "TenantProvider",
    "TenantResourceAssociation",
]


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'ses_tenants' has no attribute {name!r}")
    return getattr(importlib.import_module(f"ses_tenants.{_MODULE_OF[name]}"), name)
