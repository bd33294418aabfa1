"""The adoption record: what a tenant was like before this library adopted it.

A deploy that adopts a tenant and then fails must give the tenant back, yet the rollback
reaches the handler as a plain Delete (or as the cleanup of a replacement), with nothing of
the tenant's earlier state. So adopting writes that state on the tenant itself, in the tag
``contract.ADOPTION_RECORD_TAG_KEY``: the previous owner mark, reputation policy, sending
status and suppression, and its other tags when they fit in the tag's 256 characters (else
a given-back tenant keeps the tags the failed deploy declared). The record is removed by
the resource's next forward update, or when the tenant is given back.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace

from . import contract
from .properties import Suppression
from .tenants import TenantSettings

#: Stands for "none" in a field; tag values allow letters, digits, spaces and _.:/=+-@ only
#: (so the tags are written in base64, whose alphabet is among them).
_NONE = "-"
_LIBRARY_KEYS = (contract.OWNER_TAG_KEY, contract.ADOPTION_RECORD_TAG_KEY)


@dataclass(frozen=True)
class AdoptionRecord:
    previous_mark: str | None
    reputation_policy: str
    sending_status: str
    suppression: Suppression | None
    #: The tenant's other tags; None when they did not fit.
    tags: Mapping[str, str] | None = None

    @classmethod
    def of(cls, state: TenantSettings) -> AdoptionRecord:
        """The record of a tenant in `state`, before it is adopted: all of it if it fits in
        a tag value, else without the tags, else without the mark too."""
        record = cls(
            previous_mark=state.tags.get(contract.OWNER_TAG_KEY),
            reputation_policy=state.reputation_policy,
            sending_status=state.sending_status,
            suppression=state.suppression,
            tags={k: v for k, v in state.tags.items() if k not in _LIBRARY_KEYS},
        )
        for smaller in (record, replace(record, tags=None), replace(record, previous_mark=None)):
            if len(smaller.encode()) <= contract.MAX_TAG_VALUE_LENGTH:
                return smaller
        return replace(record, previous_mark=None, tags=None)

    def encode(self) -> str:
        suppression = (
            f"{self.suppression.scope}:{'+'.join(self.suppression.reasons)}"
            if self.suppression
            else _NONE
        )
        fields = [self.reputation_policy, self.sending_status, suppression]
        fields.append(self.previous_mark or _NONE)
        if self.tags is not None:
            text = json.dumps(dict(self.tags), separators=(",", ":"), sort_keys=True)
            fields.append(base64.b64encode(text.encode()).decode())
        return " ".join(fields)

    @classmethod
    def decode(cls, text: str) -> AdoptionRecord | None:
        fields = text.split(" ")
        if len(fields) not in (4, 5):
            return None
        policy, status, suppression, mark = fields[:4]
        tags = None
        if len(fields) == 5:
            try:
                tags = dict(json.loads(base64.b64decode(fields[4], validate=True)))
            except (binascii.Error, ValueError, TypeError):
                tags = None
        parsed_suppression = None
        if suppression != _NONE:
            scope, _, reasons = suppression.partition(":")
            parsed_suppression = Suppression(scope, tuple(r for r in reasons.split("+") if r))
        return cls(
            previous_mark=None if mark == _NONE else mark,
            reputation_policy=policy,
            sending_status=status,
            suppression=parsed_suppression,
            tags=tags,
        )

    def state_given_back(self, current_tags: Mapping[str, str]) -> TenantSettings:
        """The tenant as it was: previous mark, settings and (if recorded) tags; else the
        current tags."""
        others = self.tags if self.tags is not None else current_tags
        tags = {key: value for key, value in others.items() if key not in _LIBRARY_KEYS}
        if self.previous_mark is not None:
            tags[contract.OWNER_TAG_KEY] = self.previous_mark
        return TenantSettings(
            tags=tags,
            suppression=self.suppression,
            reputation_policy=self.reputation_policy,
            sending_status=self.sending_status,
        )


def record_in(tags: Mapping[str, str]) -> AdoptionRecord | None:
    text = tags.get(contract.ADOPTION_RECORD_TAG_KEY)
    return AdoptionRecord.decode(text) if text is not None else None
