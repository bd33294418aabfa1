"""The pause-alerts function: one alert when SES (or anyone) pauses a tenant, one when the
pause ends, none repeated; and one per reputation finding opened or resolved.

It is invoked three ways, and all three reconcile against one state table, so an event and a
sweep that notice the same pause alert once between them:

- "Sending Status Disabled/Enabled" events: the tenant's reputation entity is read (events are
  best effort and may arrive out of order, so the event says *which* tenant, the read says
  *what* is true now) and compared with the state last alerted;
- "Advisor Recommendation Status Open/Resolved" events: one notice per finding, and the
  tenant's status reconciled too (a pause often follows a finding);
- the schedule ("Scheduled Event"): the sweep lists every DISABLED reputation entity
  (ListReputationEntities, filter SENDING_STATUS, paged) and every tenant the table holds as
  paused, and reconciles each, catching the pauses and resumptions whose events were lost.

A transition is claimed with a conditional write before it is published, so two invocations
racing on one tenant publish it once; if publishing fails the claim is undone and the
invocation fails, so that Lambda's retry (or the next sweep) alerts again.

The SES client is built from the SES v2 model vendored in this package (ses_client.py): the
Lambda runtime's botocore may lack the reputation-entity operations. Throttling is retried by
botocore's standard retry mode, with backoff.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError

from . import pause_alerts_contract as contract
from .ses_client import SERVICE_NAME, new_session
from .ses_gateway import reputation_from_ses

logger = logging.getLogger()
logger.setLevel(logging.INFO)

ENABLED, DISABLED = "ENABLED", "DISABLED"
CUSTOMER_MANAGED = "customer-managed"
SES_MANAGED = "SES-managed"
#: The state table's sort key of a tenant's sending status, and the prefix of its findings'.
STATUS_KEY = "status"
FINDING_KEY_PREFIX = "finding#"
#: SES pages at most 100; a sweep of 10,000 tenants is then 100 calls at most.
PAGE_SIZE = 100
#: A sweep stops with this much of the function's time left: one more tenant's calls (a
#: read, findings, tags, a write, a publish, each retried if throttled) and the return.
SWEEP_MARGIN_MS = 60_000
#: SNS subjects are at most 100 characters.
SUBJECT_MAX = 100
#: Findings listed in one alert (SNS messages are at most 256 KB).
FINDINGS_LISTED_MAX = 20

#: Throttles (TooManyRequestsException) and transient errors are retried with exponential
#: backoff by botocore; SES allows about one request per second per account for most calls.
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 8},
    connect_timeout=10,
    read_timeout=30,
    user_agent_extra="ses-tenants-cdk-pause-alerts",
)

# Clients are created on first use and kept across invocations; tests replace them.
_clients: dict[str, Any] = {}


def client(service: str) -> Any:
    """sesv2 from the vendored model; DynamoDB and SNS from botocore's own (no boto3)."""
    if service not in _clients:
        _clients[service] = new_session().create_client(service, config=CLIENT_CONFIG)
    return _clients[service]


def set_clients(**clients: Any) -> None:
    """Replace the clients (tests): ``set_clients(sesv2=..., dynamodb=..., sns=...)``;
    with no arguments the next call creates new ones."""
    _clients.clear()
    _clients.update(clients)


# What is observed and what was alerted


@dataclass(frozen=True)
class Observed:
    """A tenant's statuses as SES reports them; ``exists`` False once the tenant is gone."""

    tenant_arn: str
    customer: str = ENABLED
    customer_cause: str | None = None
    ses: str = ENABLED
    ses_cause: str | None = None
    aggregate: str = ENABLED
    exists: bool = True

    @property
    def paused(self) -> bool:
        return self.exists and self.aggregate == DISABLED

    @property
    def paused_by(self) -> tuple[str, ...]:
        """Which side pauses the tenant: customer-managed, SES-managed, or both."""
        if not self.paused:
            return ()
        sides = []
        if self.customer == DISABLED:
            sides.append(CUSTOMER_MANAGED)
        if self.ses == DISABLED:
            sides.append(SES_MANAGED)
        return tuple(sides) or (SES_MANAGED,)

    @staticmethod
    def from_entity(entity: Mapping[str, Any]) -> Observed:
        """From a reputation entity, as the handler's gateway parses it."""
        reputation = reputation_from_ses(entity)
        customer, ses = reputation.customer_managed, reputation.ses_managed
        return Observed(
            tenant_arn=reputation.tenant_arn,
            customer=customer.status if customer else ENABLED,
            customer_cause=customer.cause if customer else None,
            ses=ses.status if ses else ENABLED,
            ses_cause=ses.cause if ses else None,
            aggregate=reputation.aggregate or ENABLED,
        )


