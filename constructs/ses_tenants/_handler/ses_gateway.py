"""The only module that calls SES: one method per call, with retries and error translation.

Answers that are part of normal operation (the tenant exists already, is gone already) come
back as return values; anything else unexpected becomes RequestFailed naming the call and
the tenant, so the stack event says what failed and where. What SES answers comes back as
values (tenants.py's `Tenant` and `Reputation`), parsed here from SES's shapes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from . import contract
from .errors import RequestFailed
from .properties import Suppression
from .retry import NOT_FOUND_CODE, TRANSPORT_ERRORS, Retrier, error_code
from .tenants import Reputation, StatusRecord, Tenant

T = TypeVar("T")

ALREADY_EXISTS_CODE = "AlreadyExistsException"
LIMIT_EXCEEDED_CODE = "LimitExceededException"
#: Reputation calls address a tenant as a "RESOURCE" entity by its ARN.
REPUTATION_ENTITY_TYPE = "RESOURCE"
REPUTATION_POLICY_ARN_SEGMENT = "reputation-policy/"


class TenantAlreadyExists(Exception):
    """CreateTenant found the name taken (by us, on a retry, or by someone else).

    `after_lost_answer`: an earlier attempt of this same call lost its answer in transport,
    so the tenant may be this very request's.
    """

    def __init__(self, name: str, *, after_lost_answer: bool) -> None:
        super().__init__(name)
        self.after_lost_answer = after_lost_answer


class SesGateway:
    def __init__(self, client: Any, retrier: Retrier) -> None:
        self._client = client
        self._retrier = retrier

    def for_undo(self) -> SesGateway:
        """This gateway with the time kept back for undoing (see Retrier.for_undo)."""
        return SesGateway(self._client, self._retrier.for_undo())

    # Tenants

    def create_tenant(
        self, name: str, tags: Mapping[str, str], suppression: Suppression | None
    ) -> Tenant:
        """The new tenant. Raises TenantAlreadyExists."""
        request: dict[str, Any] = {"TenantName": name, "Tags": _ses_tags(tags)}
        if suppression is not None:
            request["SuppressionAttributes"] = _suppression_request(suppression)
        answers = _AnswerLog()
        try:
            answer = self._call(
                f"CreateTenant of tenant '{name}'",
                answers.watch(lambda: self._client.create_tenant(**request)),
            )
        except ClientError as error:
            if error_code(error) == ALREADY_EXISTS_CODE:
                raise TenantAlreadyExists(name, after_lost_answer=answers.lost) from error
            hint = (
                " The account has reached its tenant quota in this region (10,000 by "
                "default): delete unused tenants or request a quota increase."
                if error_code(error) == LIMIT_EXCEEDED_CODE
                else ""
            )
            raise _failure(f"Creating tenant '{name}'", error, hint) from error
        return tenant_from_ses(answer)

    def get_tenant(self, name: str, *, wait_if_new: bool = False) -> Tenant | None:
        """The tenant, or None if there is none of that name.

        `wait_if_new`: NotFound is retried a few times first, for a tenant that SES has
        just created (or has said exists) and may not show yet.
        """
        try:
            answer = self._call(
                f"GetTenant of tenant '{name}'",
                lambda: self._client.get_tenant(TenantName=name),
                retry_not_found=wait_if_new,
            )
        except ClientError as error:
            if error_code(error) == NOT_FOUND_CODE:
                return None
            raise _failure(f"Reading tenant '{name}'", error) from error
        return tenant_from_ses(answer["Tenant"])

    def delete_tenant(self, name: str) -> bool:
        """Delete the tenant (SES also removes its associations); False if it was gone."""
        try:
            self._call(
                f"DeleteTenant of tenant '{name}'",
                lambda: self._client.delete_tenant(TenantName=name),
            )
        except ClientError as error:
            if error_code(error) == NOT_FOUND_CODE:
                return False
            raise _failure(f"Deleting tenant '{name}'", error) from error
        return True

    def tag_tenant(self, name: str, arn: str, tags: Mapping[str, str]) -> None:
        self._call_on_known_tenant(
            f"TagResource of tenant '{name}' (keys {', '.join(sorted(tags))})",
            lambda: self._client.tag_resource(ResourceArn=arn, Tags=_ses_tags(tags)),
        )

    def untag_tenant(self, name: str, arn: str, keys: tuple[str, ...]) -> None:
        self._call_on_known_tenant(
            f"UntagResource of tenant '{name}' (keys {', '.join(keys)})",
            lambda: self._client.untag_resource(ResourceArn=arn, TagKeys=list(keys)),
        )

    def put_suppression(self, name: str, suppression: Suppression | None) -> None:
        """Set the tenant's suppression attributes; None (neither field) clears them."""
        request = _suppression_request(suppression) if suppression is not None else {}
        self._call_on_known_tenant(
            f"PutTenantSuppressionAttributes of tenant '{name}'",
            lambda: self._client.put_tenant_suppression_attributes(TenantName=name, **request),
        )

    # Reputation entity of a tenant

    def get_reputation(self, tenant: Tenant) -> Reputation:
        answer = self._call_on_known_tenant(
            f"GetReputationEntity of tenant '{tenant.name}'",
            lambda: self._client.get_reputation_entity(
                ReputationEntityType=REPUTATION_ENTITY_TYPE, ReputationEntityReference=tenant.arn
            ),
        )
        return reputation_from_ses(answer.get("ReputationEntity") or {}, tenant_arn=tenant.arn)

    def set_reputation_policy(self, name: str, arn: str, policy: str) -> None:
        self._call_on_known_tenant(
            f"UpdateReputationEntityPolicy of tenant '{name}' to '{policy}'",
            lambda: self._client.update_reputation_entity_policy(
                ReputationEntityType=REPUTATION_ENTITY_TYPE,
                ReputationEntityReference=arn,
                ReputationEntityPolicy=self.reputation_policy_arn(policy),
            ),
        )

    def set_sending_status(self, name: str, arn: str, status: str) -> None:
        self._call_on_known_tenant(
            f"UpdateReputationEntityCustomerManagedStatus of tenant '{name}' to '{status}'",
            lambda: self._client.update_reputation_entity_customer_managed_status(
                ReputationEntityType=REPUTATION_ENTITY_TYPE,
                ReputationEntityReference=arn,
                SendingStatus=status,
            ),
        )

    def reputation_policy_arn(self, policy: str) -> str:
        # The client's partition and region are where the tenant lives, and so where the
        # policy has to be named.
        meta = self._client.meta
        return reputation_policy_arn(meta.partition, meta.region_name, policy)

    # Associations

    def associate(self, tenant_name: str, resource_arn: str) -> bool:
        """Associate the resource with the tenant. True if SES held the association before
        this call (AlreadyExists, and not after an attempt of this call lost its answer)."""
        doing = f"CreateTenantResourceAssociation of '{resource_arn}' with tenant '{tenant_name}'"
        answers = _AnswerLog()
        try:
            # The tenant or resource may have been created seconds ago: NotFound is retried.
            self._call(
                doing,
                answers.watch(
                    lambda: self._client.create_tenant_resource_association(
                        TenantName=tenant_name, ResourceArn=resource_arn
                    )
                ),
                retry_not_found=True,
            )
        except ClientError as error:
            if error_code(error) == ALREADY_EXISTS_CODE:
                return not answers.lost
            hint = (
                " Both the tenant and the resource must exist in this account and region."
                if error_code(error) == NOT_FOUND_CODE
                else ""
            )
            raise _failure(
                f"Associating '{resource_arn}' with tenant '{tenant_name}'", error, hint
            ) from error
        return False

    def disassociate(self, tenant_name: str, resource_arn: str) -> bool:
        """Remove the association; False if the tenant or the resource, and so it, is gone.

        SES answers success when the association alone is already gone.
        """
        doing = f"DeleteTenantResourceAssociation of '{resource_arn}' from tenant '{tenant_name}'"
        try:
            self._call(
                doing,
                lambda: self._client.delete_tenant_resource_association(
                    TenantName=tenant_name, ResourceArn=resource_arn
                ),
            )
        except ClientError as error:
            if error_code(error) == NOT_FOUND_CODE:
                return False
            raise _failure(
                f"Removing the association of '{resource_arn}' with tenant '{tenant_name}'",
                error,
            ) from error
        return True

    # Plumbing

    def _call(
        self, description: str, action: Callable[[], T], *, retry_not_found: bool = False
    ) -> T:
        return self._retrier.call(action, description=description, retry_not_found=retry_not_found)

    def _call_on_known_tenant(self, description: str, action: Callable[[], T]) -> T:
        """A call on a tenant this request has just created or read, so NotFound is retried.

        SES can take a moment to make a new tenant visible to its other APIs.
        """
        try:
            return self._call(description, action, retry_not_found=True)
        except ClientError as error:
            raise _failure(description, error) from error


