"""Claims that must be unique in a whole app (a tenant name, a tenant-resource pair).

Two constructs in different stacks of one app can declare the same SES object; each stack
deploys fine on its own, and then one stack's delete removes what the other still relies
on. The registry lives on the app's root construct, so every stack of the app sees it.
"""

from __future__ import annotations

from typing import Any

from constructs import Construct, IConstruct

#: The Python attribute on the root construct that holds its registry. jsii hands back
#: the same Python object for the root each time, so the attribute persists.
_ATTRIBUTE = "_ses_tenants_app_registry"


class AppRegistry:
    def __init__(self) -> None:
        self._holders: dict[tuple[str, str], Construct] = {}
        self._groups: dict[tuple[str, ...], Any] = {}

    @staticmethod
    def of(scope: IConstruct) -> AppRegistry:
        """The registry of `scope`'s app. Remembered on `scope` too: finding the root costs
        two jsii calls, and a tenant asks once per association."""
        registry: AppRegistry | None = getattr(scope, _ATTRIBUTE, None)
        if registry is None:
            root = scope.node.root
            registry = getattr(root, _ATTRIBUTE, None)
            if registry is None:
                registry = AppRegistry()
                setattr(root, _ATTRIBUTE, registry)
            setattr(scope, _ATTRIBUTE, registry)
        return registry

    def group(self, key: tuple[str, ...]) -> Any:
        """App-wide bookkeeping of a check that needs more than one key per claim: a pair of
        a dict and a list, made on first use."""
        return self._groups.setdefault(key, ({}, []))

    def claim(self, kind: str, key: str, construct: Construct) -> Construct | None:
        """Record that `construct` holds `key` of `kind`; the construct that already held
        it, if any (and then the claim is not recorded)."""
        holder = self._holders.get((kind, key))
        if holder is not None:
            return holder
        self._holders[(kind, key)] = construct
        return None
