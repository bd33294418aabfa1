"""`ses-tenants import`: what an onboarding script made becomes customers-file entries that
the next deploy adopts, without changing the tenants."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from platform_app.customers import load_customers
from ses_tenants._handler import contract
from ses_tenants.testing.plugin import SesDouble
from tests.cli.conftest import FLEET, Cli, write_customers
from tests.lifecycle.cfn.provisioners import RecordOnly
from tests.lifecycle.cloud_assembly import synthesize
from tests.lifecycle.harness import simulated_account

ACCOUNT_ID = "123456789012"
LIBRARY_TAGS = (contract.OWNER_TAG_KEY, contract.ADOPTION_RECORD_TAG_KEY)


def _arn(segment: str, name: str) -> str:
    return f"arn:aws:ses:us-east-1:{ACCOUNT_ID}:{segment}/{name}"


def _onboard(sesv2: Any) -> None:
    """What a boto3 onboarding script did before the platform used this library."""
    sesv2.create_email_identity(EmailIdentity="legacy.example.com")
    sesv2.create_configuration_set(ConfigurationSetName="legacy-sending")
    sesv2.create_email_template(
        TemplateName="legacy-welcome", TemplateContent={"Subject": "Hi", "Text": "Hello"}
    )
    arn = sesv2.create_tenant(
        TenantName="legacy_co",
        Tags=[{"Key": "plan", "Value": "gold"}, {"Key": "onboarded-by", "Value": "script"}],
        SuppressionAttributes={"SuppressionScope": "TENANT", "SuppressedReasons": ["BOUNCE"]},
    )["TenantArn"]
    sesv2.update_reputation_entity_policy(
        ReputationEntityType="RESOURCE",
        ReputationEntityReference=arn,
        ReputationEntityPolicy="arn:aws:ses:us-east-1:aws:reputation-policy/strict",
    )
    sesv2.update_reputation_entity_customer_managed_status(
        ReputationEntityType="RESOURCE", ReputationEntityReference=arn, SendingStatus="DISABLED"
    )
    for resource in (
        _arn("identity", "legacy.example.com"),
        _arn("configuration-set", "legacy-sending"),
        _arn("template", "legacy-welcome"),
    ):
        sesv2.create_tenant_resource_association(TenantName="legacy_co", ResourceArn=resource)
    sesv2.create_tenant(TenantName="startup")


def _as_ses_holds_it(sesv2: Any, name: str) -> dict[str, Any]:
    tenant = sesv2.get_tenant(TenantName=name)["Tenant"]
    entity = sesv2.get_reputation_entity(
        ReputationEntityType="RESOURCE", ReputationEntityReference=tenant["TenantArn"]
    )["ReputationEntity"]
    pages = sesv2.get_paginator("list_tenant_resources").paginate(TenantName=name)
    return {
        "arn": tenant["TenantArn"],
        "tags": {t["Key"]: t["Value"] for t in tenant["Tags"] if t["Key"] not in LIBRARY_TAGS},
        "suppression": tenant.get("SuppressionAttributes"),
        "policy": entity["ReputationManagementPolicy"],
        "status": entity["CustomerManagedStatus"]["Status"],
        "resources": sorted(r["ResourceArn"] for page in pages for r in page["TenantResources"]),
    }


def test_entries_are_printed_for_the_tenants_the_file_lacks(
    ses_cli: Cli, ses_double_server: SesDouble, tmp_path: Path
) -> None:
    _onboard(ses_double_server.client())
    customers = write_customers(tmp_path / "customers.yaml", FLEET)
    before = customers.read_text()

    result = ses_cli.run(["import", "--customers", str(customers), "--quiet"])

    assert result.exit_code == 0, result.output
    assert customers.read_text() == before  # printed only
    assert result.stdout.startswith("  # Imported from SES by `ses-tenants import`: ")
    assert yaml.safe_load(result.stdout) == [
        {
            "id": "legacy-co",
            "tenant_name": "legacy_co",
            "existing_resources": {
                "identities": ["legacy.example.com"],
                "configuration_sets": ["legacy-sending"],
                "templates": ["legacy-welcome"],
            },
            "reputation_policy": "strict",
            "sending_status": "DISABLED",
            "suppression": {"scope": "TENANT", "reasons": ["BOUNCE"]},
            "tags": {"onboarded-by": "script", "plan": "gold"},
            "adopt_existing": True,
        },
        {
            "id": "startup",
            "tenant_name": "startup",
            "existing_resources": {},
            "reputation_policy": "standard",
            "sending_status": "ENABLED",
            "adopt_existing": True,
        },
    ]
    assert "2 tenant(s) to import." in result.stderr


def test_a_file_that_lists_every_tenant_gets_nothing(
    ses_cli: Cli, ses_double_server: SesDouble, tmp_path: Path
) -> None:
    ses_double_server.client().create_tenant(TenantName="acme")
    customers = write_customers(tmp_path / "customers.yaml", FLEET)

    report = ses_cli.json(["import", "--customers", str(customers), "--write"])

    assert report["entries"] == [] and report["written"] is False


@pytest.mark.slow
def test_import_synth_and_deploy_adopt_the_tenants_without_changing_them(
    ses_cli: Cli, tmp_path: Path
) -> None:
    customers = write_customers(tmp_path / "customers.yaml", {"customers": FLEET["customers"][1:]})
    with simulated_account() as account:  # its SES is the served double's
        _onboard(account.sesv2)
        before = {name: _as_ses_holds_it(account.sesv2, name) for name in ("legacy_co", "startup")}

        result = ses_cli.run(["import", "--customers", str(customers), "--write", "--quiet"])
        assert result.exit_code == 0, result.output
        assert "2 tenant(s) to import. Appended to" in result.stdout
        fleet = load_customers(customers)  # the platform's own schema takes the entries
        assert [c.id for c in fleet.customers] == ["globex", "legacy-co", "startup"]

        assembly = synthesize({"imported": customers}, tmp_path / "cdk.out")["imported"]
        # Before the deploy, drift says what it will do: adopt the imported tenants (and
        # create globex, which the file had already).
        report = ses_cli.json(["drift", "--cdk-out", str(assembly.directory)], exit_code=1)
        assert {(d["tenant"], d["kind"]) for d in report["drift"]} == {
            ("globex", "tenant-missing"),
            ("legacy_co", "ownership-mark"),
            ("startup", "ownership-mark"),
        }
        assert all("the next deploy adopts it" in d["detail"] for d in report["drift"][1:])

        for template in assembly.templates.values():
            for resource in template.resources.values():
                account.cloudformation.provisioners.setdefault(resource["Type"], RecordOnly())
        account.cloudformation.deploy_app(assembly.templates, delete_missing=True)

        after = {name: _as_ses_holds_it(account.sesv2, name) for name in ("legacy_co", "startup")}
        assert after == before
        for name in ("legacy_co", "startup"):
            tags = account.tenant_tags(name)
            assert tags[contract.OWNER_TAG_KEY].endswith("/CustomerTenant71D6BFA5")
        # Nothing the app declares differs from SES any more.
        drift = ses_cli.run(["drift", "--cdk-out", str(assembly.directory), "--quiet"])
        assert drift.exit_code == 0, drift.output
        assert drift.stdout.startswith("No drift.")


def test_write_refuses_a_file_that_does_not_end_with_its_customers(
    ses_cli: Cli, ses_double_server: SesDouble, tmp_path: Path
) -> None:
    ses_double_server.client().create_tenant(TenantName="newcomer")
    customers = tmp_path / "customers.yaml"
    customers.write_text(
        yaml.safe_dump({**FLEET, "shared_ip_pools": ["platform-shared"]}, sort_keys=False)
    )
    before = customers.read_text()

    result = ses_cli.run(["import", "--customers", str(customers), "--write", "--quiet"])

    assert result.exit_code == 2
    assert "the file does not end with its 'customers' list" in result.stderr
    assert customers.read_text() == before


def test_ids_are_made_unique_and_valid(
    ses_cli: Cli, ses_double_server: SesDouble, tmp_path: Path
) -> None:
    sesv2 = ses_double_server.client()
    for name in ("9lives", "a_b", "a-b", "acme"):
        sesv2.create_tenant(TenantName=name)
    customers = write_customers(tmp_path / "customers.yaml", {"customers": FLEET["customers"][1:]})
    # A letter first, "-" for "_", and a number where an id is taken.
    report = ses_cli.json(["import", "--customers", str(customers)])
    assert [(e["id"], e["tenant_name"]) for e in report["entries"]] == [
        ("t-9lives", "9lives"),
        ("a-b", "a-b"),
        ("a-b-2", "a_b"),
        ("acme", "acme"),
    ]