class _AnswerLog:
    """Whether an attempt of a call lost its answer in transport: a write may then have
    happened, so an AlreadyExists on a later attempt can be this very call's doing."""

    def __init__(self) -> None:
        self.lost = False

    def watch(self, action: Callable[[], T]) -> Callable[[], T]:
        def attempt() -> T:
            try:
                return action()
            except TRANSPORT_ERRORS:
                self.lost = True
                raise

        return attempt


# SES's shapes


def tenant_from_ses(answer: Mapping[str, Any]) -> Tenant:
    """A tenant from GetTenant's `Tenant` or CreateTenant's answer."""
    return Tenant(
        name=answer["TenantName"],
        arn=answer["TenantArn"],
        id=answer.get("TenantId", ""),
        tags=tags_from_ses(answer.get("Tags")),
        suppression=_suppression_from_ses(answer.get("SuppressionAttributes")),
    )


def reputation_from_ses(entity: Mapping[str, Any], *, tenant_arn: str = "") -> Reputation:
    """A tenant's reputation from a reputation entity (GetReputationEntity's, or one of
    ListReputationEntities'); an empty entity has SES's defaults."""
    policy_arn = entity.get("ReputationManagementPolicy")
    policy = reputation_policy_name(policy_arn) if policy_arn else None
    return Reputation(
        tenant_arn=entity.get("ReputationEntityReference") or tenant_arn,
        policy=policy or contract.DEFAULT_REPUTATION_POLICY,
        customer_managed=_status_from_ses(entity.get("CustomerManagedStatus")),
        ses_managed=_status_from_ses(entity.get("AwsSesManagedStatus")),
        aggregate=entity.get("SendingStatusAggregate"),
        impact=entity.get("ReputationImpact"),
    )


