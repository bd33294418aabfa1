"""Parse and validate the custom resources' properties.

CloudFormation hands every property over as a string (booleans as "true"/"false", lists as
lists of strings, Tags as ``[{"Key": ..., "Value": ...}]``), so each value is parsed
explicitly here. All problems are collected and reported together, before any SES call, so
that one failed deployment tells the user everything to fix.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import contract, rules
from .errors import InvalidProperties

logger = logging.getLogger(__name__)

#: Added by CloudFormation for the Provider framework; not ours to interpret.
SERVICE_TOKEN = "ServiceToken"
#: Separates tenant name and resource ARN in an association's physical id. Tenant names
#: cannot contain it, so the first one splits the id unambiguously.
ASSOCIATION_ID_SEPARATOR = "|"
#: Ends the physical id of an association SES held before the resource claimed it.
HELD_BEFORE_FLAG = "held-before"

_TENANT_PROPERTIES = frozenset(
    {
        contract.PROP_TENANT_NAME,
        contract.PROP_REPUTATION_POLICY,
        contract.PROP_SENDING_STATUS,
        contract.PROP_SUPPRESSION_SCOPE,
        contract.PROP_SUPPRESSED_REASONS,
        contract.PROP_TAGS,
        contract.PROP_ADOPT_EXISTING,
        SERVICE_TOKEN,
    }
)
_ASSOCIATION_PROPERTIES = frozenset(
    {contract.PROP_TENANT_NAME, contract.PROP_RESOURCE_ARN, SERVICE_TOKEN}
)


@dataclass(frozen=True)
class Suppression:
    """A tenant's suppression attributes. `reasons` is sorted: order carries no meaning."""

    scope: str
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class TenantSpec:
    """What a Custom::SesTenant asks for. `tags` are the user's tags, without the mark."""

    name: str
    reputation_policy: str = contract.DEFAULT_REPUTATION_POLICY
    sending_status: str = contract.DEFAULT_SENDING_STATUS
    suppression: Suppression | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    adopt_existing: bool = False


@dataclass(frozen=True)
class AssociationSpec:
    """What a Custom::SesTenantResourceAssociation asks for.

    `held_before`: SES held the association before the resource claimed it (it answered
    AlreadyExists). The physical id says so, because a rollback of the deploy that claimed
    it must leave it in place: it was there before.
    """

    tenant_name: str
    resource_arn: str
    held_before: bool = False

    @property
    def physical_id(self) -> str:
        pair = f"{self.tenant_name}{ASSOCIATION_ID_SEPARATOR}{self.resource_arn}"
        return f"{pair}{ASSOCIATION_ID_SEPARATOR}{HELD_BEFORE_FLAG}" if self.held_before else pair

    def same_pair(self, other: AssociationSpec | None) -> bool:
        return other is not None and (other.tenant_name, other.resource_arn) == (
            self.tenant_name,
            self.resource_arn,
        )


def parse_tenant_properties(properties: Mapping[str, Any]) -> TenantSpec:
    """The tenant described by `properties`, or InvalidProperties listing every problem."""
    problems: list[str] = []
    _warn_about_unknown(properties, _TENANT_PROPERTIES)
    name = _tenant_name(properties, problems)
    policy = _choice(
        properties,
        contract.PROP_REPUTATION_POLICY,
        contract.REPUTATION_POLICIES,
        contract.DEFAULT_REPUTATION_POLICY,
        problems,
    )
    status = _choice(
        properties,
        contract.PROP_SENDING_STATUS,
        contract.SENDING_STATUSES,
        contract.DEFAULT_SENDING_STATUS,
        problems,
    )
    suppression = _suppression(properties, problems)
    tags = _tags(properties, problems)
    adopt = _boolean(properties, contract.PROP_ADOPT_EXISTING, False, problems)
    if problems:
        raise InvalidProperties(_problem_report("tenant", name, problems))
    return TenantSpec(
        name=name,
        reputation_policy=policy,
        sending_status=status,
        suppression=suppression,
        tags=tags,
        adopt_existing=adopt,
    )


def parse_association_properties(properties: Mapping[str, Any]) -> AssociationSpec:
    """The association described by `properties`, or InvalidProperties."""
    problems: list[str] = []
    _warn_about_unknown(properties, _ASSOCIATION_PROPERTIES)
    tenant_name = _tenant_name(properties, problems)
    arn = properties.get(contract.PROP_RESOURCE_ARN)
    if not isinstance(arn, str) or not arn:
        problems.append(f"{contract.PROP_RESOURCE_ARN} is required (an SES resource ARN)")
    elif problem := rules.resource_arn_problem(arn):
        problems.append(f"{contract.PROP_RESOURCE_ARN} {problem}")
    if problems:
        raise InvalidProperties(_problem_report("tenant resource association", None, problems))
    assert isinstance(arn, str)
    return AssociationSpec(tenant_name=tenant_name, resource_arn=arn)


