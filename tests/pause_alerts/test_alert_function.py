"""The pause-alerts function against the SES tenant double (in process, under mock_aws),
with moto's DynamoDB and SNS: one alert per pause and per resumption, whether an event or the
sweep notices it; healthy tenants never; paging; throttling; routing by tag; sample events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns import sns_backends

import ses_tenants.testing as double
from ses_tenants._handler import pause_alerts
from ses_tenants._handler import pause_alerts_contract as contract

REGION = "us-east-1"
EVENTS = Path(__file__).parent / "events"
ROUTE_TAG = "alerts-route"


def sample(name: str, tenant_arn: str | None = None) -> dict[str, Any]:
    """A sample event from events/, aimed at ``tenant_arn`` in the double's account."""
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    if tenant_arn is not None:
        event["resources"] = [tenant_arn]
        event["account"], event["region"] = DEFAULT_ACCOUNT_ID, REGION
    return event


SWEEP_EVENT = "scheduled_event"


class Fleet:
    """The double's tenants, the function's table and topics, and what was published."""

    def __init__(self) -> None:
        self.sesv2 = boto3.client("sesv2", region_name=REGION)
        self.dynamodb = boto3.client("dynamodb", region_name=REGION)
        sns = boto3.client("sns", region_name=REGION)
        self.topic = sns.create_topic(Name="pause-alerts")["TopicArn"]
        self.acme_topic = sns.create_topic(Name="acme-oncall")["TopicArn"]
        self.table = "pause-alerts-state"
        self.dynamodb.create_table(
            TableName=self.table,
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )

    def tenant(self, name: str, **tags: str) -> str:
        tag_list = [{"Key": k, "Value": v} for k, v in tags.items()]
        return str(self.sesv2.create_tenant(TenantName=name, Tags=tag_list)["TenantArn"])

    def pause(self, arn: str, by: str = "ses", cause: str = "Complaint rate above 0.5%") -> None:
        if by == "ses":
            double.set_ses_managed_status(arn, "DISABLED", cause=cause)
        else:
            self._customer_status(arn, "DISABLED")

    def resume(self, arn: str, by: str = "ses") -> None:
        if by == "ses":
            double.set_ses_managed_status(arn, "ENABLED")
        else:
            self._customer_status(arn, "ENABLED")

    def _customer_status(self, arn: str, status: str) -> None:
        self.sesv2.update_reputation_entity_customer_managed_status(
            ReputationEntityType="RESOURCE", ReputationEntityReference=arn, SendingStatus=status
        )

    def published(self, topic: str | None = None) -> list[dict[str, Any]]:
        """Every notification on ``topic`` (default: the platform's), oldest first."""
        sent = sns_backends[DEFAULT_ACCOUNT_ID][REGION].topics[topic or self.topic]
        return [
            {
                "subject": subject,
                "text": message,
                "fields": json.loads(message[message.index("\n\n{") + 2 :]),
                "attributes": {k: v["Value"] for k, v in (attributes or {}).items()},
            }
            for _, message, subject, attributes, _ in sent.sent_notifications
        ]

    def alerts(self, topic: str | None = None) -> list[tuple[str, str]]:
        return [(p["fields"]["alert"], p["fields"]["tenant_name"]) for p in self.published(topic)]

    def state_items(self) -> list[dict[str, Any]]:
        return list(self.dynamodb.scan(TableName=self.table)["Items"])


@pytest.fixture
def fleet(monkeypatch: pytest.MonkeyPatch) -> Iterator[Fleet]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        fleet = Fleet()
        monkeypatch.setenv(contract.ENV_STATE_TABLE, fleet.table)
        monkeypatch.setenv(contract.ENV_TOPIC_ARN, fleet.topic)
        monkeypatch.setenv(contract.ENV_ROUTE_TAG, ROUTE_TAG)
        monkeypatch.setenv(contract.ENV_ROUTES, json.dumps({"acme": fleet.acme_topic}))
        pause_alerts.set_clients()  # new clients, inside mock_aws
        try:
            yield fleet
        finally:
            pause_alerts.set_clients()


