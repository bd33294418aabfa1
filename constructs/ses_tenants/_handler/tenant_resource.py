"""Create, update and delete a Custom::SesTenant: the lifecycle rules, on top of the gateway.

Physical id = tenant name; Data = the tenant's ARN, id and name.

CloudFormation's rollbacks reach this module as ordinary events: a failed stack create
deletes what it created, a failed update sends swapped Updates and then deletes what the
update created. The stack's status (read from CloudFormation) tells them apart, so that a
rollback never deletes a tenant the failed deploy adopted and never fails on a tenant that
is gone or foreign.
"""

from __future__ import annotations

import logging
from typing import Any

from . import contract
from .adoption import AdoptionRecord, record_in
from .claims import Claimant
from .cloudformation_reader import ROLLBACK_STATUSES, StackReader, stack_name_of
from .errors import RequestFailed
from .ownership import describe_owner, logical_id_of_mark, owner_mark, stack_of_mark
from .properties import TenantSpec, is_valid_tenant_name
from .retry import OutOfTime, TransportFailed
from .ses_gateway import SesGateway, TenantAlreadyExists
from .tenant_changes import (
    TenantChanges,
    changes_between,
    desired_state,
    state_after_create,
)
from .tenants import Tenant, TenantSettings, settings_of

logger = logging.getLogger(__name__)

Response = dict[str, Any]


def create(
    spec: TenantSpec,
    claimant: Claimant,
    ses: SesGateway,
    stacks: StackReader,
    *,
    resumed: bool = False,
) -> Response:
    """Create the tenant, or take over one of that name if it is ours or we may adopt it.

    `resumed`: this request ran before and ran out of time (see tenant_handler), so a
    tenant carrying this resource's mark is most likely its own doing.
    """
    mark = _mark(claimant)
    desired = desired_state(spec, mark)
    try:
        tenant = ses.create_tenant(spec.name, desired.tags, spec.suppression)
    except TenantAlreadyExists as exists:
        made_here = exists.after_lost_answer or (resumed and not _rolling_back(stacks, claimant))
        return _take_over_existing(spec, claimant, ses, stacks, made_here)
    except TransportFailed as error:
        # The answer was lost: SES may have created the tenant all the same.
        raise RequestFailed(f"{error} {_undo_create(ses, spec.name, mark)}") from error
    logger.info("Created tenant %s (%s)", spec.name, tenant.arn)
    try:
        # Only what CreateTenant cannot set: a non-default policy or sending status.
        _apply(
            ses,
            spec.name,
            tenant.arn,
            changes_between(state_after_create(spec, mark), desired),
        )
    except OutOfTime:
        raise  # Not a failure: is_complete carries the request on.
    except Exception as error:
        # A Create that fails in on_event gets no Delete (the Provider framework reports
        # its marker physical id), so whatever this request created must go now.
        raise RequestFailed(f"{error} {_undo_create(ses, spec.name, mark)}") from error
    return _response(tenant)


