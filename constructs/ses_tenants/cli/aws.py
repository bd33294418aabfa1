"""The CLI's SES client: the handler's vendored sesv2 model, AWS-CLI-style configuration,
the handler's retries, and a count of every request sent.

Region, profile and endpoint are taken as the AWS CLI takes them: `--region`, `--profile`
and `--endpoint-url` first, then AWS_REGION / AWS_DEFAULT_REGION, AWS_PROFILE and
AWS_ENDPOINT_URL (botocore reads the last two itself), then the shared config files.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    NoRegionError,
    ProfileNotFound,
)

from ses_tenants._handler import ses_client
from ses_tenants._handler.retry import THROTTLING_CODES, Retrier, error_code

#: As the handler's client: botocore's own retries are off, the Retrier retries.
CLI_CLIENT_CONFIG = Config(
    retries={"total_max_attempts": 1, "mode": "standard"},
    connect_timeout=10,
    read_timeout=30,
    user_agent_extra="ses-tenants-cdk-cli",
)

#: A command has no Lambda timeout: the Retrier is given a time budget it never reaches, so
#: throttling is retried (with the handler's backoff, at most 20 s apart) until it passes.
_UNBOUNDED_MS = 10**15


class AwsError(Exception):
    """Credentials, configuration or an AWS answer the command cannot go on from."""


class ConfigurationError(Exception):
    """Something the user must give (a region) is missing."""


@dataclass
class CallCount:
    """Every SES request the client sent, by operation, and how many SES throttled."""

    by_operation: Counter[str] = field(default_factory=Counter)
    throttled: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_operation.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "throttled": self.throttled,
            "by_operation": dict(sorted(self.by_operation.items())),
        }

    def describe(self) -> str:
        parts = ", ".join(f"{op} {n}" for op, n in sorted(self.by_operation.items()))
        throttled = f"; {self.throttled} throttled and retried" if self.throttled else ""
        return f"{self.total} SES call(s) ({parts}){throttled}"

    def watch(self, client: Any) -> None:
        client.meta.events.register("before-call.sesv2", self._before_call)
        client.meta.events.register("after-call.sesv2", self._after_call)

    def _before_call(self, model: Any, **_: Any) -> None:
        self.by_operation[model.name] += 1

    def _after_call(self, http_response: Any, parsed: Any, **_: Any) -> None:
        code = (parsed or {}).get("Error", {}).get("Code")
        if code in THROTTLING_CODES or getattr(http_response, "status_code", None) == 429:
            self.throttled += 1


class Pacer:
    """Spaces requests `1 / rate` seconds apart. SES allows about one tenant-management
    request per second per account: a command that keeps to it is throttled only when
    something else in the account calls SES too, and then the Retrier waits it out."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._clock = clock
        self._sleep = sleep
        self._next_at: float | None = None

    def watch(self, client: Any) -> None:
        client.meta.events.register("before-call.sesv2", self._before_call)

    def _before_call(self, **_: Any) -> None:
        if not self._interval:
            return
        now = self._clock()
        if self._next_at is not None and now < self._next_at:
            self._sleep(self._next_at - now)
            now = self._next_at
        self._next_at = now + self._interval


#: SES's default quota for tenant-management requests.
DEFAULT_RATE_PER_SECOND = 1.0


@dataclass(frozen=True)
class AwsOptions:
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    #: Requests per second at most; 0 for no limit.
    rate: float = DEFAULT_RATE_PER_SECOND


@dataclass
class Ses:
    """A ready client, the Retrier its calls go through and the count of its requests."""

    client: Any
    retrier: Retrier
    calls: CallCount

    @property
    def region(self) -> str:
        return str(self.client.meta.region_name)

    @property
    def partition(self) -> str:
        return str(self.client.meta.partition)


def connect(
    options: AwsOptions,
    *,
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Ses:
    """An sesv2 client for `options`, checked for credentials before any call. `sleep` and
    `clock` are how it waits (tests and the benchmark give their own)."""
    session = ses_client.new_session()
    if options.profile:
        session.set_config_variable("profile", options.profile)
    try:
        region = (
            options.region or os.environ.get("AWS_REGION") or session.get_config_variable("region")
        )
        if not region:
            raise ConfigurationError(
                "No AWS region: pass --region, or set AWS_REGION (or a region in the "
                "profile's configuration)."
            )
        if session.get_credentials() is None:
            profile = options.profile or os.environ.get("AWS_PROFILE")
            where = f" for profile '{profile}'" if profile else ""
            raise AwsError(
                f"No AWS credentials found{where}. Configure them as for the AWS CLI "
                "(`aws configure`, `aws sso login`, AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY) and try again."
            )
        client = session.create_client(
            ses_client.SERVICE_NAME,
            region_name=region,
            endpoint_url=options.endpoint_url,
            config=CLI_CLIENT_CONFIG,
        )
    except ProfileNotFound as error:
        raise AwsError(f"{error}. List your profiles with `aws configure list-profiles`.") from None
    except NoRegionError:
        raise ConfigurationError("No AWS region: pass --region or set AWS_REGION.") from None
    ses_client.require_tenant_operations(client.meta.service_model)
    Pacer(options.rate, clock=clock, sleep=sleep or time.sleep).watch(client)
    calls = CallCount()
    calls.watch(client)
    retrier = Retrier(lambda: _UNBOUNDED_MS, margin_ms=0, sleep_function=sleep)
    return Ses(client, retrier, calls)


#: Error codes that mean the credentials, not the request, are the problem.
_CREDENTIAL_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredToken",
        "ExpiredTokenException",
        "SignatureDoesNotMatch",
        "InvalidSignatureException",
        "IncompleteSignature",
        "MissingAuthenticationToken",
    }
)


def explain(error: BaseException) -> str:
    """An AWS failure in words, with what to do where there is something to do."""
    if isinstance(error, NoCredentialsError):
        return (
            "No AWS credentials found. Configure them as for the AWS CLI (`aws configure`, "
            "AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) and try again."
        )
    if isinstance(error, ClientError):
        code = error_code(error)
        message = error.response.get("Error", {}).get("Message") or ""
        operation = getattr(error, "operation_name", "the call")
        if code in _CREDENTIAL_CODES:
            return f"AWS refused the credentials ({code}: {message}). Refresh them and try again."
        if code in ("AccessDeniedException", "AccessDenied"):
            return (
                f"Access denied to {operation} ({message}). The command needs read access "
                "to SES tenants (ses:ListTenants, ses:GetTenant, ses:ListTenantResources, "
                "ses:ListReputationEntities, ses:ListRecommendations)."
            )
        return f"SES answered {operation} with {code}: {message}"
    if isinstance(error, BotoCoreError):
        return f"Could not reach AWS: {error}"
    return str(error)