def tags_from_ses(tags: Any) -> dict[str, str]:
    """SES's `[{"Key": ..., "Value": ...}]` as a mapping."""
    return {tag["Key"]: tag.get("Value", "") for tag in tags or ()}


def reputation_policy_arn(partition: str, region: str, policy: str) -> str:
    """The ARN of one of SES's reputation policies (AWS-owned: the account is "aws")."""
    return f"arn:{partition}:ses:{region}:aws:{REPUTATION_POLICY_ARN_SEGMENT}{policy}"


def reputation_policy_name(arn: str) -> str:
    """The policy name in a reputation-policy ARN: `strict` for .../reputation-policy/strict."""
    _, _, name = arn.rpartition(REPUTATION_POLICY_ARN_SEGMENT)
    return name or arn


def _suppression_from_ses(attributes: Mapping[str, Any] | None) -> Suppression | None:
    if not attributes or not attributes.get("SuppressionScope"):
        return None
    reasons = tuple(sorted(set(attributes.get("SuppressedReasons") or ())))
    return Suppression(scope=attributes["SuppressionScope"], reasons=reasons)


def _status_from_ses(record: Mapping[str, Any] | None) -> StatusRecord | None:
    if not record or not record.get("Status"):
        return None
    return StatusRecord(record["Status"], record.get("Cause"), record.get("LastUpdatedTimestamp"))


def _ses_tags(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def _suppression_request(suppression: Suppression) -> dict[str, Any]:
    return {
        "SuppressionScope": suppression.scope,
        "SuppressedReasons": list(suppression.reasons),
    }


def _failure(doing: str, error: ClientError, hint: str = "") -> RequestFailed:
    message = (error.response.get("Error", {}).get("Message") or "").rstrip(".")
    return RequestFailed(f"{doing} failed: SES answered {error_code(error)}: {message}.{hint}")