def update(
    physical_id: str,
    old: TenantSpec | None,
    new: TenantSpec,
    claimant: Claimant,
    ses: SesGateway,
    stacks: StackReader,
    *,
    resumed: bool = False,
) -> Response:
    """Bring the tenant from `old` to `new`, changing only what differs.

    `old` is None when the previous properties no longer parse; the tenant's state is then
    read from SES instead. `resumed`: as for `create`.
    """
    if new.name != physical_id:
        logger.info(
            "TenantName changes from %s to %s: creating the replacement; CloudFormation "
            "deletes tenant %s once the stack update succeeds",
            physical_id,
            new.name,
            physical_id,
        )
        return create(new, claimant, ses, stacks, resumed=resumed)
    mark = _mark(claimant)
    rolling_back = _rolling_back(stacks, claimant)
    tenant = ses.get_tenant(new.name)
    if tenant is None:
        if rolling_back:
            logger.warning(
                "Tenant %s is gone from SES; the rollback has nothing to restore", new.name
            )
            return _response_without_tenant(new.name)
        raise RequestFailed(
            f"Tenant '{new.name}' no longer exists in SES (deleted outside CloudFormation?), "
            "so it cannot be updated. To recreate it, give the Tenant another TenantName, or "
            "remove it from the stack, deploy, and add it back."
        )
    current_mark = tenant.owner_mark
    if current_mark is not None and current_mark != mark:
        if rolling_back:
            logger.warning(
                "Not restoring tenant %s in the rollback: %s",
                new.name,
                describe_owner(current_mark),
            )
            return _response(tenant)
        raise RequestFailed(
            f"Tenant '{new.name}' cannot be updated by this resource: "
            f"{describe_owner(current_mark)} (adopted with adopt_existing=True?). Nothing was "
            "changed. Remove the Tenant from this stack (its delete leaves a tenant it does "
            "not own in place), or take the tenant back: set adopt_existing=True and give the "
            "Tenant a new construct id, so that a new resource adopts it."
        )
    if old is None or rolling_back:
        # A rollback's "old" properties are what the failed update asked for, which it may
        # not have reached: only what SES holds says what there is to undo.
        current = settings_of(tenant, ses.get_reputation(tenant))
    else:
        # The previous properties describe the tenant as deployed; a mark removed by hand
        # is missing from `current` and so is restored.
        current = desired_state(old, current_mark)
    changes = changes_between(current, desired_state(new, mark))
    if record_in(tenant.tags) is not None and not rolling_back:
        # The deploy that adopted the tenant has succeeded: the record has served.
        changes = changes.also_removing(contract.ADOPTION_RECORD_TAG_KEY)
    _apply(ses, new.name, tenant.arn, changes)
    return _response(tenant)


def delete(physical_id: str, claimant: Claimant, ses: SesGateway, stacks: StackReader) -> Response:
    """Delete the tenant if it is ours; in a rollback, give an adopted tenant back instead.
    Never fails for a tenant that is gone or foreign."""
    response: Response = {"PhysicalResourceId": physical_id}
    if not is_valid_tenant_name(physical_id):
        logger.warning("Nothing to delete: %r is not a tenant name", physical_id)
        return response
    tenant = ses.get_tenant(physical_id)
    if tenant is None:
        logger.info("Tenant %s is already gone", physical_id)
        return response
    mark = _mark(claimant)
    current_mark = tenant.owner_mark
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
    tags = tenant.tags
    record = record_in(tags)
    if record is not None and _rolling_back(stacks, claimant):
        _restore(ses, tenant, record.state_given_back(tags))
        logger.warning(
            "Rolled back the adoption of tenant %s: given back as it was (%s)",
            physical_id,
            describe_owner(record.previous_mark),
        )
        return response
    if ses.delete_tenant(physical_id):
        logger.info("Deleted tenant %s and, with it, its resource associations", physical_id)
    else:
        logger.info("Tenant %s disappeared before it could be deleted", physical_id)
    return response


def _take_over_existing(
    spec: TenantSpec,
    claimant: Claimant,
    ses: SesGateway,
    stacks: StackReader,
    made_here: bool,
) -> Response:
    """`made_here`: this request may have created the tenant itself (a lost answer, or an
    earlier invocation of the request), so a failure deletes it again."""
    mark = _mark(claimant)
    # CreateTenant says it exists; one just created (by a lost earlier attempt) may take a
    # moment to show.
    tenant = ses.get_tenant(spec.name, wait_if_new=True)
    if tenant is None:
        raise RequestFailed(
            f"CreateTenant answered that tenant '{spec.name}' exists, but GetTenant does not "
            "find it: it is being deleted, or SES does not show it yet. Nothing was changed. "
            "Deploy again in a minute."
        )
    arn = tenant.arn
    current_mark = tenant.owner_mark
    if current_mark == mark:
        logger.info("Tenant %s is already this resource's: converging it", spec.name)
        current = settings_of(tenant, ses.get_reputation(tenant))
        try:
            _apply(ses, spec.name, arn, changes_between(current, desired_state(spec, mark)))
        except OutOfTime:
            raise
        except Exception as error:
            if made_here:  # A failed Create leaves nothing.
                raise RequestFailed(f"{error} {_undo_create(ses, spec.name, mark)}") from error
            # An earlier attempt's, or the tenant a rename is rolled back to: it stays.
            raise RequestFailed(
                f"{error} Tenant '{spec.name}' already belonged to this resource and stays in "
                "SES; deploying again converges it."
            ) from error
        return _response(tenant)
    if _is_deleted_predecessor(current_mark, claimant, stacks):
        logger.warning(
            "Taking over tenant %s from %s: that stack of the same name has been deleted and "
            "this one declares the tenant under the same logical id",
            spec.name,
            current_mark,
        )
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
    return _adopt(spec, tenant, mark, ses)


