"""The custom-resource provider that runs the SES tenant handler."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import custom_resources as cr
from constructs import Construct, IConstruct

from ses_tenants._handler import contract, operations

#: The handler asset's root: the `ses_tenants` package folder, of which the asset keeps only
#: the `_handler` subpackage (its modules and vendored model data), so the Lambda runtime
#: imports `_handler.tenant_handler` and the handler's relative imports resolve.
HANDLER_ASSET_DIR = Path(__file__).resolve().parent
HANDLER_ASSET_EXCLUDE = ["*", "!_handler", "!_handler/**", "__pycache__", "*.pyc", ".*"]
HANDLER_ENTRY_POINT = "_handler.tenant_handler.handle"

#: Construct id of the per-stack singleton. Changing it replaces the provider.
SINGLETON_ID = "SesTenantsProvider"

#: SES allows about one control-plane request per second per account, so a deploy of many
#: tenants is throttled; the handler retries with backoff until shortly before this timeout,
#: then leaves the rest of the request to the framework's waiter (see tenant_handler).
HANDLER_TIMEOUT = Duration.minutes(10)
#: The waiter calls the handler again (as is_complete) this long after a call that left work
#: pending: throttling has eased a little by then, and the calls stay few.
QUERY_INTERVAL = Duration.seconds(30)
#: The waiter's limit, CloudFormation's for a custom resource and the framework's maximum.
#: The handler gives up sooner, after tenant_handler.WAIT_LIMIT_SECONDS, to undo and report.
TOTAL_TIMEOUT = Duration.hours(1)

#: Statement ids of the handler's policy, one per kind of resource the SES operations of
#: `operations.SES_OPERATIONS` are authorized on, and one for its CloudFormation reads.
_SES_STATEMENT_IDS = {
    operations.SesResource.TENANT: "ManageTenants",
    operations.SesResource.ASSOCIATED_RESOURCE: "AssociateResources",
    operations.SesResource.REPUTATION_POLICY: "ApplyReputationPolicies",
}
_STACK_READS_STATEMENT_ID = "ReadStacks"


class ITenantProvider(Protocol):
    """Anything that can serve the tenant custom resources."""

    @property
    def service_token(self) -> str:
        """The ARN custom resources name as their `ServiceToken` to reach the handler."""
        ...


class TenantProvider(Construct):
    """One handler function and one `custom_resources.Provider` serving every tenant resource.

    Use `TenantProvider.of(scope)` for the stack's singleton, or create one in a shared
    platform stack and pass it to tenants in other stacks (CDK exports its service token),
    so N customer stacks do not deploy 4N functions.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        log_retention: logs.RetentionDays = logs.RetentionDays.THREE_MONTHS,
    ) -> None:
        """
        :param log_retention: how long the handler's and the framework's logs are kept.
            Default: three months.
        """
        super().__init__(scope, id)
        self.handler = self._create_handler(log_retention)
        framework_logs, framework_role = self._logs_and_role("Framework", log_retention)
        # The framework's isComplete and onTimeout functions log where its onEvent does; CDK
        # wants them a role of their own.
        waiter_role = iam.Role(
            self, "WaiterRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com")
        )
        framework_logs.grant_write(waiter_role)
        waiter_logs = logs.LogGroup(
            self, "WaiterLogs", retention=log_retention, removal_policy=RemovalPolicy.DESTROY
        )
        # One function serves as on_event and as is_complete: a request SES throttles for
        # longer than one invocation is carried on by the waiter instead of failing.
        self._provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.handler,
            is_complete_handler=self.handler,
            query_interval=QUERY_INTERVAL,
            total_timeout=TOTAL_TIMEOUT,
            log_group=framework_logs,
            framework_on_event_role=framework_role,
            framework_complete_and_timeout_role=waiter_role,
            disable_waiter_state_machine_logging=False,
            waiter_state_machine_log_options=cr.LogOptions(
                destination=waiter_logs, level=sfn.LogLevel.ALL
            ),
        )
        # Read once: every tenant and association asks for it, and each read is a jsii call.
        self._service_token = self._provider.service_token
        for role in (framework_role, waiter_role):
            acknowledge_wildcards(
                role,
                [f"{self.handler.function_arn}:*"],
                "The Provider framework may invoke every version of this one handler function.",
            )
        self._acknowledge_waiter_findings()

    @property
    def service_token(self) -> str:
        """The ARN custom resources name as their `ServiceToken`."""
        return self._service_token

    @staticmethod
    def of(scope: Construct) -> TenantProvider:
        """The provider of `scope`'s stack, created on first use."""
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(SINGLETON_ID)
        if isinstance(existing, TenantProvider):
            return existing
        return TenantProvider(stack, SINGLETON_ID)

    @staticmethod
    def from_service_token(service_token: str) -> ITenantProvider:
        """A provider deployed elsewhere, e.g. a token read from SSM or an export."""
        return _ImportedTenantProvider(service_token)

    def _acknowledge_waiter_findings(self) -> None:
        """What cdk-nag finds in the framework's waiter state machine, which CDK builds and
        does not let us configure further."""
        waiter = self._provider.node.find_child("waiter-state-machine")
        functions = [
            self._provider.node.find_child(name)
            for name in ("framework-isComplete", "framework-onTimeout")
        ]
        acknowledge_wildcards(
            waiter,
            [
                f"{function.function_arn}:*"
                for function in functions
                if isinstance(function, lambda_.Function)
            ],
            "The waiter invokes every version of the framework's isComplete and onTimeout "
            "functions; it is CDK's Provider framework's own state machine.",
        )
        acknowledge_wildcards(
            waiter,
            ["*"],
            "Step Functions log delivery (logs:CreateLogDelivery and the like) is authorized "
            "on no narrower resource, and CDK's state machine grants its log writes with it; "
            "the waiter logs to its own log group.",
        )
        Validations.of(waiter).acknowledge(
            Acknowledgment(
                id="AwsSolutions-SF2",
                reason="The Provider framework's waiter offers no X-Ray tracing; it logs every "
                "event of every execution to its log group instead.",
            )
        )

    def _create_handler(self, log_retention: logs.RetentionDays) -> lambda_.Function:
        handler_logs, role = self._logs_and_role("Handler", log_retention)
        acknowledge_wildcards(
            role,
            self._grant_ses_tenant_management(role),
            "One provider serves every tenant of the stack (or, shared, of the platform): the "
            "names are known only at deploy time, so access is scoped to SES tenants, "
            "associable resources and AWS-owned reputation policies of this account and region.",
        )
        acknowledge_wildcards(
            role,
            self._grant_stack_reads(role),
            "Read-only: the handler reads the status and resources of the stack an event comes "
            "from and of the stack named in a tenant's ownership mark; a shared provider serves "
            "many stacks, so reads are scoped to the stacks of this account and region.",
        )
        return handler_package_function(
            self,
            "Handler",
            entry_point=HANDLER_ENTRY_POINT,
            description="Creates, updates and deletes SES tenants and their associations",
            timeout=HANDLER_TIMEOUT,
            role=role,
            log_group=handler_logs,
        )

    def _logs_and_role(
        self, name: str, retention: logs.RetentionDays
    ) -> tuple[logs.LogGroup, iam.Role]:
        """A log group with retention and a role that may write only to it, instead of the
        managed AWSLambdaBasicExecutionRole, which may write to every log group."""
        log_group = logs.LogGroup(
            self, f"{name}Logs", retention=retention, removal_policy=RemovalPolicy.DESTROY
        )
        role = iam.Role(
            self, f"{name}Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com")
        )
        log_group.grant_write(role)
        return log_group, role

    def _grant_ses_tenant_management(self, role: iam.Role) -> list[str]:
        """Grants each SES operation of `operations.SES_OPERATIONS` on every kind of resource
        it is authorized on; returns the wildcard resource ARNs it used."""
        stack = Stack.of(self)

        def ses_arn(resource: str, account: str | None = None) -> str:
            return stack.format_arn(
                service="ses", resource=resource, resource_name="*", account=account
            )

        arns = {
            operations.SesResource.TENANT: [ses_arn("tenant")],
            operations.SesResource.ASSOCIATED_RESOURCE: [
                ses_arn(segment) for segment in contract.ASSOCIABLE_RESOURCE_SEGMENTS
            ],
            # Reputation policies are AWS-owned: their ARNs carry the account "aws".
            operations.SesResource.REPUTATION_POLICY: [ses_arn("reputation-policy", account="aws")],
        }
        granted: list[str] = []
        # Every kind of resource, so that a kind added to the table without ARNs or a
        # statement id here fails the synth instead of going ungranted.
        for resource in operations.SesResource:
            actions = [f"ses:{name}" for name in operations.ses_operations_on(resource)]
            if actions:
                role.add_to_policy(
                    iam.PolicyStatement(
                        sid=_SES_STATEMENT_IDS[resource], actions=actions, resources=arns[resource]
                    )
                )
                granted.extend(arns[resource])
        return granted

    def _grant_stack_reads(self, role: iam.Role) -> list[str]:
        """Grants the handler's CloudFormation reads on the stacks of this account and region
        (a shared provider serves many stacks, and a tenant's owner may be any of them);
        returns the wildcard resource ARNs it used."""
        stacks = [
            Stack.of(self).format_arn(service="cloudformation", resource="stack", resource_name="*")
        ]
        role.add_to_policy(
            iam.PolicyStatement(
                sid=_STACK_READS_STATEMENT_ID,
                actions=[f"cloudformation:{name}" for name in operations.CLOUDFORMATION_OPERATIONS],
                resources=stacks,
            )
        )
        return stacks


