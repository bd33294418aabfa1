"""Part 6: many handler invocations at once against SES's ~1 request/s, in virtual time.

A discrete-event simulation, deterministic for a given seed. Each CloudFormation event is
served as CDK's Provider framework serves it with an isComplete waiter: one invocation of
the handler as `on_event`, then, while its answer says the work is pending, one more as
`is_complete` every QUERY_INTERVAL_SECONDS, at most MAX_WAITER_ATTEMPTS times (the
provider's `total_timeout`). Each event runs in a thread of its own, but only one thread
runs at a time: the scheduler hands a baton to the event whose virtual time comes next, and
that event runs until it waits. Events wait in four places only:

- `retry.sleep(d)` (replaced) parks the invocation until virtual now + d;
- every SES request costs SES_LATENCY_SECONDS of virtual time, through a `before-call.sesv2`
  hook on the handler's own client. When the answer is due, a token bucket in virtual time
  (RATE_PER_SECOND, BURST tokens, one account-wide bucket for every SES v2 operation)
  decides: with a token the request goes on to the double (moto + the tenant API, which
  runs it instantly), without one the hook answers TooManyRequestsException (HTTP 429)
  itself, as SES does. A throttled request takes no token. The double is not modified,
  and its `inject_fault` is left to tests that want other errors;
- every CloudFormation read (the handler's DescribeStacks / ListStackResources, answered by
  tests/handler's FakeCloudFormation with every stack CREATE_IN_PROGRESS) costs
  CLOUDFORMATION_LATENCY_SECONDS and is never throttled;
- between the waiter's calls, QUERY_INTERVAL_SECONDS.

Each invocation has a Lambda context (the handler kit's FakeLambdaContext on the virtual
clock) whose remaining time is LAMBDA_TIMEOUT_SECONDS of virtual time from its start; an
invocation that would still run past it is stopped there, as Lambda stops a function at its
timeout. The handler's wall clock (`tenant_handler.clock`) is the virtual one. Computing in
Python costs no virtual time.

CloudFormation's order: every tenant's Create starts at t=0; the Creates of a tenant's
associations start when the tenant's Create has succeeded, and never if it failed (they
depend on it). Every Create is attempted, as if no failure stopped the stack: the most load
SES can get. CloudFormation would start no new resource in a stack after its first failure
and then roll the stack back; those Deletes are not simulated (`first_failure_seconds` says
when that would have begun). So whatever a failed Create left in SES counts as an orphan,
even where the rollback's Delete would have removed it.
"""

from __future__ import annotations

import copy
import heapq
import itertools
import logging
import os
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse

from benchmarks.customers import customer
from benchmarks.handler_harness import (
    FAKE_AWS_ENVIRONMENT,
    REGION,
    SERVICE_TOKEN,
    association_properties,
    cfn_event,
    create_customer_resources,
    handler_module,
    tenant_properties,
)
from ses_tenants.testing import handler_kit

#: SES's limit on control-plane requests: about 1 per second per account.
RATE_PER_SECOND = 1.0
#: Tokens the bucket holds: 1, the strictest reading of "about 1 request/s" (no burst).
BURST = 1
#: One SES request's round trip, in virtual seconds.
SES_LATENCY_SECONDS = 0.030
CLOUDFORMATION_LATENCY_SECONDS = 0.030
#: The handler's Lambda timeout (constructs/ses_tenants/provider.py's HANDLER_TIMEOUT).
LAMBDA_TIMEOUT_SECONDS = 600.0
#: The provider's waiter (provider.py's QUERY_INTERVAL and TOTAL_TIMEOUT).
QUERY_INTERVAL_SECONDS = 30.0
MAX_WAITER_ATTEMPTS = 120
#: What the framework's onTimeout reports when the waiter's attempts are used up.
WAITER_TIMED_OUT = "Operation timed out"
TENANTS = 200
SEED = 0
#: Each tenant is associated with its domain identity, configuration set and one template.
ASSOCIATIONS = ("Identity", "ConfigurationSet", "Template")
ONE_STACK = "one stack"
STACK_PER_TENANT = "one stack per tenant"
#: Orphans and untrue reasons whose timelines are kept in the results, per run.
TIMELINES_KEPT = 20

THROTTLE_CODE = "TooManyRequestsException"
#: How the trace shows work left to the waiter's next is_complete call.
PENDING = "pending:"
OK = "ok"
TENANT, ASSOCIATION = "tenant", "association"
SUCCEEDED, FAILED, TIMED_OUT = "succeeded", "failed", "timed out"


# The virtual clock and the baton.


class _Stopped(BaseException):
    """Raised in an invocation's thread to end it: not an Exception, so that no handler
    code can catch it."""


class _LambdaTimeout(_Stopped):
    """The invocation reached its Lambda timeout while waiting."""