def _adopt(spec: TenantSpec, tenant: Tenant, mark: str, ses: SesGateway) -> Response:
    """Converge the tenant to `spec` under this resource's mark, recording what it was like,
    so that a rollback of this deploy can give it back."""
    arn = tenant.arn
    before = settings_of(tenant, ses.get_reputation(tenant))
    record = AdoptionRecord.of(before)
    if record.tags is None:
        logger.warning("Tenant %s has too many tags to record; a rollback keeps them", spec.name)
    desired = desired_state(spec, mark)
    if len(desired.tags) + 1 > contract.MAX_TAGS:
        raise RequestFailed(
            f"Adopting tenant '{spec.name}' needs one free tag for the adoption record "
            f"('{contract.ADOPTION_RECORD_TAG_KEY}', which lets a failed deploy give the tenant "
            f"back), but {len(desired.tags) - 1} tags are declared: declare at most "
            f"{contract.MAX_TAGS - 2} tags while adopting. Nothing was changed."
        )
    adopted = TenantSettings(
        tags={**desired.tags, contract.ADOPTION_RECORD_TAG_KEY: record.encode()},
        suppression=desired.suppression,
        reputation_policy=desired.reputation_policy,
        sending_status=desired.sending_status,
    )
    try:
        _apply(ses, spec.name, arn, changes_between(before, adopted))
    except OutOfTime:
        raise  # The mark, if written, comes with the adoption record: a rollback gives back.
    except Exception as error:
        raise RequestFailed(f"{error} {_give_back(ses, spec.name, before)}") from error
    return _response(tenant)


def _apply(ses: SesGateway, name: str, arn: str, changes: TenantChanges) -> None:
    if changes.is_empty:
        logger.info("Tenant %s is already as requested", name)
        return
    # Untag first: a tenant at SES's 50-tag limit can swap one key for another only so.
    if changes.tag_keys_to_remove:
        ses.untag_tenant(name, arn, changes.tag_keys_to_remove)
    if changes.tags_to_set:
        ses.tag_tenant(name, arn, changes.tags_to_set)
    if changes.suppression_changed:
        ses.put_suppression(name, changes.suppression)
    if changes.reputation_policy:
        ses.set_reputation_policy(name, arn, changes.reputation_policy)
    if changes.sending_status:
        ses.set_sending_status(name, arn, changes.sending_status)
    logger.info("Updated tenant %s: %s", name, changes)


def _restore(ses: SesGateway, tenant: Tenant, target: TenantSettings) -> None:
    """Bring `tenant` (as just read) back to `target` (the library's own tags included:
    they go if `target` lacks them)."""
    now = settings_of(tenant, ses.get_reputation(tenant))
    _apply(ses, tenant.name, tenant.arn, changes_between(now, target, keep=frozenset()))


def _give_back(ses: SesGateway, name: str, before: TenantSettings) -> str:
    """Undo a failed adoption; say what happened, for the failure reason."""
    previous_owner = describe_owner(before.tags.get(contract.OWNER_TAG_KEY))
    try:
        undo = ses.for_undo()
        # Read again: the failed writes may have changed some of it.
        tenant = undo.get_tenant(name, wait_if_new=True)
        if tenant is not None:
            _restore(undo, tenant, before)
    except Exception:
        logger.exception("Could not give tenant %s back after the failed adoption", name)
        return (
            f"Adopting tenant '{name}' failed halfway and it could not be given back: it may "
            "carry this resource's ownership tag and some of the declared settings. Deploy "
            "again to finish adopting it, or restore it by hand (before: "
            f"{previous_owner})."
        )
    return f"Adopting tenant '{name}' failed; it has been given back as it was ({previous_owner})."


