"""SES v1 (``ses`` client) with the tenant rules SES applies there too.

SES v1 and v2 share identities, configuration sets and templates, so SES v1's deletes must
refuse a resource a tenant is associated with as SES v2's do, and SES v1's SendRawEmail
honours a raw message's ``X-SES-TENANT`` header as SES v2's raw content does. SES v1 has no
error shape for these refusals: the double answers them with SES v2's codes
(``BadRequestException`` 400, ``AccessDeniedException`` 403) in SES v1's XML error form.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_types import TYPE_RESPONSE
from moto.ses.models import SESBackend
from moto.ses.responses import EmailResponse

from .models import TenantBackend, tenant_backends
from .resources import CONFIGURATION_SET, IDENTITY, TEMPLATE
from .sending import DirectError, SendRequest, check_tenant_send, raw_headers


class TenantAwareEmailResponse(EmailResponse):
    @property
    def tenant_backend(self) -> TenantBackend:
        return tenant_backends[self.current_account][self.region]

    def call_action(self) -> TYPE_RESPONSE:
        from .calls import record
        from .responses import _serialize

        response: TYPE_RESPONSE | None = None
        try:
            with _serialize:
                try:
                    response = super().call_action()
                except DirectError as error:
                    response = error.query_response()
            return response
        finally:
            params = {
                key: values[0] if len(values) == 1 else values
                for key, values in self.querystring.items()
                if key not in ("Action", "Version")
            }
            status = response[0] if response is not None else 500
            record("ses", self._get_action(), self.current_account, self.region, status, params)

    def delete_identity(self) -> Any:
        self._refuse_if_associated(IDENTITY, str(self._get_param("Identity")))
        return super().delete_identity()

    def delete_configuration_set(self) -> Any:
        self._refuse_if_associated(CONFIGURATION_SET, str(self._get_param("ConfigurationSetName")))
        return super().delete_configuration_set()

    def delete_template(self) -> Any:
        self._refuse_if_associated(TEMPLATE, str(self._get_param("TemplateName")))
        return super().delete_template()

    def send_raw_email(self) -> Any:
        raw = self._get_param("RawMessage.Data")
        text = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw or "")
        sender, tenant, config_set = raw_headers(text)
        store: SESBackend = self.backend
        check_tenant_send(
            self.tenant_backend,
            store,
            SendRequest(
                tenant,
                self._get_param("Source") or sender,
                self._get_param("FromArn"),
                self._get_param("ConfigurationSetName") or config_set,
            ),
        )
        return super().send_raw_email()

    def _refuse_if_associated(self, kind: str, name: str) -> None:
        arn = self.tenant_backend.is_associated(kind, name)
        if arn is not None:
            raise DirectError(
                "BadRequestException",
                f"Cannot delete <{arn}> because it has tenant associations. "
                "Remove all tenant associations and try again.",
                400,
            )
