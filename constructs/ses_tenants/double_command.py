"""The `ses-tenants-double` command.

It lives outside `ses_tenants.testing`: importing that package installs the double into moto,
which only the `[testing]` extra brings, so without the extra the command could not even
start to say which extra to install.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence

MISSING_EXTRA = (
    "ses-tenants-double: the SES tenant API double needs the [testing] extra "
    "(missing module {name!r}); install it with: pip install 'ses-tenants-cdk[testing]'"
)
#: What the [testing] extra brings that the double imports.
_EXTRA_MODULES = ("moto", "boto3")


def main(argv: Sequence[str] | None = None) -> int:
    for module in _EXTRA_MODULES:
        if importlib.util.find_spec(module) is None:
            print(MISSING_EXTRA.format(name=module), file=sys.stderr)
            return 2
    from ses_tenants.testing.server import main as serve

    return serve(argv)


if __name__ == "__main__":
    sys.exit(main())
