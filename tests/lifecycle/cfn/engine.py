"""The engine: CloudFormation deploying, updating and deleting stacks through provisioners.

Stack and resource statuses are kept as CloudFormation reports them, and are current while a
provisioner runs: a handler that reads its stack (see `CloudFormation.read_client`) sees
UPDATE_ROLLBACK_IN_PROGRESS during a rollback's Update. A failure is rolled back as
CloudFormation does it:

- A failed stack create (ROLLBACK_IN_PROGRESS) deletes what the create made, in deletion
  order, and ends ROLLBACK_COMPLETE. A stack in that state cannot be updated: the next deploy
  deletes it and creates it anew, with a new stack id, as ``cdk deploy`` does.
- A failed update (UPDATE_ROLLBACK_IN_PROGRESS) sends every resource it updated, the failed one
  included, an Update back to its old properties, in reverse order; a replaced resource goes
  back to its old physical resource without one. Then
  (UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS) it deletes what the update created and the
  new physical resources of replacements, and ends UPDATE_ROLLBACK_COMPLETE with the previous
  deployed state.
- A rollback step that fails ends the stack in ROLLBACK_FAILED or UPDATE_ROLLBACK_FAILED. The
  latter refuses deploys until `continue_update_rollback`.
- A delete that fails in a cleanup phase does not fail the operation (it is recorded in
  `cleanup_failures`); a failed stack delete ends DELETE_FAILED, keeping what it did not
  delete.

`deploy_stack` and `delete_stack` raise `StackOperationFailed` after the rollback. Tests make
a step fail with `fail_on` or `fail_when`.

Simplifications: CloudFormation works on independent resources in parallel, the simulator
one at a time; a rollback stops at its first failed step, where CloudFormation would go on
with the independent ones; a delete (of a stack or a rollback's) skips what a resource it
failed to delete depends on. Templates that fail validation (parameters, rules, a missing
export) change nothing, as CloudFormation refuses them before it starts. A
`SimulationError` aborts the operation where it happened, without a rollback.
"""

from __future__ import annotations

import dataclasses
import random
import string
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

from tests.lifecycle.cfn.account import ACCOUNT_ID, PARTITION, REGION
from tests.lifecycle.cfn.errors import SimulationError, TemplateError
from tests.lifecycle.cfn.intrinsics import (
    NO_VALUE,
    Resolver,
    export_names,
    imported_export_names,
    stringify,
)
from tests.lifecycle.cfn.provisioners import (
    Provisioner,
    ProvisionerFailed,
    ResourceRequest,
)
from tests.lifecycle.cfn.state import (
    CREATE,
    DELETE,
    REPLACE,
    RETAIN,
    UPDATE,
    DeployedResource,
    DeployedStack,
    Operation,
    RetainedResource,
    StackInfo,
)
from tests.lifecycle.cfn.status import (
    CREATE_COMPLETE,
    CREATE_FAILED,
    CREATE_IN_PROGRESS,
    CREATION_FAILED,
    DELETE_COMPLETE,
    DELETE_FAILED,
    DELETE_IN_PROGRESS,
    DELETE_SKIPPED,
    ROLLBACK_COMPLETE,
    ROLLBACK_FAILED,
    ROLLBACK_IN_PROGRESS,
    ROLLING_BACK,
    STACK_RESOURCE_TYPE,
    UPDATABLE,
    UPDATE_COMPLETE,
    UPDATE_COMPLETE_CLEANUP_IN_PROGRESS,
    UPDATE_FAILED,
    UPDATE_IN_PROGRESS,
    UPDATE_ROLLBACK_COMPLETE,
    UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS,
    UPDATE_ROLLBACK_FAILED,
    UPDATE_ROLLBACK_IN_PROGRESS,
    ResourceSummary,
    StackDescription,
    StackEvent,
)
from tests.lifecycle.cfn.template import (
    LAMBDA_FUNCTION_TYPE,
    RETAIN_POLICIES,
    SERVICE_TOKEN,
    Template,
    deletion_order,
    is_custom_resource,
    topological_order,
)

if TYPE_CHECKING:
    from tests.lifecycle.cfn.read_api import CloudFormationReadClient


@dataclass(frozen=True)
class ResourceFailure:
    """A step that failed, with the reason CloudFormation reports for it."""

    stack: str
    #: The resource, or "-" for the stack itself (an export guard).
    logical_id: str
    #: CREATE, UPDATE or DELETE; RESOLVE or OUTPUT for a value that could not be resolved.
    action: str
    reason: str
    #: What the stack was doing (e.g. UPDATE_ROLLBACK_IN_PROGRESS for a failed rollback step).
    stack_status: str
    physical_id: str | None = None


@dataclass(frozen=True)
class ResourceStep:
    """A provisioner call about to be made: what `CloudFormation.fail_when` is asked about."""

    stack: str
    stack_id: str
    logical_id: str
    resource_type: str
    #: CREATE, UPDATE or DELETE.
    action: str
    stack_status: str
    #: The resource's physical id (None for a Create).
    physical_id: str | None


class StackOperationFailed(Exception):
    """A stack operation CloudFormation failed, raised after its rollback.

    `logical_id`, `action` and `reason` name the step that failed ("-" for the stack
    itself); `status` is the stack's status when the operation ended (None when CloudFormation
    refused the operation before starting it), `rollback_failures` the rollback steps that
    failed too.
    """

    def __init__(
        self,
        stack: str,
        logical_id: str,
        action: str,
        reason: str,
        *,
        status: str | None = None,
        rollback_failures: Sequence[ResourceFailure] = (),
    ) -> None:
        message = f"{stack}/{logical_id} {action} failed: {reason}"
        if status is not None:
            message += f" [stack {status}]"
        for failure in rollback_failures:
            message += (
                f"; then the rollback's {failure.action} of {failure.logical_id} failed: "
                f"{failure.reason}"
            )
        super().__init__(message)
        self.stack = stack
        self.logical_id = logical_id
        self.action = action
        self.reason = reason
        self.status = status
        self.rollback_failures = tuple(rollback_failures)

    @classmethod
    def of(
        cls,
        failure: ResourceFailure,
        *,
        status: str,
        rollback_failures: Sequence[ResourceFailure] = (),
    ) -> StackOperationFailed:
        return cls(
            failure.stack,
            failure.logical_id,
            failure.action,
            failure.reason,
            status=status,
            rollback_failures=rollback_failures,
        )