def abandon(spec: TenantSpec, claimant: Claimant, ses: SesGateway, stacks: StackReader) -> str:
    """Undo a Create (or a rename's create) that gives up: delete the tenant if it still
    carries this resource's mark, give it back if this request adopted it. Not in a
    rollback, whose rename goes back to a tenant that was there before. Says what happened,
    for the failure reason."""
    if _rolling_back(stacks, claimant):
        return f"Tenant '{spec.name}' stays as it is: the rollback was going back to it."
    return _undo_create(ses, spec.name, _mark(claimant))


def _undo_create(ses: SesGateway, name: str, mark: str) -> str:
    """Delete the tenant this request created, if it is still this request's (read just
    before), or give it back if this request adopted it; say what happened, for the failure
    reason."""
    undo = ses.for_undo()
    try:
        tenant = undo.get_tenant(name, wait_if_new=True)
        if tenant is None:
            return f"Tenant '{name}' is not in SES: nothing was left behind."
        current_mark = tenant.owner_mark
        if current_mark != mark:
            return (
                f"Tenant '{name}' was left in SES: {describe_owner(current_mark)} (taken over "
                "while this request ran)."
            )
        record = record_in(tenant.tags)
        if record is not None:
            _restore(undo, tenant, record.state_given_back(tenant.tags))
            return (
                f"Adopting tenant '{name}' did not finish; it has been given back as it was "
                f"({describe_owner(record.previous_mark)})."
            )
        undo.delete_tenant(name)
    except Exception:
        logger.exception("Could not delete tenant %s after the failed Create", name)
        return (
            f"Tenant '{name}' may have been created by this request and could not be deleted "
            "again. If it exists, it carries this resource's ownership tag: deploying this "
            "stack again takes it over, and so does a new stack of the same name that "
            "declares it under the same construct id once this stack is deleted."
        )
    logger.info("Deleted tenant %s again after the failed Create", name)
    return f"Tenant '{name}' created by this request has been deleted again."


def _is_deleted_predecessor(mark: str | None, claimant: Claimant, stacks: StackReader) -> bool:
    """Whether `mark` names this resource's logical id in a deleted stack of this stack's
    name: CDK deletes a stack whose first create failed and creates it anew, with a new
    stack id, and the tenant its undo could not delete is then still the stack's own."""
    their_stack = stack_of_mark(mark)
    if their_stack is None or their_stack == claimant.stack_id:
        return False
    if logical_id_of_mark(mark) != claimant.logical_id:
        return False
    if stack_name_of(their_stack) != stack_name_of(claimant.stack_id):
        return False
    return stacks.status(their_stack) in (None, "DELETE_COMPLETE")


def _rolling_back(stacks: StackReader, claimant: Claimant) -> bool:
    return stacks.status(claimant.stack_id) in ROLLBACK_STATUSES


def _mark(claimant: Claimant) -> str:
    return owner_mark(claimant.stack_id, claimant.logical_id)


def _response(tenant: Tenant) -> Response:
    return {
        "PhysicalResourceId": tenant.name,
        "Data": {
            contract.ATTR_TENANT_ARN: tenant.arn,
            contract.ATTR_TENANT_ID: tenant.id,
            contract.ATTR_TENANT_NAME: tenant.name,
        },
    }


def _response_without_tenant(name: str) -> Response:
    # The attributes must be there for the rollback of resources that read them.
    return {
        "PhysicalResourceId": name,
        "Data": {
            contract.ATTR_TENANT_ARN: "",
            contract.ATTR_TENANT_ID: "",
            contract.ATTR_TENANT_NAME: name,
        },
    }
