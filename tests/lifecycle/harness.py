"""Small apps built with the library, synthesized in-process, and deployed through the
CloudFormation simulator against moto plus the SES tenant double, with the real handler
behind the custom resources and the simulator answering the handler's CloudFormation reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import boto3
import pytest
from moto import mock_aws

import ses_tenants.testing  # noqa: F401  (installs the tenant API into moto's SES v2)
from ses_tenants import provider
from ses_tenants._handler import cloudformation_reader, contract, retry, ses_client, tenant_handler
from ses_tenants._handler.properties import parse_association_physical_id
from tests.lifecycle.cfn.account import REGION
from tests.lifecycle.cfn.engine import CloudFormation
from tests.lifecycle.cfn.provider_framework import ProviderFrameworkCustomResource, Waiter
from tests.lifecycle.cfn.provisioners import record_only_provisioners
from tests.lifecycle.cfn.template import Template
from tests.lifecycle.cloud_assembly import BOOTSTRAP_SSM_PARAMETERS
from tests.lifecycle.ses_provisioners import ses_provisioners

TENANT = contract.TENANT_RESOURCE_TYPE
ASSOCIATION = contract.ASSOCIATION_RESOURCE_TYPE


class VirtualClock:
    """Seconds since the epoch that pass only when moved on: the handler's backoff and the
    waiter's intervals move it, Lambda contexts and the handler's wall clock read it."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def tenant_provider(clock: VirtualClock | None = None) -> ProviderFrameworkCustomResource:
    """The tenant handler behind the Provider framework, as TenantProvider deploys it: one
    function as on_event and as the waiter's is_complete, every 30 s for an hour."""
    return ProviderFrameworkCustomResource(
        tenant_handler.handle,
        waiter=Waiter(
            tenant_handler.handle,
            query_interval_seconds=int(provider.QUERY_INTERVAL.to_seconds()),
            total_timeout_seconds=int(provider.TOTAL_TIMEOUT.to_seconds()),
            advance=clock.advance if clock else None,
        ),
        clock=clock,
    )


def synth(outdir: Path, build: Callable[[cdk.App], None]) -> dict[str, Template]:
    """Stack name -> template of the app `build` fills."""
    app = cdk.App(outdir=str(outdir))
    build(app)
    assembly = app.synth()
    return {stack.stack_name: Template(stack.template) for stack in assembly.stacks}


@dataclass
class Account:
    """One AWS account and region as the tests see it."""

    sesv2: Any
    cloudformation: CloudFormation
    provider: ProviderFrameworkCustomResource
    #: Virtual time: backoff and the waiter's intervals pass in no real time.
    clock: VirtualClock

    def associations(self, tenant: str) -> set[str]:
        """The resource ARNs SES holds associated with `tenant`."""
        pages = self.sesv2.get_paginator("list_tenant_resources").paginate(TenantName=tenant)
        return {r["ResourceArn"] for page in pages for r in page["TenantResources"]}

    def tenant_tags(self, tenant: str) -> dict[str, str]:
        answer = self.sesv2.get_tenant(TenantName=tenant)["Tenant"]
        return {tag["Key"]: tag["Value"] for tag in answer.get("Tags", [])}

    def tenants(self) -> set[str]:
        pages = self.sesv2.get_paginator("list_tenants").paginate()
        return {t["TenantName"] for page in pages for t in page["Tenants"]}

    def claimed_pairs(self) -> set[tuple[str, str]]:
        """(tenant, resource ARN) of every association resource of every live stack."""
        pairs = set()
        for stack in self.cloudformation.stacks.values():
            for resource in stack.resources_of_type(ASSOCIATION):
                spec = parse_association_physical_id(resource.physical_id)
                assert spec is not None, resource.physical_id
                pairs.add((spec.tenant_name, spec.resource_arn))
        return pairs

    def held_pairs(self) -> set[tuple[str, str]]:
        return {(t, arn) for t in self.tenants() for arn in self.associations(t)}


@contextmanager
def simulated_account(**cloudformation_options: Any) -> Iterator[Account]:
    with mock_aws(), pytest.MonkeyPatch.context() as patch:
        clock = VirtualClock()
        patch.setattr(retry, "sleep", clock.advance)
        patch.setattr(tenant_handler, "clock", clock)
        sesv2 = boto3.client("sesv2", region_name=REGION)
        provider = tenant_provider(clock)
        cloudformation = CloudFormation(
            {
                **record_only_provisioners(),
                **ses_provisioners(sesv2),
                TENANT: provider,
                ASSOCIATION: provider,
            },
            ssm_parameters=BOOTSTRAP_SSM_PARAMETERS,
            **cloudformation_options,
        )
        ses_client.set_client(ses_client.create_client(region_name=REGION))
        cloudformation_reader.set_client(cloudformation.read_client())
        try:
            yield Account(sesv2, cloudformation, provider, clock)
        finally:
            ses_client.set_client(None)
            cloudformation_reader.set_client(None)
