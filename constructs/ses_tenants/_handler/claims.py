"""Which live CloudFormation resource claims an SES object, read from CloudFormation.

A claim is a resource whose physical id names the object. It is live while its stack is
not being deleted or rolled back from a failed create, and while the resource itself is not
being deleted or failed to be created.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import contract
from .cloudformation_reader import StackReader

#: Stack statuses of a stack that is going away as a whole: none of its resources claims
#: anything any more (a failed first create is rolled back by deleting everything).
_STACK_GOING_AWAY_PREFIXES = ("DELETE_", "ROLLBACK_")
#: Resource statuses of a resource that holds no claim.
_NOT_CLAIMING = frozenset(
    {"CREATE_FAILED", "DELETE_IN_PROGRESS", "DELETE_COMPLETE", "DELETE_FAILED", "DELETE_SKIPPED"}
)


@dataclass(frozen=True)
class Claimant:
    """A CloudFormation resource: the event's, or another that claims the same object."""

    stack_id: str
    logical_id: str

    def describe(self) -> str:
        return f"resource {self.logical_id} of stack {self.stack_id}"


def live_claimant(
    stacks: StackReader,
    stack_id: str,
    claims: Callable[[str], bool],
    *,
    exclude: Claimant,
    resource_type: str = contract.ASSOCIATION_RESOURCE_TYPE,
) -> Claimant | None:
    """A live resource of `stack_id` other than `exclude` whose physical id `claims` the
    object (physical ids may differ in form for one object)."""
    status = stacks.status(stack_id)
    if status is None or status.startswith(_STACK_GOING_AWAY_PREFIXES):
        return None
    for resource in stacks.resources(stack_id):
        candidate = Claimant(stack_id, resource.logical_id)
        if (
            candidate != exclude
            and resource.resource_type == resource_type
            and claims(resource.physical_id)
            and resource.status not in _NOT_CLAIMING
        ):
            return candidate
    return None
