"""The TenantResourceAssociation construct: one (tenant, SES resource) pair."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

from aws_cdk import CustomResource, Stack, Token
from aws_cdk import aws_ses as ses
from constructs import Construct, IConstruct

from ses_tenants._handler import contract
from ses_tenants.errors import SesTenantsValidationError
from ses_tenants.provider import ITenantProvider, TenantProvider

if TYPE_CHECKING:
    from ses_tenants.tenant import ITenant

#: What `Tenant.associate` accepts: an email identity, a configuration set (and through it
#: its dedicated IP pool), an `AWS::SES::Template`, or the ARN of any associable resource.
Associable = ses.IEmailIdentity | ses.IConfigurationSet | ses.CfnTemplate | str


class TenantResourceAssociation(Construct):
    """Associates one SES resource with one tenant (`Custom::SesTenantResourceAssociation`).

    Its properties refer to the tenant and the resource by token, so CloudFormation creates
    it after both and deletes it before both: SES refuses to delete an identity or a
    configuration set that is still associated.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        tenant: ITenant,
        resource_arn: str,
        provider: ITenantProvider | None = None,
    ) -> None:
        """
        :param tenant: the tenant to associate the resource with.
        :param resource_arn: ARN of an email identity, configuration set or email template.
        :param provider: the provider that runs the handler. Default: the stack's
            `TenantProvider.of(self)`.
        """
        super().__init__(scope, id)
        if not Token.is_unresolved(resource_arn) and not contract.SES_RESOURCE_ARN_PATTERN.match(
            resource_arn
        ):
            raise SesTenantsValidationError(
                self,
                "resource_arn",
                f"{resource_arn!r} is not the ARN of an SES email identity, configuration "
                "set or template (arn:<partition>:ses:<region>:<account>:"
                "identity|configuration-set|template/<name>)",
            )
        self.tenant = tenant
        self.resource_arn = resource_arn
        self._resource = CustomResource(
            self,
            "Resource",
            service_token=(provider or TenantProvider.of(self)).service_token,
            resource_type=contract.ASSOCIATION_RESOURCE_TYPE,
            properties={
                contract.PROP_TENANT_NAME: tenant.tenant_name,
                contract.PROP_RESOURCE_ARN: resource_arn,
            },
        )


def association_key(stack: Stack, resource_arn: str) -> str:
    """The ARN as CloudFormation will see it (tokens resolved to intrinsics), as text: the
    same for the same resource in every synth, so usable as an identity."""
    return json.dumps(stack.resolve(resource_arn), sort_keys=True)


def association_id(key: str) -> str:
    """A construct id that stays the same across synths for the same resource, given its
    `association_key` (construct ids are public contract: a new id replaces the resource)."""
    return "Association" + hashlib.sha256(key.encode()).hexdigest()[:8].upper()


def resource_arn_of(resource: Associable) -> str:
    """The ARN SES expects in an association, for any `Associable`."""
    if isinstance(resource, str):
        return resource
    if isinstance(resource, ses.CfnTemplate):
        return _ses_arn(resource, "template", resource.ref)
    # jsii interfaces are protocols that isinstance() cannot check: look at the members.
    # Each member read is a jsii call, so read each at most once.
    identity_arn = getattr(resource, "email_identity_arn", None)
    if identity_arn is not None:
        return str(identity_arn)
    configuration_set_name = getattr(resource, "configuration_set_name", None)
    if configuration_set_name is not None:
        return _ses_arn(resource, "configuration-set", configuration_set_name)
    raise TypeError(
        f"cannot associate {resource!r}: expected an email identity, configuration set, "
        "CfnTemplate or an SES resource ARN"
    )


def _ses_arn(resource: IConstruct, resource_type: str, name: str) -> str:
    return Stack.of(resource).format_arn(service="ses", resource=resource_type, resource_name=name)
