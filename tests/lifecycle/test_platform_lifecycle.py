"""The platform app's whole life, as CloudFormation would drive it.

The app is synthesized twice (the default customers file and a changed one), and the CloudFormation
simulator deploys the default fleet, applies the changed file and destroys every stack,
against moto plus the SES tenant double, with the real handler behind the custom resources.
The scenario runs once per module; each test checks one part of what it recorded.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from moto import mock_aws

import ses_tenants.testing  # noqa: F401  (installs the tenant API into moto's SES v2)
from platform_app.customers import Customer, CustomersFile, load_customers
from platform_app.stacks import PLATFORM_STACK_NAME, customer_stack_name
from ses_tenants._handler import cloudformation_reader, contract, retry, ses_client
from ses_tenants._handler.adoption import AdoptionRecord
from tests.lifecycle.cfn.account import REGION
from tests.lifecycle.cfn.engine import (
    CloudFormation,
    ResourceStep,
    StackOperationFailed,
    deployment_order,
)
from tests.lifecycle.cfn.provider_framework import Invocation
from tests.lifecycle.cfn.provisioners import record_only_provisioners
from tests.lifecycle.cfn.state import (
    CREATE,
    DELETE,
    REPLACE,
    RETAIN,
    UPDATE,
    DeployedResource,
    DeployedStack,
    Operation,
    RetainedResource,
)
from tests.lifecycle.cfn.status import UPDATE_IN_PROGRESS, UPDATE_ROLLBACK_COMPLETE
from tests.lifecycle.cloud_assembly import (
    BOOTSTRAP_SSM_PARAMETERS,
    REPO_ROOT,
    CloudAssembly,
    synthesize,
)
from tests.lifecycle.harness import simulated_account, tenant_provider
from tests.lifecycle.ses_inventory import SesInventory, TenantState, read_inventory
from tests.lifecycle.ses_provisioners import (
    CONFIGURATION_SET_TYPE,
    DEDICATED_IP_POOL_TYPE,
    EMAIL_IDENTITY_TYPE,
    TEMPLATE_TYPE,
    ses_arn,
    ses_provisioners,
)

pytestmark = pytest.mark.slow

TENANT = contract.TENANT_RESOURCE_TYPE
ASSOCIATION = contract.ASSOCIATION_RESOURCE_TYPE
DEFAULT_CUSTOMERS_FILE = REPO_ROOT / "customers.yaml"
#: What the onboarding script tags its tenants with; adoption does not keep it.
ONBOARDING_TAG = {"Key": "onboarded-by", "Value": "onboarding-script"}

RENAMED_CUSTOMER, RENAMED_TO = "acme", "acme-corp"
TEMPLATE_REMOVED = ("acme", "acme-receipt")
TEMPLATE_ADDED = ("globex", "globex-alert")
#: globex: its reputation policy and sending status change.
SETTINGS_CHANGED = "globex"
#: Not the customer whose tenant is retained (globex): this one's tenant goes with the stack.
REMOVED_CUSTOMER = "initech"


def changed_fleet(default: Mapping[str, Any]) -> dict[str, Any]:
    """The default customers file with one change of each kind a platform team makes."""
    changed = copy.deepcopy(dict(default))
    customers = {customer["id"]: customer for customer in changed["customers"]}
    renamed = customers[RENAMED_CUSTOMER]
    renamed["tenant_name"] = RENAMED_TO
    renamed["tags"]["cost-center"] = "retention"

    owner, removed_template = TEMPLATE_REMOVED
    templates = customers[owner]["templates"]
    assert removed_template in [t["name"] for t in templates] and len(templates) > 1
    customers[owner]["templates"] = [t for t in templates if t["name"] != removed_template]

    owner, added_template = TEMPLATE_ADDED
    customers[owner]["templates"] = [
        *customers[owner].get("templates", []),
        {"name": added_template, "subject": "Globex alert", "text": "Something happened."},
    ]

    settings = customers[SETTINGS_CHANGED]
    assert (settings["reputation_policy"], settings["sending_status"]) == ("standard", "DISABLED")
    settings["reputation_policy"] = "strict"
    settings["sending_status"] = "ENABLED"

    assert customers[REMOVED_CUSTOMER].get("adopt_existing") is True
    assert not customers[REMOVED_CUSTOMER].get("retain_on_delete")
    changed["customers"] = [c for c in changed["customers"] if c["id"] != REMOVED_CUSTOMER]
    return changed


# The scenario


@dataclass
class Phase:
    inventory: SesInventory
    stacks: dict[str, DeployedStack]
    journal: list[Operation]
    invocations: list[Invocation]


@dataclass
class Scenario:
    fleets: dict[str, CustomersFile]
    #: SES before the first deploy: only the tenant the onboarding script made.
    before: SesInventory
    deploy: Phase
    update: Phase
    destroy: Phase
    retained: list[RetainedResource]
    after_cleanup: SesInventory
    backoff_delays: list[float]


@pytest.fixture(scope="module")
def customers_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    changed = tmp_path_factory.mktemp("customers") / "customers_changed.yaml"
    default = yaml.safe_load(DEFAULT_CUSTOMERS_FILE.read_text())
    changed.write_text(yaml.safe_dump(changed_fleet(default), sort_keys=False))
    return {"default": DEFAULT_CUSTOMERS_FILE, "changed": changed}


@pytest.fixture(scope="module")
def assemblies(
    customers_files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, CloudAssembly]:
    return synthesize(customers_files, tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture(scope="module")
def scenario(
    assemblies: dict[str, CloudAssembly], customers_files: dict[str, Path]
) -> Iterator[Scenario]:
    fleets = {key: load_customers(path) for key, path in customers_files.items()}
    (adopter,) = [c for c in fleets["default"].customers if c.adopt_existing]
    with mock_aws(), pytest.MonkeyPatch.context() as patch:
        delays: list[float] = []
        patch.setattr(retry, "sleep", delays.append)
        sesv2 = boto3.client("sesv2", region_name=REGION)
        ses = boto3.client("ses", region_name=REGION)
        ses_client.set_client(ses_client.create_client(region_name=REGION))
        try:
            provider = tenant_provider()
            cloudformation = CloudFormation(
                {
                    **record_only_provisioners(),
                    **ses_provisioners(sesv2),
                    TENANT: provider,
                    ASSOCIATION: provider,
                },
                ssm_parameters=BOOTSTRAP_SSM_PARAMETERS,
            )
            cloudformation_reader.set_client(cloudformation.read_client())

            def phase(run: Callable[[], None]) -> Phase:
                journal, invocations = len(cloudformation.journal), len(provider.invocations)
                run()
                return Phase(
                    read_inventory(sesv2, ses),
                    dict(cloudformation.stacks),
                    cloudformation.journal[journal:],
                    provider.invocations[invocations:],
                )

            # The onboarding script made this customer's tenant before the platform knew it.
            sesv2.create_tenant(TenantName=adopter.tenant_name, Tags=[ONBOARDING_TAG])
            before = read_inventory(sesv2, ses)
            deploy = phase(
                lambda: cloudformation.deploy_app(
                    assemblies["default"].templates, delete_missing=True
                )
            )
            update = phase(
                lambda: cloudformation.deploy_app(
                    assemblies["changed"].templates, delete_missing=True
                )
            )
            destroy = phase(cloudformation.destroy_all)
            # What a Retain policy kept is the operator's to remove.
            for kept in cloudformation.retained:
                if kept.resource_type == TENANT:
                    sesv2.delete_tenant(TenantName=kept.physical_id)
            after_cleanup = read_inventory(sesv2, ses)
        finally:
            ses_client.set_client(None)
            cloudformation_reader.set_client(None)
    yield Scenario(
        fleets,
        before,
        deploy,
        update,
        destroy,
        list(cloudformation.retained),
        after_cleanup,
        delays,
    )


# What SES should hold for a customers file


def _only(stack: DeployedStack, resource_type: str) -> DeployedResource:
    (resource,) = stack.resources_of_type(resource_type)
    return resource


def _tenant_resource(stack: DeployedStack) -> DeployedResource:
    return _only(stack, TENANT)


def _owner_mark(stack: DeployedStack) -> str:
    """The ownership tag's value, as the README documents it: <stack id>/<logical id>."""
    return f"{stack.info.stack_id}/{_tenant_resource(stack).logical_id}"


