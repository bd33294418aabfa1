"""The platform's stacks: one shared provider stack, and one stack per customer."""

from __future__ import annotations

from aws_cdk import App, RemovalPolicy, Stack
from aws_cdk import aws_ses as ses
from constructs import Construct

from platform_app.customers import Customer, CustomersFile
from ses_tenants import (
    ReputationPolicy,
    SendingStatus,
    SuppressionReason,
    SuppressionScope,
    TenantProvider,
)
from ses_tenants.customer_tenant import CustomerTenant, EmailTemplate

PLATFORM_STACK_NAME = "SesTenantsPlatform"


def customer_stack_name(customer: Customer) -> str:
    return f"SesTenant-{customer.id}"


class PlatformStack(Stack):
    """What all customers share: the tenant provider (2 functions for the whole fleet) and
    the platform's dedicated IP pools."""

    def __init__(self, scope: Construct, id: str, *, shared_ip_pools: list[str]) -> None:
        super().__init__(scope, id, description="SES tenants: shared provider and IP pools")
        self.provider = TenantProvider(self, "TenantProvider")
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
        self.customer_tenant = CustomerTenant(
            self,
            "Customer",
            tenant_name=customer.tenant_name,
            domain=customer.domain,
            reputation_policy=ReputationPolicy(customer.reputation_policy),
            sending_status=SendingStatus(customer.sending_status),
            suppression_scope=SuppressionScope(suppression.scope) if suppression else None,
            suppressed_reasons=(
                [SuppressionReason(r) for r in suppression.reasons] if suppression else None
            ),
            dedicated_ip_pool=customer.dedicated_ip_pool,
            shared_ip_pool=(
                platform.ip_pools[customer.shared_ip_pool] if customer.shared_ip_pool else None
            ),
            templates=[
                EmailTemplate(name=t.name, subject=t.subject, html=t.html, text=t.text)
                for t in customer.templates
            ],
            tags=customer.tags,
            removal_policy=(
                RemovalPolicy.RETAIN if customer.retain_on_delete else RemovalPolicy.DESTROY
            ),
            adopt_existing=customer.adopt_existing,
            provider=platform.provider,
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
