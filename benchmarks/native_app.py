#!/usr/bin/env python3
"""The peer of app.py for the synth benchmark: the same customers, stacks, identities,
configuration sets, pools, templates and outputs, with CloudFormation's native
AWS::SES::Tenant (`aws_ses.CfnTenant`) and its `ResourceAssociations` property instead of
our Tenant custom resource, associations and provider.

What CfnTenant cannot express is left out, so the comparison favours it slightly: it has no
customer-managed sending status and no adopt-existing; the reputation policy and
suppression attributes map one to one. Stack names match app.py's so templates compare.
aws-cdk-lib 2.275's built-in CloudFormation validation warns that AWS::SES::Tenant allows no
ReputationEntity or SuppressionAttributes; its rules lag the CfnTenant class, which offers
both, so they are kept.

Run it as CDK would: `CDK_OUTDIR=... CDK_CONTEXT_JSON=... python benchmarks/native_app.py`.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
HANDLER_DIR = REPO_ROOT / "constructs" / "ses_tenants" / "_handler"


def _import_customers_schema_without_our_library() -> None:
    """Make `platform_app.customers` importable without importing `ses_tenants`.

    The schema reads its limits and rules from contract.py and rules.py as
    `ses_tenants._handler.contract` and `.rules`, and importing those runs
    `ses_tenants/__init__`, which loads our constructs and, through custom_resources, the
    AWS CLI asset's jsii assembly (about 0.3 s). The peer must not pay for our library, so
    the two modules (which import nothing of ours but each other) are registered under
    those names on their own.
    """
    sys.path.insert(1, str(REPO_ROOT))  # run from benchmarks/: platform_app is at the root
    package = types.ModuleType("ses_tenants")
    handler_package = types.ModuleType("ses_tenants._handler")
    handler_package.__path__ = []  # a package, so that rules.py's relative import works
    package._handler = handler_package  # type: ignore[attr-defined]
    sys.modules.update({"ses_tenants": package, "ses_tenants._handler": handler_package})
    for name in ("contract", "rules"):
        spec = importlib.util.spec_from_file_location(
            f"ses_tenants._handler.{name}", HANDLER_DIR / f"{name}.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        setattr(handler_package, name, module)


_import_customers_schema_without_our_library()

from aws_cdk import App, CfnOutput, CfnTag, RemovalPolicy, Stack  # noqa: E402
from aws_cdk import aws_ses as ses  # noqa: E402
from constructs import Construct  # noqa: E402

from platform_app.customers import Customer, Template, load_customers  # noqa: E402

CUSTOMERS_FILE_CONTEXT_KEY = "ses-tenants:customers-file"
# As in platform_app.stacks, which cannot be imported here: it imports our constructs.
PLATFORM_STACK_NAME = "SesTenantsPlatform"


def customer_stack_name(customer: Customer) -> str:
    return f"SesTenant-{customer.id}"


class NativePlatformStack(Stack):
    """The shared IP pools; no provider, since CloudFormation manages AWS::SES::Tenant."""

    def __init__(self, scope: Construct, id: str, *, shared_ip_pools: list[str]) -> None:
        super().__init__(scope, id, description="SES tenants: shared IP pools")
        self.ip_pools = {
            name: ses.DedicatedIpPool(
                self,
                f"Pool-{name}",
                dedicated_ip_pool_name=name,
                scaling_mode=ses.ScalingMode.MANAGED,
            )
            for name in shared_ip_pools
        }


class NativeCustomerStack(Stack):
    """What CustomerTenant builds, with the tenant and its associations as one CfnTenant."""

    def __init__(
        self, scope: Construct, id: str, *, customer: Customer, platform: NativePlatformStack
    ) -> None:
        super().__init__(scope, id, description=f"SES tenant of customer {customer.id}")
        pool: ses.IDedicatedIpPool | None = None
        if customer.dedicated_ip_pool:
            pool = ses.DedicatedIpPool(self, "IpPool", scaling_mode=ses.ScalingMode.MANAGED)
        elif customer.shared_ip_pool:
            pool = platform.ip_pools[customer.shared_ip_pool]
        configuration_set = ses.ConfigurationSet(self, "ConfigurationSet", dedicated_ip_pool=pool)
        assert customer.domain is not None, "the benchmark's customers all have a domain"
        identity = ses.EmailIdentity(
            self,
            "Identity",
            identity=ses.Identity.domain(customer.domain),
            configuration_set=configuration_set,
        )
        templates = [self._template(template) for template in customer.templates]
        associated_arns = [
            identity.email_identity_arn,
            self._ses_arn("configuration-set", configuration_set.configuration_set_name),
            *(self._ses_arn("template", template.ref) for template in templates),
        ]
        tenant = ses.CfnTenant(
            self,
            "Tenant",
            tenant_name=customer.tenant_name,
            reputation_entity=ses.CfnTenant.ReputationEntityProperty(
                policy=ses.CfnTenant.ReputationPolicyProperty(
                    reputation_entity_policy=self._reputation_policy_arn(customer)
                )
            ),
            suppression_attributes=self._suppression(customer),
            resource_associations=[
                ses.CfnTenant.ResourceAssociationProperty(resource_arn=arn)
                for arn in associated_arns
            ],
            tags=[CfnTag(key=key, value=value) for key, value in sorted(customer.tags.items())],
        )
        if customer.retain_on_delete:
            tenant.apply_removal_policy(RemovalPolicy.RETAIN)
        outputs = {
            "TenantName": tenant.ref,
            "TenantArn": tenant.attr_arn,
            "IdentityName": identity.email_identity_name,
            "ConfigurationSetName": configuration_set.configuration_set_name,
        }
        if customer.dedicated_ip_pool and isinstance(pool, ses.DedicatedIpPool):
            outputs["DedicatedIpPoolName"] = pool.dedicated_ip_pool_name
        for name, value in outputs.items():
            CfnOutput(self, name, value=value, description=f"{name} of this customer's tenant")

    def _template(self, template: Template) -> ses.CfnTemplate:
        return ses.CfnTemplate(
            self,
            f"Template-{template.name}",
            template=ses.CfnTemplate.TemplateProperty(
                template_name=template.name,
                subject_part=template.subject,
                html_part=template.html,
                text_part=template.text,
            ),
        )

    def _ses_arn(self, resource_type: str, name: str) -> str:
        return self.format_arn(service="ses", resource=resource_type, resource_name=name)

    def _reputation_policy_arn(self, customer: Customer) -> str:
        # AWS-owned policies: the account segment is "aws".
        return self.format_arn(
            service="ses",
            account="aws",
            resource="reputation-policy",
            resource_name=customer.reputation_policy,
        )

    @staticmethod
    def _suppression(
        customer: Customer,
    ) -> ses.CfnTenant.TenantSuppressionAttributesProperty | None:
        if customer.suppression is None:
            return None
        return ses.CfnTenant.TenantSuppressionAttributesProperty(
            suppression_scope=customer.suppression.scope,
            suppressed_reasons=list(customer.suppression.reasons),
        )


def main() -> None:
    app = App()
    customers_file = Path(app.node.try_get_context(CUSTOMERS_FILE_CONTEXT_KEY) or "customers.yaml")
    customers = load_customers(customers_file)
    platform = NativePlatformStack(
        app, PLATFORM_STACK_NAME, shared_ip_pools=customers.shared_ip_pools
    )
    for customer in customers.customers:
        NativeCustomerStack(
            app, customer_stack_name(customer), customer=customer, platform=platform
        )
    app.synth()


if __name__ == "__main__":
    main()
