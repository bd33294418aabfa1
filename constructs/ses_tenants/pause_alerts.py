"""PauseAlerts: know at once when a tenant of the fleet is paused, why, and when it resumes."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration, RemovalPolicy, Stack, Token
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct

from ses_tenants._handler import pause_alerts_contract as contract
from ses_tenants.errors import SesTenantsValidationError
from ses_tenants.provider import acknowledge_wildcards, handler_package_function

#: The alert function's entry point, in the same asset (and package) as the tenant handler.
ALERTS_ENTRY_POINT = "_handler.pause_alerts.on_event"
#: A sweep lists every paused tenant: 1 call per 100, plus 3 per alert, at SES's ~1/s.
ALERTS_TIMEOUT = Duration.minutes(5)
DEFAULT_SWEEP_INTERVAL = Duration.minutes(15)


class PauseAlerts(Construct):
    """Alerts for the whole fleet, added once (e.g. to the platform stack): one notification
    when a tenant's sending is paused (by you, customer-managed, or by SES, SES-managed),
    none repeated while it stays paused, one when it can send again; and one per reputation
    finding opened or resolved.

    EventBridge rules on SES's "Sending Status Disabled/Enabled" and "Advisor Recommendation
    Status Open/Resolved" events (best effort) and a scheduled sweep
    (ListReputationEntities filtered by sending status) invoke one function, which keeps what
    it alerted in a DynamoDB table, so an event and a sweep that see the same pause alert once.
    Each notification names the tenant, which status changed (customer-managed, SES-managed,
    aggregate), the cause, and the tenant's open findings (ListRecommendations).

    One Lambda function for the whole app, whatever the number of tenants.

    Example::

        alerts = PauseAlerts(platform_stack, "PauseAlerts")           # creates a topic
        alerts.topic.add_subscription(subscriptions.EmailSubscription("oncall@example.com"))
        # A tenant tagged alerts-route=acme also notifies acme_topic:
        PauseAlerts(stack, "Alerts", route_tag="alerts-route", routes={"acme": acme_topic})
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        topic: sns.ITopic | None = None,
        sweep_interval: Duration = DEFAULT_SWEEP_INTERVAL,
        route_tag: str | None = None,
        routes: Mapping[str, sns.ITopic] | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.THREE_MONTHS,
        removal_policy: RemovalPolicy = RemovalPolicy.DESTROY,
    ) -> None:
        """
        :param topic: where every alert goes. Default: a new topic, encrypted with the
            AWS-managed SNS key, that accepts only TLS publishers.
        :param sweep_interval: how often the sweep runs: the longest a pause whose event was
            lost goes unnoticed. Default: 15 minutes.
        :param route_tag: a tenant tag whose value names one of ``routes``: that tenant's
            alerts also go to that topic. Default: no routing.
        :param routes: tag value -> topic, used with ``route_tag``. Default: none.
        :param log_retention: how long the function's logs are kept. Default: three months.
        :param removal_policy: of the state table (what was alerted). Default: DESTROY; a
            new table alerts the tenants paused at that time once more.
        """
        super().__init__(scope, id)
        routes = dict(routes or {})
        _validate(self, route_tag, routes, sweep_interval)
        self.topic = topic or self._create_topic()
        self.table = dynamodb.Table(
            self,
            "State",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=removal_policy,
        )
        log_group = logs.LogGroup(
            self, "Logs", retention=log_retention, removal_policy=RemovalPolicy.DESTROY
        )
        role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        log_group.grant_write(role)
        self._grant(role, [self.topic, *routes.values()])
        environment = {
            contract.ENV_STATE_TABLE: self.table.table_name,
            contract.ENV_TOPIC_ARN: self.topic.topic_arn,
        }
        if route_tag:
            environment[contract.ENV_ROUTE_TAG] = route_tag
            environment[contract.ENV_ROUTES] = Stack.of(self).to_json_string(
                {value: routed.topic_arn for value, routed in routes.items()}
            )
        self.function = handler_package_function(
            self,
            "Function",
            entry_point=ALERTS_ENTRY_POINT,
            description="Alerts when an SES tenant is paused or resumed, once per change",
            timeout=ALERTS_TIMEOUT,
            role=role,
            log_group=log_group,
            environment=environment,
        )
        target = targets.LambdaFunction(self.function, retry_attempts=2)
        tenants = events.Match.prefix(
            Stack.of(self).format_arn(service="ses", resource="tenant", resource_name="")
        )
        self.status_rule = events.Rule(
            self,
            "SendingStatusRule",
            description="SES tenant sending status changes",
            event_pattern=events.EventPattern(
                source=[contract.EVENT_SOURCE],
                detail_type=list(contract.STATUS_DETAIL_TYPES),
                resources=tenants,
            ),
            targets=[target],
        )
        self.findings_rule = events.Rule(
            self,
            "FindingsRule",
            description="SES reputation findings on tenants, opened and resolved",
            event_pattern=events.EventPattern(
                source=[contract.EVENT_SOURCE],
                detail_type=list(contract.FINDING_DETAIL_TYPES),
                resources=tenants,
            ),
            targets=[target],
        )
        self.sweep_rule = events.Rule(
            self,
            "SweepSchedule",
            description="Sweep of paused SES tenants, for the events that never arrived",
            schedule=events.Schedule.rate(sweep_interval),
            targets=[target],
        )

    def _create_topic(self) -> sns.Topic:
        return sns.Topic(
            self,
            "Topic",
            display_name="SES tenant pause alerts",
            # The AWS-managed key: only the function publishes (EventBridge does not).
            master_key=kms.Alias.from_alias_name(self, "SnsKey", "alias/aws/sns"),
            enforce_ssl=True,
        )

    def _grant(self, role: iam.Role, topics: list[sns.ITopic]) -> None:
        stack = Stack.of(self)
        tenants = stack.format_arn(service="ses", resource="tenant", resource_name="*")
        by_resource: dict[str, list[str]] = {}
        for operation, resource in contract.SES_OPERATIONS.items():
            by_resource.setdefault(resource, []).append(f"ses:{operation}")
        role.add_to_policy(
            iam.PolicyStatement(
                sid="ReadTenantStatus", actions=by_resource["tenant"], resources=[tenants]
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(sid="ListReputation", actions=by_resource["*"], resources=["*"])
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="AlertState",
                actions=[f"dynamodb:{name}" for name in contract.STATE_TABLE_OPERATIONS],
                resources=[self.table.table_arn],
            )
        )
        for topic in topics:
            topic.grant_publish(role)
        acknowledge_wildcards(
            role,
            [tenants],
            "The alert function reads the reputation entity and tags of any tenant of the "
            "fleet (names known only at run time), only of this account and region.",
        )
        acknowledge_wildcards(
            role,
            ["*"],
            "ListReputationEntities and ListRecommendations have no resource type in IAM: "
            "they can only be granted on all resources; the role may call nothing else there.",
        )


def _validate(
    scope: Construct,
    route_tag: str | None,
    routes: Mapping[str, sns.ITopic],
    sweep_interval: Duration,
) -> None:
    if routes and not route_tag:
        raise SesTenantsValidationError(scope, "routes", "need route_tag, the tag that picks one")
    bad_tag = route_tag is not None and not Token.is_unresolved(route_tag)
    if bad_tag and (not 1 <= len(route_tag or "") <= 128 or str(route_tag).startswith("aws:")):
        raise SesTenantsValidationError(
            scope, "route_tag", "must be a tag key: 1-128 characters, no 'aws:' prefix"
        )
    for value in routes:
        if not Token.is_unresolved(value) and len(value) > 256:
            raise SesTenantsValidationError(
                scope, "routes", f"{value[:20]!r}... is longer than a tag value (256)"
            )
    seconds = sweep_interval.to_seconds()
    if not Token.is_unresolved(seconds) and not 60 <= seconds <= 24 * 3600:
        raise SesTenantsValidationError(
            scope, "sweep_interval", f"must be 1 minute to 1 day, not {seconds} seconds"
        )