def parse_association_physical_id(physical_id: str) -> AssociationSpec | None:
    """The association a physical id names, or None if it is not one of ours."""
    tenant_name, separator, rest = physical_id.partition(ASSOCIATION_ID_SEPARATOR)
    # ARNs cannot contain the separator, so a second one introduces the flag.
    arn, _, flag = rest.partition(ASSOCIATION_ID_SEPARATOR)
    if not separator or not is_valid_tenant_name(tenant_name) or not arn:
        return None
    if flag not in ("", HELD_BEFORE_FLAG):
        return None
    return AssociationSpec(tenant_name, arn, held_before=flag == HELD_BEFORE_FLAG)


def is_valid_tenant_name(name: object) -> bool:
    return isinstance(name, str) and rules.tenant_name_problem(name) is None


def _tenant_name(properties: Mapping[str, Any], problems: list[str]) -> str:
    name = properties.get(contract.PROP_TENANT_NAME)
    if not isinstance(name, str) or not name:
        problems.append(f"{contract.PROP_TENANT_NAME} is required")
        return ""
    if problem := rules.tenant_name_problem(name):
        problems.append(f"{contract.PROP_TENANT_NAME} {problem}")
    return name


def _choice(
    properties: Mapping[str, Any],
    key: str,
    allowed: tuple[str, ...],
    default: str,
    problems: list[str],
) -> str:
    value = properties.get(key)
    if value is None:
        return default
    if value not in allowed:
        problems.append(f"{key} {value!r} is not one of {', '.join(allowed)}")
        return default
    return str(value)


def _boolean(properties: Mapping[str, Any], key: str, default: bool, problems: list[str]) -> bool:
    value = properties.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    problems.append(f'{key} {value!r} must be "true" or "false"')
    return default


def _suppression(properties: Mapping[str, Any], problems: list[str]) -> Suppression | None:
    scope = properties.get(contract.PROP_SUPPRESSION_SCOPE)
    reasons = properties.get(contract.PROP_SUPPRESSED_REASONS)
    if scope is None and reasons is None:
        return None
    parsed_reasons: list[str] = []
    if reasons is not None:
        if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
            problems.append(
                f"{contract.PROP_SUPPRESSED_REASONS} must be a list of "
                f"{', '.join(contract.SUPPRESSION_REASONS)}"
            )
        else:
            parsed_reasons = reasons
            unknown = [r for r in reasons if r not in contract.SUPPRESSION_REASONS]
            if unknown:
                problems.append(
                    f"{contract.PROP_SUPPRESSED_REASONS} {unknown} are not among "
                    f"{', '.join(contract.SUPPRESSION_REASONS)}"
                )
            duplicates = sorted({r for r in reasons if reasons.count(r) > 1})
            if duplicates:
                problems.append(
                    f"{contract.PROP_SUPPRESSED_REASONS} lists {', '.join(duplicates)} "
                    "more than once"
                )
    if scope is None:
        # SES answers BadRequestException to reasons without a scope.
        problems.append(
            f"{contract.PROP_SUPPRESSED_REASONS} needs {contract.PROP_SUPPRESSION_SCOPE} "
            f"({' or '.join(contract.SUPPRESSION_SCOPES)})"
        )
        return None
    if scope not in contract.SUPPRESSION_SCOPES:
        problems.append(
            f"{contract.PROP_SUPPRESSION_SCOPE} {scope!r} is not one of "
            f"{', '.join(contract.SUPPRESSION_SCOPES)}"
        )
        return None
    # SES takes scope and reasons together; a scope alone means "suppress for no reason".
    return Suppression(scope=scope, reasons=tuple(sorted(set(parsed_reasons))))


def _tags(properties: Mapping[str, Any], problems: list[str]) -> dict[str, str]:
    raw = properties.get(contract.PROP_TAGS)
    if raw is None:
        return {}
    if not isinstance(raw, list):
        problems.append(f'{contract.PROP_TAGS} must be a list of {{"Key": ..., "Value": ...}}')
        return {}
    tags: dict[str, str] = {}
    for index, tag in enumerate(raw):
        if (
            not isinstance(tag, Mapping)
            or not isinstance(tag.get("Key"), str)
            or not isinstance(tag.get("Value", ""), str)
        ):
            problems.append(
                f'{contract.PROP_TAGS}[{index}] must be {{"Key": <string>, "Value": <string>}}'
            )
            continue
        key, value = tag["Key"], tag.get("Value", "")
        problem = rules.tag_problem(key, value)
        if problem:
            problems.append(f"{contract.PROP_TAGS}[{index}]: {problem}")
        elif key in tags:
            problems.append(f"{contract.PROP_TAGS}: key {key!r} appears more than once")
        else:
            tags[key] = value
    if problem := rules.tag_count_problem(len(tags)):
        problems.append(f"{contract.PROP_TAGS}: {problem}")
    return tags


def _warn_about_unknown(properties: Mapping[str, Any], known: frozenset[str]) -> None:
    # Not an error: a newer construct version may send a property this handler predates.
    unknown = sorted(set(properties) - known)
    if unknown:
        logger.warning("Ignoring unknown properties: %s", ", ".join(unknown))


def _problem_report(kind: str, name: str | None, problems: list[str]) -> str:
    subject = f"{kind} {name!r}" if name else kind
    return f"Invalid properties for {subject}: " + "; ".join(problems)
