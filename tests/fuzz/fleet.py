"""The fuzzer's apps: a platform stack (shared provider and pool) and customer stacks, each
synthesized from a small configuration and cached.

Synthesizing takes about a second a stack, too slow for thousands of steps. A customer
stack's template depends only on its configuration, never on the other customers, so each
configuration is synthesized once, for a placeholder customer whose name is then replaced
in the template text (every name of a customer's SES objects contains it; logical ids and
asset hashes cannot). Templates are cached in memory and on disk (`FUZZ_CACHE`), so a long
run synthesizes each configuration at most once. The placeholder's association ids (hashes
of "identity/<placeholder>.example.com") are the same for every customer: the fuzzer's
templates are consistent among themselves, not identical to a real synth of each customer.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ses as ses

from ses_tenants import ReputationPolicy, SendingStatus, TenantProvider
from ses_tenants.customer_tenant import CustomerTenant, EmailTemplate
from tests.lifecycle.cfn.account import ACCOUNT_ID, REGION
from tests.lifecycle.cfn.template import Template

PLATFORM_STACK = "FuzzPlatform"
SERVICE_TOKEN_EXPORT = "FuzzPlatform-ServiceToken"
SHARED_POOL_EXPORT = "FuzzPlatform-SharedPool"
SHARED_POOL = "fuzz-shared"
PLACEHOLDER = "zqxcustomer"
TEMPLATE_NAMES = ("welcome", "receipt")
#: Where synthesized templates are kept between runs (`make fuzz` sets it in the repo).
CACHE_DIR = Path(os.environ.get("FUZZ_CACHE", Path(tempfile.gettempdir()) / "ses-tenants-fuzz"))


@dataclass(frozen=True)
class CustomerConfig:
    """Everything of a customer that shapes its stack's template."""

    renamed: bool = False
    strict: bool = False
    paused: bool = False
    templates: frozenset[str] = field(default_factory=frozenset)
    shared_pool: bool = False
    env: bool = False
    #: The construct id of the customer's CustomerTenant.
    moved_construct: bool = False
    adopt: bool = False
    retain: bool = False

    def tenant_name(self, customer: str) -> str:
        return f"{customer}-v2" if self.renamed else customer

    def key(self) -> str:
        fields = asdict(self)
        fields["templates"] = sorted(self.templates)
        return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:16]


def stack_name(customer: str, moved: bool) -> str:
    return f"Fuzz-{customer}-moved" if moved else f"Fuzz-{customer}"


class TemplateCache:
    def __init__(self, directory: Path = CACHE_DIR) -> None:
        self._directory = directory
        self._memory: dict[str, dict[str, Any]] = {}
        self.synthesized = 0

    def platform(self) -> Template:
        return Template(self._body("platform", _build_platform))

    def customer(self, customer: str, config: CustomerConfig) -> Template:
        body = self._body(f"customer-{config.key()}", lambda app: _build_customer(app, config))
        text = json.dumps(body).replace(PLACEHOLDER, customer)
        return Template(json.loads(text))

    def _body(self, name: str, build: Any) -> dict[str, Any]:
        if name in self._memory:
            return self._memory[name]
        path = self._directory / f"{name}.json"
        if path.exists():
            body: dict[str, Any] = json.loads(path.read_text())
        else:
            with tempfile.TemporaryDirectory() as outdir:
                app = cdk.App(outdir=outdir)
                build(app)
                (stack,) = app.synth().stacks
                body = stack.template
            self.synthesized += 1
            self._directory.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps(body))
            temporary.replace(path)
        self._memory[name] = body
        return body


def _build_platform(app: cdk.App) -> None:
    stack = cdk.Stack(app, PLATFORM_STACK)
    provider = TenantProvider(stack, "Provider")
    pool = ses.DedicatedIpPool(
        stack,
        "SharedPool",
        dedicated_ip_pool_name=SHARED_POOL,
        scaling_mode=ses.ScalingMode.MANAGED,
    )
    cdk.CfnOutput(
        stack, "ServiceToken", value=provider.service_token, export_name=SERVICE_TOKEN_EXPORT
    )
    cdk.CfnOutput(
        stack, "SharedPoolName", value=pool.dedicated_ip_pool_name, export_name=SHARED_POOL_EXPORT
    )


def _build_customer(app: cdk.App, config: CustomerConfig) -> None:
    env = cdk.Environment(account=ACCOUNT_ID, region=REGION) if config.env else None
    stack = cdk.Stack(app, "Customer", env=env)
    provider = TenantProvider.from_service_token(cdk.Fn.import_value(SERVICE_TOKEN_EXPORT))
    shared_pool = (
        ses.DedicatedIpPool.from_dedicated_ip_pool_name(
            stack, "SharedPool", cdk.Fn.import_value(SHARED_POOL_EXPORT)
        )
        if config.shared_pool
        else None
    )
    CustomerTenant(
        stack,
        "CustomerMoved" if config.moved_construct else "Customer",
        tenant_name=config.tenant_name(PLACEHOLDER),
        domain=f"{PLACEHOLDER}.example.com",
        reputation_policy=ReputationPolicy.STRICT if config.strict else ReputationPolicy.STANDARD,
        sending_status=SendingStatus.DISABLED if config.paused else SendingStatus.ENABLED,
        shared_ip_pool=shared_pool,
        templates=[
            EmailTemplate(name=f"{PLACEHOLDER}-{name}", subject=name, text=f"The {name} mail.")
            for name in sorted(config.templates)
        ],
        tags={"customer": PLACEHOLDER},
        removal_policy=cdk.RemovalPolicy.RETAIN if config.retain else cdk.RemovalPolicy.DESTROY,
        adopt_existing=config.adopt,
        provider=provider,
    )