@dataclass
class Invocation:
    """One CloudFormation event and what became of its handler invocation."""

    label: str
    kind: str
    stack_id: str
    logical_id: str
    tenant_name: str
    resource_arn: str | None
    event: dict[str, Any]
    #: Invocations CloudFormation starts once this one has succeeded.
    followers: list[Invocation] = field(default_factory=list)
    started: float | None = None
    #: When the current handler invocation (on_event, or one is_complete) started.
    call_started: float | None = None
    #: Handler invocations: on_event and the waiter's is_complete calls.
    calls: int = 0
    ended: float | None = None
    outcome: str | None = None
    reason: str = ""
    requests: int = 0
    throttled: int = 0
    #: (virtual time, what happened), in order.
    trace: list[tuple[float, str]] = field(default_factory=list)
    timeout: float = LAMBDA_TIMEOUT_SECONDS
    resume: threading.Event = field(default_factory=threading.Event, repr=False)
    thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def deadline(self) -> float:
        """When Lambda stops the current invocation."""
        started = self.call_started if self.call_started is not None else self.started
        assert started is not None
        return started + self.timeout

    @property
    def seconds(self) -> float:
        assert self.started is not None and self.ended is not None
        return self.ended - self.started


class VirtualScheduler:
    """Runs invocations one at a time in virtual time (see the module's docstring)."""

    def __init__(self, run: Callable[[Invocation], None]) -> None:
        self.now = 0.0
        self.current: Invocation | None = None
        self._run = run
        self._queue: list[tuple[float, int, Invocation]] = []
        self._order = itertools.count()
        self._yielded = threading.Event()
        self._aborted = False
        self._threads: list[threading.Thread] = []

    def start_at(self, at: float, invocation: Invocation) -> None:
        heapq.heappush(self._queue, (at, next(self._order), invocation))

    def wait(self, seconds: float) -> None:
        """Park the running invocation for `seconds` of virtual time (from its own thread).

        Past its deadline it wakes at the deadline and is stopped, as Lambda stops it."""
        invocation = self.current
        assert invocation is not None and threading.current_thread() is invocation.thread
        wake = self.now + max(seconds, 0.0)
        timed_out = wake > invocation.deadline
        invocation.resume.clear()
        heapq.heappush(
            self._queue,
            (min(wake, invocation.deadline), next(self._order), invocation),
        )
        self._yielded.set()
        invocation.resume.wait()
        if self._aborted:
            raise _Stopped
        if timed_out:
            raise _LambdaTimeout

    def run(self, finished: Callable[[Invocation], None]) -> None:
        """Until no invocation is left; `finished` is called (on this thread) as each ends."""
        try:
            while self._queue:
                at, _, invocation = heapq.heappop(self._queue)
                self.now = at
                self.current = invocation
                self._yielded.clear()
                if invocation.thread is None:
                    invocation.started = at
                    invocation.thread = threading.Thread(
                        target=self._body, args=(invocation,), daemon=True
                    )
                    self._threads.append(invocation.thread)
                    invocation.thread.start()
                else:
                    invocation.resume.set()
                self._yielded.wait()
                self.current = None
                if invocation.ended is not None:
                    finished(invocation)
        finally:
            self._aborted = bool(self._queue)
            for _, _, parked in self._queue:
                parked.resume.set()
            for thread in self._threads:
                thread.join(timeout=5)

    def _body(self, invocation: Invocation) -> None:
        try:
            self._run(invocation)
        except _Stopped:
            pass
        finally:
            invocation.ended = self.now
            self._yielded.set()


