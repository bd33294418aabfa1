"""The customers file: what each customer's tenant stack holds, validated with pydantic.

Every error names the customer (or its entry number, before its id is known) and the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from ses_tenants._handler import contract, rules


def _valid_tenant_name(name: str) -> str:
    if problem := rules.tenant_name_problem(name):
        raise ValueError(problem)
    return name


TenantName = Annotated[str, AfterValidator(_valid_tenant_name)]
CustomerId = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9-]{0,63}$")]
Domain = Annotated[
    str,
    Field(
        max_length=253,
        pattern=r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$",
    ),
]
PoolName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Suppression(_Strict):
    scope: Literal["ACCOUNT", "TENANT"]
    reasons: list[Literal["BOUNCE", "COMPLAINT"]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _reasons_unique(self) -> Suppression:
        if len(set(self.reasons)) != len(self.reasons):
            raise ValueError("reasons lists a reason more than once")
        return self


class Template(_Strict):
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
    subject: str = Field(min_length=1)
    html: str | None = None
    text: str | None = None

    @model_validator(mode="after")
    def _has_a_body(self) -> Template:
        if self.html is None and self.text is None:
            raise ValueError("a template needs html or text")
        return self


class Customer(_Strict):
    id: CustomerId
    tenant_name: TenantName
    domain: Domain
    reputation_policy: Literal["none", "standard", "strict"] = "standard"
    sending_status: Literal["ENABLED", "DISABLED", "REINSTATED"] = "ENABLED"
    suppression: Suppression | None = None
    #: A dedicated IP pool of the customer's own (managed scaling).
    dedicated_ip_pool: bool = False
    #: Or the name of a pool from `shared_ip_pools` (not both).
    shared_ip_pool: PoolName | None = None
    templates: list[Template] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict, max_length=contract.MAX_USER_TAGS)
    adopt_existing: bool = False
    retain_on_delete: bool = False

    @model_validator(mode="after")
    def _one_pool_at_most(self) -> Customer:
        if self.dedicated_ip_pool and self.shared_ip_pool:
            raise ValueError("choose dedicated_ip_pool or shared_ip_pool, not both")
        return self

    @model_validator(mode="after")
    def _templates_unique(self) -> Customer:
        names = [t.name for t in self.templates]
        if len(set(names)) != len(names):
            raise ValueError("templates: two templates share a name")
        return self


class CustomersFile(_Strict):
    #: Dedicated IP pools the platform owns and customers may share by name.
    shared_ip_pools: list[PoolName] = Field(default_factory=list)
    customers: list[Customer] = Field(min_length=1)

    @model_validator(mode="after")
    def _cross_checks(self) -> CustomersFile:
        for field in ("id", "tenant_name", "domain"):
            seen: set[str] = set()
            for customer in self.customers:
                value = getattr(customer, field).lower()
                if value in seen:
                    raise ValueError(f"customer {customer.id!r}: {field} {value!r} is used twice")
                seen.add(value)
        for customer in self.customers:
            pool = customer.shared_ip_pool
            if pool and pool not in self.shared_ip_pools:
                raise ValueError(
                    f"customer {customer.id!r}: shared_ip_pool {pool!r} is not one of "
                    f"shared_ip_pools {self.shared_ip_pools}"
                )
        return self


class CustomersFileError(ValueError):
    """The customers file cannot be used; the message says where and why."""


def load_customers(path: Path) -> CustomersFile:
    """Read and validate a customers file (YAML)."""
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise CustomersFileError(f"{path}: cannot read customers file: {error}") from error
    try:
        return CustomersFile.model_validate(raw)
    except ValidationError as error:
        raise CustomersFileError(_describe(path, raw, error)) from None


def _describe(path: Path, raw: object, error: ValidationError) -> str:
    lines = [f"{path}: {error.error_count()} problem(s) in the customers file:"]
    for problem in error.errors():
        lines.append(f"  - {_where(raw, problem['loc'])}: {problem['msg']}")
    return "\n".join(lines)


def _where(raw: object, loc: tuple[int | str, ...]) -> str:
    """'customer 'acme' (entry 2), field domain' from pydantic's location tuple."""
    if len(loc) >= 2 and loc[0] == "customers" and isinstance(loc[1], int):
        index = loc[1]
        name = _customer_id(raw, index)
        who = f"customer {name!r} (entry {index + 1})" if name else f"customer entry {index + 1}"
        field = ".".join(str(part) for part in loc[2:])
        return f"{who}, field {field}" if field else who
    return "field " + ".".join(str(part) for part in loc) if loc else "file"


def _customer_id(raw: object, index: int) -> str | None:
    if isinstance(raw, dict) and isinstance(raw.get("customers"), list):
        entries = raw["customers"]
        if index < len(entries) and isinstance(entries[index], dict):
            value = entries[index].get("id")
            return str(value) if value is not None else None
    return None
