"""The SES v2 request handler: moto's (with ``core_resources``), plus the tenant operations,
faults and SES's guards.

moto dispatches a rest-json request by matching method and path against botocore's model and
calling the handler method named after the operation (CreateTenant -> ``create_tenant``), so
adding methods here is all it takes to serve an operation.
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote

from moto.core.common_types import TYPE_RESPONSE

from .calls import record
from .core_resources import CoreResourcesResponse
from .exceptions import BadRequestException
from .faults import Fault, take_fault
from .models import (
    Association,
    Recommendation,
    StatusRecord,
    SuppressedDestination,
    Tenant,
    TenantBackend,
    is_tenant_arn,
    tenant_backends,
)
from .paging import paged
from .resources import CONFIGURATION_SET, IDENTITY, TEMPLATE
from .sending import DirectError, SendRequest, check_tenant_send, name_from_arn, raw_headers

# moto's state is not thread-safe and server mode answers on several threads: one SES v2
# request at a time keeps the double's invariants (e.g. no association to a deleted tenant).
_serialize = threading.RLock()


class TenantAwareSESV2Response(CoreResourcesResponse):
    @property
    def tenant_backend(self) -> TenantBackend:
        return tenant_backends[self.current_account][self.region]

    def call_action(self) -> TYPE_RESPONSE:
        operation = self._get_action()
        response: TYPE_RESPONSE | None = None
        try:
            response = self._answer(operation)
            return response
        finally:
            status = response[0] if response is not None else 500
            record("sesv2", operation, self.current_account, self.region, status, self._params())

    def _answer(self, operation: str | None) -> TYPE_RESPONSE:
        fault = take_fault(operation) if operation else None
        if fault is not None:
            return fault.response()
        try:
            with _serialize:
                return super().call_action()
        except DirectError as error:
            return error.json_response()
        except NotImplementedError:
            # Loud and final: 501 is not retried, and the message names what is missing.
            return Fault(
                "NotImplemented",
                f"The SES v2 operation {operation} is not implemented by the SES tenant double "
                "(moto + ses_tenants.testing).",
                501,
            ).response()

    def _params(self) -> dict[str, Any]:
        params: dict[str, Any] = {}
        for key, values in parse_qs(self.parsed_url.query).items():
            params[key] = values[0] if len(values) == 1 else values
        with contextlib.suppress(BadRequestException):
            params.update(self._json())
        params.update(getattr(self, "uri_match", None) or {})
        return params

    # Sending: moto's, with the tenant's checks, and template content

    def send_email(self) -> str:
        body = self._json()
        content = body.get("Content") or {}
        sender = body.get("FromEmailAddress")
        tenant = body.get("TenantName")
        config_set = body.get("ConfigurationSetName")
        template = content.get("Template")
        template_ref = None
        if "Raw" in content:
            raw = base64.b64decode(content["Raw"].get("Data") or b"").decode("utf-8")
            raw_from, raw_tenant, raw_config_set = raw_headers(raw)
            # The request's members win over the message's headers.
            sender = sender or raw_from
            tenant = tenant or raw_tenant
            config_set = config_set or raw_config_set
        elif template is not None:
            template_ref = template.get("TemplateName") or template.get("TemplateArn")
            if not template_ref and not template.get("TemplateContent"):
                raise BadRequestException("Template name or ARN is required.")
        check_tenant_send(
            self.tenant_backend,
            self.store,
            SendRequest(
                tenant, sender, body.get("FromEmailAddressIdentityArn"), config_set, template_ref
            ),
        )
        if template is None:
            return super().send_email()
        destination = body.get("Destination") or {}
        if template_ref:
            name = name_from_arn(template_ref, TEMPLATE)
            self._template(name)
            message = self.store.send_templated_email(
                sender or "", name, template.get("TemplateData") or "{}", destination
            )
        else:
            inline = template["TemplateContent"]
            message = self.store.send_email(  # type: ignore[assignment]
                sender or "",
                inline.get("Subject", ""),
                inline.get("Html") or inline.get("Text", ""),
                destination,
            )
        return json.dumps({"MessageId": message.id})

    def send_bulk_email(self) -> str:
        body = self._json()
        template = (body.get("DefaultContent") or {}).get("Template") or {}
        template_ref = template.get("TemplateName") or template.get("TemplateArn")
        inline: dict[str, Any] = template.get("TemplateContent") or {}
        if not template_ref and not inline:
            raise BadRequestException("Template name or ARN is required.")
        sender = body.get("FromEmailAddress")
        check_tenant_send(
            self.tenant_backend,
            self.store,
            SendRequest(
                body.get("TenantName"),
                sender,
                body.get("FromEmailAddressIdentityArn"),
                body.get("ConfigurationSetName"),
                template_ref,
            ),
        )
        destinations = [
            entry.get("Destination") or {} for entry in body.get("BulkEmailEntries") or []
        ]
        if template_ref:
            name = name_from_arn(template_ref, TEMPLATE)
            self._template(name)
            sent = self.store.send_bulk_templated_email(
                sender or "",
                name,
                template.get("TemplateData") or "{}",
                [{"Destination": destination} for destination in destinations],
            )
            message_ids = list(sent.ids)
        else:
            # Inline content: one message per entry, as SES sends each entry on its own.
            message_ids = [
                self.store.send_email(
                    sender or "",
                    inline.get("Subject", ""),
                    inline.get("Html") or inline.get("Text", ""),
                    destination,
                ).id
                for destination in destinations
            ]
        results = [{"Status": "SUCCESS", "MessageId": message_id} for message_id in message_ids]
        return json.dumps({"BulkEmailEntryResults": results})

    # Tenants

    def create_tenant(self) -> str:
        body = self._json()
        tenant = self.tenant_backend.create_tenant(
            body.get("TenantName"), body.get("Tags"), body.get("SuppressionAttributes")
        )
        return json.dumps(_tenant(tenant))

    def get_tenant(self) -> str:
        tenant = self.tenant_backend.get_tenant(self._json().get("TenantName"))
        return json.dumps({"Tenant": _tenant(tenant)})

    def list_tenants(self) -> str:
        body = self._json()
        pager = self._pager("ListTenants", body)
        tenants = self.tenant_backend.list_tenants(body.get("Filter"))
        page, token = pager.page(tenants, key=lambda t: t.name)
        return json.dumps(paged("Tenants", [_tenant_info(t) for t in page], token))

    def delete_tenant(self) -> str:
        self.tenant_backend.delete_tenant(self._json().get("TenantName"))
        return "{}"

    def put_tenant_suppression_attributes(self) -> str:
        body = self._json()
        self.tenant_backend.put_suppression_attributes(
            body.get("TenantName"), body.get("SuppressedReasons"), body.get("SuppressionScope")
        )
        return "{}"

    # Suppressed destinations (moto has none): the account's list, or a tenant's

    def put_suppressed_destination(self) -> str:
        body = self._json()
        self.tenant_backend.put_suppressed(
            body.get("TenantName"), body.get("EmailAddress"), body.get("Reason")
        )
        return "{}"

    def get_suppressed_destination(self) -> str:
        tenant = next(iter(self._query("TenantName")), None)
        address = unquote(self.uri_match.get("EmailAddress", ""))
        entry = self.tenant_backend.get_suppressed(tenant, address)
        view = _suppressed(entry)
        if tenant is not None:
            view["TenantName"] = tenant
        return json.dumps({"SuppressedDestination": {**view, "Attributes": {}}})

    def delete_suppressed_destination(self) -> str:
        tenant = next(iter(self._query("TenantName")), None)
        address = unquote(self.uri_match.get("EmailAddress", ""))
        self.tenant_backend.delete_suppressed(tenant, address)
        return "{}"

    def list_suppressed_destinations(self) -> str:
        query: dict[str, Any] = {"NextToken": next(iter(self._query("NextToken")), None)}
        size = next(iter(self._query("PageSize")), None)
        if size is not None:
            query["PageSize"] = int(size) if size.lstrip("-").isdigit() else size
        tenant = next(iter(self._query("TenantName")), None)
        scope = "ListSuppressedDestinations" + (f":{tenant}" if tenant else "")
        pager = self._pager(scope, query)
        found = self.tenant_backend.list_suppressed(
            tenant,
            self._query("Reason"),
            _timestamp(next(iter(self._query("StartDate")), None)),
            _timestamp(next(iter(self._query("EndDate")), None)),
        )
        page, token = pager.page(found, key=lambda entry: entry.address.lower())
        return json.dumps(
            paged("SuppressedDestinationSummaries", [_suppressed(e) for e in page], token)
        )

    # Resource associations

    def create_tenant_resource_association(self) -> str:
        body = self._json()
        self.tenant_backend.associate(body.get("TenantName"), body.get("ResourceArn"))
        return "{}"

    def delete_tenant_resource_association(self) -> str:
        body = self._json()
        self.tenant_backend.disassociate(body.get("TenantName"), body.get("ResourceArn"))
        return "{}"

    def list_tenant_resources(self) -> str:
        body = self._json()
        pager = self._pager("ListTenantResources", body)
        found = self.tenant_backend.tenant_resources(body.get("TenantName"), body.get("Filter"))
        page, token = pager.page(found, key=lambda a: a.resource.arn)
        # ResourceType is the ARN segment on the wire, not the SDK's enum spelling.
        items = [{"ResourceType": a.resource.kind, "ResourceArn": a.resource.arn} for a in page]
        return json.dumps(paged("TenantResources", items, token))

    def list_resource_tenants(self) -> str:
        body = self._json()
        pager = self._pager("ListResourceTenants", body)
        found = self.tenant_backend.resource_tenants(body.get("ResourceArn"))
        page, token = pager.page(found, key=lambda a: a.seq)
        return json.dumps(paged("ResourceTenants", [_resource_tenant(a) for a in page], token))

    # Reputation entities

    def get_reputation_entity(self) -> str:
        tenant = self.tenant_backend.reputation_entity(
            self.uri_match.get("ReputationEntityType"),
            self.uri_match.get("ReputationEntityReference"),
        )
        impact = self.tenant_backend.reputation_impact(tenant)
        return json.dumps({"ReputationEntity": _reputation_entity(tenant, impact)})

    def list_reputation_entities(self) -> str:
        body = self._json()
        pager = self._pager("ListReputationEntities", body)
        backend = self.tenant_backend
        tenants = backend.reputation_entities(body.get("Filter"))
        page, token = pager.page(tenants, key=lambda t: t.arn)
        entities = [_reputation_entity(t, backend.reputation_impact(t)) for t in page]
        return json.dumps(paged("ReputationEntities", entities, token))

    # Recommendations (Virtual Deliverability Manager findings)

    def list_recommendations(self) -> str:
        body = self._json()
        pager = self._pager("ListRecommendations", body)
        found = self.tenant_backend.list_recommendations(body.get("Filter"))
        page, token = pager.page(found, key=lambda r: r.seq)
        return json.dumps(paged("Recommendations", [_recommendation(r) for r in page], token))

    def update_reputation_entity_policy(self) -> str:
        self.tenant_backend.update_reputation_policy(
            self.uri_match.get("ReputationEntityType"),
            self.uri_match.get("ReputationEntityReference"),
            self._json().get("ReputationEntityPolicy"),
        )
        return "{}"

    def update_reputation_entity_customer_managed_status(self) -> str:
        self.tenant_backend.update_customer_managed_status(
            self.uri_match.get("ReputationEntityType"),
            self.uri_match.get("ReputationEntityReference"),
            self._json().get("SendingStatus"),
        )
        return "{}"

    # Tags: tenant ARNs are the double's; anything else goes to moto's tagger, under the key
    # moto itself uses for identities (email-identity/), so the ARN AWS uses works too.

    def tag_resource(self) -> str:
        body = self._json()
        arn, tags = body.get("ResourceArn") or "", body.get("Tags") or []
        if is_tenant_arn(arn):
            self.tenant_backend.tag_tenant(arn, tags)
        else:
            tag_map = {tag["Key"]: tag.get("Value") for tag in tags}
            self.sesv2_backend.tag_resource(_moto_arn(arn), tag_map)
        return "{}"

    def untag_resource(self) -> str:
        arn, keys = "".join(self._query("ResourceArn")), self._query("TagKeys")
        if is_tenant_arn(arn):
            self.tenant_backend.untag_tenant(arn, keys)
        else:
            self.sesv2_backend.untag_resource(_moto_arn(arn), keys)
        return "{}"

    def list_tags_for_resource(self) -> str:
        arn = "".join(self._query("ResourceArn"))
        if is_tenant_arn(arn):
            tenant = self.tenant_backend.tenant_for_tags(arn)
            tags = sorted(tenant.tags, key=lambda tag: tag["Key"])
        else:
            tags = self.sesv2_backend.list_tags_for_resource(_moto_arn(arn))
        return json.dumps({"Tags": tags})

    # moto's deletes, with what SES adds: NotFoundException for a missing resource, and the
    # refusal to delete a resource some tenant is still associated with.

    def delete_email_identity(self) -> str:
        name = self.uri_match.get("EmailIdentity", "")
        self._identity(name)
        self._refuse_if_associated(IDENTITY, name)
        return super().delete_email_identity()

    def delete_configuration_set(self) -> str:
        name = self.uri_match.get("ConfigurationSetName", "")
        self._config_set(name)
        self._refuse_if_associated(CONFIGURATION_SET, name)
        return super().delete_configuration_set()

    def delete_email_template(self) -> str:
        name = self.uri_match.get("TemplateName", "")
        self._template(name)
        self._refuse_if_associated(TEMPLATE, name)
        del self.store.templates[name]
        return "{}"

    def _refuse_if_associated(self, kind: str, name: str) -> None:
        arn = self.tenant_backend.is_associated(kind, name)
        if arn is not None:
            raise BadRequestException(
                f"Cannot delete <{arn}> because it has tenant associations. "
                "Remove all tenant associations and try again."
            )


def _suppressed(entry: SuppressedDestination) -> dict[str, Any]:
    return {
        "EmailAddress": entry.address,
        "Reason": entry.reason,
        "LastUpdateTime": entry.updated.timestamp(),
    }


def _timestamp(value: str | None) -> datetime | None:
    """A rest-json query timestamp: ISO 8601 (the SDKs' default) or epoch seconds."""
    if not value:
        return None
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequestException(f"Invalid timestamp <{value}>.") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _moto_arn(arn: str) -> str:
    head, sep, resource = arn.rpartition(":")
    if sep and resource.startswith(f"{IDENTITY}/"):
        return f"{head}:email-{resource}"
    return arn


# Wire shapes, per botocore's sesv2 model. Timestamps are epoch seconds, as rest-json sends.


def _tenant_info(tenant: Tenant) -> dict[str, Any]:
    return {
        "TenantName": tenant.name,
        "TenantId": tenant.tenant_id,
        "TenantArn": tenant.arn,
        "CreatedTimestamp": tenant.created.timestamp(),
        "SendingStatus": tenant.sending_status,
    }


def _tenant(tenant: Tenant) -> dict[str, Any]:
    view = {**_tenant_info(tenant), "Tags": list(tenant.tags)}
    if tenant.suppression is not None:
        view["SuppressionAttributes"] = tenant.suppression
    return view


def _resource_tenant(association: Association) -> dict[str, Any]:
    return {
        "TenantName": association.tenant.name,
        "TenantId": association.tenant.tenant_id,
        "ResourceArn": association.resource.arn,
        "AssociatedTimestamp": association.associated.timestamp(),
    }


def _status(record: StatusRecord) -> dict[str, Any]:
    view: dict[str, Any] = {
        "Status": record.status,
        "LastUpdatedTimestamp": record.last_updated.timestamp(),
    }
    if record.cause:
        view["Cause"] = record.cause
    return view


def _recommendation(recommendation: Recommendation) -> dict[str, Any]:
    return {
        "ResourceArn": recommendation.resource_arn,
        "Type": recommendation.type,
        "Description": recommendation.description,
        "Status": recommendation.status,
        "CreatedTimestamp": recommendation.created.timestamp(),
        "LastUpdatedTimestamp": recommendation.last_updated.timestamp(),
        "Impact": recommendation.impact,
    }


def _reputation_entity(tenant: Tenant, impact: str | None) -> dict[str, Any]:
    view = {
        "ReputationEntityReference": tenant.arn,
        "ReputationEntityType": "RESOURCE",
        "ReputationManagementPolicy": tenant.policy_arn,
        "CustomerManagedStatus": _status(tenant.customer_status),
        "AwsSesManagedStatus": _status(tenant.ses_status),
        "SendingStatusAggregate": tenant.sending_status,
    }
    if impact:
        view["ReputationImpact"] = impact
    return view