def deployment_order(templates: Mapping[str, Template]) -> list[str]:
    """Stack names, each after the stacks whose exports it imports."""
    exporters: dict[str, str] = {}
    for name, template in templates.items():
        for export in export_names(template, name):
            exporters[export] = name
    dependencies = {
        name: {
            exporters[export]
            for export in imported_export_names(template, name)
            if export in exporters and exporters[export] != name
        }
        for name, template in templates.items()
    }
    return topological_order(list(templates), dependencies)


# What an operation changed, so that a rollback can undo it.
_CREATED, _CREATE_FAILED = "created", "create failed"
_UPDATED, _REPLACED, _UPDATE_FAILED = "updated", "replaced", "update failed"


@dataclass(frozen=True)
class _Change:
    kind: str
    logical_id: str
    resource_type: str
    #: The resource before the operation (None for a create).
    old: DeployedResource | None
    #: The resource the operation made or tried to make: for a failed create, the one left
    #: with a physical id (None if none); for a failed update, the new properties with the
    #: old physical id (None if the update got no new properties, so nothing to roll back).
    new: DeployedResource | None


@dataclass
class _PendingRollback:
    """An update rollback: the Updates still to send, and what to delete afterwards."""

    previous: DeployedStack
    #: The failed update's template, whose dependencies order the cleanup.
    template: Template
    steps: list[_Change]
    cleanup: list[_Change]


@dataclass
class _LiveStack:
    """A stack as CloudFormation reports it, deleted ones included."""

    info: StackInfo
    status: str = ""
    reason: str | None = None
    resources: dict[str, ResourceSummary] = field(default_factory=dict)
    events: list[StackEvent] = field(default_factory=list)
    deleted: bool = False
    pending_rollback: _PendingRollback | None = None


@dataclass
class _Operation:
    live: _LiveStack
    template: Template
    #: The resources as the operation deployed them so far (what the resolver sees).
    resources: dict[str, DeployedResource]
    changes: list[_Change] = field(default_factory=list)


