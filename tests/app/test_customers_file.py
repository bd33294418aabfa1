"""The customers file: loading and validation, with errors that name customer and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from platform_app.customers import CustomersFileError, load_customers
from tests.conftest import REPO_ROOT

DEFAULT_FILE = REPO_ROOT / "customers.yaml"


def _write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "customers.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def _valid_customer(**overrides: object) -> dict:
    customer: dict[str, object] = {
        "id": "acme",
        "tenant_name": "acme",
        "domain": "acme.example.com",
    }
    customer.update(overrides)
    return customer


def test_default_file_loads_and_uses_every_option() -> None:
    customers = load_customers(DEFAULT_FILE)
    assert len(customers.customers) >= 3
    every = customers.customers
    assert {c.reputation_policy for c in every} == {"none", "standard", "strict"}
    assert {c.sending_status for c in every} == {"ENABLED", "DISABLED", "REINSTATED"}
    assert {c.suppression.scope for c in every if c.suppression} == {"ACCOUNT", "TENANT"}
    assert any(c.suppression is None for c in every)
    assert any(c.dedicated_ip_pool for c in every)
    assert any(c.shared_ip_pool for c in every)
    assert any(c.templates for c in every)
    assert any(c.tags for c in every)
    assert any(c.adopt_existing for c in every)
    assert any(c.retain_on_delete for c in every)


@pytest.mark.parametrize(
    ("customer", "where", "why"),
    [
        (
            _valid_customer(tenant_name="bad name"),
            "customer 'acme' (entry 2), field tenant_name",
            "'bad name' is invalid: use 1-64 characters",
        ),
        (
            _valid_customer(tenant_name="acme\n"),
            "customer 'acme' (entry 2), field tenant_name",
            "'acme\\n' is invalid: use 1-64 characters",
        ),
        (
            _valid_customer(domain="not a domain"),
            "customer 'acme' (entry 2), field domain",
            "pattern",
        ),
        (_valid_customer(sending_status="PAUSED"), "field sending_status", "ENABLED"),
        (_valid_customer(color="blue"), "customer 'acme' (entry 2), field color", "Extra inputs"),
        (
            _valid_customer(suppression={"reasons": ["BOUNCE"]}),
            "field suppression.scope",
            "required",
        ),
        (
            _valid_customer(suppression={"scope": "TENANT", "reasons": ["BOUNCE", "BOUNCE"]}),
            "field suppression",
            "more than once",
        ),
        (
            _valid_customer(dedicated_ip_pool=True, shared_ip_pool="platform-shared"),
            "customer 'acme' (entry 2)",
            "not both",
        ),
        ({"tenant_name": "x", "domain": "x.example.com"}, "customer entry 2, field id", "required"),
        (
            _valid_customer(templates=[{"name": "t", "subject": "s"}]),
            "field templates.0",
            "html or text",
        ),
    ],
)
def test_bad_entry_names_customer_and_field(
    tmp_path: Path, customer: dict, where: str, why: str
) -> None:
    ok = _valid_customer(id="first", tenant_name="first", domain="first.example.com")
    path = _write(tmp_path, {"shared_ip_pools": ["platform-shared"], "customers": [ok, customer]})
    with pytest.raises(CustomersFileError) as raised:
        load_customers(path)
    message = str(raised.value)
    assert str(path) in message
    assert where in message
    assert why in message


@pytest.mark.parametrize("field", ["id", "tenant_name", "domain"])
def test_duplicates_across_customers_are_rejected(tmp_path: Path, field: str) -> None:
    first = _valid_customer(id="one", tenant_name="one", domain="one.example.com")
    second = _valid_customer(id="two", tenant_name="two", domain="two.example.com")
    second[field] = first[field]
    path = _write(tmp_path, {"customers": [first, second]})
    with pytest.raises(CustomersFileError, match=rf"{field} '{first[field]}' is used twice"):
        load_customers(path)


def test_unknown_shared_pool_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, {"customers": [_valid_customer(shared_ip_pool="nope")]})
    with pytest.raises(CustomersFileError, match="customer 'acme': shared_ip_pool 'nope'"):
        load_customers(path)


def test_unreadable_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(CustomersFileError, match="cannot read"):
        load_customers(tmp_path / "missing.yaml")
    path = tmp_path / "bad.yaml"
    path.write_text("customers: [unclosed")
    with pytest.raises(CustomersFileError, match="cannot read"):
        load_customers(path)
    path.write_text("customers: []")
    with pytest.raises(CustomersFileError, match="field customers"):
        load_customers(path)
