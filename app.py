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
#: The fleet's pause alerts (PauseAlerts in the platform stack) are built only when this
#: context value is true, as cdk.json sets it for `cdk synth` and `make synth`. Without it
#: (the lifecycle tests run the app with a context of their own) they are left out: the
#: tests' CloudFormation simulator has no EventBridge, SNS or DynamoDB resources.
PAUSE_ALERTS_CONTEXT_KEY = "ses-tenants:pause-alerts"


def main() -> None:
    app = App()
    customers_file = Path(app.node.try_get_context(CUSTOMERS_FILE_CONTEXT_KEY) or "customers.yaml")
    try:
        customers = load_customers(customers_file)
    except CustomersFileError as error:
        sys.exit(str(error))
    try:
        pause_alerts = str(app.node.try_get_context(PAUSE_ALERTS_CONTEXT_KEY)).lower() == "true"
        build_platform(app, customers, pause_alerts=pause_alerts)
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
