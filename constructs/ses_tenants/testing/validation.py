"""Request checks shared by several tenant operations, with SES's own error wording."""

from __future__ import annotations

import re
from typing import Any

from .exceptions import BadRequestException, enum_error, validation_error

MAX_NAME_LENGTH = 64
MAX_TAGS = 50
SUPPRESSION_REASONS = ("BOUNCE", "COMPLAINT")
SUPPRESSION_SCOPES = ("TENANT", "ACCOUNT")

_TENANT_NAME = re.compile(r"[A-Za-z0-9_-]+")


def require_name(name: str | None) -> str:
    if name is None or not name.strip():
        raise BadRequestException("TenantName cannot be empty")
    return name


def validate_create_name(name: str | None) -> str:
    if name is None:
        raise validation_error(
            "Value null at 'tenantName' failed to satisfy constraint: Member must not be null"
        )
    if name == "":
        raise validation_error(
            "Value at 'tenantName' failed to satisfy constraint: "
            "Member must have length greater than or equal to 1"
        )
    name = require_name(name)
    if len(name) > MAX_NAME_LENGTH:
        raise BadRequestException(f"TenantName cannot exceed {MAX_NAME_LENGTH} characters.")
    if not _TENANT_NAME.fullmatch(name):
        raise BadRequestException(
            f"Invalid tenant name <{name}>: only alphanumeric ASCII characters, '_', "
            "and '-' are allowed."
        )
    return name


def validate_tags(tags: list[dict[str, str]]) -> list[dict[str, str]]:
    if len(tags) > MAX_TAGS:
        raise BadRequestException(
            f"Too many tags: a resource can have at most {MAX_TAGS} tags, got {len(tags)}."
        )
    keys = [tag.get("Key") for tag in tags]
    if any(not key for key in keys):
        raise BadRequestException("Tag keys must not be empty.")
    if len(set(keys)) != len(keys):
        raise BadRequestException("Duplicate tag keys are not allowed.")
    return [{"Key": tag["Key"], "Value": tag.get("Value", "")} for tag in tags]


def suppression_attributes(
    reasons: list[str] | None, scope: str | None, *, member_prefix: str
) -> dict[str, Any] | None:
    """Validate a SuppressedReasons/SuppressionScope pair; None (neither) clears the block."""
    if reasons is not None and any(r not in SUPPRESSION_REASONS for r in reasons):
        raise validation_error(
            f"Value at '{member_prefix}suppressedReasons' failed to satisfy constraint: "
            "Member must satisfy constraint: [Member must satisfy enum value set: "
            f"[{', '.join(SUPPRESSION_REASONS)}]]"
        )
    if scope is not None and scope not in SUPPRESSION_SCOPES:
        raise enum_error(f"{member_prefix}suppressionScope", scope, SUPPRESSION_SCOPES)
    if reasons is None and scope is None:
        return None
    if scope is None:
        if reasons == []:
            raise BadRequestException(
                "SuppressionScope is required when SuppressedReasons are provided. "
                "Valid values are: TENANT, ACCOUNT"
            )
        raise BadRequestException("SuppressedReasons cannot be specified without SuppressionScope.")
    if reasons is None:
        raise BadRequestException("SuppressionScope cannot be specified without SuppressedReasons.")
    if len(set(reasons)) != len(reasons):
        raise BadRequestException("Each suppressed reason can only be specified at most once")
    return {"SuppressedReasons": list(reasons), "SuppressionScope": scope}