def _settings(tenant: TenantState) -> dict[str, Any]:
    suppression = tenant.suppression
    if suppression is not None:
        suppression = {**suppression, "SuppressedReasons": sorted(suppression["SuppressedReasons"])}
    return {
        # The adoption record is the handler's bookkeeping until the next forward update.
        "tags": {k: v for k, v in tenant.tags.items() if k != contract.ADOPTION_RECORD_TAG_KEY},
        "sending_status": tenant.sending_status,
        "reputation_policy": tenant.reputation_policy,
        "suppression": suppression,
        "resources": tenant.resources,
    }


def _expected_settings(
    customer: Customer, stack: DeployedStack, configuration_set: str
) -> dict[str, Any]:
    suppression = None
    if customer.suppression is not None:
        suppression = {
            "SuppressionScope": customer.suppression.scope,
            "SuppressedReasons": sorted(customer.suppression.reasons),
        }
    assert customer.domain is not None
    return {
        "tags": {**customer.tags, contract.OWNER_TAG_KEY: _owner_mark(stack)},
        "sending_status": customer.sending_status,
        "reputation_policy": customer.reputation_policy,
        "suppression": suppression,
        "resources": frozenset(
            {
                ses_arn("identity", customer.domain),
                ses_arn("configuration-set", configuration_set),
                *(ses_arn("template", template.name) for template in customer.templates),
            }
        ),
    }


