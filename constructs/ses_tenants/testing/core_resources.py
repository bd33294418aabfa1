"""SES v2 operations on moto's own resources, with the checks SES makes and moto skips.

moto stores identities, configuration sets, dedicated IP pools and templates in its SES v1
backend (``sesv2_backend.core_backend``). This handler keeps using those stored objects, so
SES v1 clients, moto's own operations and the double all see one state; it adds the
AlreadyExists/NotFound answers SES gives and a few operations moto lacks. Operations neither
implements still reach ``call_action`` as NotImplementedError and fail loudly (501).
"""

from __future__ import annotations

import json
from typing import Any, cast
from urllib.parse import parse_qs

from moto.ses.models import ConfigurationSet, DedicatedIpPool, EmailIdentity, SESBackend
from moto.sesv2.responses import SESV2Response

from .exceptions import (
    AlreadyExistsException,
    BadRequestException,
    NotFoundException,
    enum_error,
)
from .models import utcnow
from .paging import Pager, paged
from .resources import TEMPLATE, resource_arn

TLS_POLICIES = ("REQUIRE", "OPTIONAL")
SCALING_MODES = ("STANDARD", "MANAGED")


class CoreResourcesResponse(SESV2Response):
    @property
    def store(self) -> SESBackend:
        return self.sesv2_backend.core_backend

    # Request parsing: moto's generic _get_param reads headers as parameters on bodiless
    # requests, so the double reads the body, the query and the path explicitly.

    def _json(self) -> dict[str, Any]:
        if not self.body:
            return {}
        try:
            data = json.loads(self.body)
        except ValueError:
            raise BadRequestException("The request body is not valid JSON.") from None
        return data if isinstance(data, dict) else {}

    def _query(self, name: str) -> list[str]:
        return parse_qs(self.parsed_url.query, keep_blank_values=True).get(name, [])

    def _pager(self, operation: str, body: dict[str, Any]) -> Pager:
        return Pager(
            f"{operation}:{self.current_account}:{self.region}",
            next_token=body.get("NextToken"),
            page_size=body.get("PageSize"),
        )

    def _arn(self, kind: str, name: str) -> str:
        return resource_arn(kind, name, account=self.current_account, region=self.region)

    # Lookups, with NotFoundException as the SES v2 model declares it (moto raises KeyError,
    # or SES v1 error codes that SES v2 clients do not know).

    def _identity(self, name: str) -> EmailIdentity:
        identity = self.store.email_identities.get(name)
        if identity is None:
            raise NotFoundException(f"Email identity <{name}> does not exist.")
        return identity

    def _config_set(self, name: str) -> ConfigurationSet:
        config_set = self.store.config_sets.get(name)
        if config_set is None:
            raise NotFoundException(f"Configuration set <{name}> does not exist.")
        return config_set

    def _pool(self, name: str) -> DedicatedIpPool:
        pool = self.store.dedicated_ip_pools.get(name)
        if pool is None:
            raise NotFoundException(f"Dedicated IP pool <{name}> does not exist.")
        return pool

    def _template(self, name: str) -> dict[str, Any]:
        template = self.store.templates.get(name)
        if template is None:
            raise NotFoundException(f"Email template <{name}> does not exist")
        return cast(dict[str, Any], template)

    # Email identities

    def create_email_identity(self) -> str:
        # SES v1 and v2 share identities, so one verified through SES v1 is taken too.
        body = self._json()
        name = body.get("EmailIdentity") or ""
        if name in self.store.email_identities:
            raise AlreadyExistsException(f"Email identity <{name}> already exists.")
        # The model lists NotFoundException, as for the same member of
        # PutEmailIdentityConfigurationSetAttributes; moto stores any name.
        if body.get("ConfigurationSetName"):
            self._config_set(body["ConfigurationSetName"])
        return super().create_email_identity()

    def put_email_identity_configuration_set_attributes(self) -> str:
        identity = self._identity(self.uri_match.get("EmailIdentity", ""))
        name = self._json().get("ConfigurationSetName")
        if name:
            self._config_set(name)
        # No ConfigurationSetName removes the identity's default configuration set.
        identity.configuration_set_name = name or None
        return "{}"

    # Configuration sets: moto stores DeliveryOptions as sent, without checking the pool.

    def create_configuration_set(self) -> str:
        body = self._json()
        options = body.get("DeliveryOptions")
        if options is not None:
            self._check_tls_policy(options, member_prefix="deliveryOptions.")
        name = body.get("ConfigurationSetName") or ""
        if name in self.store.config_sets:
            # moto answers SES v1's ConfigurationSetAlreadyExists, a code SES v2 never sends.
            raise AlreadyExistsException(f"Configuration set <{name}> already exists.")
        if options is not None:
            self._check_sending_pool(options)
        return super().create_configuration_set()

    def put_configuration_set_delivery_options(self) -> str:
        config_set = self._config_set(self.uri_match.get("ConfigurationSetName", ""))
        body = self._json()
        options = {
            key: body[key]
            for key in ("TlsPolicy", "SendingPoolName", "MaxDeliverySeconds")
            if body.get(key) is not None
        }
        self._check_tls_policy(options, member_prefix="")
        self._check_sending_pool(options)
        # A put replaces the block: an omitted SendingPoolName detaches the pool.
        config_set.delivery_options = options
        return "{}"

    def _check_tls_policy(self, options: dict[str, Any], *, member_prefix: str) -> None:
        tls = options.get("TlsPolicy")
        if tls is not None and tls not in TLS_POLICIES:
            raise enum_error(f"{member_prefix}tlsPolicy", tls, TLS_POLICIES)
        # MaxDeliverySeconds' range is enforced by the SDKs' own parameter validation.

    def _check_sending_pool(self, options: dict[str, Any]) -> None:
        # SES's documentation does not say what a missing pool gets; the model lists
        # NotFoundException for both CreateConfigurationSet and
        # PutConfigurationSetDeliveryOptions, so the double answers that.
        pool = options.get("SendingPoolName")
        if pool:
            self._pool(pool)

    # Dedicated IP pools: moto ignores a duplicate create and KeyErrors on a missing delete.

    def create_dedicated_ip_pool(self) -> str:
        body = self._json()
        name, mode = body.get("PoolName") or "", body.get("ScalingMode")
        if mode is not None and mode not in SCALING_MODES:
            raise enum_error("scalingMode", mode, SCALING_MODES)
        if name in self.store.dedicated_ip_pools:
            raise AlreadyExistsException(f"Dedicated IP pool <{name}> already exists.")
        result = super().create_dedicated_ip_pool()
        # STANDARD is SES's default; moto would report no ScalingMode at all.
        self._pool(name).scaling_mode = mode or "STANDARD"
        return result

    def delete_dedicated_ip_pool(self) -> str:
        name = self.uri_match.get("PoolName", "")
        self._pool(name)
        del self.store.dedicated_ip_pools[name]
        return "{}"

    def put_dedicated_ip_pool_scaling_attributes(self) -> str:
        pool = self._pool(self.uri_match.get("PoolName", ""))
        mode = self._json().get("ScalingMode")
        if mode not in SCALING_MODES:
            raise enum_error("scalingMode", mode, SCALING_MODES)
        if pool.scaling_mode == "MANAGED" and mode == "STANDARD":
            # The model's documentation: MANAGED pools cannot be converted to STANDARD.
            raise BadRequestException("MANAGED pools cannot be converted to STANDARD.")
        pool.scaling_mode = mode
        return "{}"

    # Email templates: moto serves them only through SES v1; these make them usable (and
    # associable) from SES v2 clients, in the same store and the same shape SES v1 writes.

    def create_email_template(self) -> str:
        body = self._json()
        name = body.get("TemplateName") or ""
        if name in self.store.templates:
            raise AlreadyExistsException(f"Email template <{name}> already exists.")
        self.store.templates[name] = cast(
            Any, {"template_name": name, **_content(body), "Timestamp": utcnow()}
        )
        if body.get("Tags"):
            self.store.tagger.tag_resource(self._arn(TEMPLATE, name), body["Tags"])
        return "{}"

    def update_email_template(self) -> str:
        name = self.uri_match.get("TemplateName", "")
        # Keeps the creation Timestamp: ListEmailTemplates reports it as CreatedTimestamp.
        self._template(name).update(_content(self._json()))
        return "{}"

    def get_email_template(self) -> str:
        name = self.uri_match.get("TemplateName", "")
        template = self._template(name)
        content = {
            "Subject": template.get("subject_part"),
            "Text": template.get("text_part"),
            "Html": template.get("html_part"),
        }
        return json.dumps(
            {"TemplateName": name, "TemplateContent": {k: v for k, v in content.items() if v}}
        )

    def list_email_templates(self) -> str:
        # A GET: NextToken and PageSize come in the query string.
        query: dict[str, Any] = {"NextToken": next(iter(self._query("NextToken")), None)}
        size = next(iter(self._query("PageSize")), None)
        if size is not None:
            query["PageSize"] = int(size) if size.lstrip("-").isdigit() else size
        pager = self._pager("ListEmailTemplates", query)
        page, token = pager.page(list(self.store.templates), key=lambda name: name)
        items = [
            {"TemplateName": name, "CreatedTimestamp": _created(self.store.templates[name])}
            for name in page
        ]
        return json.dumps(paged("TemplatesMetadata", items, token))


def _content(body: dict[str, Any]) -> dict[str, str]:
    content = body.get("TemplateContent") or {}
    return {
        "subject_part": content.get("Subject", ""),
        "text_part": content.get("Text", ""),
        "html_part": content.get("Html", ""),
    }


def _created(template: Any) -> float:
    # moto types templates as str -> str, but both SES v1 and the double store a datetime.
    return float(template["Timestamp"].timestamp())
