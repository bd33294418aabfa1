"""NextToken/PageSize paging shared by the tenant list operations.

A token names the list it came from and the key of the last item returned, so a page stays
correct when items are created or deleted between calls, and a token from one list, account
or region is refused ("Invalid Next Token") as SES refuses it.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .exceptions import BadRequestException, validation_error

T = TypeVar("T")
Key = str | int

MAX_PAGE_SIZE = 100


class Pager:
    """One page request: validated when built, before any lookup, as SES orders its checks."""

    def __init__(self, scope: str, *, next_token: str | None, page_size: int | None):
        self.scope = scope
        self.size = _page_size(page_size)
        self.after = None if next_token is None else _decode(next_token, scope)

    def page(self, items: Sequence[T], key: Callable[[T], Key]) -> tuple[list[T], str | None]:
        """One page of ``items`` (ordered by ``key``) and the token for the next one."""
        ordered = sorted(items, key=key)
        if self.after is not None:
            after = self.after
            ordered = [item for item in ordered if _after(key(item), after)]
        page = ordered[: self.size]
        token = _encode(self.scope, key(page[-1])) if len(ordered) > self.size else None
        return page, token


def paged(member: str, items: list[dict[str, Any]], token: str | None) -> dict[str, Any]:
    """A list response as SES sends it: NextToken only while more pages remain."""
    return {member: items, "NextToken": token} if token else {member: items}


def _page_size(page_size: int | None) -> int:
    if page_size is None:
        return MAX_PAGE_SIZE
    if not isinstance(page_size, int) or isinstance(page_size, bool):
        raise validation_error(f"Value '{page_size}' at 'pageSize' must be an integer")
    if page_size < 1:
        raise validation_error(
            f"Value '{page_size}' at 'pageSize' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1"
        )
    if page_size > MAX_PAGE_SIZE:
        raise validation_error(
            f"Value '{page_size}' at 'pageSize' failed to satisfy constraint: "
            f"Member must have value less than or equal to {MAX_PAGE_SIZE}"
        )
    return page_size


def _after(item_key: Key, after: Key) -> bool:
    # Keys of one list all have the same type; a mismatch means a forged token.
    if type(item_key) is not type(after):
        raise BadRequestException("Invalid Next Token")
    return item_key > after  # type: ignore[operator]


def _encode(scope: str, last: Key) -> str:
    raw = json.dumps({"scope": scope, "after": last}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode(token: str, scope: str) -> Key:
    if token == "":
        raise validation_error(
            "Value '' at 'nextToken' failed to satisfy constraint: "
            "Member must have length greater than or equal to 1"
        )
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadRequestException("Invalid Next Token") from None
    if not isinstance(data, dict) or data.get("scope") != scope:
        raise BadRequestException("Invalid Next Token")
    after = data.get("after")
    if not isinstance(after, str | int) or isinstance(after, bool):
        raise BadRequestException("Invalid Next Token")
    return after
