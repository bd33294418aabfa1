"""Issue 10's scenarios: CloudFormation's rollbacks put SES back as it was, no stack gets stuck
in UPDATE_ROLLBACK_FAILED for a tenant that is gone or foreign, and updates within SES's
limits succeed. Small apps, synthesized in-process, driven through the simulator (which
rolls back as CloudFormation does) against the double, with the real handler."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ses as ses

import ses_tenants.testing as double
from ses_tenants import ReputationPolicy, Tenant
from ses_tenants._handler import contract, ses_client
from tests.lifecycle.cfn.engine import StackOperationFailed
from tests.lifecycle.cfn.state import CREATE
from tests.lifecycle.cfn.status import (
    ROLLBACK_COMPLETE,
    UPDATE_COMPLETE,
    UPDATE_ROLLBACK_COMPLETE,
)
from tests.lifecycle.cfn.template import Template
from tests.lifecycle.harness import ASSOCIATION, Account, simulated_account, synth
from tests.lifecycle.ses_provisioners import TEMPLATE_TYPE, ses_arn

pytestmark = pytest.mark.slow

STACK = "Customer"
#: What an onboarding script made before the platform knew the customer.
SCRIPT_TAGS = {"onboarded-by": "script"}
LEGACY_IDENTITY = ses_arn("identity", "legacy.example.com")


def customer(
    *,
    name: str = "acme",
    stack_name: str = STACK,
    tenant_id: str = "Acme",
    adopt: bool = False,
    policy: ReputationPolicy = ReputationPolicy.STANDARD,
    tags: dict[str, str] | None = None,
    with_template: bool = False,
) -> Callable[[cdk.App], None]:
    """A customer stack: its tenant, the legacy identity (by ARN), its configuration set and,
    optionally, a template (the resource the tests make fail)."""

    def build(app: cdk.App) -> None:
        stack = cdk.Stack(app, stack_name)
        tenant = Tenant(
            stack,
            tenant_id,
            tenant_name=name,
            adopt_existing=adopt,
            reputation_policy=policy,
            tags=tags,
        )
        tenant.associate(LEGACY_IDENTITY)
        tenant.associate(
            ses.ConfigurationSet(
                stack, "Set", configuration_set_name=f"{stack_name.lower()}-{name}-set"
            )
        )
        if with_template:
            welcome = ses.CfnTemplate(
                stack,
                "Welcome",
                template=ses.CfnTemplate.TemplateProperty(
                    template_name=f"{name}-welcome", subject_part="Hi", text_part="Hello"
                ),
            )
            # Made after the tenant, so that its failure comes when the tenant is in place.
            welcome.node.add_dependency(tenant)

    return build


@contextmanager
def account_with_legacy_identity() -> Iterator[Account]:
    """An account where the platform's older tooling made the identity legacy.example.com."""
    with simulated_account() as account:
        account.sesv2.create_email_identity(EmailIdentity="legacy.example.com")
        yield account


def onboard(account: Account, name: str = "acme") -> None:
    """What the onboarding script did: the tenant, associated with the legacy identity."""
    tags = [{"Key": k, "Value": v} for k, v in SCRIPT_TAGS.items()]
    account.sesv2.create_tenant(TenantName=name, Tags=tags)
    account.sesv2.create_tenant_resource_association(TenantName=name, ResourceArn=LEGACY_IDENTITY)


def snapshot(account: Account, name: str = "acme") -> dict[str, Any]:
    """What SES holds for a tenant: id, tags, settings and associations."""
    tenant = account.sesv2.get_tenant(TenantName=name)["Tenant"]
    entity = account.sesv2.get_reputation_entity(
        ReputationEntityType="RESOURCE", ReputationEntityReference=tenant["TenantArn"]
    )["ReputationEntity"]
    return {
        "id": tenant["TenantId"],
        "tags": account.tenant_tags(name),
        "suppression": tenant.get("SuppressionAttributes"),
        "policy": entity["ReputationManagementPolicy"].rsplit("/", 1)[-1],
        "status": entity["CustomerManagedStatus"]["Status"],
        "associations": account.associations(name),
    }


def template_logical_id(template: Template) -> str:
    (logical_id,) = [k for k, r in template.resources.items() if r["Type"] == TEMPLATE_TYPE]
    return logical_id


# 1. A rollback never deletes a tenant the failed deploy adopted


def test_a_failed_stack_create_gives_the_adopted_tenant_back(tmp_path: Path) -> None:
    app = synth(tmp_path, customer(adopt=True, policy=ReputationPolicy.STRICT, with_template=True))
    with account_with_legacy_identity() as account:
        onboard(account)
        before = snapshot(account)
        account.cloudformation.fail_on.add((STACK, template_logical_id(app[STACK]), CREATE))

        with pytest.raises(StackOperationFailed) as raised:
            account.cloudformation.deploy_stack(STACK, app[STACK])

        assert raised.value.status == ROLLBACK_COMPLETE
        # The same tenant, as it was: tags, policy, and the association it had before.
        assert snapshot(account) == before


