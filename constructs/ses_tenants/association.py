"""The TenantResourceAssociation construct: one (tenant, SES resource) pair."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from aws_cdk import CustomResource, Stack, Token, Tokenization
from aws_cdk import aws_ses as ses
from constructs import Construct, IConstruct

from ses_tenants._handler import contract, rules
from ses_tenants.app_registry import AppRegistry
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
        problem = rules.resource_arn_problem(resource_arn)
        if problem and not Token.is_unresolved(resource_arn):
            raise SesTenantsValidationError(self, "resource_arn", problem)
        self.tenant = tenant
        self.resource_arn = resource_arn
        self._claim_pair_in_app(tenant, resource_arn)
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

    def _claim_pair_in_app(self, tenant: ITenant, resource_arn: str) -> None:
        """Fail if another association of the app claims the same tenant and resource: each
        stack would deploy, and then removing either would remove the pair for both."""
        tenant_name = getattr(tenant, "declared_tenant_name", None) or tenant.tenant_name
        key = association_key(self, resource_arn)
        stack = _stack_of(tenant)
        registry = AppRegistry.of(stack)
        qualified = key
        if _TOKEN_MARKER in tenant_name or "{" in key:
            # Tokens and logical ids mean something only within their stack (the registry
            # lives as long as the app's Python objects, so the stack object's identity
            # serves: its path would cost jsii calls).
            qualified = f"stack {id(stack)}:{key}"
        holder = registry.claim("association", f"{tenant_name}|{qualified}", self)
        if holder is None and _TOKEN_MARKER not in tenant_name:
            holder = _same_resource_by_name(registry, tenant_name, key, resource_arn, self)
        if holder is not None:
            raise SesTenantsValidationError(
                self,
                "resource_arn",
                f"{key} is already associated with tenant {tenant_name!r} by "
                f"'{holder.node.path}'. Declare each association once in an app: removing "
                "either one would remove it from SES for both.",
            )


def _same_resource_by_name(
    registry: AppRegistry, tenant_name: str, key: str, resource_arn: str, claimant: Construct
) -> Construct | None:
    """The association of the tenant that names the same resource the other way: a
    construct's ARN names it by logical id (`{"Ref": ...}`), a literal ARN by its name.
    Names are looked up only when a tenant has associations of both kinds for a resource
    type, as each lookup costs jsii round trips."""
    segment, _, name = key.partition("/")
    by_name, by_reference = registry.group(("associations by name", tenant_name, segment))
    if "{" in key:
        by_reference.append((resource_arn, claimant))
        return by_name.get(_literal_name_in(resource_arn) or "") if by_name else None
    by_name.setdefault(name, claimant)
    for other_arn, holder in by_reference:
        if _literal_name_in(other_arn) == name:
            return holder
    return None


def _stack_of(tenant: object) -> Stack:
    """The tenant's stack: the one a Tenant has read already, else looked up once."""
    stack: Stack | None = getattr(tenant, "_stack", None) or getattr(
        tenant, "_ses_tenants_stack", None
    )
    if stack is None:
        stack = Stack.of(tenant)  # type: ignore[arg-type]
        setattr(tenant, "_ses_tenants_stack", stack)  # noqa: B010
    return stack


def association_key(scope: IConstruct, resource_arn: str) -> str:
    """What the association is about, independent of how its ARN renders: the resource type
    and the resource's name ("identity/mail.acme.example.com").

    Partition, region and account are left out: SES associates only resources of the
    tenant's own account and region, and they render as pseudo parameters or literals
    depending on the stack's `env`. A name that is a token is kept in its CloudFormation form
    (a `Ref` to the resource's logical id: stable for the resource's lifetime). Memoized:
    each read of a token costs a jsii round trip, and token strings are unique in a process.
    """
    key = _KEYS.get(resource_arn)
    if key is None:
        key = _KEYS[resource_arn] = _key_of(scope, resource_arn)
    return key


def association_id(key: str) -> str:
    """A construct id that stays the same across synths for the same resource, given its
    `association_key` (construct ids are public contract: a new id replaces the resource)."""
    return "Association" + hashlib.sha256(key.encode()).hexdigest()[:8].upper()


