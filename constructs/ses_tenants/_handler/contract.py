"""The contract between the constructs and the handler.

Property names, attribute names, resource types, allowed values and limits live here once.
It must stay free of imports from its siblings.
"""

from __future__ import annotations

import re

# CloudFormation resource types of the two custom resources.
TENANT_RESOURCE_TYPE = "Custom::SesTenant"
ASSOCIATION_RESOURCE_TYPE = "Custom::SesTenantResourceAssociation"

# Properties of Custom::SesTenant (CloudFormation passes every value as a string).
PROP_TENANT_NAME = "TenantName"
PROP_REPUTATION_POLICY = "ReputationPolicy"
PROP_SENDING_STATUS = "SendingStatus"
PROP_SUPPRESSION_SCOPE = "SuppressionScope"
PROP_SUPPRESSED_REASONS = "SuppressedReasons"
PROP_TAGS = "Tags"
PROP_ADOPT_EXISTING = "AdoptExisting"

# Properties of Custom::SesTenantResourceAssociation.
PROP_RESOURCE_ARN = "ResourceArn"

# Attributes returned in Data (read with Fn::GetAtt).
ATTR_TENANT_ARN = "TenantArn"
ATTR_TENANT_ID = "TenantId"
ATTR_TENANT_NAME = "TenantName"

# Allowed values. Reputation policies are SES's own names: the handler turns them into
# arn:{partition}:ses:{region}:aws:reputation-policy/{name}.
REPUTATION_POLICIES = ("none", "standard", "strict")
DEFAULT_REPUTATION_POLICY = "standard"
SENDING_STATUSES = ("ENABLED", "DISABLED", "REINSTATED")
DEFAULT_SENDING_STATUS = "ENABLED"
SUPPRESSION_SCOPES = ("ACCOUNT", "TENANT")
SUPPRESSION_REASONS = ("BOUNCE", "COMPLAINT")

# Limits of the SES tenant API. The patterns are matched with fullmatch (see rules.py):
# `$` would accept a trailing newline.
TENANT_NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
TENANT_NAME_RULE = "1-64 characters of A-Z, a-z, 0-9, '_' and '-'"
MAX_TAGS = 50
MAX_TAG_KEY_LENGTH = 128
MAX_TAG_VALUE_LENGTH = 256
RESERVED_TAG_PREFIX = "aws:"

# The ownership mark: a tag on every tenant this library creates or adopts, whose value
# names the stack and logical id that own it. It counts towards SES's 50-tag limit.
OWNER_TAG_KEY = "ses-tenants:owner"
# The adoption record: while a deploy that adopted a tenant may still roll back, the tenant
# carries what it was like before (adoption.py), so the rollback can give it back. Adopting
# therefore needs one more free tag than creating.
ADOPTION_RECORD_TAG_KEY = "ses-tenants:adopted-from"
MAX_USER_TAGS = MAX_TAGS - 1

# Resource ARN segments SES accepts in a tenant association.
ASSOCIABLE_RESOURCE_SEGMENTS = ("identity", "configuration-set", "template")
SES_RESOURCE_ARN_PATTERN = re.compile(
    r"arn:[a-z0-9-]+:ses:[a-z0-9-]+:\d{12}:(identity|configuration-set|template)/.+"
)
