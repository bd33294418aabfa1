"""CustomerTenant: everything one customer needs to send email as its own SES tenant."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import CfnOutput, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ses as ses
from constructs import Construct

from ses_tenants.enums import ReputationPolicy, SendingStatus, SuppressionReason, SuppressionScope
from ses_tenants.errors import SesTenantsValidationError
from ses_tenants.provider import ITenantProvider
from ses_tenants.tenant import Tenant


@dataclass(frozen=True)
class EmailTemplate:
    """An SES email template owned by one customer."""

    name: str
    subject: str
    html: str | None = None
    text: str | None = None


class CustomerTenant(Construct):
    """A customer's tenant with a domain identity (Easy DKIM), a configuration set, optional
    dedicated IP pool and templates, all associated with the tenant.

    Workloads send as the customer with `grant_send` and the names in the stack outputs:
    the tenant name, the identity and the configuration set.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        tenant_name: str,
        domain: str,
        reputation_policy: ReputationPolicy = ReputationPolicy.STANDARD,
        sending_status: SendingStatus = SendingStatus.ENABLED,
        suppression_scope: SuppressionScope | None = None,
        suppressed_reasons: Sequence[SuppressionReason] | None = None,
        dedicated_ip_pool: bool = False,
        shared_ip_pool: ses.IDedicatedIpPool | None = None,
        templates: Sequence[EmailTemplate] = (),
        tags: Mapping[str, str] | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.DESTROY,
        adopt_existing: bool = False,
        provider: ITenantProvider | None = None,
    ) -> None:
        """
        :param tenant_name: the SES tenant's name; changing it replaces the tenant.
        :param domain: the domain to send from; verified with Easy DKIM.
        :param dedicated_ip_pool: give the customer a dedicated IP pool of its own
            (managed scaling). Default: False (SES's shared IPs).
        :param shared_ip_pool: route through this pool instead, e.g. one the platform owns.
        :param templates: email templates the customer sends with. Default: none.
        :param removal_policy: what happens to the tenant when it leaves the stack; the
            identity, configuration set, pool and templates always go with the stack.
        The remaining parameters are those of `Tenant`.
        """
        super().__init__(scope, id)
        if dedicated_ip_pool and shared_ip_pool is not None:
            raise SesTenantsValidationError(
                self, "dedicated_ip_pool", "cannot be combined with shared_ip_pool"
            )
        self.tenant = Tenant(
            self,
            "Tenant",
            tenant_name=tenant_name,
            reputation_policy=reputation_policy,
            sending_status=sending_status,
            suppression_scope=suppression_scope,
            suppressed_reasons=suppressed_reasons,
            tags=tags,
            removal_policy=removal_policy,
            adopt_existing=adopt_existing,
            provider=provider,
        )
        self.ip_pool: ses.IDedicatedIpPool | None = shared_ip_pool
        if dedicated_ip_pool:
            self.ip_pool = ses.DedicatedIpPool(self, "IpPool", scaling_mode=ses.ScalingMode.MANAGED)
        self.configuration_set = ses.ConfigurationSet(
            self, "ConfigurationSet", dedicated_ip_pool=self.ip_pool
        )
        self.identity = ses.EmailIdentity(
            self,
            "Identity",
            identity=ses.Identity.domain(domain),
            configuration_set=self.configuration_set,
        )
        self.tenant.associate(self.identity)
        self.tenant.associate(self.configuration_set)
        self.templates = [self._template(template) for template in templates]
        for template in self.templates:
            self.tenant.associate(template)
        self._outputs()

    def grant_send(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let `grantee` send as this customer's tenant, through its resources only (see
        `Tenant.grant_send`: SendEmail, SendBulkEmail and SendRawEmail on the identity,
        configuration set and templates, with `ses:TenantName` = the tenant)."""
        return self.tenant.grant_send(grantee)

    def _template(self, template: EmailTemplate) -> ses.CfnTemplate:
        if template.html is None and template.text is None:
            raise SesTenantsValidationError(
                self, "templates", f"template {template.name!r} needs html or text"
            )
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

    def _outputs(self) -> None:
        outputs = {
            "TenantName": self.tenant.tenant_name,
            "TenantArn": self.tenant.tenant_arn,
            "IdentityName": self.identity.email_identity_name,
            "ConfigurationSetName": self.configuration_set.configuration_set_name,
        }
        if isinstance(self.ip_pool, ses.DedicatedIpPool):  # its own pool, not a shared one
            outputs["DedicatedIpPoolName"] = self.ip_pool.dedicated_ip_pool_name
        for name, value in outputs.items():
            CfnOutput(self, name, value=value, description=f"{name} of this customer's tenant")
