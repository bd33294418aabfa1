"""The ownership mark: which CloudFormation resource a tenant belongs to.

Tenant names are global per account and region, so two stacks (or a console user) can want
the same name. Every tenant this library creates or adopts carries the tag
``contract.OWNER_TAG_KEY`` naming its stack and logical id. Create uses it to tell its own
retry from a name clash; Delete uses it never to remove a tenant it does not own.
"""

from __future__ import annotations

import hashlib

from . import contract

#: Prefix of the mark when the readable form would be too long for a tag value.
DIGEST_PREFIX = "sha256:"


def owner_mark(stack_id: str, logical_resource_id: str) -> str:
    """The mark of the resource `logical_resource_id` in the stack `stack_id`.

    The stack id (an ARN with the stack's UUID) makes the mark differ between a deleted stack
    and a new stack of the same name. It is stable for the resource's lifetime, including
    updates and renames, so an updated or replaced tenant keeps the same mark.
    """
    readable = f"{stack_id}/{logical_resource_id}"
    if len(readable) <= contract.MAX_TAG_VALUE_LENGTH:
        return readable
    # Too long for a tag value: a digest is as stable and as unique, just not readable.
    return DIGEST_PREFIX + hashlib.sha256(readable.encode("utf-8")).hexdigest()


def describe_owner(mark: str | None) -> str:
    """Who owns a tenant with this mark, in words for a failure reason or a log line."""
    if mark is None:
        return (
            f"it has no '{contract.OWNER_TAG_KEY}' tag, so it was created outside this "
            "library (console, CLI or another tool)"
        )
    if mark.startswith(DIGEST_PREFIX):
        return f"it is owned by another CloudFormation resource ({contract.OWNER_TAG_KEY}={mark})"
    return f"it is owned by the CloudFormation resource {mark}"


def logical_id_of_mark(mark: str | None) -> str | None:
    """The logical id in a readable mark; None for a digest."""
    if stack_of_mark(mark) is None:
        return None
    assert mark is not None
    return mark.rpartition("/")[2]


def stack_of_mark(mark: str | None) -> str | None:
    """The stack id in a readable mark ("{stack id}/{logical id}"); None for a digest."""
    if not mark or mark.startswith(DIGEST_PREFIX):
        return None
    stack_id, separator, _ = mark.rpartition("/")
    return stack_id if separator and stack_id.startswith("arn:") else None