class _StepFailed(Exception):
    def __init__(self, reason: str, physical_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.physical_id = physical_id


class _OperationFailed(Exception):
    """A failure that ends the operation (and starts its rollback)."""

    def __init__(self, failure: ResourceFailure) -> None:
        super().__init__(failure.reason)
        self.failure = failure


# How a delete shows in ListStackResources: the resource stays listed (a stack's delete or a
# create's rollback), leaves the list (an update's cleanup of a removed resource), or is not
# the listed one at all (the old physical resource of a replacement).
_KEEP_LISTED, _UNLIST, _NOT_LISTED = "keep listed", "unlist", "not listed"


@dataclass(frozen=True)
class _Doomed:
    resource: DeployedResource
    policy: str
    listing: str


def _policy_on_create_rollback(policy: str) -> str:
    """RetainExceptOnCreate keeps a resource unless the operation that created it rolls back."""
    return "Delete" if policy == "RetainExceptOnCreate" else policy


class CloudFormation:
    """Deploys, updates and deletes stacks, one resource at a time, through provisioners.

    To make steps fail, put ``(stack name, logical id, action)`` in `fail_on` (action CREATE,
    UPDATE or DELETE): the step fails instead of calling its provisioner, except in a
    rollback (so that the failed resource's rollback Update goes through). For anything finer,
    `fail_when` is called with each `ResourceStep`, rollbacks included, and returns the reason
    to fail it with, or None.
    """

    def __init__(
        self,
        provisioners: Mapping[str, Provisioner],
        *,
        ssm_parameters: Mapping[str, str] | None = None,
        seed: int = 0,
        fail_on: Iterable[tuple[str, str, str]] = (),
        fail_when: Callable[[ResourceStep], str | None] | None = None,
    ) -> None:
        self.provisioners = dict(provisioners)
        self.ssm_parameters = dict(ssm_parameters or {})
        #: Stack name -> its deployed state, for every stack that exists (not deleted).
        self.stacks: dict[str, DeployedStack] = {}
        self.journal: list[Operation] = []
        self.retained: list[RetainedResource] = []
        #: Deletes that failed in a cleanup phase (which does not fail the operation).
        self.cleanup_failures: list[ResourceFailure] = []
        self.fail_on: set[tuple[str, str, str]] = set(fail_on)
        self.fail_when = fail_when
        self._random = random.Random(seed)
        self._in_progress: Mapping[str, DeployedResource] = {}
        #: Stack id -> the stack as CloudFormation reports it.
        self._live: dict[str, _LiveStack] = {}
        #: Stack name -> stack id, for stacks not deleted.
        self._names: dict[str, str] = {}

    # Apps

    def deploy_app(self, templates: Mapping[str, Template], *, delete_missing: bool) -> None:
        """Deploy every stack in dependency order (as `cdk deploy --all`); with
        `delete_missing`, first delete the deployed stacks the app no longer has (as `cdk
        destroy` of each)."""
        order = deployment_order(templates)
        if delete_missing:
            for name in self._deletion_order([n for n in self.stacks if n not in templates]):
                self.delete_stack(name)
        for name in order:
            self.deploy_stack(name, templates[name])

    def destroy_all(self) -> None:
        """Delete every stack, importers before exporters (as `cdk destroy --all`)."""
        for name in self._deletion_order(list(self.stacks)):
            self.delete_stack(name)

    def exports(self) -> dict[str, tuple[str, Any]]:
        """Export name -> (exporting stack, value)."""
        return {
            export: (stack.name, value)
            for stack in self.stacks.values()
            for export, value in stack.exports.items()
        }

    # Reading

    def describe(self, name_or_id: str) -> StackDescription | None:
        """The stack as CloudFormation reports it now, by name (stacks not deleted) or stack
        id (deleted ones too); None if there is no such stack."""
        live = self._find(name_or_id)
        if live is None:
            return None
        return StackDescription(
            live.info.stack_id,
            live.info.name,
            live.status,
            live.reason,
            tuple(dataclasses.replace(summary) for summary in live.resources.values()),
        )

    def stack_status(self, name_or_id: str) -> str:
        live = self._find(name_or_id)
        if live is None:
            raise KeyError(f"Stack with id {name_or_id} does not exist")
        return live.status

    def stack_events(self, name_or_id: str) -> list[StackEvent]:
        """The stack's events, oldest first (DescribeStackEvents lists them newest first)."""
        live = self._find(name_or_id)
        if live is None:
            raise KeyError(f"Stack with id {name_or_id} does not exist")
        return list(live.events)

    def read_client(self) -> CloudFormationReadClient:
        """A boto3-shaped CloudFormation client for the handler's reads."""
        from tests.lifecycle.cfn.read_api import CloudFormationReadClient

        return CloudFormationReadClient(self)

    # Stacks

    def deploy_stack(
        self,
        name: str,
        template: Template | Mapping[str, Any],
        parameters: Mapping[str, Any] | None = None,
    ) -> DeployedStack:
        """Create the stack, or update it to `template` (nothing happens if neither the
        template nor the parameters changed). A stack whose creation failed is deleted first
        and created anew, as `cdk deploy` does. A failure raises `StackOperationFailed` once
        the rollback is over."""
        if not isinstance(template, Template):
            template = Template(template)
        self._require_provisioners(template)
        graph = template.dependencies()
        live = self._find_by_name(name)
        if live is not None and live.status in CREATION_FAILED:
            # What `cdk deploy` does with a stack whose creation failed.
            self.delete_stack(name)
            live = None
        if live is not None and live.status not in UPDATABLE:
            advice = ""
            if live.status == UPDATE_ROLLBACK_FAILED:
                advice = (
                    " Continue the rollback first (continue_update_rollback), skipping the "
                    "resources that cannot roll back."
                )
            raise StackOperationFailed(
                name,
                "-",
                "UPDATE_STACK",
                f"Stack:{live.info.stack_id} is in {live.status} state and can not be "
                f"updated.{advice}",
                status=live.status,
            )
        previous = self.stacks[name] if live is not None else None
        info = previous.info if previous else StackInfo(name, self._new_stack_id(name))
        values = self._parameters(name, template, parameters or {})
        if previous is not None and (template.body, values) == (
            previous.template.body,
            dict(previous.parameters),
        ):
            # CloudFormation: "No updates are to be performed."
            return previous
        resources: dict[str, DeployedResource] = {}
        resolver = Resolver(
            stack=info,
            template=template,
            parameters=values,
            resources=resources,
            exports=self._import,
        )
        self._check_rules(info, template, resolver)
        self._check_imports(info, template)
        active = [
            logical_id
            for logical_id, resource in template.resources.items()
            if "Condition" not in resource or resolver.condition(resource["Condition"])
        ]
        for logical_id in active:
            inactive = graph[logical_id] - set(active)
            if inactive:
                raise SimulationError(f"{logical_id} depends on inactive {sorted(inactive)}")
        order = topological_order(active, graph)
        operation = _Operation(live or _LiveStack(info), template, resources)
        with self._aborted_on_simulation_error(operation.live):
            if previous is None:
                return self._create(operation, order, graph, resolver, values)
            return self._update(operation, previous, order, graph, resolver, values)

    def delete_stack(self, name: str) -> None:
        """Delete the stack's resources in deletion order, then the stack (still readable by
        its stack id). A failure leaves it DELETE_FAILED, with what it did not delete."""
        live = self._live[self._names[name]]
        stack = self.stacks[name]
        with self._aborted_on_simulation_error(live):
            self._delete(live, stack)

    def continue_update_rollback(self, name: str, resources_to_skip: Sequence[str] = ()) -> None:
        """Resume the rollback of a stack in UPDATE_ROLLBACK_FAILED, as ContinueUpdateRollback
        does: the resources in `resources_to_skip` (which must have failed to roll back) are
        taken as rolled back without a call."""
        live = self._find_by_name(name)
        if live is None:
            raise StackOperationFailed(
                name, "-", "CONTINUE_UPDATE_ROLLBACK", f"Stack with id {name} does not exist"
            )
        pending = live.pending_rollback
        if live.status != UPDATE_ROLLBACK_FAILED or pending is None:
            raise StackOperationFailed(
                name,
                "-",
                "CONTINUE_UPDATE_ROLLBACK",
                f"Stack {live.info.stack_id} is in {live.status} state: "
                "ContinueUpdateRollback cannot be called from current stack status",
                status=live.status,
            )
        failed = {
            logical_id
            for logical_id, summary in live.resources.items()
            if summary.status == UPDATE_FAILED
        }
        not_failed = sorted(set(resources_to_skip) - failed)
        if not_failed:
            raise StackOperationFailed(
                name,
                "-",
                "CONTINUE_UPDATE_ROLLBACK",
                f"Resources {not_failed} cannot be skipped: only resources in UPDATE_FAILED "
                f"state can ({sorted(failed)})",
                status=live.status,
            )
        with self._aborted_on_simulation_error(live):
            failures = self._roll_back_update(live, pending, skip=frozenset(resources_to_skip))
        if failures:
            raise StackOperationFailed.of(
                failures[0], status=live.status, rollback_failures=failures
            )

    # Operations

    def _create(
        self,
        operation: _Operation,
        order: Sequence[str],
        graph: Mapping[str, frozenset[str]],
        resolver: Resolver,
        parameters: Mapping[str, Any],
    ) -> DeployedStack:
        live, template = operation.live, operation.template
        self._live[live.info.stack_id] = live
        self._names[live.info.name] = live.info.stack_id
        self._stack_status(live, CREATE_IN_PROGRESS, "User Initiated")
        self._in_progress = operation.resources
        try:
            for logical_id in order:
                self._deploy_resource(operation, logical_id, graph[logical_id], resolver, None)
            outputs, exports = self._outputs(live, template, resolver)
            self._check_exports(live, None, exports)
        except _OperationFailed as failed:
            self._roll_back_create(operation, failed.failure, parameters)
        finally:
            self._in_progress = {}
        stack = self._record(operation, outputs, exports, resolver, parameters)
        self._stack_status(live, CREATE_COMPLETE)
        return stack

    def _record(
        self,
        operation: _Operation,
        outputs: dict[str, Any],
        exports: dict[str, Any],
        resolver: Resolver,
        parameters: Mapping[str, Any],
    ) -> DeployedStack:
        """The stack as the operation deployed it, now the stack of its name."""
        live = operation.live
        stack = DeployedStack(
            live.info,
            operation.template,
            dict(operation.resources),
            outputs,
            exports,
            frozenset(resolver.imports),
            dict(parameters),
        )
        self.stacks[live.info.name] = stack
        return stack

    def _roll_back_create(
        self, operation: _Operation, failure: ResourceFailure, parameters: Mapping[str, Any]
    ) -> NoReturn:
        live = operation.live
        self._stack_status(live, ROLLBACK_IN_PROGRESS, self._failure_summary(failure, CREATE))
        doomed: dict[str, _Doomed] = {}
        for change in operation.changes:
            if change.new is None:
                # No physical resource: nothing to delete.
                self._resource_status(
                    live, change.logical_id, change.resource_type, DELETE_COMPLETE
                )
                continue
            policy = _policy_on_create_rollback(change.new.deletion_policy)
            doomed[change.logical_id] = _Doomed(change.new, policy, _KEEP_LISTED)
        left, failures = self._delete_all(live, doomed, operation.template, blocking=True)
        status = ROLLBACK_FAILED if failures else ROLLBACK_COMPLETE
        self.stacks[live.info.name] = DeployedStack(
            live.info, operation.template, left, {}, {}, frozenset(), dict(parameters)
        )
        self._stack_status(live, status, self._rollback_summary(failures))
        raise StackOperationFailed.of(failure, status=status, rollback_failures=failures)

    def _update(
        self,
        operation: _Operation,
        previous: DeployedStack,
        order: Sequence[str],
        graph: Mapping[str, frozenset[str]],
        resolver: Resolver,
        parameters: Mapping[str, Any],
    ) -> DeployedStack:
        live, template = operation.live, operation.template
        self._stack_status(live, UPDATE_IN_PROGRESS, "User Initiated")
        self._in_progress = operation.resources
        try:
            for logical_id in order:
                self._deploy_resource(
                    operation,
                    logical_id,
                    graph[logical_id],
                    resolver,
                    previous.resources.get(logical_id),
                )
            outputs, exports = self._outputs(live, template, resolver)
            self._check_exports(live, previous, exports)
        except _OperationFailed as failed:
            self._fail_update(operation, previous, failed.failure)
        finally:
            self._in_progress = {}
        stack = self._record(operation, outputs, exports, resolver, parameters)
        self._stack_status(live, UPDATE_COMPLETE_CLEANUP_IN_PROGRESS)
        doomed = {
            logical_id: _Doomed(old, old.deletion_policy, _UNLIST)
            for logical_id, old in previous.resources.items()
            if logical_id not in operation.resources
        }
        for change in operation.changes:
            if change.kind == _REPLACED and change.old is not None:
                doomed[change.logical_id] = _Doomed(
                    change.old, change.old.update_replace_policy, _NOT_LISTED
                )
        _, failures = self._delete_all(live, doomed, previous.template, blocking=False)
        self.cleanup_failures.extend(failures)
        self._stack_status(live, UPDATE_COMPLETE)
        return stack

    def _fail_update(
        self, operation: _Operation, previous: DeployedStack, failure: ResourceFailure
    ) -> NoReturn:
        live = operation.live
        self._stack_status(
            live, UPDATE_ROLLBACK_IN_PROGRESS, self._failure_summary(failure, UPDATE)
        )
        pending = _PendingRollback(
            previous=previous,
            template=operation.template,
            steps=[
                change
                for change in reversed(operation.changes)
                if change.kind in (_UPDATED, _REPLACED, _UPDATE_FAILED) and change.new is not None
            ],
            cleanup=[
                change
                for change in operation.changes
                if change.kind in (_CREATED, _CREATE_FAILED, _REPLACED)
            ],
        )
        live.pending_rollback = pending
        failures = self._roll_back_update(live, pending, skip=frozenset())
        raise StackOperationFailed.of(failure, status=live.status, rollback_failures=failures)

    def _roll_back_update(
        self, live: _LiveStack, pending: _PendingRollback, *, skip: frozenset[str]
    ) -> list[ResourceFailure]:
        """Send the pending rollback Updates, then clean up; the failures if it stopped."""
        if live.status != UPDATE_ROLLBACK_IN_PROGRESS:
            self._stack_status(live, UPDATE_ROLLBACK_IN_PROGRESS, "User Initiated")
        while pending.steps:
            change = pending.steps[0]
            if change.logical_id in skip:
                self._resource_status(
                    live,
                    change.logical_id,
                    change.resource_type,
                    UPDATE_COMPLETE,
                    reason="Resource skipped during UpdateRollback",
                )
            else:
                try:
                    self._roll_back_change(live, change)
                except _OperationFailed as failed:
                    self._stack_status(
                        live, UPDATE_ROLLBACK_FAILED, self._rollback_summary([failed.failure])
                    )
                    return [failed.failure]
            pending.steps.pop(0)
        self.stacks[live.info.name] = pending.previous
        self._stack_status(live, UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS)
        doomed: dict[str, _Doomed] = {}
        for change in pending.cleanup:
            if change.new is None:
                self._resource_status(
                    live, change.logical_id, change.resource_type, DELETE_COMPLETE
                )
                live.resources.pop(change.logical_id, None)
            elif change.kind == _REPLACED:
                doomed[change.logical_id] = _Doomed(change.new, "Delete", _NOT_LISTED)
            else:
                policy = _policy_on_create_rollback(change.new.deletion_policy)
                doomed[change.logical_id] = _Doomed(change.new, policy, _UNLIST)
        pending.cleanup = []
        _, failures = self._delete_all(live, doomed, pending.template, blocking=False)
        self.cleanup_failures.extend(failures)
        live.pending_rollback = None
        self._stack_status(live, UPDATE_ROLLBACK_COMPLETE)
        return []

    def _roll_back_change(self, live: _LiveStack, change: _Change) -> None:
        """Put one updated resource back: an Update with old and new properties swapped, or
        for a replacement, the old physical resource."""
        old, new = change.old, change.new
        assert old is not None and new is not None
        logical_id, resource_type = change.logical_id, change.resource_type
        self._resource_status(live, logical_id, resource_type, UPDATE_IN_PROGRESS)
        if change.kind == _REPLACED or not self._rolls_back_with_update(live, change):
            self._resource_status(
                live, logical_id, resource_type, UPDATE_COMPLETE, physical_id=old.physical_id
            )
            return
        provisioner = self.provisioners[resource_type]
        request = ResourceRequest(
            live.info, logical_id, resource_type, old.properties, self._suffix()
        )
        try:
            provisioned = self._call(
                live,
                logical_id,
                resource_type,
                UPDATE,
                new.physical_id,
                lambda: provisioner.update(request, new),
            )
        except _StepFailed as failed:
            self._fail_resource_step(
                live, logical_id, resource_type, UPDATE, failed.reason, status=UPDATE_FAILED
            )
        if provisioned.physical_id != old.physical_id:
            raise SimulationError(
                f"The rollback Update of {logical_id} answered physical id "
                f"{provisioned.physical_id}, not {old.physical_id}: a replacement during a "
                "rollback is not modelled"
            )
        self._resource_status(live, logical_id, resource_type, UPDATE_COMPLETE)
        self._journal(live, logical_id, resource_type, UPDATE, old.physical_id)

    def _rolls_back_with_update(self, live: _LiveStack, change: _Change) -> bool:
        """Whether the rollback sends the resource an Update: yes if it was updated in place
        or is a custom resource (CloudFormation cannot tell whether a custom resource's failed
        update replaced it); for another type's failed update, only if it was in place."""
        if change.kind == _UPDATED or is_custom_resource(change.resource_type):
            return True
        replaces = getattr(self.provisioners[change.resource_type], "requires_replacement", None)
        if replaces is None or change.new is None or change.old is None:
            return False
        request = ResourceRequest(
            live.info, change.logical_id, change.resource_type, change.new.properties, ""
        )
        return not replaces(request, change.old)

    def _delete(self, live: _LiveStack, stack: DeployedStack) -> None:
        name = live.info.name
        self._stack_status(live, DELETE_IN_PROGRESS, "User Initiated")
        for export in stack.exports:
            importers = self._importers(export, exclude=name)
            if importers:
                reason = (
                    f"Export {export} cannot be deleted as it is in use by {', '.join(importers)}"
                )
                self._stack_status(live, DELETE_FAILED, reason)
                raise StackOperationFailed(name, "-", "DELETE_STACK", reason, status=DELETE_FAILED)
        resources = dict(stack.resources)
        pending = live.pending_rollback
        leftovers: list[ResourceFailure] = []
        if pending is not None:
            # A stack left in UPDATE_ROLLBACK_FAILED: first what the failed update made, then
            # the stack's resources, with the properties those not rolled back still have.
            for change in pending.steps:
                if change.kind != _REPLACED and change.new is not None:
                    resources[change.logical_id] = change.new
            pending.steps = []
            extra = {
                change.logical_id: (
                    _Doomed(change.new, "Delete", _NOT_LISTED)
                    if change.kind == _REPLACED
                    else _Doomed(change.new, change.new.deletion_policy, _KEEP_LISTED)
                )
                for change in pending.cleanup
                if change.new is not None
            }
            extra_left, leftovers = self._delete_all(live, extra, pending.template, blocking=True)
            pending.cleanup = [c for c in pending.cleanup if c.logical_id in extra_left]
            if not pending.cleanup:
                live.pending_rollback = None
        doomed = {
            logical_id: _Doomed(resource, resource.deletion_policy, _KEEP_LISTED)
            for logical_id, resource in resources.items()
        }
        if leftovers:
            # What the failed update made may still use the stack's resources: keep them all.
            left, failures = resources, leftovers
        else:
            left, failures = self._delete_all(live, doomed, stack.template, blocking=True)
        if failures:
            self.stacks[name] = dataclasses.replace(stack, resources=left)
            self._stack_status(
                live,
                DELETE_FAILED,
                "The following resource(s) failed to delete: "
                f"[{', '.join(f.logical_id for f in failures)}].",
            )
            raise StackOperationFailed.of(failures[0], status=DELETE_FAILED)
        self._stack_status(live, DELETE_COMPLETE)
        live.deleted = True
        del self._names[name]
        del self.stacks[name]

    # Resources

    def _deploy_resource(
        self,
        operation: _Operation,
        logical_id: str,
        dependencies: frozenset[str],
        resolver: Resolver,
        old: DeployedResource | None,
    ) -> None:
        live, template = operation.live, operation.template
        definition = template.resources[logical_id]
        resource_type = str(definition["Type"])
        action = CREATE if old is None else UPDATE

        def fail(
            step: str,
            reason: str,
            attempted: DeployedResource | None = None,
            physical_id: str | None = None,
        ) -> NoReturn:
            if old is None:
                new = (
                    dataclasses.replace(attempted, physical_id=physical_id)
                    if (attempted is not None and physical_id)
                    else None
                )
                operation.changes.append(
                    _Change(_CREATE_FAILED, logical_id, resource_type, None, new)
                )
            else:
                operation.changes.append(
                    _Change(_UPDATE_FAILED, logical_id, resource_type, old, attempted)
                )
            self._fail_resource_step(
                live,
                logical_id,
                resource_type,
                step,
                reason,
                status=CREATE_FAILED if old is None else UPDATE_FAILED,
                physical_id=physical_id,
            )

        if old is None:
            self._resource_status(live, logical_id, resource_type, CREATE_IN_PROGRESS)
        try:
            properties = resolver.resolve(definition.get("Properties") or {})
        except TemplateError as error:
            fail("RESOLVE", str(error))
        custom = is_custom_resource(resource_type)
        if custom:
            properties = stringify(properties)
        if old is not None and old.resource_type != resource_type:
            fail(
                UPDATE,
                f"Update of resource type is not permitted ({old.resource_type} to "
                f"{resource_type})",
            )
        if custom:
            problem = self._service_token_problem(properties, old)
            if problem:
                fail(action, problem)
        deployed = DeployedResource(
            logical_id=logical_id,
            resource_type=resource_type,
            physical_id=old.physical_id if old else "",
            properties=properties,
            attributes=dict(old.attributes) if old else {},
            dependencies=dependencies,
            deletion_policy=definition.get("DeletionPolicy", "Delete"),
            update_replace_policy=definition.get("UpdateReplacePolicy", "Delete"),
        )
        if old is not None and old.properties == properties:
            operation.resources[logical_id] = deployed
            return
        request = ResourceRequest(live.info, logical_id, resource_type, properties, self._suffix())
        provisioner = self.provisioners[resource_type]
        if old is None:
            try:
                provisioned = self._call(
                    live,
                    logical_id,
                    resource_type,
                    CREATE,
                    None,
                    lambda: provisioner.create(request),
                )
            except _StepFailed as failed:
                fail(CREATE, failed.reason, deployed, failed.physical_id)
            kind, done = _CREATED, CREATE
            self._resource_status(
                live,
                logical_id,
                resource_type,
                CREATE_COMPLETE,
                physical_id=provisioned.physical_id,
            )
        else:
            current = old
            self._resource_status(live, logical_id, resource_type, UPDATE_IN_PROGRESS)
            try:
                provisioned = self._call(
                    live,
                    logical_id,
                    resource_type,
                    UPDATE,
                    current.physical_id,
                    lambda: provisioner.update(request, current),
                )
            except _StepFailed as failed:
                fail(UPDATE, failed.reason, deployed)
            replacing = provisioned.physical_id != old.physical_id
            kind, done = (_REPLACED, REPLACE) if replacing else (_UPDATED, UPDATE)
            if replacing:
                # The old one goes by the new template's UpdateReplacePolicy.
                old = dataclasses.replace(
                    old, update_replace_policy=definition.get("UpdateReplacePolicy", "Delete")
                )
            self._resource_status(
                live,
                logical_id,
                resource_type,
                UPDATE_COMPLETE,
                physical_id=provisioned.physical_id,
            )
        deployed = dataclasses.replace(
            deployed,
            physical_id=provisioned.physical_id,
            attributes=dict(provisioned.attributes),
        )
        operation.resources[logical_id] = deployed
        operation.changes.append(_Change(kind, logical_id, resource_type, old, deployed))
        self._journal(live, logical_id, resource_type, done, provisioned.physical_id)

    def _delete_all(
        self,
        live: _LiveStack,
        doomed: Mapping[str, _Doomed],
        template: Template,
        *,
        blocking: bool,
    ) -> tuple[dict[str, DeployedResource], list[ResourceFailure]]:
        """Delete `doomed` in deletion order; the resources left and the failures. With
        `blocking`, a resource is left while something that depends on it is."""
        resources = {logical_id: item.resource for logical_id, item in doomed.items()}
        left: dict[str, DeployedResource] = {}
        failures: list[ResourceFailure] = []
        for logical_id in self._resource_deletion_order(resources, template):
            item = doomed[logical_id]
            if blocking and any(logical_id in r.dependencies for r in left.values()):
                left[logical_id] = item.resource
                continue
            try:
                self._delete_resource(live, item)
            except _OperationFailed as failed:
                failures.append(failed.failure)
                left[logical_id] = item.resource
        return left, failures

    def _delete_resource(self, live: _LiveStack, item: _Doomed) -> None:
        resource = item.resource
        logical_id, resource_type = resource.logical_id, resource.resource_type
        listed = item.listing != _NOT_LISTED

        def status(value: str, reason: str | None = None) -> None:
            if listed:
                self._resource_status(
                    live,
                    logical_id,
                    resource_type,
                    value,
                    physical_id=resource.physical_id,
                    reason=reason,
                )
            else:
                self._event(live, logical_id, resource_type, resource.physical_id, value, reason)

        def done() -> None:
            if item.listing == _UNLIST:
                live.resources.pop(logical_id, None)

        if item.policy in RETAIN_POLICIES:
            self.retained.append(
                RetainedResource(live.info.name, logical_id, resource_type, resource.physical_id)
            )
            self._journal(live, logical_id, resource_type, RETAIN, resource.physical_id)
            status(DELETE_SKIPPED)
            done()
            return
        status(DELETE_IN_PROGRESS)
        provisioner = self.provisioners[resource_type]
        try:
            self._call(
                live,
                logical_id,
                resource_type,
                DELETE,
                resource.physical_id,
                lambda: provisioner.delete(live.info, resource),
            )
        except _StepFailed as failed:
            status(DELETE_FAILED, failed.reason)
            if item.listing == _UNLIST:
                # Removed from the template, it is no longer the stack's even if it is left.
                done()
            raise _OperationFailed(
                ResourceFailure(
                    live.info.name,
                    logical_id,
                    DELETE,
                    failed.reason,
                    live.status,
                    resource.physical_id,
                )
            ) from failed
        status(DELETE_COMPLETE)
        done()
        self._journal(live, logical_id, resource_type, DELETE, resource.physical_id)

    def _call(
        self,
        live: _LiveStack,
        logical_id: str,
        resource_type: str,
        action: str,
        physical_id: str | None,
        run: Callable[[], Any],
    ) -> Any:
        """Run one provisioner call, unless the test makes it fail."""
        step = ResourceStep(
            live.info.name,
            live.info.stack_id,
            logical_id,
            resource_type,
            action,
            live.status,
            physical_id,
        )
        injected = self._injected_failure(step)
        if injected is not None:
            raise _StepFailed(injected)
        try:
            return run()
        except SimulationError:
            raise
        except ProvisionerFailed as error:
            raise _StepFailed(error.reason, error.physical_id) from error
        except Exception as error:
            raise _StepFailed(f"{type(error).__name__}: {error}") from error

    def _injected_failure(self, step: ResourceStep) -> str | None:
        key = (step.stack, step.logical_id, step.action)
        if step.stack_status not in ROLLING_BACK and key in self.fail_on:
            return f"Simulated failure: fail_on has {key}"
        if self.fail_when is not None:
            return self.fail_when(step)
        return None

    def _fail_resource_step(
        self,
        live: _LiveStack,
        logical_id: str,
        resource_type: str,
        action: str,
        reason: str,
        *,
        status: str,
        physical_id: str | None = None,
    ) -> NoReturn:
        """Mark the resource failed (CREATE_FAILED or UPDATE_FAILED) and end the operation."""
        self._resource_status(
            live, logical_id, resource_type, status, physical_id=physical_id, reason=reason
        )
        shown = live.resources[logical_id].physical_id
        raise _OperationFailed(
            ResourceFailure(live.info.name, logical_id, action, reason, live.status, shown)
        )

    # Statuses and events

    def _stack_status(self, live: _LiveStack, status: str, reason: str | None = None) -> None:
        live.status, live.reason = status, reason
        self._event(live, live.info.name, STACK_RESOURCE_TYPE, live.info.stack_id, status, reason)

    def _resource_status(
        self,
        live: _LiveStack,
        logical_id: str,
        resource_type: str,
        status: str,
        *,
        physical_id: str | None = None,
        reason: str | None = None,
    ) -> None:
        """Set the listed resource's status (and physical id, if given)."""
        summary = live.resources.get(logical_id)
        if summary is None:
            summary = live.resources[logical_id] = ResourceSummary(
                logical_id, resource_type, physical_id, status, reason
            )
        summary.resource_type, summary.status, summary.reason = resource_type, status, reason
        if physical_id is not None:
            summary.physical_id = physical_id
        self._event(live, logical_id, resource_type, summary.physical_id, status, reason)

    def _event(
        self,
        live: _LiveStack,
        logical_id: str,
        resource_type: str,
        physical_id: str | None,
        status: str,
        reason: str | None,
    ) -> None:
        live.events.append(
            StackEvent(
                live.info.stack_id,
                live.info.name,
                logical_id,
                resource_type,
                physical_id,
                status,
                reason,
            )
        )

    def _journal(
        self, live: _LiveStack, logical_id: str, resource_type: str, action: str, physical_id: str
    ) -> None:
        self.journal.append(
            Operation(live.info.name, logical_id, resource_type, action, physical_id, live.status)
        )

    @staticmethod
    def _failure_summary(failure: ResourceFailure, action: str) -> str:
        verb = "create" if action == CREATE else "update"
        if failure.logical_id == "-":
            return failure.reason
        return f"The following resource(s) failed to {verb}: [{failure.logical_id}]."

    @staticmethod
    def _rollback_summary(failures: Sequence[ResourceFailure]) -> str | None:
        if not failures:
            return None
        names = ", ".join(f.logical_id for f in failures)
        return f"The following resource(s) failed to roll back: [{names}]."

    @contextmanager
    def _aborted_on_simulation_error(self, live: _LiveStack) -> Iterator[None]:
        """A SimulationError stops the operation where it is: forget a stack it was creating,
        and leave any other in the status it had, so that the next test step can run."""
        status, reason, known = live.status, live.reason, live.info.stack_id in self._live
        try:
            yield
        except SimulationError:
            self._in_progress = {}
            if not known and live.info.name not in self.stacks:
                self._live.pop(live.info.stack_id, None)
                if self._names.get(live.info.name) == live.info.stack_id:
                    del self._names[live.info.name]
            else:
                live.status, live.reason = status, reason
            raise

    # Guards and helpers

    def _find(self, name_or_id: str) -> _LiveStack | None:
        live = self._live.get(name_or_id)
        return live if live is not None else self._find_by_name(name_or_id)

    def _find_by_name(self, name: str) -> _LiveStack | None:
        stack_id = self._names.get(name)
        return self._live[stack_id] if stack_id is not None else None

    def _require_provisioners(self, template: Template) -> None:
        unknown = sorted({r["Type"] for r in template.resources.values()} - set(self.provisioners))
        if unknown:
            raise SimulationError(f"No provisioner for resource types {unknown}")

    def _service_token_problem(
        self, properties: Mapping[str, Any], old: DeployedResource | None
    ) -> str | None:
        token = properties.get(SERVICE_TOKEN)
        if not token:
            return "ServiceToken is missing"
        if old is not None and old.properties.get(SERVICE_TOKEN) != token:
            return "Modifying service token is not allowed."
        if token not in self._function_arns():
            return f"ServiceToken {token} is not the ARN of a deployed Lambda function"
        return None

    def _function_arns(self) -> set[str]:
        deployed = [r for s in self.stacks.values() for r in s.resources.values()]
        return {
            str(r.attributes.get("Arn"))
            for r in [*deployed, *self._in_progress.values()]
            if r.resource_type == LAMBDA_FUNCTION_TYPE
        }

    def _import(self, name: str) -> Any:
        found = self.exports().get(name)
        if found is None:
            raise TemplateError(f"No export named {name} found")
        return found[1]

    def _check_imports(self, stack: StackInfo, template: Template) -> None:
        """CloudFormation refuses a template that imports an export nobody has."""
        for name in sorted(imported_export_names(template, stack.name)):
            if name not in self.exports():
                raise StackOperationFailed(
                    stack.name, "-", "VALIDATE", f"No export named {name} found"
                )

    def _importers(self, export: str, *, exclude: str) -> list[str]:
        return sorted(
            stack.name
            for stack in self.stacks.values()
            if stack.name != exclude and export in stack.imports
        )

    def _check_exports(
        self, live: _LiveStack, previous: DeployedStack | None, exports: Mapping[str, Any]
    ) -> None:
        name = live.info.name

        def fail(reason: str) -> NoReturn:
            raise _OperationFailed(ResourceFailure(name, "-", "EXPORT", reason, live.status))

        for export in exports:
            owner = self.exports().get(export)
            if owner is not None and owner[0] != name:
                fail(f"Export {export} is already exported by {owner[0]}")
        if previous is None:
            return
        for export, old_value in previous.exports.items():
            importers = self._importers(export, exclude=name)
            if importers and exports.get(export, NO_VALUE) != old_value:
                fail(f"Cannot update export {export} as it is in use by {', '.join(importers)}")

    def _outputs(
        self, live: _LiveStack, template: Template, resolver: Resolver
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        outputs: dict[str, Any] = {}
        exports: dict[str, Any] = {}
        for name, output in template.outputs.items():
            if "Condition" in output and not resolver.condition(output["Condition"]):
                continue
            try:
                value = resolver.resolve(output["Value"])
                outputs[name] = value
                if "Export" in output:
                    exports[str(resolver.resolve(output["Export"]["Name"]))] = value
            except TemplateError as error:
                raise _OperationFailed(
                    ResourceFailure(live.info.name, name, "OUTPUT", str(error), live.status)
                ) from error
        return outputs, exports

    def _parameters(
        self, stack: str, template: Template, supplied: Mapping[str, Any]
    ) -> dict[str, Any]:
        unknown = set(supplied) - set(template.parameters)
        if unknown:
            raise StackOperationFailed(stack, "-", "VALIDATE", f"Unknown parameters {unknown}")
        values: dict[str, Any] = {}
        for name, declaration in template.parameters.items():
            raw = supplied.get(name, declaration.get("Default"))
            if raw is None:
                raise StackOperationFailed(stack, name, "VALIDATE", "Parameter has no value")
            parameter_type = str(declaration.get("Type", "String"))
            if parameter_type.startswith("AWS::SSM::Parameter::Value<"):
                if raw not in self.ssm_parameters:
                    raise SimulationError(
                        f"SSM parameter {raw} (parameter {name}) is not in ssm_parameters"
                    )
                raw = self.ssm_parameters[raw]
            allowed = declaration.get("AllowedValues")
            if allowed is not None and raw not in allowed:
                raise StackOperationFailed(stack, name, "VALIDATE", f"{raw!r} not in {allowed}")
            if parameter_type == "CommaDelimitedList" or parameter_type.startswith("List<"):
                values[name] = str(raw).split(",")
            else:
                values[name] = raw
        return values

    def _check_rules(self, stack: StackInfo, template: Template, resolver: Resolver) -> None:
        for rule_name, rule in template.rules.items():
            if "RuleCondition" in rule and not resolver.evaluate(rule["RuleCondition"]):
                continue
            for assertion in rule.get("Assertions", []):
                if not resolver.evaluate(assertion["Assert"]):
                    raise StackOperationFailed(
                        stack.name,
                        rule_name,
                        "VALIDATE",
                        str(assertion.get("AssertDescription", "rule assertion failed")),
                    )

    def _resource_deletion_order(
        self, resources: Mapping[str, DeployedResource], template: Template
    ) -> list[str]:
        """Deletion waves over `resources`, from the dependencies they were deployed with;
        within a wave in the order of `template`, the one they were deployed from."""
        names = [logical_id for logical_id in template.resources if logical_id in resources]
        names += [logical_id for logical_id in resources if logical_id not in names]
        return deletion_order(names, {n: resources[n].dependencies for n in names})

    def _deletion_order(self, names: Sequence[str]) -> list[str]:
        """`names` of deployed stacks, importers before the stacks they import from."""
        exporters = {
            export: stack.name for stack in self.stacks.values() for export in stack.exports
        }
        dependencies = {
            name: {
                exporters[export]
                for export in self.stacks[name].imports
                if export in exporters and exporters[export] in names and exporters[export] != name
            }
            for name in names
        }
        return deletion_order(list(names), dependencies)

    def _new_stack_id(self, name: str) -> str:
        stack_uuid = uuid.UUID(int=self._random.getrandbits(128), version=4)
        return f"arn:{PARTITION}:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{name}/{stack_uuid}"

    def _suffix(self) -> str:
        alphabet = string.ascii_uppercase + string.digits
        return "".join(self._random.choice(alphabet) for _ in range(12))
