#!/usr/bin/env python3
"""The platform app: reads the customers file named in cdk.json and builds its stacks.

Use another file with `cdk synth -c ses-tenants:customers-file=path/to/customers.yaml`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from aws_cdk import App, Validations

from platform_app.customers import CustomersFileError, load_customers
from platform_app.stacks import build_platform
from ses_tenants import SesTenantsValidationError

CUSTOMERS_FILE_CONTEXT_KEY = "ses-tenants:customers-file"
#: cdk-nag's AwsSolutions checks run on every synth unless this context value is false.
NAG_CONTEXT_KEY = "ses-tenants:nag"


def main() -> None:
    app = App()
    customers_file = Path(app.node.try_get_context(CUSTOMERS_FILE_CONTEXT_KEY) or "customers.yaml")
    try:
        customers = load_customers(customers_file)
    except CustomersFileError as error:
        sys.exit(str(error))
    try:
        build_platform(app, customers)
    except SesTenantsValidationError as error:
        # The file's own checks use the constructs' rules; this is for what only the
        # constructs see. A message, not a traceback through jsii.
        sys.exit(f"{customers_file}: {error}")
    if str(app.node.try_get_context(NAG_CONTEXT_KEY)).lower() != "false":
        # Imported only when used: loading cdk-nag into jsii costs every synth ~0.3 s.
        from cdk_nag import AwsSolutionsChecks

        Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()


if __name__ == "__main__":
    main()
