"""The SES resources a tenant can be associated with, resolved against moto's own store.

moto keeps SES v2 identities, configuration sets and (SES v1) templates in its SES v1
backend, so that is where existence is checked. Associations are keyed by the ARN AWS uses
(``identity/{name}``), not moto's internal ``email-identity/{name}``.
"""

from __future__ import annotations

from dataclasses import dataclass

from moto.ses.models import SESBackend, ses_backends
from moto.utilities.utils import get_partition

from .exceptions import BadRequestException, NotFoundException

# The ARN resource-type segments SES accepts; ListTenantResources reports these raw strings.
IDENTITY = "identity"
CONFIGURATION_SET = "configuration-set"
TEMPLATE = "template"
ASSOCIABLE = (CONFIGURATION_SET, IDENTITY, TEMPLATE)

_NOT_SES = "Provided resource identifier is not an SES resource"


@dataclass(frozen=True)
class SesResource:
    arn: str
    kind: str
    name: str


def resource_arn(kind: str, name: str, *, account: str, region: str) -> str:
    return f"arn:{get_partition(region)}:ses:{region}:{account}:{kind}/{name}"


def parse_resource_arn(arn: str, *, account: str, region: str) -> SesResource:
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "ses":
        raise BadRequestException(_NOT_SES)
    _, _, _, arn_region, arn_account, resource = parts
    kind, slash, name = resource.partition("/")
    if not slash or not name:
        raise BadRequestException(_NOT_SES)
    if kind not in ASSOCIABLE:
        raise BadRequestException(f"Unsupported resource type: {kind}")
    if arn_region != region:
        raise BadRequestException(f"Resource <{arn}> must be in the same region")
    if arn_account != account:
        raise BadRequestException(f"Resource <{arn}> must be in the same account")
    return SesResource(arn=arn, kind=kind, name=name)


def require_exists(resource: SesResource, *, account: str, region: str) -> None:
    store: SESBackend = ses_backends[account][region]
    if resource.kind == IDENTITY and resource.name not in store.email_identities:
        raise NotFoundException(f"Identity <{resource.name}> does not exist")
    if resource.kind == CONFIGURATION_SET and resource.name not in store.config_sets:
        # The trailing colon is SES's own wording.
        raise NotFoundException(f"Configuration set <{resource.name}> does not exist:")
    if resource.kind == TEMPLATE and resource.name not in store.templates:
        raise NotFoundException(f"Email template <{resource.name}> does not exist")
