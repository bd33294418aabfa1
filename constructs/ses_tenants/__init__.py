"""CDK constructs for Amazon SES tenants: one tenant per customer, as infrastructure-as-code."""

from ses_tenants.association import Associable, TenantResourceAssociation
from ses_tenants.enums import ReputationPolicy, SendingStatus, SuppressionReason, SuppressionScope
from ses_tenants.errors import SesTenantsValidationError
from ses_tenants.provider import ITenantProvider, TenantProvider
from ses_tenants.tenant import ITenant, Tenant

__all__ = [
    "Associable",
    "ITenant",
    "ITenantProvider",
    "ReputationPolicy",
    "SendingStatus",
    "SesTenantsValidationError",
    "SuppressionReason",
    "SuppressionScope",
    "Tenant",
    "TenantProvider",
    "TenantResourceAssociation",
]
