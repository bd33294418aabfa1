"""The Tenant construct: one SES tenant, managed by the tenant custom resource."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar, Protocol
from weakref import WeakKeyDictionary

import jsii
from aws_cdk import (
    CustomResource,
    IStableListProducer,
    ITaggable,
    Lazy,
    RemovalPolicy,
    Resource,
    Stack,
    TagManager,
    TagType,
    Token,
)
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct, IValidation

from ses_tenants._handler import contract, rules
from ses_tenants.app_registry import AppRegistry
from ses_tenants.enums import (
    ReputationPolicy,
    SendingStatus,
    Suppression,
    SuppressionReason,
    SuppressionScope,
)
from ses_tenants.errors import SesTenantsValidationError
from ses_tenants.provider import ITenantProvider, TenantProvider

if TYPE_CHECKING:
    from ses_tenants.association import Associable, TenantResourceAssociation

#: What a workload needs to send: SES v2 SendEmail and SendBulkEmail, and SendRawEmail, the
#: IAM action SES v2 checks for a raw-content SendEmail (and SES v1 for SendRawEmail).
_SEND_ACTIONS = ["ses:SendEmail", "ses:SendBulkEmail", "ses:SendRawEmail"]


class ITenant(Protocol):
    """An SES tenant, made by this app or elsewhere."""

    @property
    def tenant_name(self) -> str:
        """The tenant's name, as sends give it (`TenantName`, or the `X-SES-TENANT` header)."""
        ...

    @property
    def tenant_arn(self) -> str:
        """The tenant's ARN, `arn:<partition>:ses:<region>:<account>:tenant/<name>/<id>`."""
        ...

    def grant_send(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let `grantee` send email as this tenant, and only as this tenant."""
        ...


def _grant_send(grantee: iam.IGrantable, tenant_name: str, resource_arns: list[str]) -> iam.Grant:
    """SES checks sending permissions on every identity, configuration set and template a
    send uses; the condition keeps the grantee to sends that name this tenant."""
    return iam.Grant.add_to_principal(
        grantee=grantee,
        actions=_SEND_ACTIONS,
        resource_arns=resource_arns,
        conditions={"StringEquals": {"ses:TenantName": tenant_name}},
    )


@dataclass(frozen=True)
class TenantProps:
    """A tenant's options in one value, as `Tenant`'s keyword arguments (see there): for
    constructs that make a Tenant, such as `CustomerTenant(tenant=TenantProps(...))`."""

    #: 1-64 characters of A-Z, a-z, 0-9, '_', '-'. Changing it replaces the tenant.
    tenant_name: str
    #: How SES reacts to reputation findings.
    reputation_policy: ReputationPolicy = ReputationPolicy.STANDARD
    #: Customer-managed sending status; DISABLED pauses the tenant.
    sending_status: SendingStatus = SendingStatus.ENABLED
    #: Which suppression list applies, for which reasons; none set, the account-level list.
    suppression: Suppression | None = None
    #: Tags of the tenant, at most 49.
    tags: Mapping[str, str] | None = None
    #: RETAIN keeps the tenant in SES when it leaves the stack.
    removal_policy: RemovalPolicy = RemovalPolicy.DESTROY
    #: Take over a tenant of the same name that exists already.
    adopt_existing: bool = False
    #: The provider that runs the handler; default the stack's `TenantProvider.of(self)`.
    provider: ITenantProvider | None = None

    def as_kwargs(self) -> dict[str, Any]:
        """These options as `Tenant`'s keyword arguments."""
        return {field.name: getattr(self, field.name) for field in fields(self)}


@jsii.implements(ITaggable)
class Tenant(Resource):
    """An SES tenant (`Custom::SesTenant`), created, updated and deleted with its stack.

    Example::

        tenant = Tenant(stack, "Acme", tenant_name="acme",
                        reputation_policy=ReputationPolicy.STRICT)
        tenant.associate(identity)
        tenant.associate(configuration_set)
        tenant.grant_send(worker_role)
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        tenant_name: str,
        reputation_policy: ReputationPolicy = ReputationPolicy.STANDARD,
        sending_status: SendingStatus = SendingStatus.ENABLED,
        suppression: Suppression | None = None,
        tags: Mapping[str, str] | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.DESTROY,
        adopt_existing: bool = False,
        provider: ITenantProvider | None = None,
    ) -> None:
        """
        :param tenant_name: the tenant's name, 1-64 characters of A-Z, a-z, 0-9, '_', '-'.
            Changing it replaces the tenant.
        :param reputation_policy: how SES reacts to reputation findings. Default: STANDARD.
        :param sending_status: customer-managed sending status; DISABLED pauses the tenant.
            Default: ENABLED.
        :param suppression: which suppression list applies and for which reasons, e.g.
            `Suppression.tenant(SuppressionReason.BOUNCE)`. Default: none set, so the
            account-level list applies.
        :param tags: tags of the tenant, at most 49 (SES allows 50; one marks ownership).
            Tags added with `Tags.of(scope).add(...)` are added to these, and checked with
            them when the app is synthesized.
        :param removal_policy: RETAIN keeps the tenant in SES when it leaves the stack.
            Default: DESTROY.
        :param adopt_existing: take over a tenant of the same name that exists already
            (e.g. one an onboarding script made). Default: False, which fails the deploy
            instead of touching a tenant this stack did not create.
        :param provider: the provider that runs the handler. Default: the stack's
            `TenantProvider.of(self)`.
        """
        super().__init__(scope, id, physical_name=tenant_name)
        #: The name as given (`tenant_name` is the deployed tenant's, a token).
        self.declared_tenant_name = tenant_name
        _require_enum(self, "reputation_policy", reputation_policy, ReputationPolicy)
        _require_enum(self, "sending_status", sending_status, SendingStatus)
        self._validate(tenant_name, suppression, tags)
        # Read once: every association refers to it, and each read is a jsii call.
        self._stack = self.stack
        self._own_tag_keys = frozenset(tags or {})
        _AppTenants.add(self, tenant_name)
        self._associations: dict[str, TenantResourceAssociation] = {}
        #: The associated resources' ARNs in every grant_send, produced at synth; None
        #: until the first grant_send.
        self._granted_arns: list[str] | None = None
        self._tags = TagManager(
            TagType.KEY_VALUE, contract.TENANT_RESOURCE_TYPE, initial_tags=dict(tags or {})
        )
        self._provider = provider or TenantProvider.of(self)
        self._resource = CustomResource(
            self,
            "Resource",
            service_token=self._provider.service_token,
            resource_type=contract.TENANT_RESOURCE_TYPE,
            properties={
                **_tenant_properties(
                    tenant_name,
                    reputation_policy,
                    sending_status,
                    suppression,
                    adopt_existing,
                ),
                # Rendered at synth, so tags from Tags.of(...) (an aspect, which runs after
                # this constructor) are included; no tags, no Tags property.
                contract.PROP_TAGS: self._tags.rendered_tags,
            },
            removal_policy=removal_policy,
        )
        # Read once: every association refers to it, and each read is a jsii call.
        self._tenant_name = self._resource.get_att_string(contract.ATTR_TENANT_NAME)

    @property
    def tags(self) -> TagManager:
        """Makes the tenant taggable with `Tags.of(...)`, like CDK's own resources (jsii sees
        only a property here, not a plain attribute)."""
        return self._tags

    @property
    def tenant_name(self) -> str:
        """The deployed tenant's name (a token, `Fn::GetAtt TenantName`): using it makes a
        resource depend on the tenant. `declared_tenant_name` is the name as given."""
        return self._tenant_name

    @property
    def tenant_arn(self) -> str:
        """The tenant's ARN (a token), `arn:<partition>:ses:<region>:<account>:tenant/<name>/
        <id>`, e.g. for IAM policies on the tenant itself."""
        return self._resource.get_att_string(contract.ATTR_TENANT_ARN)

    @property
    def tenant_id(self) -> str:
        """The ID SES gave the tenant (a token, e.g. `tn-...`); SES's CloudFormation
        `AWS::SES::Tenant` has no such attribute."""
        return self._resource.get_att_string(contract.ATTR_TENANT_ID)

    @property
    def provider(self) -> ITenantProvider:
        """The provider whose handler creates, updates and deletes this tenant."""
        return self._provider

    @property
    def associated_resource_arns(self) -> list[str]:
        """The ARNs of the resources associated so far with `associate`, in order."""
        return [a.resource_arn for a in self._associations.values()]

    def apply_removal_policy(self, policy: RemovalPolicy) -> None:
        """What happens to the tenant in SES when it leaves the stack or is replaced, as on
        CDK's own resources: RETAIN keeps it. Sets the tenant resource's DeletionPolicy and
        UpdateReplacePolicy; associations are always removed.

        Resource's own method looks for a CfnResource as the default child; the tenant's
        default child is its CustomResource, whose own default child is the CfnResource.
        """
        self._resource.apply_removal_policy(policy)

    def associate(self, resource: Associable) -> TenantResourceAssociation:
        """Associate an email identity, configuration set or template with this tenant.

        A configuration set brings the dedicated IP pool it routes through.
        """
        from ses_tenants.association import (
            TenantResourceAssociation,
            association_id,
            association_key,
            resource_arn_of,
        )

        resource_arn = resource_arn_of(resource, self)
        key = association_key(self._stack, resource_arn)
        if key in self._associations:
            raise SesTenantsValidationError(
                self,
                "associate",
                f"{_describe(resource)} is already associated with this tenant "
                f"(as {self._associations[key].node.path})",
            )
        association = TenantResourceAssociation(
            self,
            association_id(key),
            tenant=self,
            resource_arn=resource_arn,
            provider=self._provider,
        )
        self._associations[key] = association
        if self._granted_arns is not None:
            self._granted_arns.append(resource_arn)
        return association

    def grant_send(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow `ses:SendEmail`, `ses:SendBulkEmail` and `ses:SendRawEmail` on this
        tenant's associated resources, only with `ses:TenantName` equal to this tenant.

        The grant is one policy statement whose resources are all the resources associated
        with `associate`, before or after this call: its resource list is produced when the
        app is synthesized, so calling it before `associate` is the same grant as calling it
        after. The app fails to synthesize if the tenant then has no resource associated
        (the statement would allow nothing, and IAM refuses a statement without resources).
        Resources SES associates outside this construct are not covered; for those, grant
        on a tenant from `Tenant.from_tenant_name`, which covers every resource of the
        account and region that SES lets the tenant use.
        """
        if self._granted_arns is None:
            self._granted_arns = self.associated_resource_arns
            self.node.add_validation(_GrantNeedsResources(self))
        resources = Token.as_list(Lazy.list(_ListOf(self._granted_arns)))
        return _grant_send(grantee, self.tenant_name, resources)

    def _validate(
        self,
        tenant_name: str,
        suppression: Suppression | None,
        tags: Mapping[str, str] | None,
    ) -> None:
        problem = rules.tenant_name_problem(tenant_name)
        if problem and not Token.is_unresolved(tenant_name):
            raise SesTenantsValidationError(self, "tenant_name", problem)
        _validate_suppression(self, suppression)
        _validate_tags(self, tags or {})

    @staticmethod
    def from_tenant_attributes(
        scope: Construct, id: str, *, tenant_name: str, tenant_arn: str
    ) -> ITenant:
        """A tenant made elsewhere."""
        return _ImportedTenant(scope, id, tenant_name=tenant_name, tenant_arn=tenant_arn)

    @staticmethod
    def from_tenant_name(scope: Construct, id: str, tenant_name: str) -> ITenant:
        """A tenant made elsewhere, known by name only. Its `tenant_arn` is not known."""
        return _ImportedTenant(scope, id, tenant_name=tenant_name, tenant_arn=None)


class _ImportedTenant(Resource):
    """A tenant made elsewhere (Tenant.from_tenant_attributes or from_tenant_name)."""

    #: How SesTenantsValidationError names this construct: its class is not public.
    public_kind = "imported Tenant"

    def __init__(
        self, scope: Construct, id: str, *, tenant_name: str, tenant_arn: str | None
    ) -> None:
        super().__init__(scope, id)
        self._tenant_name = tenant_name
        self._tenant_arn = tenant_arn

    @property
    def tenant_name(self) -> str:
        """The tenant's name, as given."""
        return self._tenant_name

    @property
    def tenant_arn(self) -> str:
        """The tenant's ARN as given; unknown (an error) for a tenant imported by name."""
        if self._tenant_arn is None:
            raise SesTenantsValidationError(
                self,
                "tenant_arn",
                "unknown for a tenant imported by name; use Tenant.from_tenant_attributes",
            )
        return self._tenant_arn

    def grant_send(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow sending on any identity, configuration set and template of this account
        and region, only as this tenant: the resources associated with a tenant made
        elsewhere are not known here, and SES itself refuses resources not associated
        with the tenant named in the send."""
        stack = Stack.of(self)
        resource_arns = [
            stack.format_arn(service="ses", resource=resource_type, resource_name="*")
            for resource_type in contract.ASSOCIABLE_RESOURCE_SEGMENTS
        ]
        return _grant_send(grantee, self.tenant_name, resource_arns)


def _tenant_properties(
    tenant_name: str,
    reputation_policy: ReputationPolicy,
    sending_status: SendingStatus,
    suppression: Suppression | None,
    adopt_existing: bool,
) -> dict[str, object]:
    properties: dict[str, object] = {
        contract.PROP_TENANT_NAME: tenant_name,
        contract.PROP_REPUTATION_POLICY: reputation_policy.value,
        contract.PROP_SENDING_STATUS: sending_status.value,
        contract.PROP_ADOPT_EXISTING: "true" if adopt_existing else "false",
    }
    if suppression is not None:
        properties[contract.PROP_SUPPRESSION_SCOPE] = suppression.scope.value
        properties[contract.PROP_SUPPRESSED_REASONS] = [r.value for r in suppression.reasons]
    return properties


def _validate_suppression(construct: Construct, suppression: Suppression | None) -> None:
    if suppression is None:
        return
    if not isinstance(suppression, Suppression):
        raise SesTenantsValidationError(
            construct,
            "suppression",
            f"{suppression!r} is not a Suppression (Suppression.account(...) or "
            "Suppression.tenant(...))",
        )
    _require_enum(construct, "suppression", suppression.scope, SuppressionScope)
    for reason in suppression.reasons:
        _require_enum(construct, "suppression", reason, SuppressionReason)
    if len(set(suppression.reasons)) != len(suppression.reasons):
        raise SesTenantsValidationError(construct, "suppression", "lists a reason more than once")


def _require_enum(construct: Construct, prop: str, value: object, enum_type: type) -> None:
    if value is not None and not isinstance(value, enum_type):
        allowed = ", ".join(f"{enum_type.__name__}.{m.name}" for m in enum_type)  # type: ignore[attr-defined]
        raise SesTenantsValidationError(construct, prop, f"{value!r} is not one of {allowed}")


def _validate_tags(construct: Construct, tags: Mapping[str, str]) -> None:
    problem = rules.tag_count_problem(len(tags)) or next(_tag_problems(tags), None)
    if problem:
        raise SesTenantsValidationError(construct, "tags", problem)


def _tag_problems(tags: Mapping[str, str]) -> Iterator[str]:
    """What breaks the tag rules, but for tags whose key or value is a token: the handler
    checks those once CloudFormation has resolved them."""
    for key, value in tags.items():
        problem = rules.tag_problem(key, value)
        # Each Token.is_unresolved is a jsii round trip: asked only of a tag that fails.
        if problem and not (Token.is_unresolved(key) or Token.is_unresolved(value)):
            yield problem


@jsii.implements(IStableListProducer)
class _ListOf:
    """A list read when the app is synthesized, so that it includes later additions."""

    def __init__(self, items: list[str]) -> None:
        self._items = items

    def produce(self) -> list[str] | None:
        return list(self._items)


@jsii.implements(IValidation)
class _GrantNeedsResources:
    def __init__(self, tenant: Tenant) -> None:
        self._tenant = tenant

    def validate(self) -> list[str]:
        if self._tenant._associations:
            return []
        problem = (
            "no resource is associated with this tenant, so the grant would allow no send "
            "(and IAM refuses a statement without resources); associate the identity and "
            "configuration set the workload sends with"
        )
        return [str(SesTenantsValidationError(self._tenant, "grant_send", problem))]


class _AppTenants:
    """The Tenants of one app: their names, claimed in the app's registry, and one validation
    that checks every tenant's tags when the app is synthesized. Kept per app, not per tenant
    or stack, because each jsii round trip counts at synth (a platform app has one tenant per
    stack): a tenant costs a registry lookup per stack, and one tag read at synth."""

    _of: ClassVar[WeakKeyDictionary[AppRegistry, _AppTenants]] = WeakKeyDictionary()
    _of_stack: ClassVar[WeakKeyDictionary[Stack, _AppTenants]] = WeakKeyDictionary()

    @classmethod
    def add(cls, tenant: Tenant, tenant_name: str) -> None:
        app_tenants = cls._of_stack.get(tenant._stack)
        if app_tenants is None:
            registry = AppRegistry.of(tenant._stack)
            app_tenants = cls._of.get(registry)
            if app_tenants is None:
                app_tenants = cls._of[registry] = cls(registry, tenant._stack.node.root)
            cls._of_stack[tenant._stack] = app_tenants
        app_tenants._claim_name(tenant, tenant_name)
        app_tenants._tenants.append(tenant)

    def __init__(self, registry: AppRegistry, root: IConstruct) -> None:
        self._registry = registry
        self._tenants: list[Tenant] = []
        # On the root, so it sees the tenants of every stack; CDK prints its path as "[]".
        root.node.add_validation(_TagRules(self._tenants))

    def _claim_name(self, tenant: Tenant, tenant_name: str) -> None:
        """Two Tenants of one name in one account and region would manage one SES tenant:
        the second to deploy fails (or, adopting, takes it over), and deleting either
        deletes the tenant the other still declares."""
        if rules.tenant_name_problem(tenant_name):
            return  # a token (a bad literal has failed already): known only at deploy
        holder = self._registry.claim("tenant name", tenant_name, tenant)
        if holder is None:
            return
        # One name in two accounts or regions is two tenants. The environments are read only
        # on a clash: "aws://<account>/<region>", with unknown-account or unknown-region for
        # a stack without an env, so stacks without one share a namespace, as they may
        # deploy to one. A clash in another environment leaves the first holder of the bare
        # name in place and claims the name in this tenant's environment.
        environment = tenant._stack.environment
        if Stack.of(holder).environment != environment:
            holder = self._registry.claim("tenant name", f"{environment}/{tenant_name}", tenant)
            if holder is None:
                return
        raise SesTenantsValidationError(
            tenant,
            "tenant_name",
            f"{tenant_name!r} is also the tenant name of '{holder.node.path}' "
            f"({environment}): SES tenant names are unique per account and region, so both "
            "would manage one tenant. Give each its own name, or refer to the tenant with "
            "Tenant.from_tenant_name() where it is only used.",
        )


@jsii.implements(IValidation)
class _TagRules:
    """The tag rules on all of each tenant's tags, run when the app is synthesized: tags
    from `Tags.of(scope).add(...)` arrive through an aspect, after the constructor has
    checked its own."""

    def __init__(self, tenants: list[Tenant]) -> None:
        self._tenants = tenants

    def validate(self) -> list[str]:
        return [
            str(SesTenantsValidationError(tenant, "tags", problem))
            for tenant in self._tenants
            for problem in _all_tag_problems(tenant.tags.tag_values(), tenant._own_tag_keys)
        ]


def _all_tag_problems(tags: Mapping[str, str], own_keys: frozenset[str]) -> list[str]:
    problems = list(_tag_problems(tags))
    if count_problem := rules.tag_count_problem(len(tags)):
        added = len(set(tags) - own_keys)
        problems.insert(0, f"{count_problem}; {added} of them added with Tags.of()")
    return problems


def _describe(resource: object) -> str:
    if isinstance(resource, Construct):
        return f"'{resource.node.path}'"
    return repr(resource)
