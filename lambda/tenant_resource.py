"""Create, update and delete a Custom::SesTenant: the lifecycle rules, on top of the gateway.

Physical id = tenant name; Data = the tenant's ARN, id and name.
"""

from __future__ import annotations

import logging
from typing import Any

import contract
from errors import RequestFailed
from ownership import describe_owner, mark_in
from properties import TenantSpec, is_valid_tenant_name
from ses_gateway import SesGateway, TenantAlreadyExists
from tenant_changes import (
    TenantChanges,
    changes_between,
    desired_state,
    observed_state,
    state_after_create,
)

logger = logging.getLogger(__name__)

Response = dict[str, Any]


def create(spec: TenantSpec, mark: str, ses: SesGateway) -> Response:
    """Create the tenant, or take over one of that name if it is ours or we may adopt it."""
    desired = desired_state(spec, mark)
    try:
        tenant = ses.create_tenant(spec.name, desired.tags, spec.suppression)
    except TenantAlreadyExists:
        return _take_over_existing(spec, mark, ses)
    logger.info("Created tenant %s (%s)", spec.name, tenant["TenantArn"])
    try:
        # Only what CreateTenant cannot set: a non-default policy or sending status.
        _apply(
            ses,
            spec.name,
            tenant["TenantArn"],
            changes_between(state_after_create(spec, mark), desired),
        )
    except Exception as error:
        # The Provider framework sends no Delete for a failed Create, so whatever this
        # request created must go now or it would be left behind.
        raise RequestFailed(f"{error} {_undo_create(ses, spec.name)}") from error
    return _response(tenant)


def update(
    physical_id: str, old: TenantSpec | None, new: TenantSpec, mark: str, ses: SesGateway
) -> Response:
    """Bring the tenant from `old` to `new`, changing only what differs.

    `old` is None when the previous properties no longer parse; the tenant's state is then
    read from SES instead.
    """
    if new.name != physical_id:
        logger.info(
            "TenantName changes from %s to %s: creating the replacement; CloudFormation "
            "deletes tenant %s once the stack update succeeds",
            physical_id,
            new.name,
            physical_id,
        )
        return create(new, mark, ses)
    tenant = ses.get_tenant(new.name)
    if tenant is None:
        raise RequestFailed(
            f"Tenant '{new.name}' no longer exists in SES (deleted outside CloudFormation?), "
            "so it cannot be updated. To recreate it, give the Tenant another TenantName, or "
            "remove it from the stack, deploy, and add it back."
        )
    current_mark = mark_in(tenant.get("Tags"))
    if current_mark is not None and current_mark != mark:
        raise RequestFailed(
            f"Tenant '{new.name}' cannot be updated by this resource: "
            f"{describe_owner(current_mark)} (adopted with adopt_existing=True?). Remove the "
            "Tenant from this stack, or adopt it back with adopt_existing=True and a new "
            "logical id."
        )
    if old is None:
        current = observed_state(tenant, ses.get_reputation_entity(new.name, tenant["TenantArn"]))
    else:
        # The previous properties describe the tenant as deployed; a mark removed by hand
        # is missing from `current` and so is restored.
        current = desired_state(old, current_mark)
    _apply(ses, new.name, tenant["TenantArn"], changes_between(current, desired_state(new, mark)))
    return _response(tenant)


def delete(physical_id: str, mark: str, ses: SesGateway) -> Response:
    """Delete the tenant if it is ours. Never fails for a tenant that is gone or foreign."""
    response: Response = {"PhysicalResourceId": physical_id}
    if not is_valid_tenant_name(physical_id):
        logger.warning("Nothing to delete: %r is not a tenant name", physical_id)
        return response
    tenant = ses.get_tenant(physical_id)
    if tenant is None:
        logger.info("Tenant %s is already gone", physical_id)
        return response
    current_mark = mark_in(tenant.get("Tags"))
    if current_mark != mark:
        # A stack teardown must neither fail nor remove a tenant that another stack or a
        # person now relies on (e.g. one adopted elsewhere after this stack created it).
        logger.warning(
            "Not deleting tenant %s: %s, not by this resource (%s). It stays in SES.",
            physical_id,
            describe_owner(current_mark),
            mark,
        )
        return response
    if ses.delete_tenant(physical_id):
        logger.info("Deleted tenant %s and, with it, its resource associations", physical_id)
    else:
        logger.info("Tenant %s disappeared before it could be deleted", physical_id)
    return response


def _take_over_existing(spec: TenantSpec, mark: str, ses: SesGateway) -> Response:
    tenant = ses.get_tenant(spec.name)
    if tenant is None:
        raise RequestFailed(
            f"CreateTenant answered that tenant '{spec.name}' exists, but GetTenant cannot "
            "find it (it is probably being deleted). Deploy again in a minute."
        )
    current_mark = mark_in(tenant.get("Tags"))
    if current_mark == mark:
        logger.info("Tenant %s is already ours (a retried Create): converging it", spec.name)
    elif spec.adopt_existing:
        logger.warning(
            "Adopting tenant %s as %s requests: %s",
            spec.name,
            contract.PROP_ADOPT_EXISTING,
            describe_owner(current_mark),
        )
    else:
        raise RequestFailed(
            f"Tenant '{spec.name}' already exists in SES and is not owned by this resource: "
            f"{describe_owner(current_mark)}. To manage that tenant from this stack, set "
            "adopt_existing=True on the Tenant (property "
            f'{contract.PROP_ADOPT_EXISTING}="true") and deploy again; otherwise choose '
            "another tenant name."
        )
    arn = tenant["TenantArn"]
    current = observed_state(tenant, ses.get_reputation_entity(spec.name, arn))
    # Includes setting our mark, which is what takes the tenant over.
    _apply(ses, spec.name, arn, changes_between(current, desired_state(spec, mark)))
    return _response(tenant)


def _apply(ses: SesGateway, name: str, arn: str, changes: TenantChanges) -> None:
    if changes.is_empty:
        logger.info("Tenant %s is already as requested", name)
        return
    if changes.tags_to_set:
        ses.tag_tenant(name, arn, changes.tags_to_set)
    if changes.tag_keys_to_remove:
        ses.untag_tenant(name, arn, changes.tag_keys_to_remove)
    if changes.suppression_changed:
        ses.put_suppression(name, changes.suppression)
    if changes.reputation_policy:
        ses.set_reputation_policy(name, arn, changes.reputation_policy)
    if changes.sending_status:
        ses.set_sending_status(name, arn, changes.sending_status)
    logger.info("Updated tenant %s: %s", name, changes)


def _undo_create(ses: SesGateway, name: str) -> str:
    """Delete the tenant this request created; say what happened, for the failure reason."""
    try:
        ses.delete_tenant(name)
    except Exception:
        logger.exception("Could not delete tenant %s after the failed Create", name)
        return (
            f"Tenant '{name}' was created by this request but could not be deleted again; "
            "it carries this resource's ownership tag, so deploying again takes it over."
        )
    logger.info("Deleted tenant %s again after the failed Create", name)
    return f"Tenant '{name}' created by this request has been deleted again."


def _response(tenant: dict[str, Any]) -> Response:
    return {
        "PhysicalResourceId": tenant["TenantName"],
        "Data": {
            contract.ATTR_TENANT_ARN: tenant["TenantArn"],
            contract.ATTR_TENANT_ID: tenant["TenantId"],
            contract.ATTR_TENANT_NAME: tenant["TenantName"],
        },
    }
