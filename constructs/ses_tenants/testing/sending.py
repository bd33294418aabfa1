"""Tenant-aware sending: which resources a send uses, and whether its tenant may use them.

SES lets a send that names a tenant (``TenantName``, or the ``X-SES-TENANT`` header of a raw
message) through only if every identity, configuration set and template it uses is
associated with that tenant, and only while the tenant is not paused. The double's choices
where the service's documentation is silent:

- an unknown tenant is ``NotFoundException`` (404, modeled for SendEmail/SendBulkEmail);
- a paused tenant (aggregate status DISABLED) is ``SendingPausedException`` (400, modeled),
  checked after the associations;
- a named configuration set or template that does not exist is ``NotFoundException``;
- a sender with no identity at all is left to moto's own "not verified" rejection.
"""

from __future__ import annotations

import email
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import parseaddr
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from moto.ses.models import SESBackend

from .exceptions import NotFoundException
from .resources import CONFIGURATION_SET, IDENTITY, TEMPLATE, resource_arn

if TYPE_CHECKING:
    from .models import TenantBackend

TENANT_HEADER = "X-SES-TENANT"
CONFIGURATION_SET_HEADER = "X-SES-CONFIGURATION-SET"


class DirectError(Exception):
    """An error SES sends that the service model does not declare (so moto cannot serialize
    it from the model): answered as is, with its own HTTP status."""

    def __init__(self, code: str, message: str, status: int):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status

    def json_response(self) -> tuple[int, dict[str, str], str]:
        headers = {
            "Content-Type": "application/json",
            "x-amzn-ErrorType": self.code,
            "x-amzn-RequestId": str(uuid.uuid4()),
        }
        return self.status, headers, json.dumps({"message": self.message})

    def query_response(self) -> tuple[int, dict[str, str], str]:
        """The SES v1 (query protocol) form."""
        request_id = str(uuid.uuid4())
        body = (
            '<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">'
            f"<Error><Type>Sender</Type><Code>{escape(self.code)}</Code>"
            f"<Message>{escape(self.message)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return self.status, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, body


def not_associated(arns: Iterable[str]) -> DirectError:
    return DirectError(
        "AccessDeniedException",
        f"Tenant not associated with resources [{', '.join(arns)}]",
        403,
    )


@dataclass
class SendRequest:
    """What a send names, before resolution."""

    tenant: str | None
    sender: str | None  # FromEmailAddress (or the raw message's From)
    identity_arn: str | None = None  # FromEmailAddressIdentityArn
    configuration_set: str | None = None
    template: str | None = None  # a name or an ARN


def raw_headers(raw: str) -> tuple[str | None, str | None, str | None]:
    """From, X-SES-TENANT and X-SES-CONFIGURATION-SET of a raw MIME message."""
    message = email.message_from_string(raw)
    return message["From"], message[TENANT_HEADER], message[CONFIGURATION_SET_HEADER]


def name_from_arn(value: str, kind: str) -> str:
    if value.startswith("arn:"):
        _, _, rest = value.partition(f":{kind}/")
        return rest or value.rsplit("/", 1)[-1]
    return value


def identity_for(store: SESBackend, sender: str | None) -> str | None:
    """The identity a sender address sends as: the exact address if it is an identity, else
    its domain; None if neither is."""
    _, address = parseaddr(sender or "")
    if not address:
        return None
    if address in store.email_identities:
        return address
    domain = address.rpartition("@")[2].lower()
    return domain if domain in store.email_identities else None


def used_resources(
    store: SESBackend, request: SendRequest, *, account: str, region: str
) -> list[str]:
    """The ARNs of the identity, configuration set and template the send uses, in that
    order. A named configuration set or template must exist."""
    if request.identity_arn:
        identity: str | None = name_from_arn(request.identity_arn, IDENTITY)
        if identity not in store.email_identities:
            raise NotFoundException(f"Email identity <{identity}> does not exist.")
    else:
        identity = identity_for(store, request.sender)
    used = []
    config_set = request.configuration_set
    if identity is not None:
        used.append(resource_arn(IDENTITY, identity, account=account, region=region))
        if not config_set:
            # Without ConfigurationSetName, the identity's default configuration set is used.
            config_set = store.email_identities[identity].configuration_set_name
    if config_set:
        if config_set not in store.config_sets:
            raise NotFoundException(f"Configuration set <{config_set}> does not exist.")
        used.append(resource_arn(CONFIGURATION_SET, config_set, account=account, region=region))
    if request.template:
        name = name_from_arn(request.template, TEMPLATE)
        if name not in store.templates:
            raise NotFoundException(f"Email template <{name}> does not exist")
        used.append(resource_arn(TEMPLATE, name, account=account, region=region))
    return used


def check_tenant_send(tenants: TenantBackend, store: SESBackend, request: SendRequest) -> None:
    """Refuse the send as SES does when its tenant may not send it; no-op without a tenant."""
    if request.tenant is None:
        return
    tenant = tenants.get_tenant(request.tenant)
    used = used_resources(store, request, account=tenants.account_id, region=tenants.region_name)
    missing = [arn for arn in used if not tenants.is_associated_with(tenant, arn)]
    if missing:
        raise not_associated(missing)
    tenants.require_sending(tenant)
