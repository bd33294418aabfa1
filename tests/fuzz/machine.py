"""The lifecycle fuzzer: a Hypothesis state machine whose rules are the changes a platform
team makes (customers added, removed, renamed, moved, re-configured, adopted, retained,
deployed one at a time, all together or two at once), each deploy with a fault drawn for
it (throttling, transient errors, lost answers, a failing resource that makes CloudFormation
roll back, a write SES refuses) and out-of-band changes in between (a tenant paused,
deleted or unmarked by hand). After every step it checks the invariant "SES holds what live
stacks claim":

- every tenant and association in SES is claimed by a live resource, or was there before
  (made by the onboarding script) and untouched, or is a tenant a stack retained;
- every live resource's claim is present in SES (unless it was deleted by hand);
- no stack is in a failed-rollback or failed-delete state;
- no tenant carries the mark of a stack that does not exist (retained tenants aside);
- every failure reason names a real cause: the fault injected, or a refusal the handler
  or SES makes on purpose, never a Python error.

Templates come from `fleet.TemplateCache`; the CloudFormation simulator deploys them against
moto plus the SES tenant double, with the real handler behind the custom resources.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from botocore.exceptions import ReadTimeoutError
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import ses_tenants.testing as double
from ses_tenants._handler import contract, ses_client
from ses_tenants._handler.properties import parse_association_physical_id
from tests.fuzz.fleet import PLATFORM_STACK, CustomerConfig, TemplateCache, stack_name
from tests.lifecycle.cfn.engine import StackOperationFailed
from tests.lifecycle.cfn.state import CREATE, UPDATE
from tests.lifecycle.cfn.status import (
    DELETE_FAILED,
    ROLLBACK_FAILED,
    UPDATE_ROLLBACK_FAILED,
)
from tests.lifecycle.harness import ASSOCIATION, TENANT, Account, simulated_account
from tests.lifecycle.ses_provisioners import ses_arn

CUSTOMERS = ("alpha", "bravo", "charlie")
SCRIPT_TAG = {"Key": "onboarded-by", "Value": "script"}
LEGACY_IDENTITY_NAME = "legacy.example.com"
LEGACY_IDENTITY = ses_arn("identity", LEGACY_IDENTITY_NAME)
FAILED_STATES = frozenset({ROLLBACK_FAILED, UPDATE_ROLLBACK_FAILED, DELETE_FAILED})
#: Calls worth disturbing, and what the handler must make of each fault.
WRITES = (
    "CreateTenant",
    "TagResource",
    "UntagResource",
    "UpdateReputationEntityPolicy",
    "UpdateReputationEntityCustomerManagedStatus",
    "CreateTenantResourceAssociation",
    "DeleteTenantResourceAssociation",
    "DeleteTenant",
    "GetTenant",
)
#: Failure reasons: the error types a provisioner may fail with (the simulator writes
#: "<type>: <message>"); anything else (KeyError, TypeError...) is a bug.
EXPECTED_ERROR_TYPES = (
    "RequestFailed",
    "OutOfTime",
    "TransportFailed",
    "InvalidProperties",
    "AlreadyExistsException",
    "NotFoundException",
    "BadRequestException",
    "Simulated failure",
    "Export ",
    "Stack:",
)
_REASON_TYPE = re.compile(r"^([A-Za-z]+)(?::|\b)")

Fault = tuple[str, Any]
FAULTS = st.one_of(
    st.just(("none", None)),
    st.tuples(st.just("throttle"), st.tuples(st.sampled_from(WRITES), st.integers(1, 3))),
    st.tuples(st.just("transient"), st.sampled_from(WRITES)),
    st.tuples(st.just("lost answer"), st.sampled_from(WRITES)),
    st.tuples(st.just("failing resource"), st.integers(0, 1_000)),
    st.tuples(
        st.just("refused write"),
        st.sampled_from(
            ("UpdateReputationEntityPolicy", "UpdateReputationEntityCustomerManagedStatus")
        ),
    ),
)


@dataclass
class Statistics:
    """What a run did, for the summary."""

    steps: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    failed_deploys: Counter[str] = field(default_factory=Counter)
    invariant_checks: int = 0


STATISTICS = Statistics()
CACHE = TemplateCache()


class LifecycleMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._exits = ExitStack()
        self.account: Account = self._exits.enter_context(simulated_account())
        self.cloudformation = self.account.cloudformation
        #: Customer -> (its stack is under the "moved" name, its configuration), as the
        #: customers file describes it now.
        self.app: dict[str, tuple[bool, CustomerConfig]] = {}
        #: Tenants deleted by hand, and the resources that claimed them then: SES cannot
        #: hold those claims any more (a same-named tenant made later is another tenant).
        self.deleted_by_hand: set[str] = set()
        self.broken_claims: set[tuple[str, str, str]] = set()
        #: Tenants whose mark was removed by hand: a Delete cannot tell them from a tenant
        #: someone else made and leaves them (the handler's rule); an Update marks them again.
        self.unmarked_by_hand: set[str] = set()
        #: Tenants the onboarding script made: "there before", untouched while its tags are
        #: still the script's (a rollback gives an adopted one back so), and its association
        #: with the legacy identity, which no stack declares.
        self.script_tenants: set[str] = set()
        self.account.sesv2.create_email_identity(EmailIdentity=LEGACY_IDENTITY_NAME)

    def teardown(self) -> None:
        self._exits.close()

    @initialize()
    def deploy_platform(self) -> None:
        self.cloudformation.deploy_stack(PLATFORM_STACK, CACHE.platform())

    # Changes to the customers file

    @precondition(lambda self: len(self.app) < len(CUSTOMERS))
    @rule(data=st.data())
    def add_customer(self, data: st.DataObject) -> None:
        self._step("add customer")
        customer = data.draw(st.sampled_from([c for c in CUSTOMERS if c not in self.app]))
        self.app[customer] = (False, CustomerConfig())

    @precondition(lambda self: self.app)
    @rule(data=st.data())
    def remove_customer(self, data: st.DataObject) -> None:
        self._step("remove customer")
        del self.app[data.draw(st.sampled_from(sorted(self.app)))]

    # Three rules of changes, so that changes are drawn as often as deploys.

    @precondition(lambda self: self.app)
    @rule(data=st.data(), setting=st.sampled_from(("renamed", "strict", "paused", "shared_pool")))
    def change_a_setting(self, data: st.DataObject, setting: str) -> None:
        self._change(data, setting)

    @precondition(lambda self: self.app)
    @rule(data=st.data(), template=st.sampled_from(("welcome", "receipt")))
    def add_or_remove_a_template(self, data: st.DataObject, template: str) -> None:
        self._change(data, template)

    @precondition(lambda self: self.app)
    @rule(
        data=st.data(),
        setting=st.sampled_from(("env", "moved_construct", "moved_stack", "adopt", "retain")),
    )
    def refactor_or_change_ownership(self, data: st.DataObject, setting: str) -> None:
        self._change(data, setting)

    def _change(self, data: st.DataObject, setting: str) -> None:
        self._step(f"change {setting}")
        customer = data.draw(st.sampled_from(sorted(self.app)))
        moved, config = self.app[customer]
        if setting == "moved_stack":
            self.app[customer] = (not moved, config)
        elif setting in ("welcome", "receipt"):
            self.app[customer] = (moved, replace(config, templates=config.templates ^ {setting}))
        else:
            flipped: dict[str, Any] = {setting: not getattr(config, setting)}
            self.app[customer] = (moved, replace(config, **flipped))

    @rule(customer=st.sampled_from(CUSTOMERS))
    def onboarding_script_makes_a_tenant(self, customer: str) -> None:
        """The script makes the tenant a customer will get, and the team adopts it."""
        self._step("onboarding script")
        moved, config = self.app.get(customer, (False, CustomerConfig()))
        name = config.tenant_name(customer)
        if name in self.account.tenants() | self._claimed_tenants() | self.deleted_by_hand:
            return  # A script makes the tenants of customers not deployed yet.
        self.account.sesv2.create_tenant(TenantName=name, Tags=[SCRIPT_TAG])
        self.account.sesv2.create_tenant_resource_association(
            TenantName=name, ResourceArn=LEGACY_IDENTITY
        )
        self.script_tenants.add(name)
        self.app[customer] = (moved, replace(config, adopt=True))

    # Deploys

    @precondition(lambda self: self.app or self._deployed_customer_stacks())
    @rule(data=st.data(), fault=FAULTS)
    def deploy_one(self, data: st.DataObject, fault: Fault) -> None:
        """`cdk deploy` of one customer's stack, or `cdk destroy` of one it no longer has."""
        self._step("deploy one")
        wanted = self._wanted_stacks()
        candidates = sorted(set(wanted) | set(self._deployed_customer_stacks()))
        name = data.draw(st.sampled_from(candidates))
        with self._fault(fault, name, wanted.get(name)):
            self._deploy_or_destroy(name, wanted)

    @rule(fault=FAULTS)
    def deploy_all(self, fault: Fault) -> None:
        """`cdk destroy` of the stacks the app no longer has, then `cdk deploy --all`."""
        self._step("deploy all")
        wanted = self._wanted_stacks()
        for name in sorted(set(self._deployed_customer_stacks()) - set(wanted)):
            self._deploy_or_destroy(name, wanted)
        for name in sorted(wanted):
            with self._fault(fault, name, wanted[name]):
                self._deploy_or_destroy(name, wanted)

    @precondition(lambda self: len(self.app) >= 2)
    @rule(data=st.data())
    def deploy_two_at_once(self, data: st.DataObject) -> None:
        """Two stacks deploying at once: the second starts when the first makes its first
        SES write."""
        self._step("deploy two at once")
        wanted = self._wanted_stacks()
        first, second = data.draw(st.permutations(sorted(wanted)))[:2]
        client = ses_client.get_client()
        started: list[bool] = []

        def start_second(**_: Any) -> None:
            if not started:
                started.append(True)
                self._deploy_or_destroy(second, wanted)

        client.meta.events.register("before-call.sesv2", start_second, unique_id="second")
        try:
            self._deploy_or_destroy(first, wanted)
        finally:
            client.meta.events.unregister("before-call.sesv2", unique_id="second")
        if not started:
            self._deploy_or_destroy(second, wanted)

    @precondition(lambda self: self._deployed_customer_stacks())
    @rule(data=st.data())
    def destroy_one(self, data: st.DataObject) -> None:
        """`cdk destroy` of a customer stack that the app still has."""
        self._step("destroy one")
        name = data.draw(st.sampled_from(sorted(self._deployed_customer_stacks())))
        self._deploy_or_destroy(name, {})

    # Out of band

    @precondition(lambda self: self.account.tenants())
    @rule(data=st.data(), change=st.sampled_from(("pause", "delete", "unmark")))
    def change_a_tenant_by_hand(self, data: st.DataObject, change: str) -> None:
        self._step(f"by hand: {change}")
        self.change_by_hand(data.draw(st.sampled_from(sorted(self.account.tenants()))), change)

    def change_by_hand(self, name: str, change: str) -> None:
        """Pause, delete or unmark tenant `name` in the console."""
        sesv2 = self.account.sesv2
        arn = sesv2.get_tenant(TenantName=name)["Tenant"]["TenantArn"]
        if change == "pause":
            sesv2.update_reputation_entity_customer_managed_status(
                ReputationEntityType="RESOURCE",
                ReputationEntityReference=arn,
                SendingStatus="DISABLED",
            )
        elif change == "delete":
            sesv2.delete_tenant(TenantName=name)
            self.deleted_by_hand.add(name)
            self.broken_claims |= {
                claim for claim in self._claims() if _tenant_of(claim[2]) == name
            }
        else:
            sesv2.untag_resource(ResourceArn=arn, TagKeys=[contract.OWNER_TAG_KEY])
            self.unmarked_by_hand.add(name)

    # Invariants

    @invariant()
    def no_stack_is_stuck(self) -> None:
        STATISTICS.invariant_checks += 1
        for name in self.cloudformation.stacks:
            assert self.cloudformation.stack_status(name) not in FAILED_STATES, name

    @invariant()
    def ses_holds_nothing_unclaimed(self) -> None:
        claimed_tenants = self._claimed_tenants()
        retained = {
            r.physical_id for r in self.cloudformation.retained if r.resource_type == TENANT
        }
        untouched_script = self._untouched_script_tenants()
        self.unmarked_by_hand = {
            name
            for name in self.unmarked_by_hand & self.account.tenants()
            if contract.OWNER_TAG_KEY not in self.account.tenant_tags(name)
        }
        exempt = claimed_tenants | retained | untouched_script | self.unmarked_by_hand
        for name in self.account.tenants():
            assert name in exempt, f"tenant {name} is in SES, claimed by no live resource"
        claimed_pairs = self.account.claimed_pairs()
        for tenant, arn in self.account.held_pairs():
            legacy = arn == LEGACY_IDENTITY and tenant in self.script_tenants
            assert (tenant, arn) in claimed_pairs or legacy or tenant in retained, (
                f"{arn} is associated with {tenant}, claimed by no live resource"
            )

    @invariant()
    def every_live_claim_is_in_ses(self) -> None:
        claims = self._claims()
        self.broken_claims &= claims
        tenants, held = self.account.tenants(), self.account.held_pairs()
        for claim in claims - self.broken_claims:
            stack, logical_id, physical_id = claim
            spec = parse_association_physical_id(physical_id)
            if spec is None:
                assert physical_id in tenants, f"{stack}/{logical_id}: {physical_id} not in SES"
            else:
                pair = (spec.tenant_name, spec.resource_arn)
                assert pair in held, f"{stack}/{logical_id}: {physical_id} not in SES"

    @invariant()
    def no_tenant_is_marked_by_a_stack_that_does_not_exist(self) -> None:
        retained = {
            r.physical_id for r in self.cloudformation.retained if r.resource_type == TENANT
        }
        live_ids = {stack.info.stack_id for stack in self.cloudformation.stacks.values()}
        for name in self.account.tenants() - retained:
            mark = self.account.tenant_tags(name).get(contract.OWNER_TAG_KEY)
            if mark is not None:
                assert mark.rpartition("/")[0] in live_ids, f"{name} is marked {mark}"

    # Helpers

    def _step(self, name: str) -> None:
        STATISTICS.steps[name] += 1

    def _wanted_stacks(self) -> dict[str, tuple[str, CustomerConfig]]:
        return {
            stack_name(customer, moved): (customer, config)
            for customer, (moved, config) in self.app.items()
        }

    def _deployed_customer_stacks(self) -> list[str]:
        return [name for name in self.cloudformation.stacks if name != PLATFORM_STACK]

    def _deploy_or_destroy(self, name: str, wanted: dict[str, tuple[str, CustomerConfig]]) -> None:
        try:
            if name in wanted:
                customer, config = wanted[name]
                self.cloudformation.deploy_stack(name, CACHE.customer(customer, config))
            elif name in self.cloudformation.stacks:
                self.cloudformation.delete_stack(name)
        except StackOperationFailed as failure:
            STATISTICS.failed_deploys[_reason_type(failure.reason)] += 1
            assert _reason_type(failure.reason) in EXPECTED_ERROR_TYPES, (
                f"{name}: unexpected failure reason {failure.reason!r}"
            )

    def _claims(self) -> set[tuple[str, str, str]]:
        """(stack, logical id, physical id) of every tenant and association resource."""
        return {
            (stack.name, resource.logical_id, resource.physical_id)
            for stack in self.cloudformation.stacks.values()
            for resource in stack.resources.values()
            if resource.resource_type in (TENANT, ASSOCIATION)
        }

    def _retained_tenants(self) -> set[str]:
        return {r.physical_id for r in self.cloudformation.retained if r.resource_type == TENANT}

    def _claimed_tenants(self) -> set[str]:
        return {
            resource.physical_id
            for stack in self.cloudformation.stacks.values()
            for resource in stack.resources_of_type(TENANT)
        }

    def _untouched_script_tenants(self) -> set[str]:
        untouched = set()
        for name in self.script_tenants & self.account.tenants():
            tags = self.account.tenant_tags(name)
            if tags == {SCRIPT_TAG["Key"]: SCRIPT_TAG["Value"]}:
                untouched.add(name)
        return untouched

    @contextmanager
    def _fault(
        self, fault: Fault, stack: str, wanted: tuple[str, CustomerConfig] | None
    ) -> Iterator[None]:
        kind, detail = fault
        STATISTICS.faults[kind] += 1
        undo: Callable[[], None] = _nothing
        if kind == "throttle":
            operation, count = detail
            double.inject_fault(operation, count=count)
        elif kind == "transient":
            double.inject_fault(detail, count=1, code="InternalFailure", status=500)
        elif kind == "lost answer":
            undo = _lose_one_answer(detail)
        elif kind == "refused write":
            double.inject_fault(detail, count=None, code="AccessDeniedException", status=403)
        elif kind == "failing resource" and wanted is not None:
            template = CACHE.customer(*wanted)
            logical_ids = sorted(template.resources)
            failing = {(stack, logical_ids[detail % len(logical_ids)], a) for a in (CREATE, UPDATE)}
            self.cloudformation.fail_on |= failing
            undo = functools.partial(self.cloudformation.fail_on.difference_update, failing)
        try:
            yield
        finally:
            undo()
            double.clear_faults()


def _tenant_of(physical_id: str) -> str:
    spec = parse_association_physical_id(physical_id)
    return spec.tenant_name if spec is not None else physical_id


def _nothing() -> None:
    return None


def _lose_one_answer(operation: str) -> Callable[[], None]:
    """The next successful `operation` of the handler's client happens in SES, but its
    answer is lost (a read timeout)."""
    client = ses_client.get_client()
    event = f"after-call.sesv2.{operation}"
    lost: list[bool] = []

    def lose(http_response: Any, **_: Any) -> None:
        if http_response.status_code < 300 and not lost:
            lost.append(True)
            raise ReadTimeoutError(endpoint_url="https://email.us-east-1.amazonaws.com")

    client.meta.events.register(event, lose, unique_id="lose-one-answer")
    return lambda: client.meta.events.unregister(event, unique_id="lose-one-answer")


def _reason_type(reason: str) -> str:
    for expected in EXPECTED_ERROR_TYPES:
        if reason.startswith(expected):
            return expected
    match = _REASON_TYPE.match(reason)
    return match.group(1) if match else reason[:40]
