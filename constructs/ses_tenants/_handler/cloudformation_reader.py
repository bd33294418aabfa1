"""What the handler reads from CloudFormation: a stack's status and its resources.

CloudFormation tells the handler neither whether an event belongs to a rollback nor which
other resources claim the same SES object, yet both decide whether a Delete may remove
something. The handler asks with two read-only calls, made on the event's stack (or on the
stack named in a tenant's ownership mark), retried like the SES calls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import botocore.session
from botocore.exceptions import ClientError

from .errors import RequestFailed
from .operations import CLOUDFORMATION_OPERATIONS
from .retry import Retrier, error_code
from .ses_client import CLIENT_CONFIG

T = TypeVar("T")

SERVICE_NAME = "cloudformation"
#: The operations the handler calls (operations.py); the provider grants exactly these.
REQUIRED_OPERATIONS = CLOUDFORMATION_OPERATIONS

#: CloudFormation's answer for a stack it does not know (deleted stacks stay readable by id).
VALIDATION_ERROR_CODE = "ValidationError"


#: Stack statuses while CloudFormation undoes a failed create or update.
ROLLBACK_STATUSES = frozenset(
    {
        "ROLLBACK_IN_PROGRESS",
        "UPDATE_ROLLBACK_IN_PROGRESS",
        "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
    }
)


def stack_name_of(stack_id: str) -> str:
    """The name in a stack id (arn:...:stack/<name>/<uuid>)."""
    parts = stack_id.split(":stack/", 1)[-1].split("/")
    return parts[0]


@dataclass(frozen=True)
class StackResource:
    logical_id: str
    physical_id: str
    resource_type: str
    status: str


class StackReader:
    """Reads for one request: a stack's status is read once, however many checks ask (it
    does not change while CloudFormation waits for this request)."""

    def __init__(self, client: Any, retrier: Retrier) -> None:
        self._client = client
        self._retrier = retrier
        self._statuses: dict[str, str | None] = {}

    def status(self, stack_id: str) -> str | None:
        """The stack's status (e.g. UPDATE_ROLLBACK_IN_PROGRESS); None if CloudFormation
        does not know the stack."""
        if stack_id not in self._statuses:
            answer = self._read(
                f"DescribeStacks of stack {stack_id}",
                lambda: self._client.describe_stacks(StackName=stack_id),
            )
            stacks = (answer or {}).get("Stacks") or []
            self._statuses[stack_id] = str(stacks[0]["StackStatus"]) if stacks else None
        return self._statuses[stack_id]

    def resources(self, stack_id: str) -> list[StackResource]:
        """Every resource of the stack with its current status; [] if the stack is unknown."""
        found: list[StackResource] = []
        token: str | None = None
        while True:
            request: dict[str, Any] = {"StackName": stack_id}
            if token:
                request["NextToken"] = token
            answer = self._read(
                f"ListStackResources of stack {stack_id}",
                lambda request=request: self._client.list_stack_resources(**request),  # type: ignore[misc]
            )
            if answer is None:
                return found
            found.extend(
                StackResource(
                    logical_id=str(summary.get("LogicalResourceId", "")),
                    physical_id=str(summary.get("PhysicalResourceId", "")),
                    resource_type=str(summary.get("ResourceType", "")),
                    status=str(summary.get("ResourceStatus", "")),
                )
                for summary in answer.get("StackResourceSummaries") or ()
            )
            token = answer.get("NextToken")
            if not token:
                return found

    def _read(self, description: str, action: Callable[[], T]) -> T | None:
        """`action()`, or None when the stack does not exist."""
        try:
            return self._retrier.call(action, description=description)
        except ClientError as error:
            message = error.response.get("Error", {}).get("Message") or ""
            if error_code(error) == VALIDATION_ERROR_CODE and "does not exist" in message:
                return None
            raise RequestFailed(
                f"{description} failed: CloudFormation answered {error_code(error)}: "
                f"{message.rstrip('.')}. The handler reads its stack to tell a rollback from "
                "a deploy and a live claim from a stale one; its role needs "
                f"cloudformation:{' and cloudformation:'.join(REQUIRED_OPERATIONS)} on it."
            ) from error


_client: Any = None


def get_client() -> Any:
    """The module's client, created on first use and then reused across invocations."""
    global _client
    if _client is None:
        _client = botocore.session.get_session().create_client(SERVICE_NAME, config=CLIENT_CONFIG)
    return _client


def set_client(client: Any) -> None:
    """Replace the module's client (tests; None recreates it on next use)."""
    global _client
    _client = client
