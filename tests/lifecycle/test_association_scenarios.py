"""Issue 9's scenarios: refactors, moves and overlaps that used to end UPDATE_COMPLETE with
associations gone from SES. Each app is synthesized in-process and driven through the
CloudFormation simulator against the double, with the real handler; after every step, SES
holds exactly the pairs that live resources claim."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ses as ses

from ses_tenants import Tenant, TenantProvider
from ses_tenants._handler import contract
from ses_tenants.association import TenantResourceAssociation
from tests.lifecycle.cfn.account import ACCOUNT_ID, REGION
from tests.lifecycle.cfn.engine import StackOperationFailed
from tests.lifecycle.cfn.status import ROLLBACK_COMPLETE, UPDATE_ROLLBACK_COMPLETE
from tests.lifecycle.cfn.template import Template
from tests.lifecycle.harness import ASSOCIATION, Account, simulated_account, synth
from tests.lifecycle.ses_provisioners import ses_arn

pytestmark = pytest.mark.slow

OWNER, OTHER = "Owner", "Other"
IDENTITY = ses_arn("identity", "acme.example.com")
CONFIGURATION_SET = ses_arn("configuration-set", "acme-set")
BOTH = {("acme", IDENTITY), ("acme", CONFIGURATION_SET)}


def owner_stack(
    app: cdk.App,
    *,
    env: cdk.Environment | None = None,
    tenant_id: str = "Acme",
    adopt: bool = False,
    associate_set: bool = True,
    provider: TenantProvider | None = None,
) -> Tenant:
    """The stack that owns tenant "acme": its identity, and its configuration set."""
    stack = cdk.Stack(app, OWNER, env=env)
    tenant = Tenant(stack, tenant_id, tenant_name="acme", adopt_existing=adopt, provider=provider)
    tenant.associate(
        ses.EmailIdentity(stack, "Id", identity=ses.Identity.domain("acme.example.com"))
    )
    configuration_set = ses.ConfigurationSet(stack, "Set", configuration_set_name="acme-set")
    if associate_set:
        tenant.associate(configuration_set)
    return tenant


def other_stack(app: cdk.App, *, associate_set: bool) -> None:
    """A stack that uses tenant "acme" by name and may claim its configuration set."""
    stack = cdk.Stack(app, OTHER)
    # Something of its own, as any real stack has.
    ses.ConfigurationSet(stack, "Own", configuration_set_name="other-set")
    tenant = Tenant.from_tenant_name(stack, "Acme", "acme")
    if associate_set:
        TenantResourceAssociation(stack, "Set", tenant=tenant, resource_arn=CONFIGURATION_SET)


def owner_app(**options: Any) -> Callable[[cdk.App], None]:
    """An app of the owner stack alone."""

    def build(app: cdk.App) -> None:
        owner_stack(app, **options)

    return build


def both_stacks(*, owner_claims: bool) -> Callable[[cdk.App], None]:
    """An app of both stacks; the configuration set is claimed by one of them."""

    def build(app: cdk.App) -> None:
        owner_stack(app, associate_set=owner_claims)
        other_stack(app, associate_set=not owner_claims)

    return build


def assert_ses_holds_what_live_stacks_claim(account: Account, expected: set[Any]) -> None:
    assert account.held_pairs() == expected
    assert account.claimed_pairs() == expected


def test_adding_env_to_a_deployed_stack_keeps_every_association(tmp_path: Path) -> None:
    agnostic = synth(tmp_path / "v1", owner_app())
    pinned = synth(
        tmp_path / "v2", owner_app(env=cdk.Environment(account=ACCOUNT_ID, region=REGION))
    )
    assert _association_ids(agnostic[OWNER]) == _association_ids(pinned[OWNER])
    with simulated_account() as account:
        account.cloudformation.deploy_stack(OWNER, agnostic[OWNER])
        account.cloudformation.deploy_stack(OWNER, pinned[OWNER])

        assert_ses_holds_what_live_stacks_claim(account, BOTH)


def test_an_association_whose_logical_id_changes_stays(tmp_path: Path) -> None:
    # What any change of an association's logical id does (an older library version's ids,
    # a refactor): CloudFormation creates the "new" one, then deletes the old one.
    def build(association_id: str) -> Callable[[cdk.App], None]:
        def app(app: cdk.App) -> None:
            tenant = owner_stack(app, associate_set=False)
            TenantResourceAssociation(
                tenant, association_id, tenant=tenant, resource_arn=CONFIGURATION_SET
            )

        return app

    before = synth(tmp_path / "v1", build("Old"))[OWNER]
    after = synth(tmp_path / "v2", build("New"))[OWNER]
    with simulated_account() as account:
        account.cloudformation.deploy_stack(OWNER, before)
        account.cloudformation.deploy_stack(OWNER, after)

        assert_ses_holds_what_live_stacks_claim(account, BOTH)


def test_a_stack_that_claims_a_pair_the_tenants_stack_claims_fails_before_any_harm(
    tmp_path: Path,
) -> None:
    # Two apps (one app would fail at synth): each stack would deploy, and destroying one
    # would remove the association the other still claims.
    owner = synth(tmp_path / "owner", owner_app())
    other = synth(tmp_path / "other", lambda app: other_stack(app, associate_set=True))
    with simulated_account() as account:
        account.cloudformation.deploy_stack(OWNER, owner[OWNER])

        with pytest.raises(StackOperationFailed) as raised:
            account.cloudformation.deploy_stack(OTHER, other[OTHER])

        assert raised.value.status == ROLLBACK_COMPLETE
        assert "in the stack that owns the tenant. An association must be declared in one " in (
            raised.value.reason
        )
        assert_ses_holds_what_live_stacks_claim(account, BOTH)


def test_moving_an_association_from_the_tenants_stack_to_another(tmp_path: Path) -> None:
    before = synth(tmp_path / "v1", both_stacks(owner_claims=True))
    after = synth(
        tmp_path / "v2",
        both_stacks(owner_claims=False),
    )
    with simulated_account() as account:
        cloudformation = account.cloudformation
        for name in (OWNER, OTHER):
            cloudformation.deploy_stack(name, before[name])

        # Deploying the new claimant first would leave the pair to the owner's next deploy.
        with pytest.raises(StackOperationFailed, match="move it by removing it from that stack"):
            cloudformation.deploy_stack(OTHER, after[OTHER])
        assert_ses_holds_what_live_stacks_claim(account, BOTH)

        # What the reason says: remove it there, then add it here.
        cloudformation.deploy_stack(OWNER, after[OWNER])
        cloudformation.deploy_stack(OTHER, after[OTHER])

        assert_ses_holds_what_live_stacks_claim(account, BOTH)
        (claim,) = cloudformation.stacks[OTHER].resources_of_type(ASSOCIATION)
        assert claim.physical_id == f"acme|{CONFIGURATION_SET}"


def test_moving_an_association_into_the_tenants_stack(tmp_path: Path) -> None:
    before = synth(
        tmp_path / "v1",
        both_stacks(owner_claims=False),
    )
    after = synth(tmp_path / "v2", both_stacks(owner_claims=True))
    with simulated_account() as account:
        cloudformation = account.cloudformation
        for name in (OWNER, OTHER):
            cloudformation.deploy_stack(name, before[name])

        # The new claimant first, then the old one lets go: the owner's claim is seen.
        cloudformation.deploy_stack(OWNER, after[OWNER])
        cloudformation.deploy_stack(OTHER, after[OTHER])

        assert_ses_holds_what_live_stacks_claim(account, BOTH)


def test_removing_one_of_two_claims_of_the_same_pair_in_a_stack(tmp_path: Path) -> None:
    # An older version let `associate(config_set)` and `associate("arn:...")` both through.
    single = synth(tmp_path / "v1", owner_app())[OWNER]
    doubled = _with_duplicate_association(single, CONFIGURATION_SET)
    with simulated_account() as account:
        account.cloudformation.deploy_stack(OWNER, doubled)
        account.cloudformation.deploy_stack(OWNER, single)

        assert_ses_holds_what_live_stacks_claim(account, BOTH)


def test_changing_the_tenants_construct_id(tmp_path: Path) -> None:
    original = synth(tmp_path / "v1", owner_app())[OWNER]
    renamed = synth(tmp_path / "v2", owner_app(tenant_id="Renamed"))
    adopted = synth(tmp_path / "v3", owner_app(tenant_id="Renamed", adopt=True))
    with simulated_account() as account:
        cloudformation = account.cloudformation
        cloudformation.deploy_stack(OWNER, original)

        with pytest.raises(StackOperationFailed) as raised:
            cloudformation.deploy_stack(OWNER, renamed[OWNER])
        assert raised.value.status == UPDATE_ROLLBACK_COMPLETE
        assert "set adopt_existing=True on the Tenant" in raised.value.reason
        assert_ses_holds_what_live_stacks_claim(account, BOTH)

        # What the reason says to do.
        cloudformation.deploy_stack(OWNER, adopted[OWNER])

        assert_ses_holds_what_live_stacks_claim(account, BOTH)
        stack = cloudformation.stacks[OWNER]
        (tenant,) = stack.resources_of_type(contract.TENANT_RESOURCE_TYPE)
        mark = account.tenant_tags("acme")[contract.OWNER_TAG_KEY]
        assert mark == f"{stack.info.stack_id}/{tenant.logical_id}"

        cloudformation.destroy_all()
        assert account.tenants() == set()


def test_moving_tenants_to_a_shared_provider(tmp_path: Path) -> None:
    # The README's migration path: a new construct id with adopt_existing=True, so that new
    # resources (with the new service token) take over the tenant and its associations.
    def shared(app: cdk.App) -> None:
        platform = cdk.Stack(app, "Platform")
        provider = TenantProvider(platform, "Provider")
        owner_stack(app, tenant_id="AcmeShared", adopt=True, provider=provider)

    per_stack = synth(tmp_path / "v1", owner_app())
    migrated = synth(tmp_path / "v2", shared)
    with simulated_account() as account:
        cloudformation = account.cloudformation
        cloudformation.deploy_app(per_stack, delete_missing=True)
        cloudformation.deploy_app(migrated, delete_missing=True)

        assert_ses_holds_what_live_stacks_claim(account, BOTH)
        functions = cloudformation.stacks[OWNER].resources_of_type("AWS::Lambda::Function")
        assert functions == [], "the per-stack provider is gone"

        cloudformation.destroy_all()
        assert account.tenants() == set()


def _association_ids(template: Template) -> set[str]:
    return {
        logical_id
        for logical_id, resource in template.resources.items()
        if resource["Type"] == ASSOCIATION
    }


def _with_duplicate_association(template: Template, resource_arn: str) -> Template:
    body = copy.deepcopy(template.body)
    resources = body["Resources"]
    for resource in list(resources.values()):
        if resource["Type"] == ASSOCIATION and "configuration-set" in str(
            resource["Properties"][contract.PROP_RESOURCE_ARN]
        ):
            duplicate = copy.deepcopy(resource)
            duplicate["Properties"][contract.PROP_RESOURCE_ARN] = resource_arn
            resources["AcmeDuplicateAssociation"] = duplicate
            return Template(body)
    raise AssertionError("no configuration-set association to duplicate")