#: Every unresolved CDK string token contains it: checked in Python, without a jsii call.
_TOKEN_MARKER = "${Token["
_KEYS: dict[str, str] = {}


def _key_of(scope: IConstruct, resource_arn: str) -> str:
    if _TOKEN_MARKER not in resource_arn:
        # arn:<partition>:ses:<region>:<account>:<segment>/<name>
        return resource_arn.partition(":ses:")[2].split(":", 2)[-1]
    stack = Stack.of(scope)
    parts = _join_parts(stack.resolve(resource_arn))
    for index, part in enumerate(parts):
        segment = _segment_in(part) if isinstance(part, str) else None
        if segment is not None:
            rest = part.partition(f":{segment}/")[2]
            name_parts = [rest, *parts[index + 1 :]] if rest else parts[index + 1 :]
            return f"{segment}/" + "".join(
                p if isinstance(p, str) else json.dumps(p, sort_keys=True) for p in name_parts
            )
    # Not recognisably an SES ARN (e.g. an imported value): its form in its stack is all
    # there is.
    return f"resource/{stack.node.path}/" + json.dumps(parts, sort_keys=True)


def _segment_in(text: str) -> str | None:
    for segment in contract.ASSOCIABLE_RESOURCE_SEGMENTS:
        if f":{segment}/" in text:
            return segment
    return None


def _join_parts(resolved: Any) -> list[Any]:
    """The parts of a resolved string: Fn::Join pieces flattened, adjacent texts merged."""
    pieces: list[Any] = []

    def flatten(value: Any) -> None:
        if isinstance(value, dict) and "Fn::Join" in value and value["Fn::Join"][0] == "":
            for item in value["Fn::Join"][1]:
                flatten(item)
        else:
            pieces.append(value)

    flatten(resolved)
    merged: list[Any] = []
    for piece in pieces:
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        else:
            merged.append(piece)
    return merged


def _literal_name_in(resource_arn: str) -> str | None:
    """The literal name of the SES resource an ARN token refers to, if it was given one."""
    for token in Tokenization.reverse_string(resource_arn).tokens:
        name = _literal_name(getattr(token, "target", None))
        if name is not None:
            return name
    return None


def _literal_name(resource: object) -> str | None:
    """The name a CloudFormation SES resource was given, if it is a literal."""
    name: object
    if isinstance(resource, ses.CfnEmailIdentity):
        name = resource.email_identity
    elif isinstance(resource, ses.CfnConfigurationSet):
        name = resource.name
    elif isinstance(resource, ses.CfnTemplate):
        name = getattr(resource.template, "template_name", None)
    else:
        return None
    return name if isinstance(name, str) and _TOKEN_MARKER not in name else None


def resource_arn_of(resource: Associable, tenant: Construct) -> str:
    """The ARN SES expects in an association, for any `Associable`. Anything else fails with
    SesTenantsValidationError naming `tenant`, the construct `associate` was called on."""
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
    # Read only on the way to failing: a pool is the likeliest mistake, and has its own advice.
    if isinstance(resource, ses.CfnDedicatedIpPool) or (
        getattr(resource, "dedicated_ip_pool_name", None) is not None
    ):
        raise SesTenantsValidationError(
            tenant,
            "associate",
            f"cannot associate {_describe(resource)}: SES does not associate a dedicated IP "
            "pool with a tenant. Associate the configuration set that routes through the "
            "pool instead (ses.ConfigurationSet(..., dedicated_ip_pool=pool)): the tenant "
            "sends through the pool with it",
        )
    raise SesTenantsValidationError(
        tenant,
        "associate",
        f"cannot associate {_describe(resource)}: expected an ses.IEmailIdentity, an "
        "ses.IConfigurationSet, an ses.CfnTemplate or the ARN of an SES email identity, "
        "configuration set or template",
    )


def _describe(resource: object) -> str:
    if isinstance(resource, Construct):
        return f"{type(resource).__name__} '{resource.node.path}'"
    return repr(resource)


def _ses_arn(resource: IConstruct, resource_type: str, name: str) -> str:
    return Stack.of(resource).format_arn(service="ses", resource=resource_type, resource_name=name)
