"""`ses-tenants drift`: the synthesized app against what a deploy left in SES, changed by hand."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ses_tenants._handler import contract
from tests.cli.conftest import Cli
from tests.lifecycle.cfn.provisioners import RecordOnly
from tests.lifecycle.cloud_assembly import CloudAssembly
from tests.lifecycle.harness import Account, simulated_account

pytestmark = pytest.mark.slow

ACCOUNT_ID = "123456789012"


def _arn(segment: str, name: str) -> str:
    return f"arn:aws:ses:us-east-1:{ACCOUNT_ID}:{segment}/{name}"


@pytest.fixture
def deployed(fleet_assembly: CloudAssembly) -> Iterator[Account]:
    """FLEET deployed through the CloudFormation simulator, into the served double's state."""
    with simulated_account() as account:
        # What the platform stack holds besides the provider's function is no concern of
        # the CLI's: resource types the simulator does not know are only recorded.
        for template in fleet_assembly.templates.values():
            for resource in template.resources.values():
                account.cloudformation.provisioners.setdefault(resource["Type"], RecordOnly())
        account.cloudformation.deploy_app(fleet_assembly.templates, delete_missing=True)
        yield account


def _drift(ses_cli: Cli, assembly: CloudAssembly, *, exit_code: int) -> Any:
    return ses_cli.json(["drift", "--cdk-out", str(assembly.directory)], exit_code=exit_code)


def test_a_fleet_as_deployed_has_no_drift(
    ses_cli: Cli, fleet_assembly: CloudAssembly, deployed: Account
) -> None:
    result = ses_cli.run(["drift", "--cdk-out", str(fleet_assembly.directory), "--quiet"])

    assert result.exit_code == 0, result.output
    # Two bulk reads, then a GetTenant and a ListTenantResources per declared tenant.
    assert result.stdout == (
        "No drift. 6 SES call(s) (GetTenant 2, ListReputationEntities 1, "
        "ListTenantResources 2, ListTenants 1) in us-east-1.\n"
    )


def test_each_change_made_outside_the_app_is_reported(
    ses_cli: Cli, fleet_assembly: CloudAssembly, deployed: Account
) -> None:
    sesv2 = deployed.sesv2
    acme = sesv2.get_tenant(TenantName="acme")["Tenant"]
    globex = sesv2.get_tenant(TenantName="globex")["Tenant"]
    # acme: tags, reputation policy, suppression and one association changed by hand.
    sesv2.tag_resource(
        ResourceArn=acme["TenantArn"],
        Tags=[{"Key": "customer-id", "Value": "43"}, {"Key": "console", "Value": "yes"}],
    )
    sesv2.update_reputation_entity_policy(
        ReputationEntityType="RESOURCE",
        ReputationEntityReference=acme["TenantArn"],
        ReputationEntityPolicy="arn:aws:ses:us-east-1:aws:reputation-policy/standard",
    )
    sesv2.put_tenant_suppression_attributes(
        TenantName="acme", SuppressionScope="ACCOUNT", SuppressedReasons=["BOUNCE"]
    )
    sesv2.delete_tenant_resource_association(
        TenantName="acme", ResourceArn=_arn("template", "acme-welcome")
    )
    # globex: resumed by hand, one more identity, and a mark naming another resource.
    sesv2.update_reputation_entity_customer_managed_status(
        ReputationEntityType="RESOURCE",
        ReputationEntityReference=globex["TenantArn"],
        SendingStatus="ENABLED",
    )
    sesv2.create_email_identity(EmailIdentity="console.example.com")
    sesv2.create_tenant_resource_association(
        TenantName="globex", ResourceArn=_arn("identity", "console.example.com")
    )
    other_owner = f"arn:aws:cloudformation:us-east-1:{ACCOUNT_ID}:stack/Other/abc-123/Tenant"
    sesv2.tag_resource(
        ResourceArn=globex["TenantArn"],
        Tags=[{"Key": contract.OWNER_TAG_KEY, "Value": other_owner}],
    )
    # A tenant an onboarding script made.
    sesv2.create_tenant(TenantName="initech")

    report = _drift(ses_cli, fleet_assembly, exit_code=1)

    found = {(d["tenant"], d["kind"]): d for d in report["drift"]}
    assert set(found) == {
        ("acme", "association-missing"),
        ("acme", "tags"),
        ("acme", "reputation-policy"),
        ("acme", "suppression"),
        ("globex", "association-extra"),
        ("globex", "sending-status"),
        ("globex", "ownership-mark"),
        ("initech", "tenant-unmanaged"),
    }
    assert found[("acme", "tags")]["desired"] == {"customer-id": "42"}
    assert found[("acme", "tags")]["live"] == {"console": "yes", "customer-id": "43"}
    policy = found[("acme", "reputation-policy")]
    assert (policy["desired"], policy["live"]) == ("strict", "standard")
    assert found[("acme", "suppression")]["desired"] == {
        "scope": "TENANT",
        "reasons": ["BOUNCE", "COMPLAINT"],
    }
    assert found[("acme", "suppression")]["live"] == {"scope": "ACCOUNT", "reasons": ["BOUNCE"]}
    assert found[("acme", "association-missing")]["desired"] == _arn("template", "acme-welcome")
    assert found[("globex", "association-extra")]["live"] == _arn("identity", "console.example.com")
    assert found[("globex", "sending-status")]["desired"] == "DISABLED"
    assert found[("globex", "ownership-mark")]["live"] == other_owner
    assert found[("acme", "tags")]["declared_in"].startswith("SesTenant-acme/CustomerTenant")