def assert_fleet(
    inventory: SesInventory, fleet: CustomersFile, stacks: Mapping[str, DeployedStack]
) -> None:
    """SES holds exactly what `fleet` describes: each tenant with its settings and
    associations, identities, configuration sets with their pools, pools and templates."""
    tenants: dict[str, dict[str, Any]] = {}
    identities: dict[str, str | None] = {}
    configuration_sets: dict[str, str | None] = {}
    pools = dict.fromkeys(fleet.shared_ip_pools, "MANAGED")
    templates: set[str] = set()
    for customer in fleet.customers:
        stack = stacks[customer_stack_name(customer)]
        configuration_set = _only(stack, CONFIGURATION_SET_TYPE).physical_id
        pool = customer.shared_ip_pool
        if customer.dedicated_ip_pool:
            pool = _only(stack, DEDICATED_IP_POOL_TYPE).physical_id
            pools[pool] = "MANAGED"
        assert customer.domain is not None
        identities[customer.domain] = configuration_set
        configuration_sets[configuration_set] = pool
        templates.update(template.name for template in customer.templates)
        tenants[customer.tenant_name] = _expected_settings(customer, stack, configuration_set)
    assert {name: _settings(t) for name, t in inventory.tenants.items()} == tenants
    assert inventory.identities == identities
    assert inventory.configuration_sets == configuration_sets
    assert inventory.pools == pools
    assert inventory.templates == templates


def _customer(fleet: CustomersFile, customer_id: str) -> Customer:
    (customer,) = [c for c in fleet.customers if c.id == customer_id]
    return customer


def _ops(journal: list[Operation], stack: str) -> list[Operation]:
    return [op for op in journal if op.stack == stack]


# Tests


def test_stacks_deploy_in_the_order_cdk_declares(assemblies: dict[str, CloudAssembly]) -> None:
    """The order found from Fn::ImportValue agrees with the manifest's dependencies."""
    for assembly in assemblies.values():
        order = deployment_order(assembly.templates)
        assert order[0] == PLATFORM_STACK_NAME
        for stack, dependencies in assembly.dependencies.items():
            assert all(order.index(d) < order.index(stack) for d in dependencies), stack


def test_deploy_creates_the_fleet_the_customers_file_describes(scenario: Scenario) -> None:
    assert scenario.deploy.journal, "nothing was deployed"
    assert_fleet(scenario.deploy.inventory, scenario.fleets["default"], scenario.deploy.stacks)


def test_deploy_adopts_the_tenant_the_onboarding_script_made(scenario: Scenario) -> None:
    (adopter,) = [c for c in scenario.fleets["default"].customers if c.adopt_existing]
    stack = scenario.deploy.stacks[customer_stack_name(adopter)]
    tenant = scenario.deploy.inventory.tenants[adopter.tenant_name]
    assert set(scenario.before.tenants) == {adopter.tenant_name}
    onboarded = scenario.before.tenants[adopter.tenant_name]
    assert onboarded.tags == {ONBOARDING_TAG["Key"]: ONBOARDING_TAG["Value"]}
    # The same tenant (same id in the ARN), now marked as this stack's and converged.
    assert tenant.arn == onboarded.arn
    assert tenant.tags[contract.OWNER_TAG_KEY] == _owner_mark(stack)
    # What it was like, for a rollback of that deploy to give it back.
    record = AdoptionRecord.decode(tenant.tags[contract.ADOPTION_RECORD_TAG_KEY])
    assert record is not None
    assert (record.previous_mark, record.tags) == (None, onboarded.tags)
    assert (tenant.reputation_policy, tenant.sending_status) == (
        adopter.reputation_policy,
        adopter.sending_status,
    )
    (create,) = [
        i.event
        for i in scenario.deploy.invocations
        if i.event["ResourceType"] == TENANT and i.event["StackId"] == stack.info.stack_id
    ]
    assert create["RequestType"] == "Create"
    assert create["ResourceProperties"][contract.PROP_ADOPT_EXISTING] == "true"


