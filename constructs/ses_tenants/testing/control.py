"""The double's test hooks over HTTP, for tests in another process or language.

Served by ``ses-tenants-double`` next to moto's own ``/moto-api/reset``::

    POST   /moto-api/ses-tenants/faults               inject: {"operation": "CreateTenant",
                                                       "count": 2, "code": ..., "message": ...,
                                                       "status": ..., "every": ...}
    GET    /moto-api/ses-tenants/faults               {"CreateTenant": 2}: faults served
    DELETE /moto-api/ses-tenants/faults               clear every fault
    POST   /moto-api/ses-tenants/ses-managed-status   {"tenant_arn": ..., "status": "DISABLED",
                                                       "cause": ...}
    POST   /moto-api/ses-tenants/recommendations      {"resource_arn": ..., "type": "COMPLAINT",
                                                       "status": "OPEN" or "FIXED",
                                                       "impact": ..., "description": ...}
    GET    /moto-api/ses-tenants/calls[?operation=X]  the call log
    DELETE /moto-api/ses-tenants/calls                empty the call log
    POST   /moto-api/reset                            moto's reset: state, faults and log

A refused request answers 400 with ``{"error": "..."}``. ``DoubleClient`` wraps these.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from .calls import call_log, clear_call_log
from .faults import clear_faults, fault_stats, inject_fault

PREFIX = "/moto-api/ses-tenants"
Response = tuple[int, dict[str, str], str]
_JSON = {"Content-Type": "application/json"}
_FAULT_OPTIONS = ("count", "code", "message", "status", "every")


def _ok(value: Any = None) -> Response:
    return 200, dict(_JSON), json.dumps({"status": "ok"} if value is None else value)


def _refused(message: str, status: int = 400) -> Response:
    return status, dict(_JSON), json.dumps({"error": message})


def _body(request: Any) -> dict[str, Any]:
    # get_data(): the raw body whatever the Content-Type (curl -d sends a form type).
    raw = request.get_data() or b"{}"
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("the request body must be a JSON object")
    return data


def _guarded(handler: Callable[[Any, str], Response]) -> Callable[[Any, str, Any], Response]:
    def serve(request: Any, full_url: str, headers: Any) -> Response:
        try:
            return handler(request, full_url)
        except (ValueError, LookupError, TypeError) as error:
            return _refused(str(error))

    return serve


@_guarded
def faults(request: Any, full_url: str) -> Response:
    if request.method == "POST":
        body = _body(request)
        unknown = set(body) - {"operation", *_FAULT_OPTIONS}
        if unknown:
            raise ValueError(f"unknown fault options: {sorted(unknown)}")
        if "operation" not in body:
            raise ValueError("operation is required")
        options = {key: body[key] for key in _FAULT_OPTIONS if key in body}
        inject_fault(body["operation"], **options)
        return _ok()
    if request.method == "DELETE":
        clear_faults()
        return _ok()
    return _ok(fault_stats())


@_guarded
def ses_managed_status(request: Any, full_url: str) -> Response:
    if request.method != "POST":
        return _refused("POST a JSON object with tenant_arn, status and cause", 405)
    from . import set_ses_managed_status

    body = _body(request)
    set_ses_managed_status(
        str(body.get("tenant_arn", "")), body.get("status", "DISABLED"), cause=body.get("cause")
    )
    return _ok()


_RECOMMENDATION_OPTIONS = ("resource_arn", "type", "status", "impact", "description")


@_guarded
def recommendations(request: Any, full_url: str) -> Response:
    if request.method != "POST":
        return _refused("POST a JSON object with resource_arn, type and status", 405)
    from . import open_recommendation, resolve_recommendation

    body = _body(request)
    unknown = set(body) - set(_RECOMMENDATION_OPTIONS)
    if unknown:
        raise ValueError(f"unknown recommendation options: {sorted(unknown)}")
    arn, kind = str(body.get("resource_arn", "")), str(body.get("type", ""))
    status = body.get("status", "OPEN")
    if status == "OPEN":
        open_recommendation(
            arn, kind, impact=body.get("impact") or "HIGH", description=body.get("description")
        )
    elif status == "FIXED":
        resolve_recommendation(arn, kind, description=body.get("description"))
    else:
        raise ValueError(f"status must be OPEN or FIXED, not {status!r}")
    return _ok()


@_guarded
def calls(request: Any, full_url: str) -> Response:
    if request.method == "DELETE":
        clear_call_log()
        return _ok()
    operation = parse_qs(urlparse(full_url).query).get("operation", [None])[0]
    return _ok(call_log(operation))


URL_PATHS: dict[str, Callable[[Any, str, Any], Response]] = {
    "{0}" + PREFIX + "/faults": faults,
    "{0}" + PREFIX + "/ses-managed-status": ses_managed_status,
    "{0}" + PREFIX + "/recommendations": recommendations,
    "{0}" + PREFIX + "/calls": calls,
}


class DoubleClient:
    """The double's test hooks, for a process that talks to ``ses-tenants-double``::

    hooks = DoubleClient("http://127.0.0.1:5005")
    hooks.inject_fault("CreateTenant", count=2)
    ...
    assert [c["operation"] for c in hooks.call_log()] == [...]
    hooks.reset()
    """

    def __init__(self, endpoint: str, *, timeout: float = 10):
        self.endpoint = endpoint.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.endpoint + path, data=data, method=method, headers=dict(_JSON)
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            detail = json.loads(error.read() or b"{}").get("error", error.reason)
            raise ValueError(f"{method} {path}: {detail}") from None

    def inject_fault(
        self,
        operation: str,
        count: int | None = 1,
        *,
        code: str | None = None,
        message: str | None = None,
        status: int | None = None,
        every: int | None = None,
    ) -> None:
        """As ``ses_tenants.testing.inject_fault``, in the server's process."""
        body: dict[str, Any] = {"operation": operation, "count": count}
        options = {"code": code, "message": message, "status": status, "every": every}
        body.update({key: value for key, value in options.items() if value is not None})
        self._call("POST", f"{PREFIX}/faults", body)

    def clear_faults(self) -> None:
        self._call("DELETE", f"{PREFIX}/faults")

    def fault_stats(self) -> dict[str, int]:
        return dict(self._call("GET", f"{PREFIX}/faults"))

    def set_ses_managed_status(
        self, tenant_arn: str, status: str = "DISABLED", *, cause: str | None = None
    ) -> None:
        body = {"tenant_arn": tenant_arn, "status": status, "cause": cause}
        self._call("POST", f"{PREFIX}/ses-managed-status", body)

    def open_recommendation(
        self,
        resource_arn: str,
        type: str,
        *,
        impact: str = "HIGH",
        description: str | None = None,
    ) -> None:
        body = {
            "resource_arn": resource_arn,
            "type": type,
            "status": "OPEN",
            "impact": impact,
            "description": description,
        }
        self._call("POST", f"{PREFIX}/recommendations", body)

    def resolve_recommendation(
        self, resource_arn: str, type: str, *, description: str | None = None
    ) -> None:
        body = {
            "resource_arn": resource_arn,
            "type": type,
            "status": "FIXED",
            "description": description,
        }
        self._call("POST", f"{PREFIX}/recommendations", body)

    def call_log(self, operation: str | None = None) -> list[dict[str, Any]]:
        query = f"?{urlencode({'operation': operation})}" if operation else ""
        return list(self._call("GET", f"{PREFIX}/calls{query}"))

    def clear_call_log(self) -> None:
        self._call("DELETE", f"{PREFIX}/calls")

    def reset(self) -> None:
        """moto's reset: every service's state, the faults and the call log."""
        self._call("POST", "/moto-api/reset")
