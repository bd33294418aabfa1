"""The pure diff: which writes take a tenant from one state to another."""

from __future__ import annotations

from typing import Any

from ses_tenants._handler import contract
from ses_tenants._handler.properties import Suppression, TenantSpec
from ses_tenants._handler.ses_gateway import (
    reputation_from_ses,
    reputation_policy_arn,
    reputation_policy_name,
    tenant_from_ses,
)
from ses_tenants._handler.tenant_changes import (
    TenantChanges,
    changes_between,
    desired_state,
    state_after_create,
)
from ses_tenants._handler.tenants import TenantSettings, settings_of

MARK = "arn:aws:cloudformation:us-east-1:123456789012:stack/acme/uuid/AcmeTenant"


def spec(**fields: Any) -> TenantSpec:
    return TenantSpec(name="acme", **fields)


def test_identical_specs_need_no_change() -> None:
    full = spec(
        reputation_policy="strict",
        sending_status="DISABLED",
        suppression=Suppression("TENANT", ("BOUNCE",)),
        tags={"team": "mail"},
    )
    changes = changes_between(desired_state(full, MARK), desired_state(full, MARK))

    assert changes == TenantChanges()
    assert changes.is_empty


def test_tags_added_changed_and_removed() -> None:
    old = desired_state(spec(tags={"keep": "1", "change": "a", "drop": "x"}), MARK)
    new = desired_state(spec(tags={"keep": "1", "change": "b", "add": "y"}), MARK)

    changes = changes_between(old, new)

    assert changes.tags_to_set == {"change": "b", "add": "y"}
    assert changes.tag_keys_to_remove == ("drop",)
    assert not changes.suppression_changed
    assert changes.reputation_policy is None
    assert changes.sending_status is None


def test_neither_the_ownership_mark_nor_aws_tags_are_removed() -> None:
    foreign = TenantSettings(
        tags={contract.OWNER_TAG_KEY: "someone else", "theirs": "1", "aws:system": "x"},
        suppression=None,
        reputation_policy="standard",
        sending_status="ENABLED",
    )
    # Even a desired state without any mark must not remove it.
    changes = changes_between(foreign, desired_state(spec(), None))

    assert changes.tag_keys_to_remove == ("theirs",)


def test_taking_over_sets_our_mark() -> None:
    foreign = desired_state(spec(), "someone else")

    assert changes_between(foreign, desired_state(spec(), MARK)).tags_to_set == {
        contract.OWNER_TAG_KEY: MARK
    }


def test_suppression_set_changed_and_cleared() -> None:
    none = desired_state(spec(), MARK)
    bounce = desired_state(spec(suppression=Suppression("TENANT", ("BOUNCE",))), MARK)
    both = desired_state(spec(suppression=Suppression("TENANT", ("BOUNCE", "COMPLAINT"))), MARK)

    assert changes_between(none, bounce).suppression == Suppression("TENANT", ("BOUNCE",))
    assert changes_between(bounce, both).suppression == Suppression(
        "TENANT", ("BOUNCE", "COMPLAINT")
    )
    cleared = changes_between(both, none)
    assert cleared.suppression_changed
    assert cleared.suppression is None
    assert cleared.tags_to_set == {}


def test_policy_and_status_changes() -> None:
    old = desired_state(spec(), MARK)
    new = desired_state(spec(reputation_policy="none", sending_status="REINSTATED"), MARK)

    changes = changes_between(old, new)

    assert (changes.reputation_policy, changes.sending_status) == ("none", "REINSTATED")
    assert changes_between(new, old).reputation_policy == "standard"
    assert changes_between(new, old).sending_status == "ENABLED"


def test_create_follows_up_only_on_what_create_tenant_cannot_set() -> None:
    minimal = spec(tags={"team": "mail"}, suppression=Suppression("ACCOUNT", ()))
    assert changes_between(state_after_create(minimal, MARK), desired_state(minimal, MARK)).is_empty

    paused = spec(reputation_policy="strict", sending_status="DISABLED")
    changes = changes_between(state_after_create(paused, MARK), desired_state(paused, MARK))
    assert changes == TenantChanges(reputation_policy="strict", sending_status="DISABLED")


def test_settings_as_get_tenant_and_get_reputation_entity_describe_them() -> None:
    tenant = {
        "TenantName": "acme",
        "TenantArn": "arn:aws:ses:us-east-1:123456789012:tenant/acme/tn-1",
        "Tags": [{"Key": "team", "Value": "mail"}, {"Key": contract.OWNER_TAG_KEY, "Value": MARK}],
        "SuppressionAttributes": {
            "SuppressionScope": "TENANT",
            "SuppressedReasons": ["COMPLAINT", "BOUNCE"],
        },
    }
    entity = {
        "ReputationManagementPolicy": "arn:aws:ses:us-east-1:aws:reputation-policy/strict",
        "CustomerManagedStatus": {"Status": "DISABLED"},
    }

    assert settings_of(tenant_from_ses(tenant), reputation_from_ses(entity)) == TenantSettings(
        tags={"team": "mail", contract.OWNER_TAG_KEY: MARK},
        suppression=Suppression("TENANT", ("BOUNCE", "COMPLAINT")),
        reputation_policy="strict",
        sending_status="DISABLED",
    )
    bare = tenant_from_ses({"TenantName": "acme", "TenantArn": "arn"})
    assert settings_of(bare, reputation_from_ses({})) == TenantSettings(
        tags={}, suppression=None, reputation_policy="standard", sending_status="ENABLED"
    )


def test_reputation_policy_arns() -> None:
    arn = reputation_policy_arn("aws-us-gov", "us-gov-west-1", "none")

    assert arn == "arn:aws-us-gov:ses:us-gov-west-1:aws:reputation-policy/none"
    assert reputation_policy_name(arn) == "none"