def test_a_rename_onto_an_adopted_tenant_that_rolls_back_keeps_both_tenants(
    tmp_path: Path,
) -> None:
    v1 = synth(tmp_path / "v1", customer())
    v2 = synth(tmp_path / "v2", customer(name="acme-corp", adopt=True, with_template=True))
    with account_with_legacy_identity() as account:
        account.cloudformation.deploy_stack(STACK, v1[STACK])
        onboard(account, "acme-corp")
        before = {name: snapshot(account, name) for name in ("acme", "acme-corp")}
        account.cloudformation.fail_on.add((STACK, template_logical_id(v2[STACK]), CREATE))

        with pytest.raises(StackOperationFailed) as raised:
            account.cloudformation.deploy_stack(STACK, v2[STACK])

        assert raised.value.status == UPDATE_ROLLBACK_COMPLETE
        assert {name: snapshot(account, name) for name in before} == before


def test_a_new_stack_that_adopts_a_live_stacks_tenant_and_fails_gives_it_back(
    tmp_path: Path,
) -> None:
    # The customer re-added to the customers file under a new id, with adopt_existing, while
    # the old customer stack still uses the tenant.
    old = synth(tmp_path / "old", customer())
    new = synth(tmp_path / "new", customer(stack_name="Readded", adopt=True, with_template=True))
    with account_with_legacy_identity() as account:
        cloudformation = account.cloudformation
        cloudformation.deploy_stack(STACK, old[STACK])
        before = snapshot(account)
        cloudformation.fail_on.add(("Readded", template_logical_id(new["Readded"]), CREATE))

        with pytest.raises(StackOperationFailed):
            cloudformation.deploy_stack("Readded", new["Readded"])

        assert snapshot(account) == before
        # The old stack still owns it: its updates work, its destroy deletes it.
        cloudformation.deploy_stack(
            STACK, synth(tmp_path / "old2", customer(tags={"a": "b"}))[STACK]
        )
        cloudformation.delete_stack(STACK)
        assert "acme" not in account.tenants()


def test_a_failed_adoption_gives_the_tenant_back_and_says_so(tmp_path: Path) -> None:
    app = synth(tmp_path, customer(adopt=True, policy=ReputationPolicy.STRICT))
    with account_with_legacy_identity() as account:
        onboard(account)
        before = snapshot(account)
        double.inject_fault(
            "UpdateReputationEntityPolicy", code="AccessDeniedException", status=403
        )

        with pytest.raises(StackOperationFailed) as raised:
            account.cloudformation.deploy_stack(STACK, app[STACK])

        assert "Adopting tenant 'acme' failed; it has been given back as it was" in (
            raised.value.reason
        )
        assert snapshot(account) == before


# 3. No UPDATE_ROLLBACK_FAILED for a tenant that is gone or foreign


@pytest.mark.parametrize("out_of_band", ["deleted", "taken over"])
def test_an_update_of_a_tenant_changed_out_of_band_rolls_back_cleanly(
    tmp_path: Path, out_of_band: str
) -> None:
    v1 = synth(tmp_path / "v1", customer())
    v2 = synth(tmp_path / "v2", customer(policy=ReputationPolicy.STRICT))
    with account_with_legacy_identity() as account:
        cloudformation = account.cloudformation
        cloudformation.deploy_stack(STACK, v1[STACK])
        if out_of_band == "deleted":
            account.sesv2.delete_tenant(TenantName="acme")
        else:
            arn = account.sesv2.get_tenant(TenantName="acme")["Tenant"]["TenantArn"]
            other = "arn:aws:cloudformation:us-east-1:123456789012:stack/other/uuid/Acme"
            account.sesv2.tag_resource(
                ResourceArn=arn, Tags=[{"Key": contract.OWNER_TAG_KEY, "Value": other}]
            )

        with pytest.raises(StackOperationFailed) as raised:
            cloudformation.deploy_stack(STACK, v2[STACK])

        # The forward update fails with a reason a person can act on; the rollback does not.
        assert raised.value.status == UPDATE_ROLLBACK_COMPLETE
        assert raised.value.rollback_failures == ()
        assert "cannot be updated" in raised.value.reason or "no longer exists" in (
            raised.value.reason
        )


# 5. Updates whose end state is within SES's limits succeed


def test_a_tenant_at_the_tag_limit_swaps_a_key(tmp_path: Path) -> None:
    full = {f"k{i:02}": "v" for i in range(contract.MAX_USER_TAGS)}
    swapped = {**{k: v for k, v in full.items() if k != "k00"}, "new": "v"}
    v1 = synth(tmp_path / "v1", customer(tags=full))
    v2 = synth(tmp_path / "v2", customer(tags=swapped))
    with account_with_legacy_identity() as account:
        account.cloudformation.deploy_stack(STACK, v1[STACK])

        account.cloudformation.deploy_stack(STACK, v2[STACK])

        assert account.cloudformation.stack_status(STACK) == UPDATE_COMPLETE
        tags = account.tenant_tags("acme")
        assert tags.keys() == {*swapped, contract.OWNER_TAG_KEY}


