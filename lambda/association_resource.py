"""Create, update and delete a Custom::SesTenantResourceAssociation.

Physical id = "{tenant name}|{resource ARN}". Any change of either is a replacement: the new
association is created and its new physical id returned, and CloudFormation then deletes the
old one.
"""

from __future__ import annotations

import logging
from typing import Any

import contract
from properties import AssociationSpec, parse_association_physical_id
from ses_gateway import SesGateway

logger = logging.getLogger(__name__)

Response = dict[str, Any]


def create(spec: AssociationSpec, ses: SesGateway) -> Response:
    if ses.associate(spec.tenant_name, spec.resource_arn):
        logger.info("Associated %s with tenant %s", spec.resource_arn, spec.tenant_name)
    else:
        # A retried Create, or an association made outside CloudFormation: either way the
        # requested state holds.
        logger.info("%s was already associated with tenant %s", spec.resource_arn, spec.tenant_name)
    return _response(spec)


def update(physical_id: str, spec: AssociationSpec, ses: SesGateway) -> Response:
    if spec.physical_id == physical_id:
        logger.info("Association %s is unchanged", physical_id)
        return _response(spec)
    logger.info(
        "Association changes from %s to %s: creating the new one", physical_id, spec.physical_id
    )
    return create(spec, ses)


def delete(physical_id: str, ses: SesGateway) -> Response:
    response: Response = {"PhysicalResourceId": physical_id}
    spec = parse_association_physical_id(physical_id)
    if spec is None:
        logger.warning("Nothing to delete: %r is not an association id", physical_id)
        return response
    if ses.disassociate(spec.tenant_name, spec.resource_arn):
        # SES answers success also when the association was already gone.
        logger.info("Removed association of %s with tenant %s", spec.resource_arn, spec.tenant_name)
    else:
        # NotFound: the tenant (SES removed its associations with it) or the resource is gone.
        logger.info(
            "Tenant %s or resource %s is gone, and the association with it",
            spec.tenant_name,
            spec.resource_arn,
        )
    return response


def _response(spec: AssociationSpec) -> Response:
    return {
        "PhysicalResourceId": spec.physical_id,
        # contract.py has no attribute names for associations; the property names serve.
        "Data": {
            contract.ATTR_TENANT_NAME: spec.tenant_name,
            contract.PROP_RESOURCE_ARN: spec.resource_arn,
        },
    }
