"""`ses-tenants import`: customers-file entries for the tenants SES holds that the file lacks.

What an onboarding script made with boto3 (a tenant, its identities, configuration sets and
templates, its settings) becomes an entry with `adopt_existing: true` whose
`existing_resources` name those resources: the next deploy adopts the tenant and associates
the resources without creating them again, and changes nothing in SES that the entry
describes as it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ses_tenants._handler import contract
from ses_tenants._handler.fleet import FleetReader, tenant_arn_prefix
from ses_tenants._handler.tenant_changes import LIBRARY_TAG_KEYS
from ses_tenants._handler.tenants import settings_of
from ses_tenants.cli.output import Progress

#: The customers file's `existing_resources` keys, by the ARN segment of the resource.
EXISTING_RESOURCE_KEYS = {
    "identity": "identities",
    "configuration-set": "configuration_sets",
    "template": "templates",
}
_CUSTOMER_ID = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,63}")


class CustomersFileProblem(Exception):
    """The customers file cannot be read or extended."""


@dataclass(frozen=True)
class CustomersFile:
    path: Path
    text: str
    customers: list[Mapping[str, Any]]

    @property
    def tenant_names(self) -> set[str]:
        return {str(c.get("tenant_name")) for c in self.customers if c.get("tenant_name")}

    @property
    def ids(self) -> set[str]:
        return {str(c.get("id")).lower() for c in self.customers if c.get("id")}


def read_customers_file(path: Path) -> CustomersFile:
    try:
        text = path.read_text()
    except OSError as error:
        raise CustomersFileProblem(
            f"{path}: cannot read the customers file: {error.strerror or error}"
        ) from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise CustomersFileProblem(
            f"{path}: the customers file is not valid YAML: {error}"
        ) from None
    customers = document.get("customers") if isinstance(document, dict) else None
    if not isinstance(customers, list) or not all(isinstance(c, dict) for c in customers):
        raise CustomersFileProblem(
            f"{path}: not a customers file: expected a mapping with a 'customers' list, as in "
            "the repository's customers.yaml"
        )
    return CustomersFile(path, text, customers)


def entries_to_import(
    reader: FleetReader, customers: CustomersFile, progress: Progress
) -> list[dict[str, Any]]:
    """An entry for each tenant in SES whose name the file does not list, in name order."""
    tenants = sorted(reader.tenants(), key=lambda tenant: tenant.name)
    missing = [tenant for tenant in tenants if tenant.name not in customers.tenant_names]
    if not missing:
        return []
    reputations = reader.reputations(tenant_arn_prefix(missing[0].arn))
    taken_ids = set(customers.ids)
    entries = []
    for index, tenant in enumerate(missing, start=1):
        details = reader.details(tenant.name)
        resources = reader.resources(tenant.name)
        progress.step("GetTenant + ListTenantResources", index, len(missing))
        if details is None or resources is None:
            continue  # deleted while read
        state = settings_of(details, reputations.get(tenant.arn))
        entry: dict[str, Any] = {
            "id": _customer_id(tenant.name, taken_ids),
            "tenant_name": tenant.name,
        }
        # Always given, if empty: it says that the app is to make no identity for the tenant.
        entry["existing_resources"] = _existing_resources(resources)
        entry["reputation_policy"] = state.reputation_policy
        entry["sending_status"] = state.sending_status
        if state.suppression is not None:
            entry["suppression"] = {
                "scope": state.suppression.scope,
                "reasons": list(state.suppression.reasons),
            }
        tags = {
            key: value
            for key, value in sorted(state.tags.items())
            if key not in LIBRARY_TAG_KEYS
            and not key.lower().startswith(contract.RESERVED_TAG_PREFIX)
        }
        if tags:
            entry["tags"] = tags
        entry["adopt_existing"] = True
        mark = details.owner_mark
        entries.append({"entry": entry, "arn": tenant.arn, "owner_mark": mark})
    return entries


def _existing_resources(arns: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for arn in sorted(arns):
        resource = arn.split(":", 5)[-1]
        segment, _, name = resource.partition("/")
        key = EXISTING_RESOURCE_KEYS.get(segment)
        if key and name:
            found.setdefault(key, []).append(name)
    return {key: found[key] for key in EXISTING_RESOURCE_KEYS.values() if key in found}


def _customer_id(tenant_name: str, taken: set[str]) -> str:
    """A customer id (a letter, then letters, digits and '-') from the tenant's name."""
    base = re.sub(r"[^A-Za-z0-9-]", "-", tenant_name)
    if not base[:1].isalpha():
        base = f"t-{base}"
    base = base[:60]
    candidate, number = base, 2
    while candidate.lower() in taken or not _CUSTOMER_ID.fullmatch(candidate):
        candidate, number = f"{base}-{number}", number + 1
    taken.add(candidate.lower())
    return candidate


def entries_yaml(imported: list[dict[str, Any]], indent: str = "  ") -> str:
    """The entries as items of the file's `customers` list, each with a comment on where it
    came from."""
    blocks = []
    for item in imported:
        comment = f"# Imported from SES by `ses-tenants import`: {item['arn']}"
        if item["owner_mark"]:
            comment += f"\n# It carries the ownership mark of {item['owner_mark']}."
        body = yaml.safe_dump([item["entry"]], sort_keys=False, default_flow_style=False)
        lines = [*comment.splitlines(), *body.rstrip("\n").splitlines()]
        blocks.append("\n".join(f"{indent}{line}" for line in lines))
    return "\n\n".join(blocks) + "\n"


def append_entries(customers: CustomersFile, imported: list[dict[str, Any]]) -> None:
    """Append the entries to the file's `customers` list, keeping its text and comments.

    The file must end with that list (as the repository's customers.yaml does); the result
    is read back and written only if it holds exactly the old entries and the new ones.
    """
    match = re.search(r"^([ \t]*)- ", customers.text, flags=re.MULTILINE)
    indent = match.group(1) if match else "  "
    text = customers.text if customers.text.endswith("\n") else customers.text + "\n"
    combined = f"{text}\n{entries_yaml(imported, indent)}"
    try:
        document = yaml.safe_load(combined)
    except yaml.YAMLError:
        document = None
    expected = [*customers.customers, *(item["entry"] for item in imported)]
    if not isinstance(document, dict) or document.get("customers") != expected:
        raise CustomersFileProblem(
            f"{customers.path}: the entries cannot be appended, because the file does not "
            "end with its 'customers' list. Move that list to the end of the file, or run "
            "without --write and paste the entries printed."
        )
    customers.path.write_text(combined)