def run(event: dict[str, Any]) -> dict[str, Any]:
    return pause_alerts.on_event(event, None)


def sweep() -> dict[str, Any]:
    return run(sample(SWEEP_EVENT))


# One alert per pause, one per resumption


def test_a_pause_seen_by_its_event_alerts_once(fleet: Fleet) -> None:
    arn = fleet.tenant("acme")
    fleet.pause(arn, by="customer")
    event = sample("sending_status_disabled", arn)

    assert run(event) == {"alerts": ["PAUSED"]}
    assert run(event) == {"alerts": []}  # EventBridge delivered it twice
    assert sweep()["alerts"] == []  # and the sweep finds it already alerted
    (alert,) = fleet.published()
    assert alert["subject"] == "SES tenant acme is paused (customer-managed)"
    fields = alert["fields"]
    assert fields["tenant_arn"] == arn
    assert fields["paused_by"] == ["customer-managed"]
    assert (fields["customer_managed_status"], fields["ses_managed_status"]) == (
        "DISABLED",
        "ENABLED",
    )
    assert fields["aggregate_status"] == "DISABLED"
    assert fields["noticed_by"] == "event 'Sending Status Disabled'"
    assert fields["causes"]["event"] == "Status manually updated."
    assert "Event says: origin CUSTOMER_MANAGED" in alert["text"]
    assert alert["attributes"] == {"alert": "PAUSED", "tenant_name": "acme"}

    fleet.resume(arn, by="customer")
    assert run(sample("sending_status_enabled", arn)) == {"alerts": ["RESUMED"]}
    assert sweep()["alerts"] == []
    assert fleet.alerts() == [("PAUSED", "acme"), ("RESUMED", "acme")]


def test_a_pause_whose_event_was_lost_is_found_by_the_sweep(fleet: Fleet) -> None:
    arn = fleet.tenant("acme")
    double.open_recommendation(arn, "COMPLAINT", description="Complaint rate 0.6%")
    fleet.pause(arn, cause="Reputation finding: COMPLAINT")

    assert sweep() == {"paused": 1, "alerts": ["PAUSED"], "left": 0}
    assert sweep() == {"paused": 1, "alerts": [], "left": 0}
    (alert,) = fleet.published()
    fields = alert["fields"]
    assert alert["subject"] == "SES tenant acme is paused (SES-managed)"
    assert fields["noticed_by"] == "scheduled sweep"
    assert fields["causes"]["ses_managed"] == "Reputation finding: COMPLAINT"
    assert [(f["Type"], f["Impact"], f["Description"]) for f in fields["open_findings"]] == [
        ("COMPLAINT", "HIGH", "Complaint rate 0.6%")
    ]
    assert "- COMPLAINT (HIGH impact): Complaint rate 0.6%" in alert["text"]

    double.resolve_recommendation(arn, "COMPLAINT", description="Complaint rate 0.6%")
    fleet.resume(arn)
    assert sweep() == {"paused": 0, "alerts": ["RESUMED"], "left": 0}
    assert sweep() == {"paused": 0, "alerts": [], "left": 0}
    resumed = fleet.published()[1]
    assert resumed["subject"] == "SES tenant acme can send again (sending status ENABLED)"
    assert resumed["fields"]["open_findings"] == []
    # A new pause later is a new alert.
    fleet.pause(arn)
    assert sweep()["alerts"] == ["PAUSED"]


def test_many_findings_are_counted_and_the_first_listed(fleet: Fleet) -> None:
    arn = fleet.tenant("acme")
    for i in range(25):
        double.open_recommendation(arn, "COMPLAINT", description=f"finding {i:02}")
    fleet.pause(arn)
    assert sweep()["alerts"] == ["PAUSED"]
    (alert,) = fleet.published()
    assert alert["fields"]["open_findings_count"] == 25
    listed = [f["Description"] for f in alert["fields"]["open_findings"]]
    assert listed == [f"finding {i:02}" for i in range(pause_alerts.FINDINGS_LISTED_MAX)]
    assert "Open findings: 25" in alert["text"] and "- ... and 5 more" in alert["text"]