class TokenBucket:
    """`rate` tokens a second, up to `burst`; each request served takes one."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._last = 0.0

    def take(self, now: float) -> bool:
        self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


class SesLimiter:
    """The botocore hooks on the handler's SES client: latency, the bucket, the counts."""

    def __init__(self, scheduler: VirtualScheduler, bucket: TokenBucket) -> None:
        self._scheduler = scheduler
        self._bucket = bucket
        self.requests = 0
        self.throttled = 0
        #: Virtual times at which requests reached the double, for the self-check.
        self.served_at: list[float] = []
        self.answers: Counter[str] = Counter()
        self.operations: Counter[str] = Counter()

    def before_call(self, model: Any, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        self._scheduler.wait(SES_LATENCY_SECONDS)
        invocation = self._invocation()
        self.requests += 1
        invocation.requests += 1
        self.operations[model.name] += 1
        if self._bucket.take(self._scheduler.now):
            self.served_at.append(self._scheduler.now)
            return None
        self.throttled += 1
        invocation.throttled += 1
        return throttled_answer()

    def after_call(self, http_response: Any, parsed: Any, model: Any, **_: Any) -> None:
        code = OK
        if http_response.status_code >= 300:
            code = str((parsed or {}).get("Error", {}).get("Code") or http_response.status_code)
        self.answers[code] += 1
        self._invocation().trace.append((self._scheduler.now, f"{model.name} → {code}"))

    def _invocation(self) -> Invocation:
        invocation = self._scheduler.current
        assert invocation is not None, "an SES call outside any invocation"
        return invocation


def throttled_answer() -> tuple[AWSResponse, dict[str, Any]]:
    """What SES answers a request over its rate: HTTP 429, TooManyRequestsException (for
    a `before-call` hook to return instead of sending the request)."""
    headers = {"x-amzn-ErrorType": THROTTLE_CODE}
    http = AWSResponse(f"https://email.{REGION}.amazonaws.com/", 429, headers, _EmptyBody())
    parsed = {
        "Error": {"Code": THROTTLE_CODE, "Message": "Too Many Requests"},
        "ResponseMetadata": {"HTTPStatusCode": 429, "HTTPHeaders": headers},
    }
    return http, parsed


class _EmptyBody:
    def stream(self, **_: Any) -> Iterator[bytes]:
        yield b""


class _TraceHandler(logging.Handler):
    """The handler's own log lines, in the running invocation's trace."""

    def __init__(self, scheduler: VirtualScheduler) -> None:
        super().__init__(logging.INFO)
        self._scheduler = scheduler

    def emit(self, record: logging.LogRecord) -> None:
        invocation = self._scheduler.current
        # The retrier's "Retrying ..." lines repeat what the trace shows as waits.
        if invocation is None or record.name == "retry":
            return
        invocation.trace.append((self._scheduler.now, f"log {record.name}: {record.getMessage()}"))


# The plan: which events, in which stacks.


def _stack_id(name: str, index: int) -> str:
    return handler_kit.stack_id(name, f"{index:08x}-5e5e-4000-8000-c0ffee")


def plan_events(sesv2: Any, tenants: int, layout: str) -> list[Invocation]:
    """The tenant Creates (each with its association Creates as followers); the SES
    resources the associations name are made first, with `sesv2` (not counted)."""
    if layout not in (ONE_STACK, STACK_PER_TENANT):
        raise ValueError(f"unknown layout {layout!r}")
    shared_stack = _stack_id("SesTenants-all", 0)
    planned = []
    for index in range(tenants):
        spec = customer(index)
        name = spec["tenant_name"]
        suppression = spec.get("suppression")
        properties = tenant_properties(
            name,
            reputation_policy=spec.get("reputation_policy", "standard"),
            sending_status=spec.get("sending_status", "ENABLED"),
            suppression=(suppression["scope"], suppression["reasons"]) if suppression else None,
            tags=spec.get("tags"),
            adopt_existing=spec.get("adopt_existing", False),
        )
        arns = create_customer_resources(sesv2, spec["domain"], [f"c{index}-notice"])
        if layout == ONE_STACK:
            stack_id, prefix, label = shared_stack, f"Tenant{index:04d}", f"Tenant{index:04d}"
        else:
            stack_id = _stack_id(f"SesTenant-{spec['id']}", index + 1)
            prefix, label = "Tenant", f"{spec['id']}/Tenant"
        tenant = _invocation(label, TENANT, stack_id, prefix, name, None, properties)
        for kind, arn in zip(ASSOCIATIONS, arns, strict=True):
            logical_id = f"{prefix}{kind}" if layout == ONE_STACK else f"{kind}Association"
            tenant.followers.append(
                _invocation(
                    f"{label}{kind}" if layout == ONE_STACK else f"{spec['id']}/{logical_id}",
                    ASSOCIATION,
                    stack_id,
                    logical_id,
                    name,
                    arn,
                    association_properties(name, arn),
                )
            )
        planned.append(tenant)
    return planned


def _invocation(
    label: str,
    kind: str,
    stack: str,
    logical_id: str,
    tenant_name: str,
    resource_arn: str | None,
    properties: dict[str, Any],
) -> Invocation:
    event = cfn_event(
        "Create",
        properties,
        logical_id=logical_id,
        association=kind == ASSOCIATION,
        stack_id=stack,
        request_id=f"create-{label}",
    )
    return Invocation(label, kind, stack, logical_id, tenant_name, resource_arn, event)


# Results.


@dataclass(frozen=True)
class Finding:
    """A failed event that left something in SES, or whose reason is untrue."""

    event: str
    problem: str
    #: When it gave up on its forward work, what time it had left, what its undo did.
    summary: str
    reason: str
    timeline: tuple[str, ...]


@dataclass(frozen=True)
class UndoStats:
    """The undos of failed tenant Creates that had created their tenant: what they had and
    did after the forward work gave up. Ranges are (min, max); None without an undo."""

    undos: int
    deleted_again: int
    left_behind: int
    seconds_left_at_give_up: tuple[float, float] | None
    running_at_give_up: tuple[int, int] | None
    requests: int
    throttled: int


@dataclass(frozen=True)
class ConcurrentRun:
    layout: str
    stacks: int
    tenants: int
    seed: int
    events_planned: int
    #: Events CloudFormation sent (an association's only after its tenant succeeded).
    events: int
    #: Handler invocations: each event's on_event and the waiter's is_complete calls.
    handler_invocations: int
    #: Events whose on_event left work pending for the waiter's is_complete calls.
    waited_events: int
    failed_events: int
    #: Of the failed events, those stopped by the Lambda timeout (no handler reason).
    timed_out_events: int
    failed_by_kind: dict[str, int]
    #: Failures grouped by what the reason says (the call given up on, the undo's outcome).
    failure_kinds: dict[str, int]
    virtual_seconds: float
    #: When the first event failed: CloudFormation would start nothing new in that stack
    #: from then on and roll it back.
    first_failure_seconds: float | None
    ses_requests: int
    throttled: int
    ses_operations: dict[str, int]
    cloudformation_reads: int
    max_invocation_seconds: float
    longest_invocation: str
    orphan_tenants: int
    orphan_associations: int
    undos: UndoStats
    reasons_checked: int
    untrue_reasons: int
    #: Failure reasons that make no statement this benchmark knows how to check.
    unchecked_reasons: int
    #: Counts that do not add up, or the limiter letting more through than it should.
    inconsistencies: tuple[str, ...]
    findings: tuple[Finding, ...]
    #: Findings beyond TIMELINES_KEPT, counted only.
    findings_left_out: int
    wall_seconds: float

    @property
    def clean(self) -> bool:
        """No orphans, every reason checked and true, every count consistent."""
        return not (
            self.orphan_tenants
            or self.orphan_associations
            or self.untrue_reasons
            or self.unchecked_reasons
            or self.inconsistencies
        )


@dataclass(frozen=True)
class ConcurrentDeploy:
    rate_per_second: float
    burst: int
    ses_latency_seconds: float
    lambda_timeout_seconds: float
    query_interval_seconds: float
    max_waiter_attempts: int
    runs: list[ConcurrentRun]


# The simulation.


@contextmanager
def _handler_wired(scheduler: VirtualScheduler, limiter: SesLimiter) -> Iterator[Any]:
    """The handler's SES client hooked, CloudFormation faked, sleep, clock and logs virtual;
    all put back afterwards. Yields the fake CloudFormation."""
    ses_client: Any = handler_module("ses_client")
    retry: Any = handler_module("retry")
    reader: Any = handler_module("cloudformation_reader")
    handler: Any = handler_module("tenant_handler")
    from tests.handler.cloudformation_fake import FakeCloudFormation

    class TimedCloudFormation(FakeCloudFormation):
        def describe_stacks(self, StackName: str) -> dict[str, Any]:
            scheduler.wait(CLOUDFORMATION_LATENCY_SECONDS)
            return super().describe_stacks(StackName=StackName)

        def list_stack_resources(
            self, StackName: str, NextToken: str | None = None
        ) -> dict[str, Any]:
            scheduler.wait(CLOUDFORMATION_LATENCY_SECONDS)
            return super().list_stack_resources(StackName=StackName, NextToken=NextToken)

    client = ses_client.create_client(region_name=REGION)
    client.meta.events.register("before-call.sesv2", limiter.before_call)
    client.meta.events.register("after-call.sesv2", limiter.after_call)
    cloudformation = TimedCloudFormation()
    trace = _TraceHandler(scheduler)
    levels = {
        name: logging.getLogger(name).level for name in ("tenant_resource", "association_resource")
    }
    original_sleep, original_clock = retry.sleep, handler.clock

    def backoff(seconds: float) -> None:
        invocation = scheduler.current
        assert invocation is not None
        invocation.trace.append((scheduler.now, f"wait {seconds:.3f}s"))
        scheduler.wait(seconds)

    ses_client.set_client(client)
    reader.set_client(cloudformation)
    retry.sleep = backoff
    handler.clock = lambda: scheduler.now
    logging.getLogger().addHandler(trace)
    for name in levels:
        logging.getLogger(name).setLevel(logging.INFO)
    try:
        yield cloudformation
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        logging.getLogger().removeHandler(trace)
        retry.sleep, handler.clock = original_sleep, original_clock
        reader.set_client(None)
        ses_client.set_client(None)


def simulate(
    tenants: int = TENANTS,
    layout: str = ONE_STACK,
    *,
    seed: int = SEED,
    rate: float = RATE_PER_SECOND,
    burst: int = BURST,
    lambda_timeout: float = LAMBDA_TIMEOUT_SECONDS,
    prepare: Callable[[], None] | None = None,
) -> ConcurrentRun:
    """One concurrent deploy of `tenants` tenants and their associations.

    `lambda_timeout` is each invocation's time; a shorter one makes a small deploy as
    tight as a large one. `prepare` runs inside the double before the deploy.
    """
    os.environ.update(FAKE_AWS_ENVIRONMENT)
    import boto3
    from moto import mock_aws

    import ses_tenants.testing  # noqa: F401  (installs the tenant API into moto)

    tenant_handler: Any = handler_module("tenant_handler")
    started_wall = time.perf_counter()
    random.seed(seed)  # the backoff's jitter
    with mock_aws():
        sesv2 = boto3.client("sesv2", region_name=REGION)
        planned = plan_events(sesv2, tenants, layout)
        for invocation in (i for tenant in planned for i in (tenant, *tenant.followers)):
            invocation.timeout = lambda_timeout
        if prepare is not None:
            prepare()

        def call(invocation: Invocation, event: dict[str, Any]) -> dict[str, Any]:
            invocation.call_started = scheduler.now
            invocation.calls += 1
            context = handler_kit.FakeLambdaContext(
                SERVICE_TOKEN,
                remaining_ms=int(invocation.timeout * 1000),
                clock=lambda: scheduler.now,
            )
            return dict(tenant_handler.handle(copy.deepcopy(event), context))

        def serve(invocation: Invocation) -> None:
            """on_event, then the waiter's is_complete calls, as the framework makes them."""
            response = call(invocation, invocation.event)
            if not tenant_handler.is_pending(response):
                return
            waiting = {**invocation.event, **response}
            for _ in range(MAX_WAITER_ATTEMPTS):
                invocation.trace.append((scheduler.now, f"{PENDING} the waiter calls is_complete"))
                invocation.call_started = scheduler.now
                scheduler.wait(QUERY_INTERVAL_SECONDS)
                if call(invocation, waiting).get("IsComplete"):
                    return
            raise RuntimeError(WAITER_TIMED_OUT)

        def run(invocation: Invocation) -> None:
            invocation.trace.append((scheduler.now, "start"))
            try:
                serve(invocation)
            except _LambdaTimeout:
                invocation.outcome = TIMED_OUT
                invocation.reason = (
                    f"Task timed out after {invocation.timeout:.0f} seconds (Lambda "
                    "stopped the handler; the Provider framework reports this)"
                )
            except _Stopped:
                raise
            except Exception as error:
                invocation.outcome = FAILED
                invocation.reason = str(error)
            else:
                invocation.outcome = SUCCEEDED
            invocation.trace.append((scheduler.now, f"end: {invocation.outcome}"))

        scheduler = VirtualScheduler(run)
        limiter = SesLimiter(scheduler, TokenBucket(rate, burst))

        def finished(invocation: Invocation) -> None:
            if invocation.outcome == SUCCEEDED:
                for follower in invocation.followers:
                    scheduler.start_at(scheduler.now, follower)

        for tenant in planned:
            scheduler.start_at(0.0, tenant)
        with _handler_wired(scheduler, limiter) as cloudformation:
            for stack_id in {tenant.stack_id for tenant in planned}:
                cloudformation.put_stack(stack_id, "CREATE_IN_PROGRESS")
            scheduler.run(finished)
        inventory = _read_inventory(sesv2)
    return _summarize(
        layout,
        seed,
        planned,
        limiter,
        inventory,
        cloudformation.calls,
        burst=burst,
        rate=rate,
        wall_seconds=time.perf_counter() - started_wall,
    )


@dataclass(frozen=True)
class _TenantInSes:
    tags: dict[str, str]
    resources: frozenset[str]


def _read_inventory(sesv2: Any) -> dict[str, _TenantInSes]:
    """Every tenant in SES with its tags and associated resource ARNs (unthrottled)."""
    names: list[str] = []
    token: str | None = None
    while True:
        page = sesv2.list_tenants(**({"NextToken": token} if token else {}))
        names += [tenant["TenantName"] for tenant in page.get("Tenants", [])]
        token = page.get("NextToken")
        if not token:
            break
    inventory = {}
    for name in names:
        tenant = sesv2.get_tenant(TenantName=name)["Tenant"]
        arns: list[str] = []
        token = None
        while True:
            request: dict[str, Any] = {"TenantName": name}
            if token:
                request["NextToken"] = token
            page = sesv2.list_tenant_resources(**request)
            arns += [item["ResourceArn"] for item in page.get("TenantResources", [])]
            token = page.get("NextToken")
            if not token:
                break
        tags = {tag["Key"]: tag.get("Value", "") for tag in tenant.get("Tags") or ()}
        inventory[name] = _TenantInSes(tags, frozenset(arns))
    return inventory


def _summarize(
    layout: str,
    seed: int,
    planned: list[Invocation],
    limiter: SesLimiter,
    inventory: dict[str, _TenantInSes],
    cloudformation_calls: Sequence[str],
    *,
    burst: int,
    rate: float,
    wall_seconds: float,
) -> ConcurrentRun:
    every = [i for tenant in planned for i in (tenant, *tenant.followers)]
    sent = [i for i in every if i.started is not None]
    failed = [i for i in sent if i.outcome != SUCCEEDED]
    owner_mark = handler_module("ownership").owner_mark
    findings: list[Finding] = []
    orphan_tenants = orphan_associations = untrue = unchecked = checked = 0
    for invocation in failed:
        in_ses = inventory.get(invocation.tenant_name)
        left: list[str] = []
        if invocation.kind == TENANT and in_ses is not None:
            orphan_tenants += 1
            orphan_associations += len(in_ses.resources)
            left.append(f"tenant {invocation.tenant_name} left in SES")
        if (
            invocation.kind == ASSOCIATION
            and in_ses is not None
            and invocation.resource_arn in in_ses.resources
        ):
            orphan_associations += 1
            left.append(f"association with {invocation.resource_arn} left in SES")
        mark = owner_mark(invocation.stack_id, invocation.logical_id)
        truths = check_reason(invocation, in_ses, mark)
        if not truths:
            unchecked += 1
            left.append("reason makes no statement this benchmark can check")
        else:
            checked += 1
            false = [truth.statement for truth in truths if not truth.true]
            if false:
                untrue += 1
                left.append(f"untrue reason: {'; '.join(false)}")
        if left:
            findings.append(
                Finding(
                    invocation.label,
                    "; ".join(left),
                    _summary(invocation, sent),
                    invocation.reason,
                    timeline(invocation),
                )
            )
    failure_kinds = Counter(failure_kind(i) for i in failed)
    undos = undo_stats(failed, sent)
    longest = max(sent, key=lambda i: i.seconds)
    return ConcurrentRun(
        layout=layout,
        stacks=len({i.stack_id for i in planned}),
        tenants=len(planned),
        seed=seed,
        events_planned=len(every),
        events=len(sent),
        handler_invocations=sum(i.calls for i in sent),
        waited_events=sum(i.calls > 1 for i in sent),
        failed_events=len(failed),
        timed_out_events=sum(i.outcome == TIMED_OUT for i in failed),
        failed_by_kind=dict(Counter(i.kind for i in failed)),
        failure_kinds=dict(failure_kinds.most_common()),
        virtual_seconds=max(i.ended for i in sent if i.ended is not None),
        first_failure_seconds=min((i.ended for i in failed if i.ended is not None), default=None),
        ses_requests=limiter.requests,
        throttled=limiter.throttled,
        ses_operations=dict(sorted(limiter.operations.items())),
        cloudformation_reads=len(cloudformation_calls),
        max_invocation_seconds=longest.seconds,
        longest_invocation=longest.label,
        orphan_tenants=orphan_tenants,
        orphan_associations=orphan_associations,
        undos=undos,
        reasons_checked=checked,
        untrue_reasons=untrue,
        unchecked_reasons=unchecked,
        inconsistencies=tuple(
            inconsistencies(planned, sent, limiter, inventory, burst=burst, rate=rate)
        ),
        findings=tuple(findings[:TIMELINES_KEPT]),
        findings_left_out=max(0, len(findings) - TIMELINES_KEPT),
        wall_seconds=wall_seconds,
    )


def _gave_up_at(invocation: Invocation) -> float | None:
    """When the invocation got the answer it gave up its forward work on."""
    gave_up = re.search(r"Gave up on (\w+)", invocation.reason)
    runs = _runs_of(_answers(invocation), gave_up.group(1)) if gave_up else []
    return runs[0][-1][0] if runs else None


def _running_at(at: float, sent: list[Invocation]) -> int:
    return sum(
        1
        for i in sent
        if i.started is not None and i.ended is not None and i.started <= at < i.ended
    )


def _summary(invocation: Invocation, sent: list[Invocation]) -> str:
    """'gave up at t=523.6s with 46.9s left, while 412 invocations were running; then 3
    requests (2 throttled) in 25.2s, ending 21.0s before the Lambda timeout'."""
    at = _gave_up_at(invocation)
    assert invocation.ended is not None
    if at is None:
        return f"{invocation.outcome} at t={invocation.ended:.1f}s"
    after = [code for t, _, code in _answers(invocation) if t > at]
    return (
        f"gave up at t={at:.1f}s with {invocation.deadline - at:.1f}s left, while "
        f"{_running_at(at, sent)} invocations were running; then {len(after)} request(s) "
        f"({after.count(THROTTLE_CODE)} throttled) in {invocation.ended - at:.1f}s, ending "
        f"{invocation.deadline - invocation.ended:.1f}s before the Lambda timeout"
    )


def undo_stats(failed: list[Invocation], sent: list[Invocation]) -> UndoStats:
    undone = [
        i
        for i in failed
        if i.kind == TENANT
        and any(op == "CreateTenant" and code == OK for _, op, code in _answers(i))
    ]
    points = [(i, at) for i in undone if (at := _gave_up_at(i)) is not None]
    after = [code for i, at in points for t, _, code in _answers(i) if t > at]
    return UndoStats(
        undos=len(undone),
        deleted_again=sum("has been deleted again" in i.reason for i in undone),
        left_behind=sum("could not be deleted again" in i.reason for i in undone),
        seconds_left_at_give_up=_range([i.deadline - at for i, at in points]),
        running_at_give_up=_range([_running_at(at, sent) for _, at in points]),
        requests=len(after),
        throttled=after.count(THROTTLE_CODE),
    )


def _range(values: Sequence[Any]) -> Any:
    return (min(values), max(values)) if values else None


# Are the failure reasons true?


@dataclass(frozen=True)
class Truth:
    statement: str
    true: bool


_TENANT_CLAIMS: tuple[tuple[str, str], ...] = (
    # (pattern, what must hold in SES: "gone", "present" or "gone or ours")
    (r"Tenant '(?P<name>[^']+)' created by this request has been deleted again", "gone"),
    (r"Tenant '(?P<name>[^']+)' is not in SES: nothing was left behind", "gone"),
    (r"Tenant '(?P<name>[^']+)' was left in SES", "present"),
    (
        r"Tenant '(?P<name>[^']+)' may have been created by this request and could not be "
        r"deleted again\. If it exists, it carries this resource's ownership tag",
        "gone or ours",
    ),
)
#: A failure of the call that would have created the thing: nothing was created.
_NOTHING_CREATED = (
    r"^Gave up on CreateTenant of tenant '(?P<name>[^']+)'",
    r"^Creating tenant '(?P<name>[^']+)' failed",
    r"^Gave up on CreateTenantResourceAssociation of '[^']+' with tenant",
    r"^Associating '[^']+' with tenant '[^']+' failed",
)


def check_reason(invocation: Invocation, in_ses: _TenantInSes | None, mark: str) -> list[Truth]:
    """What the failure reason says that can be checked, and whether it holds: about SES at
    the end (what was deleted, left or never created) and about the call given up on (its
    attempts, SES's last answer, the time left). [] if it says nothing checkable (a Lambda
    timeout says nothing at all)."""
    truths = _gave_up_truths(invocation)
    reason = invocation.reason
    if invocation.kind == TENANT:
        for pattern, expected in _TENANT_CLAIMS:
            match = re.search(pattern, reason)
            if match is None:
                continue
            statement = match.group(0)
            if match.group("name") != invocation.tenant_name:
                return [*truths, Truth(f"{statement} (names another tenant)", False)]
            owner_key = handler_module("contract").OWNER_TAG_KEY
            owner = in_ses.tags.get(owner_key) if in_ses is not None else None
            holds = {
                "gone": in_ses is None,
                "present": in_ses is not None,
                "gone or ours": in_ses is None or owner == mark,
            }[expected]
            return [*truths, Truth(statement, holds)]
    for pattern in _NOTHING_CREATED:
        match = re.search(pattern, reason)
        if match is None:
            continue
        if invocation.kind == TENANT:
            holds = in_ses is None
        else:
            holds = in_ses is None or invocation.resource_arn not in in_ses.resources
        return [*truths, Truth(f"{match.group(0)} (so nothing was created)", holds)]
    return truths


_GAVE_UP = re.compile(
    r"Gave up on (?P<operation>\w+) .*? after (?P<attempts>\d+) attempt\(s\): SES answered "
    r"(?P<code>\w+).*? and only (?P<left>\d+)s of the handler's time remained"
)


def _gave_up_truths(invocation: Invocation) -> list[Truth]:
    """'Gave up on X after N attempt(s): SES answered C ... only Ts ... remained': N is the
    number of attempts of the last run of X calls, C the last answer, T the time left then."""
    answers = _answers(invocation)
    truths = []
    for match in _GAVE_UP.finditer(invocation.reason):
        operation = match.group("operation")
        runs = _runs_of(answers, operation)
        if not runs:
            continue  # not an SES call this benchmark saw (a CloudFormation read)
        last = runs[-1]
        at, code = last[-1]
        left = invocation.deadline - at
        holds = (
            int(match.group("attempts")) == len(last)
            and match.group("code") == code
            and abs(int(match.group("left")) - left) <= 1
        )
        truths.append(
            Truth(
                f"{match.group(0)} (seen: {len(last)} attempts, last answer {code}, "
                f"{left:.1f}s left)",
                holds,
            )
        )
    return truths


def _answers(invocation: Invocation) -> list[tuple[float, str, str]]:
    """(virtual time, operation, answer code) of each SES request, in order."""
    found = []
    for at, what in invocation.trace:
        operation, arrow, code = what.partition(" → ")
        if arrow and " " not in operation:
            found.append((at, operation, code))
    return found


def _runs_of(
    answers: list[tuple[float, str, str]], operation: str
) -> list[list[tuple[float, str]]]:
    """The runs of consecutive answers to `operation` (another call's answer ends a run)."""
    runs: list[list[tuple[float, str]]] = []
    previous = None
    for at, name, code in answers:
        if name == operation:
            if previous != operation:
                runs.append([])
            runs[-1].append((at, code))
        previous = name
    return runs


def failure_kind(invocation: Invocation) -> str:
    """'tenant: gave up on UpdateReputationEntityPolicy; undo: could not be deleted again'."""
    if invocation.outcome == TIMED_OUT:
        return f"{invocation.kind}: Lambda timeout"
    gave_up = re.search(r"Gave up on (\w+)", invocation.reason)
    answered = re.search(r"^(\w+) .*? failed: SES answered (\w+)", invocation.reason)
    if gave_up:
        what = f"gave up on {gave_up.group(1)}"
    elif answered:
        what = f"{answered.group(1)} answered {answered.group(2)}"
    else:
        what = re.sub(r"'[^']*'", "'…'", invocation.reason.split(":")[0])[:80]
    undo = next(
        (
            label
            for label, pattern in (
                ("deleted again", "has been deleted again"),
                ("undo could not delete it", "could not be deleted again"),
                ("nothing left", "nothing was left behind"),
                ("left in SES (taken over)", "was left in SES"),
            )
            if pattern in invocation.reason
        ),
        None,
    )
    return f"{invocation.kind}: {what}" + (f"; {undo}" if undo else "")


# Do the counts add up?


def inconsistencies(
    planned: list[Invocation],
    sent: list[Invocation],
    limiter: SesLimiter,
    inventory: dict[str, _TenantInSes],
    *,
    burst: int,
    rate: float,
) -> list[str]:
    problems = []
    if limiter.requests != len(limiter.served_at) + limiter.throttled:
        problems.append(
            f"{limiter.requests} SES requests but {len(limiter.served_at)} served + "
            f"{limiter.throttled} throttled"
        )
    if sum(limiter.answers.values()) != limiter.requests:
        problems.append(f"{sum(limiter.answers.values())} answers to {limiter.requests} requests")
    if limiter.answers[THROTTLE_CODE] != limiter.throttled:
        problems.append(
            f"{limiter.answers[THROTTLE_CODE]} throttled answers, {limiter.throttled} throttled"
        )
    if sum(i.requests for i in sent) != limiter.requests:
        problems.append("the invocations' requests do not add up to the total")
    if sum(i.throttled for i in sent) != limiter.throttled:
        problems.append("the invocations' throttled answers do not add up to the total")
    # The limit itself: in any window of w seconds, at most burst + rate * w requests served.
    for window in (1.0, 10.0, 100.0):
        most = _most_in_window(limiter.served_at, window)
        if most > burst + rate * window:
            problems.append(f"{most} requests reached SES within {window:g}s")
    for invocation in sent:
        problems += _retry_problems(invocation)
    known = {tenant.tenant_name for tenant in planned}
    problems += [
        f"tenant {name} in SES was made by no event" for name in inventory if name not in known
    ]
    for tenant in planned:
        if tenant.outcome == SUCCEEDED and tenant.tenant_name not in inventory:
            problems.append(f"{tenant.label} succeeded but tenant {tenant.tenant_name} is gone")
        for association in tenant.followers:
            in_ses = inventory.get(association.tenant_name)
            if association.outcome == SUCCEEDED and (
                in_ses is None or association.resource_arn not in in_ses.resources
            ):
                problems.append(f"{association.label} succeeded but its association is gone")
    return problems


def _most_in_window(times: list[float], window: float) -> int:
    """The most of the (ascending) `times` that fall in any span [t, t + window)."""
    most, first = 0, 0
    for last, at in enumerate(times):
        while times[first] <= at - window:
            first += 1
        most = max(most, last - first + 1)
    return most


def _retry_problems(invocation: Invocation) -> list[str]:
    """A throttled answer is followed by a wait, or by the work left pending for the
    waiter, unless the invocation gave up on the call (then it must fail, saying so when
    nothing else swallowed it)."""
    given_up = 0
    for position, (_, what) in enumerate(invocation.trace):
        if not what.endswith(f"→ {THROTTLE_CODE}"):
            continue
        following = next(
            (w for _, w in invocation.trace[position + 1 :] if not w.startswith("log ")), ""
        )
        # Waited for, or left to the waiter's next is_complete call.
        if not following.startswith(("wait ", PENDING)):
            given_up += 1
    problems = []
    if given_up and invocation.outcome == SUCCEEDED:
        problems.append(
            f"{invocation.label} succeeded after giving up on {given_up} throttled call(s)"
        )
    said = invocation.reason.count("Gave up on ")
    if said > given_up:
        problems.append(
            f"{invocation.label}'s reason gives up {said} time(s) but it stopped retrying "
            f"{given_up} time(s)"
        )
    return problems


# Timelines.


def timeline(invocation: Invocation) -> tuple[str, ...]:
    """The invocation's trace with runs of throttled attempts of one call folded into one
    line: 't=12.3-210.9s  CreateTenant throttled x14, 198.5s waited (0.6-19.8s each)'."""
    lines: list[str] = []
    run: list[tuple[float, str, float]] = []  # (time, operation, wait after)

    def flush() -> None:
        if not run:
            return
        waits = [wait for _, _, wait in run if wait]
        text = f"{run[0][1]} throttled x{len(run)}"
        if waits:
            text += f", {sum(waits):.1f}s waited ({min(waits):.1f}-{max(waits):.1f}s each)"
        else:
            text += ", then not retried"
        lines.append(f"t={run[0][0]:.2f}-{run[-1][0]:.2f}s  {text}")
        run.clear()

    entries = [(at, what) for at, what in invocation.trace]
    position = 0
    while position < len(entries):
        at, what = entries[position]
        if what.endswith(f"→ {THROTTLE_CODE}"):
            operation = what.split(" ", 1)[0]
            if run and run[-1][1] != operation:
                flush()
            wait = 0.0
            if position + 1 < len(entries) and entries[position + 1][1].startswith("wait "):
                wait = float(entries[position + 1][1].split()[1].rstrip("s"))
                position += 1
            run.append((at, operation, wait))
        else:
            flush()
            lines.append(f"t={at:.2f}s  {what}")
        position += 1
    flush()
    return tuple(lines)


# The benchmark.


def measure_concurrent_deploy(
    progress: Callable[[str], None], tenants: int = TENANTS
) -> ConcurrentDeploy:
    runs = []
    for layout in (ONE_STACK, STACK_PER_TENANT):
        run = simulate(tenants, layout)
        progress(
            f"concurrent deploy, {tenants} tenants, {layout}: {run.events} events "
            f"({run.waited_events} waited out by is_complete, {run.handler_invocations} "
            "handler invocations), "
            f"{run.failed_events} failed, {run.virtual_seconds:.0f} virtual s, "
            f"{run.ses_requests} SES requests ({run.throttled} throttled), "
            f"{run.orphan_tenants} orphan tenants, {run.untrue_reasons} untrue reasons, "
            f"{run.wall_seconds:.0f}s wall"
        )
        runs.append(run)
    return ConcurrentDeploy(
        rate_per_second=RATE_PER_SECOND,
        burst=BURST,
        ses_latency_seconds=SES_LATENCY_SECONDS,
        lambda_timeout_seconds=LAMBDA_TIMEOUT_SECONDS,
        query_interval_seconds=QUERY_INTERVAL_SECONDS,
        max_waiter_attempts=MAX_WAITER_ATTEMPTS,
        runs=runs,
    )


def main() -> None:
    """This part alone: `python -m benchmarks.concurrent_deploy [TENANTS]` prints its
    section of the report and its analysis (progress on stderr)."""
    import sys

    from benchmarks.handler_harness import quiet_handler_logs
    from benchmarks.report import concurrent_analysis, concurrent_section

    quiet_handler_logs()
    tenants = int(sys.argv[1]) if len(sys.argv) > 1 else TENANTS
    deploy = measure_concurrent_deploy(lambda message: print(message, file=sys.stderr), tenants)
    print("\n".join([*concurrent_section(deploy), *concurrent_analysis(deploy)]))


if __name__ == "__main__":
    main()
