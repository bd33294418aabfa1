"""The customers file: loading and validation, with errors that name customer and field."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from platform_app.customers import CustomersFileError, load_customers
from ses_tenants._handler import contract, rules
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
def test_duplicates_across_customers_name_both_entries(tmp_path: Path, field: str) -> None:
    first = _valid_customer(id="one", tenant_name="one", domain="one.example.com")
    second = _valid_customer(id="two", tenant_name="two", domain="two.example.com")
    second[field] = first[field]
    path = _write(tmp_path, {"customers": [first, second]})
    with pytest.raises(CustomersFileError) as raised:
        load_customers(path)
    message = str(raised.value)
    second_name = "one" if field == "id" else "two"
    assert (
        f"customer '{second_name}' (entry 2), field {field}: '{first[field]}' is used twice: "
        "also by customer 'one' (entry 1)"
    ) in message


def test_duplicates_are_found_whatever_the_letter_case(tmp_path: Path) -> None:
    first = _valid_customer(id="one", tenant_name="one", domain="One.example.com")
    second = _valid_customer(id="two", tenant_name="two", domain="one.EXAMPLE.com")
    path = _write(tmp_path, {"customers": [first, second]})
    with pytest.raises(
        CustomersFileError, match=r"field domain: 'one\.EXAMPLE\.com' is used twice"
    ):
        load_customers(path)


def test_unknown_shared_pool_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, {"customers": [_valid_customer(shared_ip_pool="nope")]})
    with pytest.raises(
        CustomersFileError,
        match=r"customer 'acme' \(entry 1\), field shared_ip_pool: 'nope' is not one of",
    ):
        load_customers(path)


_LONG_KEY = "k" * (contract.MAX_TAG_KEY_LENGTH + 1)


@pytest.mark.parametrize(
    "tags",
    [
        {"aws:cost": "x"},
        {"AWS:cost": "x"},
        {contract.OWNER_TAG_KEY: "x"},
        {contract.ADOPTION_RECORD_TAG_KEY.upper(): "x"},
        {_LONG_KEY: "x"},
        {"": "x"},
        {"team": "v" * (contract.MAX_TAG_VALUE_LENGTH + 1)},
    ],
)
def test_tag_rules_are_the_constructs_and_name_the_customer(tmp_path: Path, tags: dict) -> None:
    [(key, value)] = tags.items()
    expected = rules.tag_problem(key, value)
    assert expected  # the constructs' own rule rejects it
    path = _write(tmp_path, {"customers": [_valid_customer(tags=tags)]})
    with pytest.raises(CustomersFileError) as raised:
        load_customers(path)
    assert f"customer 'acme' (entry 1), field tags: {expected}" in str(raised.value)


def test_too_many_tags_uses_the_constructs_rule(tmp_path: Path) -> None:
    tags = {f"t{n}": "x" for n in range(contract.MAX_USER_TAGS + 1)}
    path = _write(tmp_path, {"customers": [_valid_customer(tags=tags)]})
    with pytest.raises(CustomersFileError) as raised:
        load_customers(path)
    expected = rules.tag_count_problem(len(tags))
    assert f"customer 'acme' (entry 1), field tags: {expected}" in str(raised.value)


def test_every_tag_problem_is_reported(tmp_path: Path) -> None:
    tags = {"aws:one": "x", "aws:two": "y"}
    path = _write(tmp_path, {"customers": [_valid_customer(tags=tags)]})
    with pytest.raises(CustomersFileError) as raised:
        load_customers(path)
    lines = str(raised.value).splitlines()
    for key in ("aws:one", "aws:two"):  # each on its own line
        expected = f"  - customer 'acme' (entry 1), field tags: {rules.tag_problem(key, 'x')}"
        assert expected in lines


def test_tag_values_must_be_strings(tmp_path: Path) -> None:
    path = tmp_path / "customers.yaml"
    path.write_text(
        "customers:\n- {id: acme, tenant_name: acme, domain: a.example.com, "
        "tags: {customer-id: 42}}\n"
    )
    with pytest.raises(CustomersFileError, match=r"field tags.customer-id: .*string"):
        load_customers(path)


def test_all_problems_are_reported_at_once_without_library_prefixes(tmp_path: Path) -> None:
    customers = [
        _valid_customer(id="one", tenant_name="one", domain="one.example.com", tags={"aws:x": "y"}),
        _valid_customer(
            id="two", tenant_name="bad name", domain="two.example.com", shared_ip_pool="nope"
        ),
        _valid_customer(
            id="three",
            tenant_name="one",
            domain="three.example.com",
            suppression={"scope": "TENANT", "reasons": ["BOUNCE", "BOUNCE"]},
            dedicated_ip_pool=True,
            shared_ip_pool="nope",
        ),
        _valid_customer(
            id="four",
            tenant_name="four",
            domain="four.example.com",
            templates=[{"name": "t", "subject": "s", "text": "x"}, {"name": "t", "subject": "s"}],
        ),
    ]
    path = _write(tmp_path, {"customers": customers})
    with pytest.raises(CustomersFileError) as raised:
        load_customers(path)
    message = str(raised.value)
    for expected in [
        "customer 'one' (entry 1), field tags: key 'aws:x'",
        "customer 'two' (entry 2), field tenant_name: 'bad name' is invalid",
        "customer 'two' (entry 2), field shared_ip_pool: 'nope' is not one of",
        "customer 'three' (entry 3), field tenant_name: 'one' is used twice: also by "
        "customer 'one' (entry 1)",
        "customer 'three' (entry 3), field suppression.reasons: lists a reason more than once",
        "customer 'three' (entry 3), field shared_ip_pool: choose dedicated_ip_pool or "
        "shared_ip_pool, not both",
        "customer 'four' (entry 4), field templates: two templates are named 't'",
        "customer 'four' (entry 4), field templates.1 (template 't'): a template needs html "
        "or text",
    ]:
        assert expected in message, message
    assert "Value error" not in message
    assert "Traceback" not in message


def test_yaml_syntax_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("customers: [unclosed")
    with pytest.raises(CustomersFileError) as raised:
        load_customers(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: not valid YAML")
    assert f'in "{path}", line 1' in message
    assert "<unicode string>" not in message


@pytest.mark.parametrize(
    ("text", "got"),
    [
        ("", "the file is empty"),
        ("# nothing\n", "the file is empty"),
        ("- id: acme\n", "a list"),
        ("acme\n", "a string"),
    ],
)
def test_empty_file_or_wrong_top_level_says_what_is_expected(
    tmp_path: Path, text: str, got: str
) -> None:
    path = tmp_path / "customers.yaml"
    path.write_text(text)
    with pytest.raises(CustomersFileError) as raised:
        load_customers(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: ")
    assert "expected a mapping with a 'customers' list" in message
    assert got in message
    assert "CustomersFile" not in message


def test_app_reports_a_bad_file_without_a_traceback(tmp_path: Path) -> None:
    path = _write(tmp_path, {"customers": [_valid_customer(tags={"aws:x": "y"})]})
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "app.py")],
        cwd=REPO_ROOT,
        env={
            **os.environ,
            "CDK_CONTEXT_JSON": json.dumps({"ses-tenants:customers-file": str(path)}),
            "CDK_OUTDIR": str(tmp_path / "cdk.out"),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "customer 'acme' (entry 1), field tags: key 'aws:x'" in result.stderr


def test_unreadable_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(CustomersFileError, match="cannot read"):
        load_customers(tmp_path / "missing.yaml")
    path = tmp_path / "bad.yaml"
    path.write_text("customers: []")
    with pytest.raises(CustomersFileError, match="field customers"):
        load_customers(path)
