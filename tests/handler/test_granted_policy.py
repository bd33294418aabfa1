"""The checker behind `ses_calls`: how it reads the ARNs of a request and matches them
against the handler's synthesized policy."""

from __future__ import annotations

import pytest

from tests.handler.granted_policy import (
    NO_TENANT_ID,
    GrantedPolicy,
    SesRequest,
    request_arns,
    tenant_arn_in_double,
)
from tests.handler.handler_fakes import ACCOUNT, REGION

TENANT = f"arn:aws:ses:{REGION}:{ACCOUNT}:tenant/acme/tn-0123456789abcdef0123456789abcd"
IDENTITY = f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/example.com"
STRICT = f"arn:aws:ses:{REGION}:aws:reputation-policy/strict"


def _tenant_arn(name: str) -> str:
    return f"arn:aws:ses:{REGION}:{ACCOUNT}:tenant/{name}/tn-x"


def test_a_request_is_made_on_its_tenant_its_resource_and_its_policy() -> None:
    assert request_arns({"TenantName": "acme", "ResourceArn": IDENTITY}, _tenant_arn) == (
        _tenant_arn("acme"),
        IDENTITY,
    )
    assert request_arns(
        {
            "ReputationEntityType": "RESOURCE",
            "ReputationEntityReference": TENANT,
            "ReputationEntityPolicy": STRICT,
        },
        _tenant_arn,
    ) == (TENANT, STRICT)
    assert request_arns({"ResourceArn": TENANT, "TagKeys": ["team"]}, _tenant_arn) == (TENANT,)
    assert request_arns({"SomeFutureArn": IDENTITY}, _tenant_arn) == (IDENTITY,)


def test_a_tenant_not_in_the_double_is_named_with_no_id(aws: None) -> None:
    assert tenant_arn_in_double("acme") == (
        f"arn:aws:ses:{REGION}:{ACCOUNT}:tenant/acme/{NO_TENANT_ID}"
    )


def test_wildcards_pseudo_parameters_and_deny() -> None:
    arn_of = {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":ses:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                ":tenant/*",
            ],
        ]
    }
    policy = GrantedPolicy(
        [
            {"Effect": "Allow", "Action": ["ses:Get*", "ses:TagResource"], "Resource": arn_of},
            {"Effect": "Allow", "Action": "ses:Untag?esource", "Resource": [arn_of]},
            {
                "Effect": "Allow",
                "Action": "logs:PutLogEvents",
                "Resource": {"Fn::GetAtt": ["L", "Arn"]},
            },
            {"Effect": "Deny", "Action": "ses:GetTenant", "Resource": "*:tenant/denied/*"},
        ]
    )
    assert policy.grants("ses:GetTenant", TENANT)
    assert policy.grants("SES:gettenant", TENANT)  # actions are case-insensitive
    assert policy.grants("ses:UntagResource", TENANT)
    assert not policy.grants("ses:DeleteTenant", TENANT)
    assert not policy.grants("ses:GetTenant", IDENTITY)
    assert not policy.grants("ses:GetTenant", TENANT.replace(REGION, "eu-west-1"))
    assert not policy.grants("ses:GetTenant", TENANT.replace(ACCOUNT, "210987654321"))
    assert not policy.grants("ses:GetTenant", TENANT.replace("ses", "SES"))  # ARNs are not
    assert not policy.grants("ses:GetTenant", _tenant_arn("denied"))
    assert policy.ungranted(
        [SesRequest("TagResource", (TENANT,)), SesRequest("DeleteTenant", (TENANT,))] * 2
    ) == [f"ses:DeleteTenant on {TENANT}"]


def test_conditions_are_not_silently_ignored() -> None:
    with pytest.raises(ValueError, match="Condition"):
        GrantedPolicy([{"Effect": "Allow", "Action": "ses:*", "Resource": "*", "Condition": {}}])


def test_the_handlers_policy_grants_nothing_beyond_its_resources(
    handler_policy: GrantedPolicy,
) -> None:
    assert handler_policy.grants("ses:CreateTenantResourceAssociation", IDENTITY)
    assert handler_policy.grants("ses:UpdateReputationEntityPolicy", STRICT)
    assert handler_policy.grants(
        "cloudformation:DescribeStacks",
        f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/other/uuid",
    )
    pool = f"arn:aws:ses:{REGION}:{ACCOUNT}:dedicated-ip-pool/acme-pool"
    assert not handler_policy.grants("ses:CreateTenantResourceAssociation", pool)
    assert not handler_policy.grants("ses:UpdateReputationEntityPolicy", IDENTITY)
    assert not handler_policy.grants("ses:DeleteTenant", IDENTITY)
    assert not handler_policy.grants("ses:ListTenants", TENANT)
    assert not handler_policy.grants("ses:DeleteTenant", TENANT.replace(ACCOUNT, "210987654321"))
    assert not handler_policy.grants(
        "cloudformation:DeleteStack", f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/x/y"
    )
