"""The rules SES (and this library) set on a tenant's input, each written once.

The constructs check them at synth and raise SesTenantsValidationError with the problem;
the handler checks them again at deploy, for values that were tokens at synth, and puts the
same words in its failure reason. Each rule returns the problem in words, or None.

Like ``contract``, it imports no sibling but ``contract``.
"""

from __future__ import annotations

from . import contract


def tenant_name_problem(name: str) -> str | None:
    """SES's rule for a tenant name. A trailing newline is no exception."""
    if contract.TENANT_NAME_PATTERN.fullmatch(name):
        return None
    return f"{name!r} is invalid: use {contract.TENANT_NAME_RULE}"


def tag_problem(key: str, value: str) -> str | None:
    """SES's limits on one tag, AWS's reserved prefix and this library's ownership mark.

    The prefix and the mark's key are compared in any letter case, so that no tag passes
    for either, or slips past them, by its letter case.
    """
    if not 1 <= len(key) <= contract.MAX_TAG_KEY_LENGTH:
        return f"key {_short(key)} must be 1-{contract.MAX_TAG_KEY_LENGTH} characters"
    if len(value) > contract.MAX_TAG_VALUE_LENGTH:
        return f"value of {key!r} is longer than {contract.MAX_TAG_VALUE_LENGTH} characters"
    if key.lower().startswith(contract.RESERVED_TAG_PREFIX):
        return (
            f"key {key!r} uses the prefix {contract.RESERVED_TAG_PREFIX!r} (in any letter "
            "case), reserved by AWS"
        )
    if key.lower() == contract.OWNER_TAG_KEY.lower():
        return (
            f"key {key!r} is reserved: this library uses {contract.OWNER_TAG_KEY!r} (in any "
            "letter case) to mark which stack owns the tenant"
        )
    if key.lower() == contract.ADOPTION_RECORD_TAG_KEY.lower():
        return (
            f"key {key!r} is reserved: this library uses {contract.ADOPTION_RECORD_TAG_KEY!r} "
            "(in any letter case) to record what an adopted tenant was like"
        )
    return None


def tag_count_problem(count: int) -> str | None:
    """At most MAX_USER_TAGS tags: SES allows MAX_TAGS per tenant and the mark takes one."""
    if count <= contract.MAX_USER_TAGS:
        return None
    return (
        f"{count} tags; at most {contract.MAX_USER_TAGS} are allowed (SES allows "
        f"{contract.MAX_TAGS} per tenant and the ownership tag {contract.OWNER_TAG_KEY!r} "
        "takes one)"
    )


def resource_arn_problem(arn: str) -> str | None:
    """What SES accepts in a tenant association: an identity, configuration set or template."""
    if contract.SES_RESOURCE_ARN_PATTERN.fullmatch(arn):
        return None
    return (
        f"{arn!r} is not the ARN of an SES email identity, configuration set or email "
        "template (arn:<partition>:ses:<region>:<account>:"
        "identity|configuration-set|template/<name>); a dedicated IP pool is reached "
        "through a configuration set that names it"
    )


def _short(text: str, limit: int = 40) -> str:
    """A key too long to be a tag key, cut short enough to read in a failure reason."""
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}... ({len(text)} characters)"