PAUSED, RESUMED, CHANGED = "PAUSED", "RESUMED", "PAUSE CHANGED"
FINDING_OPENED, FINDING_RESOLVED = "FINDING OPENED", "FINDING RESOLVED"


def transition(previous: Mapping[str, Any] | None, observed: Observed) -> str | None:
    """The alert ``observed`` calls for, given the state last alerted (None: never)."""
    was_paused = bool(previous and previous.get("paused"))
    if observed.paused and not was_paused:
        return PAUSED
    if was_paused and not observed.paused:
        return RESUMED
    if was_paused and list(observed.paused_by) != list((previous or {}).get("paused_by", [])):
        return CHANGED
    return None


@dataclass(frozen=True)
class Trigger:
    """Why the function looked: an event (with what it said) or the sweep."""

    via: str
    detail_type: str | None = None
    origin: str | None = None
    cause: str | None = None
    event_time: str | None = None


SWEEP = Trigger(via="scheduled sweep")


# Entry point


def on_event(event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
    if event.get("source") == "aws.events" and event.get("detail-type") == "Scheduled Event":
        return sweep(context.get_remaining_time_in_millis if context is not None else None)
    if event.get("source") != contract.EVENT_SOURCE:
        raise ValueError(f"not an SES or schedule event: {json.dumps(event)[:300]}")
    detail_type = event.get("detail-type")
    tenant_arn = tenant_arn_of(event)
    if tenant_arn is None:
        logger.info("Ignored %s without a tenant ARN in resources", detail_type)
        return {"alerts": []}
    detail = event.get("detail") or {}
    alerts: list[str] = []
    if detail_type in contract.FINDING_DETAIL_TYPES:
        alert = on_finding_event(tenant_arn, str(detail_type), detail)
        alerts += [alert] if alert else []
    elif detail_type not in contract.STATUS_DETAIL_TYPES:
        raise ValueError(f"unexpected SES event {detail_type!r}")
    data: Mapping[str, Any] = detail["data"] if isinstance(detail.get("data"), dict) else {}
    record: Mapping[str, Any] = data.get("record") or {}
    trigger = Trigger(
        via=f"event '{detail_type}'",
        detail_type=str(detail_type),
        origin=data.get("origin"),
        cause=record.get("cause"),
        event_time=event.get("time"),
    )
    alert = reconcile(read_entity(tenant_arn), trigger)
    alerts += [alert] if alert else []
    return {"alerts": alerts}


def tenant_arn_of(event: Mapping[str, Any]) -> str | None:
    for arn in event.get("resources") or []:
        if is_tenant_arn(arn):
            return str(arn)
    return None


def is_tenant_arn(arn: object) -> bool:
    parts = str(arn).split(":", 5)
    return len(parts) == 6 and parts[2] == "ses" and parts[5].startswith("tenant/")


def tenant_name_of(arn: str) -> str:
    return arn.split(":", 5)[5].split("/")[1]


# The sweep


def sweep(remaining_ms: Callable[[], int] | None = None) -> dict[str, Any]:
    """Reconcile every tenant SES reports DISABLED and every tenant last alerted as paused.

    The state is read once, by a scan, not once per tenant: a state that changed since is
    caught by the conditional write, which then alerts nothing (the writer alerted it).
    `remaining_ms` (the invocation's time left): the sweep stops SWEEP_MARGIN_MS before the
    function's timeout and leaves the tenants it did not reach to the next sweep (what it
    alerted is recorded, so nothing is alerted twice): a first sweep over a fleet with
    hundreds of paused tenants takes a few sweeps instead of timing out every time.
    """
    disabled = {o.tenant_arn: o for o in disabled_tenants()}
    states = status_states()
    was_paused = {arn for arn, state in states.items() if state.get("paused")}
    rereads = sorted(was_paused - set(disabled))
    total = len(disabled) + len(rereads)
    alerts: list[str] = []
    # Lazily: a tenant to re-read is read only when its turn comes.
    observed_in_turn = itertools.chain(disabled.values(), map(read_entity, rereads))
    for done, observed in enumerate(observed_in_turn, start=1):
        alert = reconcile(observed, SWEEP, states.get(observed.tenant_arn))
        alerts += [alert] if alert else []
        if done < total and remaining_ms is not None and remaining_ms() < SWEEP_MARGIN_MS:
            logger.warning("Sweep stopped before the timeout: %d tenants left", total - done)
            return {"paused": len(disabled), "alerts": alerts, "left": total - done}
    logger.info("Sweep: %d tenants paused, %d alerts", len(disabled), len(alerts))
    return {"paused": len(disabled), "alerts": alerts, "left": 0}


def disabled_tenants() -> Iterator[Observed]:
    token: str | None = None
    while True:
        page = client(SERVICE_NAME).list_reputation_entities(
            Filter={"SENDING_STATUS": DISABLED},
            PageSize=PAGE_SIZE,
            **({"NextToken": token} if token else {}),
        )
        for entity in page.get("ReputationEntities", []):
            if is_tenant_arn(entity.get("ReputationEntityReference")):
                yield Observed.from_entity(entity)
        token = page.get("NextToken")
        if not token:
            return


def status_states() -> dict[str, dict[str, Any]]:
    """Every tenant's last alerted status, by tenant ARN (tenants never paused have none)."""
    states: dict[str, dict[str, Any]] = {}
    request: dict[str, Any] = {
        "TableName": table_name(),
        # Names through placeholders: no attribute name can collide with a reserved word.
        "FilterExpression": "#sk = :status",
        "ExpressionAttributeNames": {"#sk": "sk"},
        "ExpressionAttributeValues": {":status": {"S": STATUS_KEY}},
        "ConsistentRead": True,
    }
    while True:
        page = client("dynamodb").scan(**request)
        for item in page.get("Items", []):
            state = {name: _from_attribute(value) for name, value in item.items()}
            states[state["pk"]] = state
        if "LastEvaluatedKey" not in page:
            return states
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def read_entity(tenant_arn: str) -> Observed:
    try:
        entity = client(SERVICE_NAME).get_reputation_entity(
            ReputationEntityType="RESOURCE", ReputationEntityReference=tenant_arn
        )["ReputationEntity"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "NotFoundException":
            return Observed(tenant_arn=tenant_arn, exists=False)
        raise
    return Observed.from_entity(entity)


# Reconciling a tenant's status


_UNREAD: Any = object()


def reconcile(observed: Observed, trigger: Trigger, previous: Any = _UNREAD) -> str | None:
    """Alert ``observed``'s transition once; returns the alert sent, if any. ``previous``:
    the state already read (None: none), else it is read here."""
    if previous is _UNREAD:
        previous = get_state(observed.tenant_arn, STATUS_KEY)
    alert = transition(previous, observed)
    if alert is None:
        return None
    item = {
        "paused": observed.paused,
        "paused_by": list(observed.paused_by),
        "customer": observed.customer,
        "ses": observed.ses,
        "aggregate": observed.aggregate if observed.exists else "GONE",
        "alerted_at": now(),
    }
    if not claim(observed.tenant_arn, STATUS_KEY, previous, item):
        return None  # another invocation alerted this transition
    try:
        publish(observed.tenant_arn, alert, status_message(observed, alert, trigger, previous))
    except Exception:
        unclaim(observed.tenant_arn, STATUS_KEY, previous)
        raise
    return alert


def status_message(
    observed: Observed, alert: str, trigger: Trigger, previous: Mapping[str, Any] | None
) -> dict[str, Any]:
    name = tenant_name_of(observed.tenant_arn)
    if alert == PAUSED:
        headline = f"SES tenant {name} is paused ({' and '.join(observed.paused_by)})"
    elif alert == CHANGED:
        headline = f"SES tenant {name} is still paused, now by {' and '.join(observed.paused_by)}"
    elif observed.exists:
        headline = f"SES tenant {name} can send again (sending status {observed.aggregate})"
    else:
        headline = f"SES tenant {name} was paused and no longer exists"
    lines = [headline, "", f"Tenant: {name}", f"Tenant ARN: {observed.tenant_arn}"]
    if observed.exists:
        lines += [
            f"Aggregate sending status: {observed.aggregate}",
            _status_line("Customer-managed status", observed.customer, observed.customer_cause),
            _status_line("SES-managed status", observed.ses, observed.ses_cause),
        ]
    if previous and previous.get("paused_by"):
        lines.append(f"Previously paused by: {' and '.join(previous['paused_by'])}")
    lines.append(
        f"Noticed by: {trigger.via}" + (f" at {trigger.event_time}" if trigger.event_time else "")
    )
    if trigger.origin or trigger.cause:
        lines.append(f"Event says: origin {trigger.origin or '-'}, cause {trigger.cause or '-'}")
    findings = open_findings(observed.tenant_arn) if observed.exists else []
    lines += ["", f"Open findings: {len(findings) or 'none'}"]
    lines += [f"- {_finding_line(f)}" for f in findings[:FINDINGS_LISTED_MAX]]
    if len(findings) > FINDINGS_LISTED_MAX:
        lines.append(f"- ... and {len(findings) - FINDINGS_LISTED_MAX} more")
    return {
        "subject": headline,
        "text": "\n".join(lines),
        "fields": {
            "alert": alert,
            "tenant_name": name,
            "tenant_arn": observed.tenant_arn,
            "paused_by": list(observed.paused_by),
            "customer_managed_status": observed.customer if observed.exists else None,
            "ses_managed_status": observed.ses if observed.exists else None,
            "aggregate_status": observed.aggregate if observed.exists else None,
            "causes": {
                "customer_managed": observed.customer_cause,
                "ses_managed": observed.ses_cause,
                "event": trigger.cause,
            },
            "noticed_by": trigger.via,
            "open_findings": findings[:FINDINGS_LISTED_MAX],
            "open_findings_count": len(findings),
        },
    }


def _status_line(label: str, status: str, cause: str | None) -> str:
    return f"{label}: {status}" + (f" (cause: {cause})" if cause else "")


def _finding_line(finding: Mapping[str, Any]) -> str:
    line = f"{finding.get('Type')} ({finding.get('Impact')} impact)"
    if finding.get("Description"):
        line += f": {finding['Description']}"
    if finding.get("CreatedTimestamp"):
        line += f", open since {finding['CreatedTimestamp']}"
    return line


def open_findings(tenant_arn: str) -> list[dict[str, Any]]:
    """The tenant's OPEN recommendations (SES takes RESOURCE_ARN alone, not with STATUS)."""
    found: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = client(SERVICE_NAME).list_recommendations(
            Filter={"RESOURCE_ARN": tenant_arn},
            PageSize=PAGE_SIZE,
            **({"NextToken": token} if token else {}),
        )
        for recommendation in page.get("Recommendations", []):
            if recommendation.get("Status") == "OPEN":
                found.append(_jsonable(recommendation))
        token = page.get("NextToken")
        if not token:
            return found


def _jsonable(recommendation: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: value.isoformat() if isinstance(value, datetime) else value
        for key, value in recommendation.items()
    }


# Findings


def on_finding_event(tenant_arn: str, detail_type: str, detail: Mapping[str, Any]) -> str | None:
    """One notice per finding opened, one when it is resolved; redeliveries send nothing."""
    metadata = detail.get("metadata") or {}
    kind = str(metadata.get("type") or "UNKNOWN")
    status = "OPEN" if detail_type == contract.RECOMMENDATION_OPEN else "FIXED"
    key = FINDING_KEY_PREFIX + kind
    previous = get_state(tenant_arn, key)
    # A redelivered event changes nothing. A resolution whose Open was lost is still news.
    if previous is not None and previous.get("status") == status:
        return None
    alert = FINDING_OPENED if status == "OPEN" else FINDING_RESOLVED
    description = detail.get("data") if isinstance(detail.get("data"), str) else None
    if not claim(tenant_arn, key, previous, {"status": status, "alerted_at": now()}):
        return None
    name = tenant_name_of(tenant_arn)
    verb = "opened" if status == "OPEN" else "resolved"
    lines = [
        f"SES reputation finding {kind} {verb} for tenant {name}",
        "",
        f"Tenant: {name}",
        f"Tenant ARN: {tenant_arn}",
        f"Finding: {kind} ({metadata.get('impact') or 'impact not given'})",
    ]
    if description:
        lines.append(f"Description: {description}")
    message = {
        "subject": lines[0],
        "text": "\n".join(lines),
        "fields": {
            "alert": alert,
            "tenant_name": name,
            "tenant_arn": tenant_arn,
            "finding_type": kind,
            "impact": metadata.get("impact"),
            "description": description,
        },
    }
    try:
        publish(tenant_arn, alert, message)
    except Exception:
        unclaim(tenant_arn, key, previous)
        raise
    return alert


# State table


def table_name() -> str:
    return os.environ[contract.ENV_STATE_TABLE]


def get_state(tenant_arn: str, key: str) -> dict[str, Any] | None:
    item = (
        client("dynamodb")
        .get_item(
            TableName=table_name(),
            Key={"pk": {"S": tenant_arn}, "sk": {"S": key}},
            ConsistentRead=True,
        )
        .get("Item")
    )
    if item is None:
        return None
    return {name: _from_attribute(value) for name, value in item.items()}


def claim(
    tenant_arn: str, key: str, previous: Mapping[str, Any] | None, fields: Mapping[str, Any]
) -> bool:
    """Write the new state if the state is still ``previous``; False if another got there."""
    version = int((previous or {}).get("version", 0))
    item = {"pk": tenant_arn, "sk": key, **fields, "version": version + 1}
    request: dict[str, Any] = {
        "TableName": table_name(),
        "Item": {name: _to_attribute(value) for name, value in item.items()},
    }
    if previous is None:
        request["ConditionExpression"] = "attribute_not_exists(#pk)"
        request["ExpressionAttributeNames"] = {"#pk": "pk"}
    else:
        request["ConditionExpression"] = "#version = :version"
        request["ExpressionAttributeNames"] = {"#version": "version"}
        request["ExpressionAttributeValues"] = {":version": {"N": str(version)}}
    try:
        client("dynamodb").put_item(**request)
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def unclaim(tenant_arn: str, key: str, previous: Mapping[str, Any] | None) -> None:
    """Put the state back as it was before a claim whose alert could not be published."""
    try:
        if previous is None:
            client("dynamodb").delete_item(
                TableName=table_name(), Key={"pk": {"S": tenant_arn}, "sk": {"S": key}}
            )
        else:
            item = {name: _to_attribute(value) for name, value in previous.items()}
            client("dynamodb").put_item(TableName=table_name(), Item=item)
    except ClientError:
        logger.exception(
            "Could not undo the claim of %s %s; the next sweep may miss it", tenant_arn, key
        )


def _to_attribute(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": str(value)}
    if isinstance(value, list):
        return {"L": [_to_attribute(v) for v in value]}
    return {"S": str(value)}


def _from_attribute(value: Mapping[str, Any]) -> Any:
    if "BOOL" in value:
        return value["BOOL"]
    if "N" in value:
        return int(value["N"])
    if "L" in value:
        return [_from_attribute(v) for v in value["L"]]
    return value.get("S")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# Notifications


def publish(tenant_arn: str, alert: str, message: Mapping[str, Any]) -> None:
    """To the platform's topic, and to the tenant's route's topic if its tag names one."""
    topics = [os.environ[contract.ENV_TOPIC_ARN]]
    route = route_of(tenant_arn)
    if route and route not in topics:
        topics.append(route)
    body = message["text"] + "\n\n" + json.dumps(message["fields"], indent=1, default=str)
    subject = _subject(str(message["subject"]))
    for topic in topics:
        client("sns").publish(
            TopicArn=topic,
            Subject=subject,
            Message=body,
            MessageAttributes={
                "alert": {"DataType": "String", "StringValue": alert},
                "tenant_name": {"DataType": "String", "StringValue": tenant_name_of(tenant_arn)},
            },
        )
    logger.info("%s %s -> %s", alert, tenant_arn, topics)


def route_of(tenant_arn: str) -> str | None:
    tag_key = os.environ.get(contract.ENV_ROUTE_TAG)
    if not tag_key:
        return None
    routes: dict[str, str] = json.loads(os.environ.get(contract.ENV_ROUTES) or "{}")
    try:
        tags = client(SERVICE_NAME).list_tags_for_resource(ResourceArn=tenant_arn)["Tags"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "NotFoundException":
            return None  # a deleted tenant: the platform's topic only
        raise
    value = next((tag.get("Value") for tag in tags if tag.get("Key") == tag_key), None)
    if value is not None and value not in routes:
        logger.warning("Tenant %s: %s=%s names no route", tenant_arn, tag_key, value)
    return routes.get(value) if value is not None else None


def _subject(text: str) -> str:
    # SNS: ASCII printable, no line breaks, at most 100 characters.
    ascii_text = "".join(c if 32 <= ord(c) < 127 else "?" for c in text)
    return ascii_text if len(ascii_text) <= SUBJECT_MAX else ascii_text[: SUBJECT_MAX - 3] + "..."
