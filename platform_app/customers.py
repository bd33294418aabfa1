"""The customers file: what each customer's tenant stack holds, validated with pydantic.

Every error names the customer (or its entry number, before its id is known) and the field.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ses_tenants._handler import rules

_TAG_RULES = "tag_rules"


def _valid_tenant_name(name: str) -> str:
    if problem := rules.tenant_name_problem(name):
        raise ValueError(problem)
    return name


def _valid_tags(tags: dict[str, str]) -> dict[str, str]:
    """The constructs' own tag rules (ses_tenants._handler.rules), every problem at once."""
    problems = [rules.tag_count_problem(len(tags))]
    problems += [rules.tag_problem(key, value) for key, value in tags.items()]
    if found := [problem for problem in problems if problem]:
        # One error carrying every problem; load_customers reports each on its own line.
        raise PydanticCustomError(
            _TAG_RULES, "{joined}", {"joined": "; ".join(found), "problems": found}
        )
    return tags


TenantName = Annotated[str, AfterValidator(_valid_tenant_name)]
Tags = Annotated[dict[str, str], AfterValidator(_valid_tags)]
CustomerId = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9-]{0,63}$")]
Domain = Annotated[
    str,
    Field(
        max_length=253,
        pattern=r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$",
    ),
]
PoolName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]

#: Fields whose values must differ between customers (in any letter case).
UNIQUE_FIELDS = ("id", "tenant_name", "domain")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Suppression(_Strict):
    scope: Literal["ACCOUNT", "TENANT"]
    reasons: list[Literal["BOUNCE", "COMPLAINT"]] = Field(default_factory=list)

    @field_validator("reasons")
    @classmethod
    def _reasons_unique(cls, reasons: list[str]) -> list[str]:
        if len(set(reasons)) != len(reasons):
            raise ValueError("lists a reason more than once")
        return reasons


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


ResourceName = Annotated[str, Field(pattern=r"^[^/\s]{1,255}$")]


class ExistingResources(_Strict):
    """SES resources made outside this app (e.g. by an onboarding script), associated with
    the tenant by name and never created or deleted by it. `ses-tenants import` writes them."""

    identities: list[ResourceName] = Field(default_factory=list)
    configuration_sets: list[ResourceName] = Field(default_factory=list)
    templates: list[ResourceName] = Field(default_factory=list)

    @model_validator(mode="after")
    def _each_once(self) -> ExistingResources:
        for kind in ("identities", "configuration_sets", "templates"):
            names = getattr(self, kind)
            if twice := sorted({name for name in names if names.count(name) > 1}):
                raise ValueError(f"{kind} lists {', '.join(map(repr, twice))} more than once")
        return self


class Customer(_Strict):
    id: CustomerId
    tenant_name: TenantName
    #: The domain the app makes an identity (and configuration set) for; a customer whose
    #: resources all exist already (`existing_resources`) may leave it out.
    domain: Domain | None = None
    reputation_policy: Literal["none", "standard", "strict"] = "standard"
    sending_status: Literal["ENABLED", "DISABLED", "REINSTATED"] = "ENABLED"
    suppression: Suppression | None = None
    #: A dedicated IP pool of the customer's own (managed scaling).
    dedicated_ip_pool: bool = False
    #: Or the name of a pool from `shared_ip_pools` (not both).
    shared_ip_pool: PoolName | None = None
    templates: list[Template] = Field(default_factory=list)
    tags: Tags = Field(default_factory=dict)
    adopt_existing: bool = False
    retain_on_delete: bool = False
    existing_resources: ExistingResources | None = None

    @field_validator("shared_ip_pool")
    @classmethod
    def _one_pool_at_most(cls, pool: str | None, info: ValidationInfo) -> str | None:
        # dedicated_ip_pool is declared first, so it has been validated by now.
        if pool and info.data.get("dedicated_ip_pool"):
            raise ValueError("choose dedicated_ip_pool or shared_ip_pool, not both")
        return pool

    @model_validator(mode="after")
    def _domain_or_existing_resources(self) -> Customer:
        if self.domain is None:
            if self.existing_resources is None:
                raise ValueError("give domain, or existing_resources (or both)")
            needing = [
                name
                for name, given in (
                    ("dedicated_ip_pool", self.dedicated_ip_pool),
                    ("shared_ip_pool", self.shared_ip_pool),
                    ("templates", self.templates),
                )
                if given
            ]
            if needing:
                raise ValueError(f"{', '.join(needing)} need(s) a domain")
        return self

    @field_validator("templates")
    @classmethod
    def _templates_unique(cls, templates: list[Template], info: ValidationInfo) -> list[Template]:
        # load_customers checks this on the raw document, with the templates' own problems.
        checked = (info.context or {}).get("cross_checks_done")
        if not checked and (problem := _template_names_problem([t.name for t in templates])):
            raise ValueError(problem)
        return templates


class CustomersFile(_Strict):
    #: Dedicated IP pools the platform owns and customers may share by name.
    shared_ip_pools: list[PoolName] = Field(default_factory=list)
    customers: list[Customer] = Field(min_length=1)

    @model_validator(mode="after")
    def _cross_checks(self, info: ValidationInfo) -> CustomersFile:
        # load_customers runs these on the raw document itself, next to pydantic's problems.
        if not (info.context or {}).get("cross_checks_done"):
            raw = self.model_dump(include={"shared_ip_pools", "customers"})
            if problems := cross_problems(raw):
                raise ValueError("; ".join(f"{where}: {why}" for where, why in problems))
        return self


class CustomersFileError(ValueError):
    """The customers file cannot be used; the message says where and why."""


