"""Plug the tenant double into moto's SES v2 service.

moto routes a request by URL: in ``mock_aws`` it matches ``moto.sesv2.urls.url_paths`` on every
call; in server mode it builds Flask routes from the same table once, when the first SES v2
request arrives. Pointing every SES v2 path at the double's handler therefore serves the tenant
operations, faults and delete guards in both modes, provided this runs before that first
server-mode request (importing ``ses_tenants.testing`` does it).

moto's catch-all ``/v2/.*`` is a regex in mock mode but a literal path in server mode, where the
tenant paths (``/v2/email/tenants/...``, ``/v2/email/reputation/entities/...``) would 404. A
real catch-all route fixes that for every SES v2 path at once, including the ones the double
does not implement: those now reach the handler and fail loudly instead of 404-ing.
"""

from __future__ import annotations

import threading

from moto.moto_api._internal import urls as moto_api_urls
from moto.ses import urls as ses_v1_urls
from moto.sesv2 import urls

from .control import URL_PATHS as CONTROL_PATHS
from .responses import TenantAwareSESV2Response
from .ses_v1 import TenantAwareEmailResponse

CATCH_ALL = "{0}/v2/(?P<sesv2_path>.*)$"

_lock = threading.Lock()


def install() -> None:
    """Route moto's SES v2 service through the double. Idempotent."""
    handler = TenantAwareSESV2Response.dispatch
    with _lock:
        for path in list(urls.url_paths):
            urls.url_paths[path] = handler
        urls.url_paths[CATCH_ALL] = handler
        for path in list(ses_v1_urls.url_paths):
            ses_v1_urls.url_paths[path] = TenantAwareEmailResponse.dispatch
        # The test hooks over HTTP (server mode), next to moto's /moto-api/reset.
        moto_api_urls.url_paths.update(CONTROL_PATHS)


def installed() -> bool:
    handler = TenantAwareSESV2Response.dispatch
    v1 = TenantAwareEmailResponse.dispatch
    return (
        CATCH_ALL in urls.url_paths
        and all(h == handler for h in urls.url_paths.values())
        and all(h == v1 for h in ses_v1_urls.url_paths.values())
    )
