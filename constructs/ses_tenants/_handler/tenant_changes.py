"""Pure functions that work out which SES writes take a tenant from one state to another.

The same diff serves three paths: an Update (old properties to new), a Create (what
CreateTenant cannot set by itself) and the convergence of a tenant that already exists
(its settings as read from SES, tenants.settings_of, to the requested ones). Nothing here
talks to SES or knows its shapes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

from . import contract
from .properties import Suppression, TenantSpec
from .tenants import TenantSettings


@dataclass(frozen=True)
class TenantChanges:
    """The writes that reach a desired state; empty fields mean "leave as is"."""

    tags_to_set: Mapping[str, str] = field(default_factory=dict)
    tag_keys_to_remove: tuple[str, ...] = ()
    suppression_changed: bool = False
    #: The new suppression attributes when `suppression_changed`; None clears them.
    suppression: Suppression | None = None
    reputation_policy: str | None = None
    sending_status: str | None = None

    def also_removing(self, key: str) -> TenantChanges:
        """These changes, with `key` removed from the tags as well."""
        keys = tuple(sorted({*self.tag_keys_to_remove, key}))
        return dataclasses.replace(self, tag_keys_to_remove=keys)

    @property
    def is_empty(self) -> bool:
        return not (
            self.tags_to_set
            or self.tag_keys_to_remove
            or self.suppression_changed
            or self.reputation_policy
            or self.sending_status
        )


def desired_state(spec: TenantSpec, mark: str | None) -> TenantSettings:
    """The state `spec` asks for, with the ownership mark `mark` among the tags."""
    tags = dict(spec.tags)
    if mark is not None:
        tags[contract.OWNER_TAG_KEY] = mark
    return TenantSettings(
        tags=tags,
        suppression=spec.suppression,
        reputation_policy=spec.reputation_policy,
        sending_status=spec.sending_status,
    )


def state_after_create(spec: TenantSpec, mark: str) -> TenantSettings:
    """What CreateTenant leaves: the tags and suppression it was given, SES's defaults else."""
    return TenantSettings(
        tags=desired_state(spec, mark).tags,
        suppression=spec.suppression,
        reputation_policy=contract.DEFAULT_REPUTATION_POLICY,
        sending_status=contract.DEFAULT_SENDING_STATUS,
    )


#: Tags the library itself manages, which an update never removes as undeclared: losing the
#: mark would make the tenant look foreign (a later Delete would leave it behind), and the
#: adoption record is removed only on purpose.
LIBRARY_TAG_KEYS = frozenset({contract.OWNER_TAG_KEY, contract.ADOPTION_RECORD_TAG_KEY})


def changes_between(
    current: TenantSettings, desired: TenantSettings, *, keep: frozenset[str] = LIBRARY_TAG_KEYS
) -> TenantChanges:
    """The fewest writes that turn `current` into `desired`; tags in `keep` stay even when
    `desired` lacks them. Tags under AWS's reserved prefix are never ours to remove."""
    tags_to_set = {
        key: value for key, value in desired.tags.items() if current.tags.get(key) != value
    }
    tag_keys_to_remove = tuple(
        sorted(
            key
            for key in current.tags
            if key not in desired.tags
            and key not in keep
            and not key.lower().startswith(contract.RESERVED_TAG_PREFIX)
        )
    )
    suppression_changed = current.suppression != desired.suppression
    return TenantChanges(
        tags_to_set=tags_to_set,
        tag_keys_to_remove=tag_keys_to_remove,
        suppression_changed=suppression_changed,
        suppression=desired.suppression if suppression_changed else None,
        reputation_policy=(
            desired.reputation_policy
            if desired.reputation_policy != current.reputation_policy
            else None
        ),
        sending_status=(
            desired.sending_status if desired.sending_status != current.sending_status else None
        ),
    )