_EXPECTED = (
    "expected a mapping with a 'customers' list (and optionally 'shared_ip_pools'), "
    "as in the repository's customers.yaml"
)


def load_customers(path: Path) -> CustomersFile:
    """Read and validate a customers file (YAML).

    Raises CustomersFileError with every problem found, each naming the customer (its id and
    entry number) and the field.
    """
    try:
        text = path.read_text()
    except OSError as error:
        raise CustomersFileError(f"{path}: cannot read customers file: {error}") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        for mark in ("problem_mark", "context_mark"):
            if getattr(error, mark, None) is not None:
                getattr(error, mark).name = str(path)
        raise CustomersFileError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(raw, dict):
        got = "the file is empty" if raw is None else f"got {_kind(raw)}"
        raise CustomersFileError(f"{path}: {_EXPECTED}; {got}")
    problems = cross_problems(raw)
    try:
        customers = CustomersFile.model_validate(raw, context={"cross_checks_done": True})
    except ValidationError as error:
        problems = [
            (_where(raw, p["loc"]), message) for p in error.errors() for message in _messages(p)
        ] + problems
    if problems:
        problems.sort(key=lambda problem: _entry_order(raw, problem[0]))
        lines = [f"{path}: {len(problems)} problem(s) in the customers file:"]
        lines += [f"  - {where}: {why}" for where, why in problems]
        raise CustomersFileError("\n".join(lines))
    return customers


def cross_problems(raw: dict[str, Any]) -> list[tuple[str, str]]:
    """Problems between entries and between a customer's templates: values used twice,
    unknown shared pools. Works on the raw document, so that they are reported with the
    entries' own problems (pydantic runs a model's checks only once its fields are valid)."""
    entries = raw.get("customers")
    if not isinstance(entries, list):
        return []
    problems: list[tuple[str, str]] = []
    for field in UNIQUE_FIELDS:
        first_of: dict[str, int] = {}
        for index, entry in enumerate(entries):
            value = entry.get(field) if isinstance(entry, dict) else None
            if not isinstance(value, str):
                continue
            first = first_of.setdefault(value.lower(), index)
            if first != index:
                problems.append(
                    (
                        _where(raw, ("customers", index, field)),
                        f"{value!r} is used twice: also by {_who(raw, first)}",
                    )
                )
    for index, entry in enumerate(entries):
        templates = entry.get("templates") if isinstance(entry, dict) else None
        if isinstance(templates, list):
            names = [t.get("name") for t in templates if isinstance(t, dict)]
            if problem := _template_names_problem([n for n in names if isinstance(n, str)]):
                problems.append((_where(raw, ("customers", index, "templates")), problem))
    pools = raw.get("shared_ip_pools") or []
    for index, entry in enumerate(entries):
        pool = entry.get("shared_ip_pool") if isinstance(entry, dict) else None
        if isinstance(pool, str) and pool not in pools:
            problems.append(
                (
                    _where(raw, ("customers", index, "shared_ip_pool")),
                    f"{pool!r} is not one of shared_ip_pools {pools}",
                )
            )
    return problems


def _template_names_problem(names: list[str]) -> str | None:
    twice = [name for name, count in Counter(names).items() if count > 1]
    if twice:
        return f"two templates are named {', '.join(repr(name) for name in twice)}"
    return None


def _entry_order(raw: dict[str, Any], where: str) -> int:
    """Problems of the file first, then each customer's, in the file's order."""
    entries = raw.get("customers")
    if not isinstance(entries, list):
        return -1
    for index in range(len(entries)):
        if where.startswith(_who(raw, index) + ","):
            return index
    return -1


def _messages(problem: Any) -> list[str]:
    """Pydantic's message, without the "Value error, " it puts before this file's rules;
    each tag problem on its own."""
    if problem["type"] == _TAG_RULES:
        return [str(found) for found in problem["ctx"]["problems"]]
    if problem["type"] == "value_error" and "error" in problem.get("ctx", {}):
        return [str(problem["ctx"]["error"])]
    return [str(problem["msg"])]


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return f"a {type(value).__name__}"


def _where(raw: object, loc: tuple[int | str, ...]) -> str:
    """ "customer 'acme' (entry 2), field domain" from pydantic's location tuple."""
    if len(loc) >= 2 and loc[0] == "customers" and isinstance(loc[1], int):
        index = loc[1]
        who = _who(raw, index)
        rest = loc[2:]
        field = ".".join(str(part) for part in rest)
        is_template = len(rest) >= 2 and rest[0] == "templates" and isinstance(rest[1], int)
        if is_template and (template := _template_name(raw, index, int(rest[1]))):
            field = f"templates.{rest[1]} (template {template!r})" + "".join(
                f".{part}" for part in rest[2:]
            )
        return f"{who}, field {field}" if field else who
    return "field " + ".".join(str(part) for part in loc) if loc else "file"


def _who(raw: object, index: int) -> str:
    name = _entry(raw, index).get("id")
    if name is not None:
        return f"customer {str(name)!r} (entry {index + 1})"
    return f"customer entry {index + 1}"


def _entry(raw: object, index: int) -> dict[str, Any]:
    if isinstance(raw, dict) and isinstance(raw.get("customers"), list):
        entries = raw["customers"]
        if index < len(entries) and isinstance(entries[index], dict):
            return entries[index]
    return {}


def _template_name(raw: object, index: int, template: int) -> str | None:
    templates = _entry(raw, index).get("templates")
    if isinstance(templates, list) and template < len(templates):
        entry = templates[template]
        if isinstance(entry, dict) and entry.get("name") is not None:
            return str(entry["name"])
    return None