def handler_package_function(
    scope: Construct,
    id: str,
    *,
    entry_point: str,
    description: str,
    timeout: Duration,
    role: iam.IRole,
    log_group: logs.ILogGroup,
    environment: Mapping[str, str] | None = None,
) -> lambda_.Function:
    """A function running an entry point of the handler package, as every function of the
    library does: Python 3.14 on arm64, 256 MB, from the one asset of `_handler/` (so all of
    them share one upload and the vendored SES model)."""
    return lambda_.Function(
        scope,
        id,
        description=description,
        runtime=lambda_.Runtime.PYTHON_3_14,
        architecture=lambda_.Architecture.ARM_64,
        handler=entry_point,
        code=lambda_.Code.from_asset(str(HANDLER_ASSET_DIR), exclude=HANDLER_ASSET_EXCLUDE),
        timeout=timeout,
        memory_size=256,
        role=role,
        log_group=log_group,
        environment=dict(environment) if environment else None,
    )


def acknowledge_wildcards(scope: IConstruct, resource_arns: list[str], reason: str) -> None:
    """Acknowledge cdk-nag's AwsSolutions-IAM5 finding for exactly these wildcard resources
    of the policies in `scope` (CDK's native acknowledgement; no dependency on cdk-nag)."""
    stack = Stack.of(scope)
    for arn in resource_arns:
        finding = f"AwsSolutions-IAM5[Resource::{_nag_rendering(stack.resolve(arn))}]"
        Validations.of(scope).acknowledge(Acknowledgment(id=finding, reason=reason))


def _nag_rendering(value: object) -> str:
    """A resolved value written as cdk-nag names it in a finding: <Ref>, <Resource.Attr>."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Ref" in value:
        return f"<{value['Ref']}>"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        resource, attribute = value["Fn::GetAtt"]
        return f"<{resource}.{attribute}>"
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(_nag_rendering(part) for part in parts)
    raise ValueError(f"cannot render {value!r} as cdk-nag does")


class _ImportedTenantProvider:
    def __init__(self, service_token: str) -> None:
        self._service_token = service_token

    @property
    def service_token(self) -> str:
        return self._service_token