def test_healthy_tenants_never_alert(fleet: Fleet) -> None:
    arns = [fleet.tenant(f"healthy-{i}") for i in range(5)]
    double.set_ses_managed_status(arns[0], "REINSTATED")
    assert sweep() == {"paused": 0, "alerts": [], "left": 0}
    for arn in arns:
        assert run(sample("sending_status_enabled", arn)) == {"alerts": []}
    assert fleet.published() == []
    assert fleet.state_items() == []


def test_an_enabled_event_that_arrives_late_resumes_nothing(fleet: Fleet) -> None:
    """Events are best effort and unordered: the entity, read now, decides."""
    arn = fleet.tenant("acme")
    fleet.pause(arn)
    assert run(sample("sending_status_disabled", arn))["alerts"] == ["PAUSED"]
    assert run(sample("sending_status_enabled", arn)) == {"alerts": []}
    assert fleet.alerts() == [("PAUSED", "acme")]


def test_who_pauses_changing_during_a_pause_alerts_once(fleet: Fleet) -> None:
    arn = fleet.tenant("acme")
    fleet.pause(arn, by="customer")
    assert sweep()["alerts"] == ["PAUSED"]
    fleet.pause(arn, by="ses")
    assert sweep()["alerts"] == ["PAUSE CHANGED"]
    assert sweep()["alerts"] == []
    fleet.resume(arn, by="customer")  # SES still pauses it
    changed = sweep()["alerts"]
    assert changed == ["PAUSE CHANGED"]
    assert fleet.published()[-1]["subject"] == (
        "SES tenant acme is still paused, now by SES-managed"
    )
    fleet.resume(arn, by="ses")
    assert sweep()["alerts"] == ["RESUMED"]


def test_a_paused_tenant_deleted_ends_its_pause(fleet: Fleet) -> None:
    arn = fleet.tenant("acme")
    fleet.pause(arn)
    assert sweep()["alerts"] == ["PAUSED"]
    fleet.sesv2.delete_tenant(TenantName="acme")
    assert sweep()["alerts"] == ["RESUMED"]
    assert fleet.published()[-1]["subject"] == "SES tenant acme was paused and no longer exists"
    assert sweep()["alerts"] == []


# Paging and throttling


