"""The platform's stacks: one shared provider stack, and one stack per customer."""

from __future__ import annotations

from aws_cdk import App, ArnFormat, CfnOutput, RemovalPolicy, Stack
from aws_cdk import aws_ses as ses
from constructs import Construct

from platform_app.customers import Customer, CustomersFile, ExistingResources
from ses_tenants import (
    ReputationPolicy,
    SendingStatus,
    Suppression,
    SuppressionReason,
    SuppressionScope,
    Tenant,
    TenantProps,
    TenantProvider,
)
from ses_tenants.customer_tenant import CustomerTenant, EmailTemplate
from ses_tenants.pause_alerts import PauseAlerts

PLATFORM_STACK_NAME = "SesTenantsPlatform"


def customer_stack_name(customer: Customer) -> str:
    return f"SesTenant-{customer.id}"


class PlatformStack(Stack):
    """What all customers share: the tenant provider (4 functions for the whole fleet), the
    platform's dedicated IP pools and the fleet's pause alerts (1 function)."""

    def __init__(self, scope: Construct, id: str, *, shared_ip_pools: list[str]) -> None:
        super().__init__(scope, id, description="SES tenants: shared provider and IP pools")
        self.provider = TenantProvider(self, "TenantProvider")
        self.pause_alerts = PauseAlerts(self, "PauseAlerts")
        CfnOutput(
            self,
            "PauseAlertsTopicArn",
            value=self.pause_alerts.topic.topic_arn,
            description="SNS topic of the fleet's pause alerts: subscribe the on-call here",
        )
        self.ip_pools: dict[str, ses.IDedicatedIpPool] = {
            name: ses.DedicatedIpPool(
                self,
                f"Pool-{name}",
                dedicated_ip_pool_name=name,
                scaling_mode=ses.ScalingMode.MANAGED,
            )
            for name in shared_ip_pools
        }


class CustomerStack(Stack):
    """One customer's tenant and sending resources, deployed and destroyed on their own."""

    def __init__(
        self, scope: Construct, id: str, *, customer: Customer, platform: PlatformStack
    ) -> None:
        super().__init__(scope, id, description=f"SES tenant of customer {customer.id}")
        suppression = customer.suppression
        props = TenantProps(
            tenant_name=customer.tenant_name,
            reputation_policy=ReputationPolicy(customer.reputation_policy),
            sending_status=SendingStatus(customer.sending_status),
            suppression=(
                Suppression(
                    SuppressionScope(suppression.scope),
                    tuple(SuppressionReason(r) for r in suppression.reasons),
                )
                if suppression
                else None
            ),
            tags=customer.tags,
            removal_policy=(
                RemovalPolicy.RETAIN if customer.retain_on_delete else RemovalPolicy.DESTROY
            ),
            adopt_existing=customer.adopt_existing,
            provider=platform.provider,
        )
        self.customer_tenant: CustomerTenant | None = None
        if customer.domain is not None:
            self.customer_tenant = CustomerTenant(
                self,
                "Customer",
                tenant=props,
                domain=customer.domain,
                dedicated_ip_pool=customer.dedicated_ip_pool,
                shared_ip_pool=(
                    platform.ip_pools[customer.shared_ip_pool] if customer.shared_ip_pool else None
                ),
                templates=[
                    EmailTemplate(name=t.name, subject=t.subject, html=t.html, text=t.text)
                    for t in customer.templates
                ],
            )
            self.tenant = self.customer_tenant.tenant
            add_customer_outputs(self.customer_tenant)
        else:
            # Only resources that exist already: the tenant at CustomerTenant's path, so that
            # its logical id stays the same if the customer later gets a domain.
            scope = Construct(self, "Customer")
            self.tenant = Tenant(scope, "Tenant", **props.as_kwargs())
            for name, value in (
                ("TenantName", self.tenant.tenant_name),
                ("TenantArn", self.tenant.tenant_arn),
            ):
                CfnOutput(scope, name, value=value, description=f"{name} of this customer's tenant")
        if customer.existing_resources is not None:
            associate_existing(self.tenant, customer.existing_resources)


def associate_existing(tenant: Tenant, existing: ExistingResources) -> None:
    """Associate resources made outside the app, by name: the app neither creates nor
    deletes them, only their associations with the tenant."""
    stack = Stack.of(tenant)
    for segment, names in (
        ("identity", existing.identities),
        ("configuration-set", existing.configuration_sets),
        ("template", existing.templates),
    ):
        for name in names:
            tenant.associate(
                stack.format_arn(
                    service="ses",
                    resource=segment,
                    resource_name=name,
                    arn_format=ArnFormat.SLASH_RESOURCE_NAME,
                )
            )


def add_customer_outputs(customer_tenant: CustomerTenant) -> None:
    """The stack outputs a customer's workloads read: tenant name and ARN, identity,
    configuration set and the IP pool it sends through (its own or the platform's).

    They are made in the CustomerTenant's scope, where the construct itself made them
    before, so that their logical ids (CustomerTenantName..., ...) stay those of the
    deployed stacks.
    """
    outputs = {
        "TenantName": customer_tenant.tenant.tenant_name,
        "TenantArn": customer_tenant.tenant.tenant_arn,
        "IdentityName": customer_tenant.identity.email_identity_name,
        "ConfigurationSetName": customer_tenant.configuration_set.configuration_set_name,
    }
    if isinstance(customer_tenant.ip_pool, ses.DedicatedIpPool):  # not an imported pool
        outputs["DedicatedIpPoolName"] = customer_tenant.ip_pool.dedicated_ip_pool_name
    for name, value in outputs.items():
        CfnOutput(
            customer_tenant, name, value=value, description=f"{name} of this customer's tenant"
        )


def build_platform(app: App, customers: CustomersFile) -> list[Stack]:
    """The platform stack and one stack per customer, in `app`."""
    platform = PlatformStack(app, PLATFORM_STACK_NAME, shared_ip_pools=customers.shared_ip_pools)
    stacks: list[Stack] = [platform]
    for customer in customers.customers:
        stacks.append(
            CustomerStack(app, customer_stack_name(customer), customer=customer, platform=platform)
        )
    return stacks
