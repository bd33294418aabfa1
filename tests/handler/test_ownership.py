"""The ownership mark."""

from __future__ import annotations

import hashlib

from ses_tenants._handler import contract
from ses_tenants._handler.ownership import DIGEST_PREFIX, describe_owner, owner_mark
from ses_tenants._handler.ses_gateway import tenant_from_ses
from tests.handler.handler_fakes import STACK_ID


def test_the_mark_names_stack_and_logical_id() -> None:
    assert owner_mark(STACK_ID, "AcmeTenant") == f"{STACK_ID}/AcmeTenant"


def test_a_mark_too_long_for_a_tag_value_is_a_stable_digest() -> None:
    logical_id = "T" * 255
    mark = owner_mark(STACK_ID, logical_id)

    expected = hashlib.sha256(f"{STACK_ID}/{logical_id}".encode()).hexdigest()
    assert mark == DIGEST_PREFIX + expected
    assert len(mark) <= 256
    assert owner_mark(STACK_ID, logical_id) == mark
    assert owner_mark(STACK_ID, "U" * 255) != mark


def test_the_longest_readable_mark_is_kept_readable() -> None:
    logical_id = "T" * (256 - len(STACK_ID) - 1)
    assert owner_mark(STACK_ID, logical_id) == f"{STACK_ID}/{logical_id}"


def test_the_mark_is_read_from_the_tenant_ses_describes() -> None:
    tags = [{"Key": "team", "Value": "mail"}, {"Key": contract.OWNER_TAG_KEY, "Value": "m"}]
    answer = {"TenantName": "acme", "TenantArn": "arn", "TenantId": "id"}

    assert tenant_from_ses({**answer, "Tags": tags}).owner_mark == "m"
    assert tenant_from_ses({**answer, "Tags": tags[:1]}).owner_mark is None
    assert tenant_from_ses(answer).owner_mark is None


def test_owners_are_described_for_humans() -> None:
    assert "owned by the CloudFormation resource arn:x/Y" in describe_owner("arn:x/Y")
    assert "created outside this library" in describe_owner(None)
    assert "another CloudFormation resource" in describe_owner(DIGEST_PREFIX + "00")