def test_the_sweep_pages_over_a_large_fleet(fleet: Fleet, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(contract.ENV_ROUTE_TAG)  # fewer calls per alert: a quicker test
    arns = [fleet.tenant(f"t{i:03}") for i in range(260)]
    paused = arns[:205]
    for arn in paused:
        fleet.pause(arn)
    double.clear_call_log()

    result = sweep()
    assert result["paused"] == 205 and result["alerts"] == ["PAUSED"] * 205
    listed = double.call_log("ListReputationEntities")
    assert [c["params"].get("NextToken") is None for c in listed] == [True, False, False]
    assert all(c["params"]["Filter"] == {"SENDING_STATUS": "DISABLED"} for c in listed)
    assert {name for _, name in fleet.alerts()} == {f"t{i:03}" for i in range(205)}
    assert sweep()["alerts"] == []
    for arn in paused[:10]:
        fleet.resume(arn)
    assert sweep()["alerts"] == ["RESUMED"] * 10


def test_throttled_calls_are_retried(fleet: Fleet) -> None:
    arn = fleet.tenant("acme")
    fleet.pause(arn)
    double.inject_fault("ListReputationEntities", count=2)
    double.inject_fault("ListRecommendations", count=1)
    double.inject_fault("GetReputationEntity", count=1)

    assert sweep()["alerts"] == ["PAUSED"]
    assert double.fault_stats() == {"ListReputationEntities": 2, "ListRecommendations": 1}
    assert [c["status"] for c in double.call_log("ListReputationEntities")] == [429, 429, 200]
    fleet.resume(arn)
    assert run(sample("sending_status_enabled", arn))["alerts"] == ["RESUMED"]
    assert double.fault_stats()["GetReputationEntity"] == 1


# Failures and races


def test_an_alert_that_cannot_be_published_is_not_recorded(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn = fleet.tenant("acme")
    fleet.pause(arn)
    monkeypatch.setenv(contract.ENV_TOPIC_ARN, fleet.topic + "-gone")
    with pytest.raises(Exception, match="NotFound"):
        sweep()
    assert fleet.state_items() == []  # the claim was undone: a retry alerts again
    monkeypatch.setenv(contract.ENV_TOPIC_ARN, fleet.topic)
    assert sweep()["alerts"] == ["PAUSED"]


def test_of_two_racing_invocations_one_claims_the_alert(fleet: Fleet) -> None:
    arn = fleet.tenant("acme")
    fields = {"paused": True, "paused_by": ["SES-managed"]}
    assert pause_alerts.claim(arn, pause_alerts.STATUS_KEY, None, fields)
    assert not pause_alerts.claim(arn, pause_alerts.STATUS_KEY, None, fields)
    first = pause_alerts.get_state(arn, pause_alerts.STATUS_KEY)
    assert first is not None and first["version"] == 1
    assert pause_alerts.claim(arn, pause_alerts.STATUS_KEY, first, {"paused": False})
    assert not pause_alerts.claim(arn, pause_alerts.STATUS_KEY, first, {"paused": False})


def test_a_sweep_that_read_the_state_before_an_event_alerted_stays_quiet(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn = fleet.tenant("acme")
    fleet.pause(arn)
    stale = pause_alerts.status_states()  # the sweep's scan, before the event's alert
    assert run(sample("sending_status_disabled", arn))["alerts"] == ["PAUSED"]
    monkeypatch.setattr(pause_alerts, "status_states", lambda: stale)
    assert sweep()["alerts"] == []
    assert fleet.alerts() == [("PAUSED", "acme")]


# Routing by tag


def test_a_tagged_tenant_also_alerts_its_route(fleet: Fleet) -> None:
    acme = fleet.tenant("acme", **{ROUTE_TAG: "acme"})
    globex = fleet.tenant("globex", **{ROUTE_TAG: "no-such-route"})
    initech = fleet.tenant("initech")
    for arn in (acme, globex, initech):
        fleet.pause(arn)
    sweep()
    assert sorted(fleet.alerts()) == [
        ("PAUSED", "acme"),
        ("PAUSED", "globex"),
        ("PAUSED", "initech"),
    ]
    assert fleet.alerts(fleet.acme_topic) == [("PAUSED", "acme")]


def test_without_a_route_tag_no_tags_are_read(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(contract.ENV_ROUTE_TAG)
    fleet.pause(fleet.tenant("acme", **{ROUTE_TAG: "acme"}))
    double.clear_call_log()
    assert sweep()["alerts"] == ["PAUSED"]
    assert double.call_log("ListTagsForResource") == []
    assert fleet.alerts(fleet.acme_topic) == []


# Findings


def test_findings_alert_once_when_opened_and_once_when_resolved(fleet: Fleet) -> None:
    arn = fleet.tenant("acme", **{ROUTE_TAG: "acme"})
    opened = sample("advisor_recommendation_open", arn)
    assert run(opened) == {"alerts": ["FINDING OPENED"]}  # not paused: no status alert
    assert run(opened) == {"alerts": []}
    (alert,) = fleet.published()
    assert alert["subject"] == "SES reputation finding BOUNCE opened for tenant acme"
    assert alert["fields"]["impact"] == "HIGH"
    assert alert["fields"]["description"].startswith("The bounce rate exceeded 15.0%")
    assert fleet.alerts(fleet.acme_topic) == [("FINDING OPENED", "acme")]

    resolved = sample("advisor_recommendation_resolved", arn)
    assert run(resolved) == {"alerts": ["FINDING RESOLVED"]}
    assert run(resolved) == {"alerts": []}
    closed = {**resolved, "detail-type": contract.RECOMMENDATION_CLOSED}
    assert run(closed) == {"alerts": []}  # the tenants guide's name for the same event
    assert run(opened) == {"alerts": ["FINDING OPENED"]}  # it came back


def test_a_finding_event_also_catches_the_pause_behind_it(fleet: Fleet) -> None:
    arn = fleet.tenant("acme")
    double.open_recommendation(arn, "BOUNCE", description="Bounce rate 15%")
    fleet.pause(arn, cause="Reputation finding: BOUNCE")
    assert run(sample("advisor_recommendation_open", arn)) == {
        "alerts": ["FINDING OPENED", "PAUSED"]
    }
    assert sweep()["alerts"] == []


# The sample events


@pytest.mark.parametrize(
    "name",
    [
        "sending_status_disabled",
        "sending_status_enabled",
        "advisor_recommendation_open",
        "advisor_recommendation_resolved",
    ],
)
def test_the_sample_events_name_a_tenant(name: str) -> None:
    event = sample(name)
    assert event["source"] == contract.EVENT_SOURCE
    assert event["detail-type"] in contract.STATUS_DETAIL_TYPES + contract.FINDING_DETAIL_TYPES
    arn = pause_alerts.tenant_arn_of(event)
    assert arn is not None and pause_alerts.tenant_name_of(arn) == "acme"


def test_events_of_other_resources_and_sources_are_refused_or_ignored(fleet: Fleet) -> None:
    identity = sample("advisor_recommendation_open")
    identity["resources"] = ["arn:aws:ses:us-east-1:123456789012:identity/example.com"]
    assert run(identity) == {"alerts": []}
    with pytest.raises(ValueError, match="not an SES or schedule event"):
        run({"source": "aws.s3", "detail-type": "Object Created"})
    with pytest.raises(ValueError, match="unexpected SES event"):
        run({**sample("sending_status_disabled"), "detail-type": "Email Bounced"})


def test_the_function_calls_only_what_its_role_is_granted(fleet: Fleet) -> None:
    arn = fleet.tenant("acme", **{ROUTE_TAG: "acme"})
    double.clear_call_log()
    fleet.pause(arn)
    run(sample("sending_status_disabled", arn))
    run(sample("advisor_recommendation_open", arn))
    fleet.resume(arn)
    sweep()
    called = {c["operation"] for c in double.call_log() if c["service"] == "sesv2"}
    called -= {"UpdateReputationEntityCustomerManagedStatus"}  # the test's own calls
    assert called == set(contract.SES_OPERATIONS)


class ShrinkingTime:
    """A Lambda context whose time runs short after `calls` looks at it."""

    def __init__(self, calls: int) -> None:
        self.calls = calls

    def get_remaining_time_in_millis(self) -> int:
        self.calls -= 1
        return 5 * 60_000 if self.calls >= 0 else 30_000


def test_a_sweep_short_of_time_leaves_the_rest_to_the_next_and_alerts_nothing_twice(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(contract.ENV_ROUTE_TAG)
    arns = [fleet.tenant(f"s{i:02}") for i in range(30)]
    for arn in arns:
        fleet.pause(arn)

    first = pause_alerts.on_event(sample(SWEEP_EVENT), ShrinkingTime(calls=9))
    second = pause_alerts.on_event(sample(SWEEP_EVENT), ShrinkingTime(calls=100))

    assert (len(first["alerts"]), first["left"]) == (10, 20)
    assert (len(second["alerts"]), second["left"]) == (20, 0)
    assert sorted(name for _, name in fleet.alerts()) == [f"s{i:02}" for i in range(30)]
    assert sweep()["alerts"] == []
