"""Create, update and delete a Custom::SesTenantResourceAssociation.

Physical id = "{tenant name}|{resource ARN}", with "|held-before" appended when SES held
the association before this resource claimed it. Any change of tenant or resource is a
replacement: the new association is created and its new physical id returned, and
CloudFormation then deletes the old one.

SES holds one association per pair, but any number of CloudFormation resources can claim
it: a refactor that changes an association's logical id creates the "new" one (SES answers
AlreadyExists) and then deletes the old one in the cleanup phase. So a Delete removes the
association only when no other live resource claims it, a rollback never removes one that
was there before the deploy, and a Create refuses a pair that the tenant's own stack
claims, because that stack's Delete could not see this claim.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from . import contract
from .claims import Claimant, live_claimant
from .cloudformation_reader import ROLLBACK_STATUSES, StackReader
from .errors import RequestFailed
from .ownership import stack_of_mark
from .properties import AssociationSpec, parse_association_physical_id
from .ses_gateway import SesGateway
from .tenants import Tenant

logger = logging.getLogger(__name__)

Response = dict[str, Any]


def create(
    spec: AssociationSpec, claimant: Claimant, ses: SesGateway, stacks: StackReader
) -> Response:
    if not ses.associate(spec.tenant_name, spec.resource_arn):
        logger.info("Associated %s with tenant %s", spec.resource_arn, spec.tenant_name)
        return _response(spec)
    # A refactor within this stack, or an association made outside CloudFormation (an
    # adopted tenant's): the requested state holds and this resource now claims it. Unless
    # the tenant's own stack claims it too: that stack's Delete would remove it from under
    # this one, so refuse before anything changes.
    holder = _claimant_in_owner_stack(spec, claimant, ses, stacks)
    if holder is not None:
        raise RequestFailed(
            f"Resource '{spec.resource_arn}' is already associated with tenant "
            f"'{spec.tenant_name}' by {holder.describe()}, in the stack that owns the tenant. "
            "An association must be declared in one stack only, or removing it there would "
            "remove it for this stack too: keep it there, or move it by removing it from "
            "that stack (deploy it) and then adding it here."
        )
    logger.info(
        "%s was already associated with tenant %s; this resource now claims it",
        spec.resource_arn,
        spec.tenant_name,
    )
    return _response(AssociationSpec(spec.tenant_name, spec.resource_arn, held_before=True))


def update(
    physical_id: str,
    spec: AssociationSpec,
    claimant: Claimant,
    ses: SesGateway,
    stacks: StackReader,
) -> Response:
    current = parse_association_physical_id(physical_id)
    if current is not None and spec.same_pair(current):
        logger.info("Association %s is unchanged", physical_id)
        return _response(current)
    logger.info(
        "Association changes from %s to %s: creating the new one", physical_id, spec.physical_id
    )
    return create(spec, claimant, ses, stacks)


def pending_physical_id(physical_id: str | None, spec: AssociationSpec) -> str:
    """The physical id to report for a Create (`physical_id` None) or an Update whose work
    is pending: the current one if the pair is unchanged; else the new pair, marked as held
    before. Whether SES held it before is learnt only when SES answers, so until then the
    id must keep a rollback's Delete (of a request that fails without finishing) from
    removing an association that may have been there before the deploy."""
    current = parse_association_physical_id(physical_id) if physical_id else None
    if current is not None and spec.same_pair(current):
        return str(physical_id)
    return AssociationSpec(spec.tenant_name, spec.resource_arn, held_before=True).physical_id


def delete(physical_id: str, claimant: Claimant, ses: SesGateway, stacks: StackReader) -> Response:
    response: Response = {"PhysicalResourceId": physical_id}
    spec = parse_association_physical_id(physical_id)
    if spec is None:
        logger.warning("Nothing to delete: %r is not an association id", physical_id)
        return response
    if spec.held_before and stacks.status(claimant.stack_id) in ROLLBACK_STATUSES:
        logger.info(
            "Keeping the association of %s with tenant %s: it was there before the deploy "
            "that is being rolled back",
            spec.resource_arn,
            spec.tenant_name,
        )
        return response
    holder = live_claimant(stacks, claimant.stack_id, _claims_of(spec), exclude=claimant)
    if holder is None:
        tenant = ses.get_tenant(spec.tenant_name)
        if tenant is None:
            # SES removed the tenant's associations with it.
            logger.info("Tenant %s is gone, and the association with it", spec.tenant_name)
            return response
        holder = _claimant_in_owner_stack(spec, claimant, ses, stacks, tenant=tenant)
    if holder is not None:
        logger.info(
            "Keeping the association of %s with tenant %s: %s still claims it",
            spec.resource_arn,
            spec.tenant_name,
            holder.describe(),
        )
        return response
    if ses.disassociate(spec.tenant_name, spec.resource_arn):
        # SES answers success also when the association was already gone.
        logger.info("Removed association of %s with tenant %s", spec.resource_arn, spec.tenant_name)
    else:
        logger.info(
            "Tenant %s or resource %s is gone, and the association with it",
            spec.tenant_name,
            spec.resource_arn,
        )
    return response


def _claimant_in_owner_stack(
    spec: AssociationSpec,
    claimant: Claimant,
    ses: SesGateway,
    stacks: StackReader,
    *,
    tenant: Tenant | None = None,
) -> Claimant | None:
    """A live resource claiming the same pair in the stack that owns the tenant, when that
    is another stack than the claimant's (the one other stack the handler can name)."""
    if tenant is None:
        tenant = ses.get_tenant(spec.tenant_name)
    owner_stack = stack_of_mark(tenant.owner_mark if tenant else None)
    if owner_stack is None or owner_stack == claimant.stack_id:
        return None
    return live_claimant(stacks, owner_stack, _claims_of(spec), exclude=claimant)


def _claims_of(spec: AssociationSpec) -> Callable[[str], bool]:
    """Whether a physical id names the same pair, whatever its form."""
    return lambda physical_id: spec.same_pair(parse_association_physical_id(physical_id))


def _response(spec: AssociationSpec) -> Response:
    return {
        "PhysicalResourceId": spec.physical_id,
        # contract.py has no attribute names for associations; the property names serve.
        "Data": {
            contract.ATTR_TENANT_NAME: spec.tenant_name,
            contract.PROP_RESOURCE_ARN: spec.resource_arn,
        },
    }
