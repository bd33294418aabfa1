"""Stack and resource statuses, and the records CloudFormation keeps of them.

The names are CloudFormation's, as DescribeStacks, ListStackResources and
DescribeStackEvents report them; a handler compares them as strings.
"""

from __future__ import annotations

from dataclasses import dataclass

STACK_RESOURCE_TYPE = "AWS::CloudFormation::Stack"

CREATE_IN_PROGRESS = "CREATE_IN_PROGRESS"
CREATE_COMPLETE = "CREATE_COMPLETE"
CREATE_FAILED = "CREATE_FAILED"
ROLLBACK_IN_PROGRESS = "ROLLBACK_IN_PROGRESS"
ROLLBACK_COMPLETE = "ROLLBACK_COMPLETE"
ROLLBACK_FAILED = "ROLLBACK_FAILED"
UPDATE_IN_PROGRESS = "UPDATE_IN_PROGRESS"
UPDATE_COMPLETE_CLEANUP_IN_PROGRESS = "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"
UPDATE_COMPLETE = "UPDATE_COMPLETE"
UPDATE_FAILED = "UPDATE_FAILED"
UPDATE_ROLLBACK_IN_PROGRESS = "UPDATE_ROLLBACK_IN_PROGRESS"
UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS = "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"
UPDATE_ROLLBACK_COMPLETE = "UPDATE_ROLLBACK_COMPLETE"
UPDATE_ROLLBACK_FAILED = "UPDATE_ROLLBACK_FAILED"
DELETE_IN_PROGRESS = "DELETE_IN_PROGRESS"
DELETE_COMPLETE = "DELETE_COMPLETE"
DELETE_FAILED = "DELETE_FAILED"
#: A resource kept by a Retain policy when CloudFormation would have deleted it.
DELETE_SKIPPED = "DELETE_SKIPPED"

#: Stack statuses from which CloudFormation accepts an update.
UPDATABLE = frozenset({CREATE_COMPLETE, UPDATE_COMPLETE, UPDATE_ROLLBACK_COMPLETE})
#: A stack whose creation failed: `cdk deploy` deletes it and creates it anew.
CREATION_FAILED = frozenset({ROLLBACK_COMPLETE, ROLLBACK_FAILED})
#: Stack statuses while CloudFormation undoes a failed operation.
ROLLING_BACK = frozenset(
    {
        ROLLBACK_IN_PROGRESS,
        UPDATE_ROLLBACK_IN_PROGRESS,
        UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS,
    }
)


@dataclass
class ResourceSummary:
    """A resource as ListStackResources reports it (no physical id before one is known)."""

    logical_id: str
    resource_type: str
    physical_id: str | None
    status: str
    reason: str | None = None


@dataclass(frozen=True)
class StackEvent:
    """One status change of the stack (logical id = stack name) or of one of its resources."""

    stack_id: str
    stack_name: str
    logical_id: str
    resource_type: str
    physical_id: str | None
    status: str
    reason: str | None = None


@dataclass(frozen=True)
class StackDescription:
    """A stack as CloudFormation reports it at one moment."""

    stack_id: str
    stack_name: str
    status: str
    reason: str | None
    resources: tuple[ResourceSummary, ...]