def test_adopting_a_tenant_with_many_foreign_tags(tmp_path: Path) -> None:
    declared = {f"declared-{i:02}": "v" for i in range(30)}
    app = synth(tmp_path, customer(adopt=True, tags=declared))
    with account_with_legacy_identity() as account:
        account.sesv2.create_tenant(
            TenantName="acme", Tags=[{"Key": f"foreign-{i:02}", "Value": "v"} for i in range(40)]
        )
        account.cloudformation.deploy_stack(STACK, app[STACK])

        tags = account.tenant_tags("acme")
        assert {k for k in tags if not k.startswith("ses-tenants:")} == set(declared)
        (association,) = [
            r
            for r in account.cloudformation.stacks[STACK].resources_of_type(ASSOCIATION)
            if "legacy" in r.physical_id
        ]
        assert association.physical_id == f"acme|{LEGACY_IDENTITY}"


# 2. A concurrent adopter keeps its tenant


def test_a_stack_that_adopts_a_tenant_while_its_creator_fails_keeps_it(tmp_path: Path) -> None:
    creator = synth(tmp_path / "a", customer(stack_name="A", policy=ReputationPolicy.STRICT))
    adopter = synth(tmp_path / "b", customer(stack_name="B", adopt=True))
    with account_with_legacy_identity() as account:
        cloudformation = account.cloudformation
        client = ses_client.get_client()
        event = "before-call.sesv2.UpdateReputationEntityPolicy"

        def adopt_meanwhile(**_: Any) -> None:
            # B deploys while A is still applying its settings; A's next write then fails.
            client.meta.events.unregister(event, unique_id="adopt-meanwhile")
            cloudformation.deploy_stack("B", adopter["B"])
            double.inject_fault(
                "UpdateReputationEntityPolicy", code="AccessDeniedException", status=403
            )

        client.meta.events.register(event, adopt_meanwhile, unique_id="adopt-meanwhile")

        with pytest.raises(StackOperationFailed) as raised:
            cloudformation.deploy_stack("A", creator["A"])

        assert "(taken over while this request ran)" in raised.value.reason
        assert cloudformation.stack_status("B") == "CREATE_COMPLETE"
        b = cloudformation.stacks["B"]
        (tenant,) = b.resources_of_type(contract.TENANT_RESOURCE_TYPE)
        assert account.tenant_tags("acme")[contract.OWNER_TAG_KEY] == (
            f"{b.info.stack_id}/{tenant.logical_id}"
        )
        # B's next update and its destroy work.
        retagged = synth(tmp_path / "b2", customer(stack_name="B", adopt=True, tags={"x": "y"}))
        cloudformation.deploy_stack("B", retagged["B"])
        cloudformation.delete_stack("B")
        assert "acme" not in account.tenants()


# 4. Throttling beyond one invocation: the waiter carries the request on, or it gives up
#    and the rollback leaves nothing behind


def test_a_create_throttled_longer_than_an_invocation_completes_through_the_waiter(
    tmp_path: Path,
) -> None:
    app = synth(tmp_path, customer(policy=ReputationPolicy.STRICT))
    with account_with_legacy_identity() as account:
        # About 15 minutes of backoff: more than on_event's 8 (10 minus the margin).
        double.inject_fault("UpdateReputationEntityPolicy", count=60)

        account.cloudformation.deploy_stack(STACK, app[STACK])

        assert snapshot(account)["policy"] == "strict"
        assert LEGACY_IDENTITY in snapshot(account)["associations"]
        waited = [c for c in account.provider.is_complete_calls if c.response.get("IsComplete")]
        assert any("Data" in c.response for c in waited), "is_complete finished the Create"
        assert account.clock.now - 1_800_000_000.0 > 10 * 60


def test_a_create_throttled_past_the_wait_limit_fails_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    app = synth(tmp_path, customer(policy=ReputationPolicy.STRICT))
    with account_with_legacy_identity() as account:
        double.inject_fault("UpdateReputationEntityPolicy", count=None)

        with pytest.raises(StackOperationFailed) as raised:
            account.cloudformation.deploy_stack(STACK, app[STACK])

        assert raised.value.status == ROLLBACK_COMPLETE
        assert raised.value.reason.startswith("RequestFailed: Stopped after 45 minutes")
        assert "Tenant 'acme' created by this request has been deleted again." in (
            raised.value.reason
        )
        assert account.tenants() == set()
        # Well inside CloudFormation's hour for a custom resource.
        assert account.clock.now - 1_800_000_000.0 < 60 * 60
