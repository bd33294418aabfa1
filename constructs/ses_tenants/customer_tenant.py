"""CustomerTenant: everything one customer needs to send email as its own SES tenant."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypedDict, Unpack

from aws_cdk import RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ses as ses
from constructs import Construct

from ses_tenants.enums import ReputationPolicy, SendingStatus, Suppression
from ses_tenants.errors import SesTenantsValidationError
from ses_tenants.provider import ITenantProvider
from ses_tenants.tenant import Tenant, TenantProps


@dataclass(frozen=True)
class EmailTemplate:
    """An SES email template owned by one customer."""

    name: str
    subject: str
    html: str | None = None
    text: str | None = None


class TenantKeywords(TypedDict, total=False):
    """`TenantProps`'s fields as keyword arguments: the form `CustomerTenant` took before
    `tenant=TenantProps(...)`, still accepted."""

    tenant_name: str
    reputation_policy: ReputationPolicy
    sending_status: SendingStatus
    suppression: Suppression | None
    tags: Mapping[str, str] | None
    removal_policy: RemovalPolicy
    adopt_existing: bool
    provider: ITenantProvider | None


class CustomerTenant(Construct):
    """A customer's tenant with a domain identity (Easy DKIM), a configuration set, optional
    dedicated IP pool and templates, all associated with the tenant.

    Workloads send as the customer with `grant_send` and the names of `tenant`, `identity`
    and `configuration_set`. Like aws-cdk's own constructs, it makes no stack outputs: an
    app that wants them makes them (the platform app does, in platform_app/stacks.py).

    Example::

        CustomerTenant(stack, "Customer",
                       tenant=TenantProps(tenant_name="acme",
                                          reputation_policy=ReputationPolicy.STRICT),
                       domain="mail.acme.example.com", dedicated_ip_pool=True)
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        domain: str,
        tenant: TenantProps | None = None,
        dedicated_ip_pool: bool = False,
        shared_ip_pool: ses.IDedicatedIpPool | None = None,
        templates: Sequence[EmailTemplate] = (),
        **tenant_keywords: Unpack[TenantKeywords],
    ) -> None:
        """
        :param domain: the domain to send from; verified with Easy DKIM.
        :param tenant: the tenant's options (`TenantProps`: name, reputation policy, sending
            status, suppression, tags, removal policy, adoption, provider). The removal
            policy is the tenant's; the identity, configuration set, pool and templates
            always go with the stack.
        :param dedicated_ip_pool: give the customer a dedicated IP pool of its own
            (managed scaling). Default: False (SES's shared IPs).
        :param shared_ip_pool: route through this pool instead, e.g. one the platform owns.
        :param templates: email templates the customer sends with. Default: none.
        :param tenant_keywords: instead of `tenant`, `TenantProps`'s fields as keywords
            (`tenant_name=..., reputation_policy=...`), as earlier versions took them.
        """
        super().__init__(scope, id)
        props = self._tenant_props(tenant, tenant_keywords)
        if dedicated_ip_pool and shared_ip_pool is not None:
            raise SesTenantsValidationError(
                self, "dedicated_ip_pool", "cannot be combined with shared_ip_pool"
            )
        self.tenant = Tenant(self, "Tenant", **props.as_kwargs())
        self.ip_pool: ses.IDedicatedIpPool | None = shared_ip_pool
        #: The pool of the customer's own (dedicated_ip_pool=True), or None.
        self.dedicated_ip_pool: ses.DedicatedIpPool | None = None
        if dedicated_ip_pool:
            self.dedicated_ip_pool = ses.DedicatedIpPool(
                self, "IpPool", scaling_mode=ses.ScalingMode.MANAGED
            )
            self.ip_pool = self.dedicated_ip_pool
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

    def _tenant_props(self, tenant: TenantProps | None, keywords: TenantKeywords) -> TenantProps:
        if tenant is not None and keywords:
            given = ", ".join(sorted(keywords))
            raise SesTenantsValidationError(
                self,
                "tenant",
                f"give the tenant's options in tenant=TenantProps(...) or as keywords, not "
                f"both (also given: {given})",
            )
        if tenant is not None:
            return tenant
        if "tenant_name" not in keywords:
            raise SesTenantsValidationError(
                self, "tenant", "give tenant=TenantProps(tenant_name=..., ...)"
            )
        return TenantProps(**keywords)

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
