"""The public API documents itself, and its messages name only public things."""

from __future__ import annotations

import enum
import inspect

import pytest

import ses_tenants


def _public_members() -> list[tuple[str, object]]:
    members: list[tuple[str, object]] = []
    for name in ses_tenants.__all__:
        cls = getattr(ses_tenants, name)
        members.append((name, cls))
        if not inspect.isclass(cls) or issubclass(cls, enum.Enum):
            continue
        for attr, value in vars(cls).items():
            if attr.startswith("_"):
                continue
            if isinstance(value, property):
                members.append((f"{name}.{attr}", value.fget))
            elif isinstance(value, (staticmethod, classmethod)):
                members.append((f"{name}.{attr}", value.__func__))
            elif inspect.isfunction(value):
                members.append((f"{name}.{attr}", value))
    return members


_MEMBERS = _public_members()


@pytest.mark.parametrize(("name", "member"), _MEMBERS, ids=[name for name, _ in _MEMBERS])
def test_every_public_member_has_a_docstring(name: str, member: object) -> None:
    assert (inspect.getdoc(member) or "").strip(), f"{name} has no docstring"