def test_update_applies_the_changed_customers_file(scenario: Scenario) -> None:
    assert_fleet(scenario.update.inventory, scenario.fleets["changed"], scenario.update.stacks)
    before, after = scenario.deploy.inventory, scenario.update.inventory
    assert RENAMED_CUSTOMER not in after.tenants and RENAMED_TO in after.tenants
    assert TEMPLATE_REMOVED[1] not in after.templates
    gaining = _customer(scenario.fleets["changed"], TEMPLATE_ADDED[0]).tenant_name
    assert ses_arn("template", TEMPLATE_ADDED[1]) in after.tenants[gaining].resources
    # Settings change in place: the same tenant.
    changed = _customer(scenario.fleets["changed"], SETTINGS_CHANGED).tenant_name
    assert after.tenants[changed].arn == before.tenants[changed].arn
    removed = _customer(scenario.fleets["default"], REMOVED_CUSTOMER)
    assert removed.tenant_name not in after.tenants
    assert removed.domain not in after.identities
    assert customer_stack_name(removed) not in scenario.update.stacks


def test_update_replaces_the_renamed_tenant_and_cleans_up_after(scenario: Scenario) -> None:
    stack_name = customer_stack_name(_customer(scenario.fleets["default"], RENAMED_CUSTOMER))
    old_stack, new_stack = scenario.deploy.stacks[stack_name], scenario.update.stacks[stack_name]
    ops = _ops(scenario.update.journal, stack_name)
    tenant_id = _tenant_resource(new_stack).logical_id
    assert Operation(stack_name, tenant_id, TENANT, REPLACE, RENAMED_TO) in ops

    # The identity and configuration set stay: only their associations are replaced.
    for resource_type in (CONFIGURATION_SET_TYPE, EMAIL_IDENTITY_TYPE):
        assert _only(old_stack, resource_type) == _only(new_stack, resource_type)
        assert not [op for op in ops if op.resource_type == resource_type]

    # Cleanup: after every create and update of the stack, associations before the tenant.
    changes = [i for i, op in enumerate(ops) if op.action in (CREATE, UPDATE, REPLACE)]
    deletes = [i for i, op in enumerate(ops) if op.action == DELETE]
    assert max(changes) < min(deletes)
    old_associations = {r.physical_id for r in old_stack.resources_of_type(ASSOCIATION)}
    deleted = [(ops[i].resource_type, ops[i].physical_id) for i in deletes]
    assert sorted(deleted) == sorted(
        [
            (TENANT, RENAMED_CUSTOMER),
            (TEMPLATE_TYPE, TEMPLATE_REMOVED[1]),
            *((ASSOCIATION, physical_id) for physical_id in old_associations),
        ]
    )
    tenant_deleted = deleted.index((TENANT, RENAMED_CUSTOMER))
    assert all(kind != ASSOCIATION for kind, _ in deleted[tenant_deleted:])

    # The handler saw the rename as CloudFormation sends it, and the old tenant's Delete.
    tenant_events = [
        i.event
        for i in scenario.update.invocations
        if i.event["ResourceType"] == TENANT and i.event["StackId"] == new_stack.info.stack_id
    ]
    assert [e["RequestType"] for e in tenant_events] == ["Update", "Delete"]
    update, delete = tenant_events
    assert update["PhysicalResourceId"] == RENAMED_CUSTOMER
    assert update["OldResourceProperties"][contract.PROP_TENANT_NAME] == RENAMED_CUSTOMER
    assert update["ResourceProperties"][contract.PROP_TENANT_NAME] == RENAMED_TO
    assert delete["PhysicalResourceId"] == RENAMED_CUSTOMER
    assert delete["ResourceProperties"][contract.PROP_TENANT_NAME] == RENAMED_CUSTOMER


