"""CloudFormation's read API, as a boto3 client answers it, over the simulator's stacks.

The handler reads its stack with DescribeStacks and ListStackResources; this client answers
both from the simulator at the moment of the call (mid-operation included). A stack is found
by name while it exists, and by stack id also once deleted; otherwise CloudFormation answers
ValidationError "Stack with id X does not exist", raised as botocore raises it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from tests.lifecycle.cfn.status import ResourceSummary, StackDescription

if TYPE_CHECKING:
    from tests.lifecycle.cfn.engine import CloudFormation

#: ListStackResources returns at most this many resources per page.
RESOURCES_PAGE_SIZE = 100


class CloudFormationReadClient:
    """The read-only part of a boto3 ``cloudformation`` client the handler uses."""

    def __init__(self, cloudformation: CloudFormation) -> None:
        self._cloudformation = cloudformation
        #: Every call made, as (operation name, parameters).
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def describe_stacks(self, *, StackName: str | None = None) -> dict[str, Any]:
        self.calls.append(("DescribeStacks", {"StackName": StackName}))
        if StackName is None:
            descriptions = [
                self._describe(name, "DescribeStacks") for name in self._cloudformation.stacks
            ]
        else:
            descriptions = [self._describe(StackName, "DescribeStacks")]
        return {"Stacks": [self._stack(description) for description in descriptions]}

    def list_stack_resources(
        self,
        *,
        StackName: str,
        NextToken: str | None = None,
    ) -> dict[str, Any]:
        operation = "ListStackResources"
        self.calls.append((operation, {"StackName": StackName, "NextToken": NextToken}))
        description = self._describe(StackName, operation)
        start = 0
        if NextToken is not None:
            if not NextToken.isdigit():
                raise _validation_error(f"Invalid NextToken {NextToken}", operation)
            start = int(NextToken)
        end = start + RESOURCES_PAGE_SIZE
        answer: dict[str, Any] = {
            "StackResourceSummaries": [
                self._summary(summary) for summary in description.resources[start:end]
            ]
        }
        if end < len(description.resources):
            answer["NextToken"] = str(end)
        return answer

    def _describe(self, name_or_id: str, operation: str) -> StackDescription:
        description = self._cloudformation.describe(name_or_id)
        if description is None:
            raise _validation_error(f"Stack with id {name_or_id} does not exist", operation)
        return description

    @staticmethod
    def _stack(description: StackDescription) -> dict[str, Any]:
        stack = {
            "StackId": description.stack_id,
            "StackName": description.stack_name,
            "StackStatus": description.status,
        }
        if description.reason:
            stack["StackStatusReason"] = description.reason
        return stack

    @staticmethod
    def _summary(summary: ResourceSummary) -> dict[str, Any]:
        answer = {
            "LogicalResourceId": summary.logical_id,
            "ResourceType": summary.resource_type,
            "ResourceStatus": summary.status,
        }
        if summary.physical_id is not None:
            answer["PhysicalResourceId"] = summary.physical_id
        if summary.reason:
            answer["ResourceStatusReason"] = summary.reason
        return answer


def _validation_error(message: str, operation: str) -> ClientError:
    return ClientError(
        {
            "Error": {"Type": "Sender", "Code": "ValidationError", "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        },
        operation,
    )
