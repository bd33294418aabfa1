"""A CloudFormation read API (DescribeStacks, ListStackResources) over stacks a test describes,
shaped as boto3 answers, for the handler's claim and rollback checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from ses_tenants._handler import contract

PAGE_SIZE = 100


@dataclass
class FakeStack:
    status: str
    resources: list[dict[str, str]] = field(default_factory=list)


class FakeCloudFormation:
    def __init__(self) -> None:
        self.stacks: dict[str, FakeStack] = {}
        self.calls: list[str] = []

    def put_stack(self, stack_id: str, status: str = "UPDATE_IN_PROGRESS") -> FakeStack:
        self.stacks[stack_id] = FakeStack(status)
        return self.stacks[stack_id]

    def add_resource(
        self,
        stack_id: str,
        logical_id: str,
        physical_id: str,
        *,
        resource_type: str = contract.ASSOCIATION_RESOURCE_TYPE,
        status: str = "CREATE_COMPLETE",
    ) -> None:
        self.stacks[stack_id].resources.append(
            {
                "LogicalResourceId": logical_id,
                "PhysicalResourceId": physical_id,
                "ResourceType": resource_type,
                "ResourceStatus": status,
            }
        )

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        self.calls.append("DescribeStacks")
        stack = self._stack(StackName, "DescribeStacks")
        return {"Stacks": [{"StackId": StackName, "StackStatus": stack.status}]}

    def list_stack_resources(
        self,
        StackName: str,
        NextToken: str | None = None,
    ) -> dict[str, Any]:
        self.calls.append("ListStackResources")
        resources = self._stack(StackName, "ListStackResources").resources
        start = int(NextToken or 0)
        answer: dict[str, Any] = {"StackResourceSummaries": resources[start : start + PAGE_SIZE]}
        if start + PAGE_SIZE < len(resources):
            answer["NextToken"] = str(start + PAGE_SIZE)
        return answer

    def _stack(self, stack_id: str, operation: str) -> FakeStack:
        if stack_id not in self.stacks:
            raise ClientError(
                {
                    "Error": {
                        "Code": "ValidationError",
                        "Message": f"Stack with id {stack_id} does not exist",
                    }
                },
                operation,
            )
        return self.stacks[stack_id]