def test_update_destroys_the_removed_customer_and_leaves_the_platform(scenario: Scenario) -> None:
    removed = _customer(scenario.fleets["default"], REMOVED_CUSTOMER)
    removed_ops = _ops(scenario.update.journal, customer_stack_name(removed))
    assert removed_ops and {op.action for op in removed_ops} == {DELETE}
    assert (TENANT, removed.tenant_name) in [
        (op.resource_type, op.physical_id) for op in removed_ops
    ]
    # The platform's template did not change, so neither did its resources or exports.
    assert not _ops(scenario.update.journal, PLATFORM_STACK_NAME)
    platform_before = scenario.deploy.stacks[PLATFORM_STACK_NAME]
    platform_after = scenario.update.stacks[PLATFORM_STACK_NAME]
    assert platform_after.resources == platform_before.resources
    assert platform_after.exports == platform_before.exports


def test_destroy_leaves_only_the_retained_tenant(scenario: Scenario) -> None:
    (retainer,) = [c for c in scenario.fleets["changed"].customers if c.retain_on_delete]
    stack = scenario.update.stacks[customer_stack_name(retainer)]
    assert scenario.retained == [
        RetainedResource(
            stack.name, _tenant_resource(stack).logical_id, TENANT, retainer.tenant_name
        )
    ]
    left = scenario.destroy.inventory
    assert set(left.tenants) == {retainer.tenant_name}
    kept = left.tenants[retainer.tenant_name]
    # Kept as it was, but with no associations: the identity and configuration set are gone.
    assert kept.resources == frozenset()
    assert kept.tags[contract.OWNER_TAG_KEY] == _owner_mark(stack)
    assert (kept.reputation_policy, kept.sending_status) == (
        retainer.reputation_policy,
        retainer.sending_status,
    )
    assert not (left.identities or left.configuration_sets or left.pools or left.templates)
    assert scenario.destroy.stacks == {}
    assert scenario.after_cleanup.is_empty


def test_destroy_removes_customer_stacks_before_the_platform(scenario: Scenario) -> None:
    stacks = [op.stack for op in scenario.destroy.journal]
    first_platform = stacks.index(PLATFORM_STACK_NAME)
    assert set(stacks[first_platform:]) == {PLATFORM_STACK_NAME}
    assert {op.action for op in scenario.destroy.journal} == {DELETE, RETAIN}


def test_every_handler_call_succeeded_at_the_first_attempt(scenario: Scenario) -> None:
    invocations = [
        *scenario.deploy.invocations,
        *scenario.update.invocations,
        *scenario.destroy.invocations,
    ]
    request_types = {i.event["RequestType"] for i in invocations}
    assert request_types == {"Create", "Update", "Delete"}
    assert all(i.response.get("PhysicalResourceId") for i in invocations)
    # No throttling or not-yet-visible resource: a retry here would mean a wrong order.
    assert scenario.backoff_delays == []


def test_a_failed_update_of_every_customer_rolls_ses_back(
    assemblies: dict[str, CloudAssembly], customers_files: dict[str, Path]
) -> None:
    """The changed customers file, with the update's new resources and association changes
    failing: each customer stack rolls back (swapped Updates, then the cleanup of what the
    update made), and SES is as the first deploy left it."""
    (adopter,) = [
        c for c in load_customers(customers_files["default"]).customers if c.adopt_existing
    ]

    def fail_after_the_tenants(step: ResourceStep) -> str | None:
        # New resources, and associations (updated after a renamed tenant is replaced).
        failing = step.action == CREATE or step.resource_type == ASSOCIATION
        if step.stack_status == UPDATE_IN_PROGRESS and failing:
            return "Simulated failure"
        return None

    with simulated_account() as account:
        account.sesv2.create_tenant(TenantName=adopter.tenant_name, Tags=[ONBOARDING_TAG])
        cloudformation = account.cloudformation
        cloudformation.deploy_app(assemblies["default"].templates, delete_missing=False)
        ses = boto3.client("ses", region_name=REGION)
        deployed = read_inventory(account.sesv2, ses)
        cloudformation.fail_when = fail_after_the_tenants

        rolled_back = []
        for name in deployment_order(assemblies["changed"].templates):
            try:
                cloudformation.deploy_stack(name, assemblies["changed"].templates[name])
            except StackOperationFailed as failure:
                assert failure.status == UPDATE_ROLLBACK_COMPLETE, failure
                rolled_back.append(name)

        assert len(rolled_back) >= 2, "the rename and the added template create resources"
        assert read_inventory(account.sesv2, ses) == deployed
