"""Synth-time validation errors that name the construct, the property and the rule."""

from __future__ import annotations

from constructs import Construct


class SesTenantsValidationError(ValueError):
    """A construct was given a value SES would reject; raised while the app is built."""

    def __init__(self, construct: Construct, prop: str, rule: str) -> None:
        self.construct_path = construct.node.path
        self.prop = prop
        self.rule = rule
        # A construct whose class is private (an imported tenant) says what it is instead.
        kind = getattr(construct, "public_kind", None) or type(construct).__name__
        super().__init__(f"{kind} '{construct.node.path}': {prop}: {rule}")
