"""The customers file's `existing_resources`: resources made outside the app (what
`ses-tenants import` writes), associated by name; `domain` is then optional."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from platform_app.customers import CustomersFileError, load_customers


def _load(tmp_path: Path, **customer: object) -> object:
    path = tmp_path / "customers.yaml"
    entry = {"id": "legacy", "tenant_name": "legacy", **customer}
    path.write_text(yaml.safe_dump({"customers": [entry]}))
    return load_customers(path).customers[0]


def test_existing_resources_need_no_domain(tmp_path: Path) -> None:
    existing = {"identities": ["mail.legacy.example.com"], "templates": ["welcome"]}
    customer = _load(tmp_path, existing_resources=existing, adopt_existing=True)
    assert customer.domain is None  # type: ignore[attr-defined]
    resources = customer.existing_resources  # type: ignore[attr-defined]
    assert resources.identities == ["mail.legacy.example.com"]
    assert resources.configuration_sets == []


def test_an_empty_existing_resources_is_a_tenant_alone(tmp_path: Path) -> None:
    customer = _load(tmp_path, existing_resources={})
    assert customer.existing_resources.identities == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("customer", "problem"),
    [
        ({}, "give domain, or existing_resources (or both)"),
        (
            {"existing_resources": {}, "dedicated_ip_pool": True},
            "dedicated_ip_pool need(s) a domain",
        ),
        (
            {"existing_resources": {"identities": ["a.example.com", "a.example.com"]}},
            "identities lists 'a.example.com' more than once",
        ),
        ({"existing_resources": {"identities": ["has/slash"]}}, "identities.0"),
    ],
)
def test_what_existing_resources_refuse(
    tmp_path: Path, customer: dict[str, object], problem: str
) -> None:
    with pytest.raises(CustomersFileError, match="customer 'legacy'") as raised:
        _load(tmp_path, **customer)
    assert problem in str(raised.value)