def test_tenants_and_associations_gone_from_ses_are_missing(
    ses_cli: Cli, fleet_assembly: CloudAssembly, deployed: Account
) -> None:
    deployed.sesv2.delete_tenant(TenantName="globex")
    (configuration_set,) = [
        arn for arn in deployed.associations("acme") if ":configuration-set/" in arn
    ]
    deployed.sesv2.delete_tenant_resource_association(
        TenantName="acme", ResourceArn=configuration_set
    )

    result = ses_cli.run(["drift", "--cdk-out", str(fleet_assembly.directory), "--quiet"])

    assert result.exit_code == 1, result.output
    rows = [line.split(maxsplit=2) for line in result.stdout.splitlines()[1:3]]
    assert [row[:2] for row in rows] == [
        ["acme", "association-missing"],
        ["globex", "tenant-missing"],
    ]
    # The configuration set's name is CloudFormation's to generate: named by its logical id.
    assert (
        "configuration-set/<generated name of SesTenant-acme/CustomerConfigurationSet"
        in (rows[0][2])
    )
    assert "2 drift(s) on 2 tenant(s)." in result.stdout


def test_a_tenant_made_outside_the_app_is_reported_with_what_the_deploy_will_do(
    ses_cli: Cli, fleet_assembly: CloudAssembly, deployed: Account
) -> None:
    # The mark removed, as if an onboarding script had made the tenant.
    arn = deployed.sesv2.get_tenant(TenantName="acme")["Tenant"]["TenantArn"]
    deployed.sesv2.untag_resource(ResourceArn=arn, TagKeys=[contract.OWNER_TAG_KEY])

    report = _drift(ses_cli, fleet_assembly, exit_code=1)

    (drift,) = report["drift"]
    assert (drift["tenant"], drift["kind"], drift["live"]) == ("acme", "ownership-mark", None)
    assert "the next deploy fails on it: set adopt_existing" in drift["detail"]


def test_one_stack_is_compared_on_its_own(
    ses_cli: Cli, fleet_assembly: CloudAssembly, deployed: Account
) -> None:
    deployed.sesv2.delete_tenant(TenantName="globex")
    deployed.sesv2.create_tenant(TenantName="initech")
    cdk_out = str(fleet_assembly.directory)

    acme = _drift_of(ses_cli, cdk_out, "SesTenant-acme", exit_code=0)
    globex = _drift_of(ses_cli, cdk_out, "SesTenant-globex", exit_code=1)
    unknown = ses_cli.run(["drift", "--cdk-out", cdk_out, "--stack", "SesTenant-nobody"])

    # Neither reports initech: which stack would it belong to?
    assert acme["drift"] == []
    assert acme["ses_calls"]["by_operation"]["GetTenant"] == 1
    assert [(d["tenant"], d["kind"]) for d in globex["drift"]] == [("globex", "tenant-missing")]
    assert unknown.exit_code == 2
    assert "no tenant in stack(s) SesTenant-nobody; the stacks with tenants are" in (unknown.stderr)


def _drift_of(ses_cli: Cli, cdk_out: str, stack: str, *, exit_code: int) -> Any:
    return ses_cli.json(["drift", "--cdk-out", cdk_out, "--stack", stack], exit_code=exit_code)
