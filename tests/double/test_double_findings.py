"""What a fleet sweep calls: ListReputationEntities with its filters and paging,
ListRecommendations by the tenant's ARN, an SES-managed pause, and throttling of both."""

from __future__ import annotations

from typing import Any

import pytest

import ses_tenants.testing as double
from ses_tenants.testing import DoubleClient

server_only = pytest.mark.parametrize("mode", ["server"], indirect=True)


def _entities(sesv2: Any, **kwargs: Any) -> list[dict[str, Any]]:
    pages = sesv2.get_paginator("list_reputation_entities").paginate(**kwargs)
    return [entity for page in pages for entity in page["ReputationEntities"]]


def _recommendations(sesv2: Any, **kwargs: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    token = None
    while True:
        page = sesv2.list_recommendations(**kwargs, **({"NextToken": token} if token else {}))
        found += page["Recommendations"]
        token = page.get("NextToken")
        if not token:
            return found


def _pause(sesv2: Any, arn: str) -> None:
    sesv2.update_reputation_entity_customer_managed_status(
        ReputationEntityType="RESOURCE", ReputationEntityReference=arn, SendingStatus="DISABLED"
    )


# ListReputationEntities


def test_sending_status_filter_pages_over_a_fleet(sesv2: Any) -> None:
    arns = [sesv2.create_tenant(TenantName=f"t{i:03}")["TenantArn"] for i in range(120)]
    paused = sorted(arns[::7])
    for arn in paused[: len(paused) // 2]:
        _pause(sesv2, arn)
    for arn in paused[len(paused) // 2 :]:
        double.set_ses_managed_status(arn, "DISABLED", cause="Complaint rate above 0.5%")

    first = sesv2.list_reputation_entities(Filter={"SENDING_STATUS": "DISABLED"}, PageSize=5)
    assert len(first["ReputationEntities"]) == 5 and first["NextToken"]
    listed = _entities(
        sesv2, Filter={"SENDING_STATUS": "DISABLED"}, PaginationConfig={"PageSize": 5}
    )
    assert [e["ReputationEntityReference"] for e in listed] == paused
    assert {e["SendingStatusAggregate"] for e in listed} == {"DISABLED"}
    by_ses = [e for e in listed if e["AwsSesManagedStatus"]["Status"] == "DISABLED"]
    assert [e["AwsSesManagedStatus"]["Cause"] for e in by_ses] == ["Complaint rate above 0.5%"] * (
        len(paused) - len(paused) // 2
    )
    assert all(e["CustomerManagedStatus"]["Status"] == "ENABLED" for e in by_ses)
    # Without PageSize the double pages at 100.
    unfiltered = sesv2.list_reputation_entities()
    assert len(unfiltered["ReputationEntities"]) == 100 and unfiltered["NextToken"]
    assert len(_entities(sesv2, Filter={"SENDING_STATUS": "ENABLED"})) == 120 - len(paused)


def test_reinstated_is_its_own_sending_status(sesv2: Any) -> None:
    arn = sesv2.create_tenant(TenantName="acme")["TenantArn"]
    double.set_ses_managed_status(arn, "REINSTATED")
    assert [e["SendingStatusAggregate"] for e in _entities(sesv2)] == ["REINSTATED"]
    assert _entities(sesv2, Filter={"SENDING_STATUS": "ENABLED"}) == []
    assert len(_entities(sesv2, Filter={"SENDING_STATUS": "REINSTATED"})) == 1


def test_reputation_impact_follows_the_open_findings(sesv2: Any) -> None:
    acme = sesv2.create_tenant(TenantName="acme")["TenantArn"]
    sesv2.create_tenant(TenantName="globex")

    def impacted(impact: str) -> list[str]:
        found = _entities(sesv2, Filter={"REPUTATION_IMPACT": impact})
        return [e["ReputationEntityReference"] for e in found]

    assert impacted("LOW") == impacted("HIGH") == []
    assert all("ReputationImpact" not in e for e in _entities(sesv2))
    double.open_recommendation(acme, "BOUNCE", impact="LOW")
    assert impacted("LOW") == [acme]
    double.open_recommendation(acme, "COMPLAINT", impact="HIGH")
    assert impacted("HIGH") == [acme] and impacted("LOW") == []
    entity = sesv2.get_reputation_entity(
        ReputationEntityType="RESOURCE", ReputationEntityReference=acme
    )["ReputationEntity"]
    assert entity["ReputationImpact"] == "HIGH"
    double.resolve_recommendation(acme, "COMPLAINT")
    assert impacted("LOW") == [acme]
    double.resolve_recommendation(acme, "BOUNCE")
    assert impacted("LOW") == impacted("HIGH") == []


@pytest.mark.parametrize(
    ("params", "message_part"),
    [
        ({"Filter": {"SENDING_STATUS": "PAUSED"}}, "Member must satisfy enum value set"),
        ({"Filter": {"REPUTATION_IMPACT": "MEDIUM"}}, "Member must satisfy enum value set"),
        ({"Filter": {"ENTITY_TYPE": "IDENTITY"}}, "Member must satisfy enum value set"),
        ({"Filter": {"ENTITY_REFERENCE_PREFIX": "x" * 513}}, "length less than or equal to 512"),
        ({"PageSize": 101}, "less than or equal to 100"),
        ({"PageSize": 0}, "greater than or equal to 1"),
        ({"NextToken": "bm90LWEtdG9rZW4="}, "Invalid Next Token"),
    ],
)
def test_bad_list_reputation_entities_requests(
    sesv2: Any, expect_error: Any, params: dict[str, Any], message_part: str
) -> None:
    error = expect_error("BadRequestException", sesv2.list_reputation_entities, **params)
    assert message_part in error.response["Error"]["Message"]


def test_a_token_from_another_list_is_refused(sesv2: Any, expect_error: Any) -> None:
    for name in "abc":
        sesv2.create_tenant(TenantName=name)
    token = sesv2.list_tenants(PageSize=1)["NextToken"]
    expect_error("BadRequestException", sesv2.list_reputation_entities, NextToken=token)


# ListRecommendations


def test_recommendations_by_resource_arn(sesv2: Any, ses_arn: Any) -> None:
    acme = sesv2.create_tenant(TenantName="acme")["TenantArn"]
    globex = sesv2.create_tenant(TenantName="globex")["TenantArn"]
    identity = ses_arn("identity", "mail.acme.example")
    double.open_recommendation(acme, "COMPLAINT", description="Complaint rate 0.6%")
    double.open_recommendation(acme, "BOUNCE", impact="LOW", description="Bounce rate 4%")
    double.open_recommendation(globex, "COMPLAINT")
    double.open_recommendation(identity, "DMARC", impact="LOW")

    found = _recommendations(sesv2, Filter={"RESOURCE_ARN": acme})
    assert [(r["Type"], r["Impact"], r["Status"], r["Description"]) for r in found] == [
        ("COMPLAINT", "HIGH", "OPEN", "Complaint rate 0.6%"),
        ("BOUNCE", "LOW", "OPEN", "Bounce rate 4%"),
    ]
    assert {r["ResourceArn"] for r in found} == {acme}
    assert found[0]["CreatedTimestamp"] <= found[0]["LastUpdatedTimestamp"]
    assert len(_recommendations(sesv2)) == 4
    assert [r["ResourceArn"] for r in _recommendations(sesv2, Filter={"TYPE": "DMARC"})] == [
        identity
    ]

    double.resolve_recommendation(acme, "COMPLAINT", description="Complaint rate 0.6%")
    acme_findings = _recommendations(sesv2, Filter={"RESOURCE_ARN": acme})
    statuses = {r["Type"]: r["Status"] for r in acme_findings}
    assert statuses == {"COMPLAINT": "FIXED", "BOUNCE": "OPEN"}
    open_high = _recommendations(sesv2, Filter={"STATUS": "OPEN", "IMPACT": "HIGH"})
    assert [r["ResourceArn"] for r in open_high] == [globex]
    fixed = _recommendations(sesv2, Filter={"STATUS": "FIXED", "TYPE": "COMPLAINT"})
    assert [r["ResourceArn"] for r in fixed] == [acme]

    # Reopening keeps the finding (and when it was first seen).
    created = fixed[0]["CreatedTimestamp"]
    double.open_recommendation(acme, "COMPLAINT", description="Complaint rate 0.6%")
    again = _recommendations(sesv2, Filter={"STATUS": "OPEN", "TYPE": "COMPLAINT"})
    assert [r["CreatedTimestamp"] for r in again if r["ResourceArn"] == acme] == [created]
    assert len(_recommendations(sesv2, Filter={"RESOURCE_ARN": acme})) == 2


def test_recommendations_page(sesv2: Any) -> None:
    arn = sesv2.create_tenant(TenantName="acme")["TenantArn"]
    for i in range(7):
        double.open_recommendation(arn, "COMPLAINT", description=f"finding {i}")
    first = sesv2.list_recommendations(Filter={"RESOURCE_ARN": arn}, PageSize=3)
    assert len(first["Recommendations"]) == 3 and first["NextToken"]
    found = _recommendations(sesv2, Filter={"RESOURCE_ARN": arn}, PageSize=3)
    assert [r["Description"] for r in found] == [f"finding {i}" for i in range(7)]


@pytest.mark.parametrize(
    ("params", "message_part"),
    [
        ({"Filter": {"RESOURCE_ARN": "a", "STATUS": "OPEN"}}, "Invalid filter combination"),
        ({"Filter": {"TYPE": "DKIM", "IMPACT": "HIGH"}}, "Invalid filter combination"),
        ({"Filter": {"STATUS": "RESOLVED"}}, "Member must satisfy enum value set"),
        ({"Filter": {"TYPE": "SPAM"}}, "Member must satisfy enum value set"),
        ({"Filter": {"IMPACT": "MEDIUM"}}, "Member must satisfy enum value set"),
        ({"PageSize": 101}, "less than or equal to 100"),
        ({"NextToken": "garbage"}, "Invalid Next Token"),
    ],
)
def test_bad_list_recommendations_requests(
    sesv2: Any, expect_error: Any, params: dict[str, Any], message_part: str
) -> None:
    error = expect_error("BadRequestException", sesv2.list_recommendations, status=400, **params)
    assert message_part in error.response["Error"]["Message"]


def test_the_recommendation_hooks_check_their_input(sesv2: Any) -> None:
    arn = sesv2.create_tenant(TenantName="acme")["TenantArn"]
    with pytest.raises(ValueError, match="not an SES ARN"):
        double.open_recommendation("acme", "COMPLAINT")
    with pytest.raises(ValueError, match="type must be one of"):
        double.open_recommendation(arn, "SPAM")
    with pytest.raises(ValueError, match="impact must be one of"):
        double.open_recommendation(arn, "COMPLAINT", impact="MEDIUM")
    with pytest.raises(LookupError):
        double.resolve_recommendation(arn, "COMPLAINT")
    assert sesv2.list_recommendations()["Recommendations"] == []


# An SES-managed pause, as a sweep sees it


def test_an_ses_managed_pause_with_its_findings(sesv2: Any) -> None:
    arn = sesv2.create_tenant(TenantName="acme")["TenantArn"]
    double.open_recommendation(arn, "COMPLAINT", description="Complaint rate 0.6%")
    double.set_ses_managed_status(arn, "DISABLED", cause="Reputation finding: COMPLAINT")

    (entity,) = _entities(sesv2, Filter={"SENDING_STATUS": "DISABLED"})
    assert entity["ReputationEntityReference"] == arn
    assert entity["AwsSesManagedStatus"]["Status"] == "DISABLED"
    assert entity["AwsSesManagedStatus"]["Cause"] == "Reputation finding: COMPLAINT"
    assert entity["CustomerManagedStatus"]["Status"] == "ENABLED"
    assert entity["ReputationImpact"] == "HIGH"
    assert sesv2.get_tenant(TenantName="acme")["Tenant"]["SendingStatus"] == "DISABLED"
    (finding,) = _recommendations(sesv2, Filter={"RESOURCE_ARN": arn})
    assert (finding["Type"], finding["Status"]) == ("COMPLAINT", "OPEN")

    double.resolve_recommendation(arn, "COMPLAINT", description="Complaint rate 0.6%")
    double.set_ses_managed_status(arn, "ENABLED")
    assert _entities(sesv2, Filter={"SENDING_STATUS": "DISABLED"}) == []


# Throttling


def test_sweep_calls_are_throttled_on_demand(sesv2: Any, expect_error: Any) -> None:
    sesv2.create_tenant(TenantName="acme")
    double.inject_fault("ListReputationEntities", count=1)
    double.inject_fault("ListRecommendations", count=1)
    expect_error("TooManyRequestsException", sesv2.list_reputation_entities, status=429)
    expect_error("TooManyRequestsException", sesv2.list_recommendations, status=429)
    assert len(sesv2.list_reputation_entities()["ReputationEntities"]) == 1
    assert sesv2.list_recommendations()["Recommendations"] == []
    assert double.fault_stats() == {"ListReputationEntities": 1, "ListRecommendations": 1}


# Over HTTP and through the pytest plugin


@server_only
def test_recommendations_over_http(sesv2: Any, double_endpoint: str, expect_error: Any) -> None:
    hooks = DoubleClient(double_endpoint)
    arn = sesv2.create_tenant(TenantName="acme")["TenantArn"]
    hooks.open_recommendation(arn, "BOUNCE", impact="LOW", description="Bounce rate 4%")
    (finding,) = sesv2.list_recommendations(Filter={"RESOURCE_ARN": arn})["Recommendations"]
    assert (finding["Type"], finding["Impact"], finding["Status"]) == ("BOUNCE", "LOW", "OPEN")
    hooks.resolve_recommendation(arn, "BOUNCE", description="Bounce rate 4%")
    (finding,) = sesv2.list_recommendations(Filter={"RESOURCE_ARN": arn})["Recommendations"]
    assert finding["Status"] == "FIXED"
    with pytest.raises(ValueError, match="type must be one of"):
        hooks.open_recommendation(arn, "SPAM")
    with pytest.raises(ValueError, match="no BOUNCE recommendation"):
        hooks.resolve_recommendation(arn, "BOUNCE")
    hooks.inject_fault("ListRecommendations", count=1)
    expect_error("TooManyRequestsException", sesv2.list_recommendations)


def test_the_plugin_fixture_opens_findings(ses_double: Any) -> None:
    sesv2 = ses_double.client("sesv2")
    arn = sesv2.create_tenant(TenantName="acme")["TenantArn"]
    ses_double.open_recommendation(arn, "COMPLAINT")
    assert sesv2.list_recommendations()["Recommendations"][0]["ResourceArn"] == arn
    ses_double.resolve_recommendation(arn, "COMPLAINT")
    assert sesv2.list_recommendations()["Recommendations"][0]["Status"] == "FIXED"
