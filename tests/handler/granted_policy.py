"""What the provider grants the handler, as synthesized, and the ARNs each SES call is made on.

The handler tests record every SES request the handler's client makes (conftest.py's
`ses_calls`) with every ARN the request is authorized on, and check each against the
handler role's policy as `TenantProvider` synthesizes it: an operation the handler calls but
the provider does not grant, or grants on the wrong resource, fails the test that made it.

The ARNs of a request are read from the request itself, not from the table the provider
grants from (operations.SES_OPERATIONS), so that a table missing an operation or a resource
is caught rather than agreed with.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tests.handler.handler_fakes import ACCOUNT, REGION

PARTITION = "aws"
#: What CloudFormation substitutes for the pseudo parameters in this test's account.
PSEUDO_PARAMETERS = {
    "AWS::Partition": PARTITION,
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT,
    "AWS::URLSuffix": "amazonaws.com",
}
#: The id in the ARN of a tenant that does not exist (yet): CreateTenant, or a call that
#: SES answers NotFound. IAM sees `tenant/{name}/…` either way.
NO_TENANT_ID = "tn-000000000000000000000000000000"
#: Request parameters that name an ARN the call is authorized on (besides TenantName, which
#: names the tenant). Any other parameter whose value is an ARN is checked too.
ARN_PARAMETERS = ("ResourceArn", "ReputationEntityReference", "ReputationEntityPolicy")


@dataclass(frozen=True)
class SesRequest:
    """One SES request the handler made, with every ARN it is authorized on."""

    operation: str
    arns: tuple[str, ...]


def request_arns(params: Mapping[str, Any], tenant_arn: Callable[[str], str]) -> tuple[str, ...]:
    """Every ARN the request with these API parameters is made on: the tenant it names by
    TenantName (as `tenant_arn` resolves it), ResourceArn (a tenant for TagResource and
    UntagResource, the associated resource for association calls), the reputation entity's
    reference (the tenant) and the reputation policy, and any other ARN it carries."""
    arns: list[str] = []
    if isinstance(params.get("TenantName"), str):
        arns.append(tenant_arn(params["TenantName"]))
    arns.extend(str(params[key]) for key in ARN_PARAMETERS if key in params)
    arns.extend(
        value
        for key, value in params.items()
        if key not in ARN_PARAMETERS and isinstance(value, str) and value.startswith("arn:")
    )
    return tuple(dict.fromkeys(arns))


def tenant_arn_in_double(name: str) -> str:
    """The ARN of the tenant of that name in the double (moto's backend, this test's account
    and region) right now; for a tenant that does not exist, its name with NO_TENANT_ID."""
    from ses_tenants.testing.models import tenant_backends

    tenant = tenant_backends[ACCOUNT][REGION].tenants.get(name)
    if tenant is not None:
        return str(tenant.arn)
    return f"arn:{PARTITION}:ses:{REGION}:{ACCOUNT}:tenant/{name}/{NO_TENANT_ID}"


def _wildcard(pattern: str, *, ignore_case: bool = False) -> re.Pattern[str]:
    """IAM's wildcards: `*` any run of characters (slashes included), `?` any one."""
    regex = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )
    return re.compile(regex, re.IGNORECASE if ignore_case else 0)


def _resolve(value: Any) -> str | None:
    """A resource of the template as a string, with the pseudo parameters substituted; None
    for a value naming a resource of the stack itself (Fn::GetAtt), which no SES ARN is."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in PSEUDO_PARAMETERS:
        return PSEUDO_PARAMETERS[value["Ref"]]
    if isinstance(value, dict) and set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        resolved = [_resolve(part) for part in parts]
        if any(part is None for part in resolved):
            return None
        return str(separator).join(part for part in resolved if part is not None)
    if isinstance(value, dict) and set(value) <= {"Fn::GetAtt", "Ref"}:
        return None
    raise ValueError(f"cannot resolve {value!r}: teach granted_policy._resolve about it")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@dataclass(frozen=True)
class _Statement:
    effect: str
    actions: tuple[re.Pattern[str], ...]
    resources: tuple[re.Pattern[str], ...]

    def covers(self, action: str, arn: str) -> bool:
        return any(p.fullmatch(action) for p in self.actions) and any(
            p.fullmatch(arn) for p in self.resources
        )


class GrantedPolicy:
    """The Allow and Deny statements of a synthesized policy, evaluated as IAM does for
    statements without conditions: granted if some Allow covers the action on the ARN and
    no Deny does."""

    def __init__(self, statements: Iterable[Mapping[str, Any]]) -> None:
        self.statements: list[_Statement] = []
        for statement in statements:
            unsupported = set(statement) - {"Sid", "Effect", "Action", "Resource"}
            if unsupported:
                raise ValueError(f"statement {statement!r} uses {sorted(unsupported)}")
            resources = [_resolve(r) for r in _as_list(statement["Resource"])]
            self.statements.append(
                _Statement(
                    effect=statement["Effect"],
                    actions=tuple(
                        _wildcard(a, ignore_case=True) for a in _as_list(statement["Action"])
                    ),
                    resources=tuple(_wildcard(r) for r in resources if r is not None),
                )
            )

    def grants(self, action: str, arn: str) -> bool:
        covering = {s.effect for s in self.statements if s.covers(action, arn)}
        return "Allow" in covering and "Deny" not in covering

    def ungranted(self, requests: Iterable[SesRequest]) -> list[str]:
        """`ses:Operation on ARN` for every ARN of every request the policy does not grant,
        once each, in the order the requests were made."""
        missing: dict[str, None] = {}
        for request in requests:
            for arn in request.arns:
                if not self.grants(f"ses:{request.operation}", arn):
                    missing[f"ses:{request.operation} on {arn}"] = None
        return list(missing)


def synthesize_handler_policy() -> GrantedPolicy:
    """The policy of the handler's role as TenantProvider synthesizes it in a stack without
    an environment (so its ARNs name the pseudo parameters, resolved for this test)."""
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    from ses_tenants import TenantProvider

    stack = cdk.Stack(cdk.App(), "HandlerPolicy")
    provider = TenantProvider(stack, "Provider")
    role = provider.handler.role
    assert role is not None
    role_id = stack.get_logical_id(role.node.default_child)
    resources = Template.from_stack(stack).to_json()["Resources"]
    # The role's inline policies and every AWS::IAM::Policy attached to it.
    documents = [p["PolicyDocument"] for p in resources[role_id]["Properties"].get("Policies", [])]
    documents.extend(
        resource["Properties"]["PolicyDocument"]
        for resource in resources.values()
        if resource["Type"] == "AWS::IAM::Policy"
        and {"Ref": role_id} in resource["Properties"].get("Roles", [])
    )
    statements = [statement for document in documents for statement in document["Statement"]]
    assert statements, "the handler's role has no policy"
    return GrantedPolicy(statements)
