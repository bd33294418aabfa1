"""`ses-tenants`: the operations CLI (status, drift, import). See `ses_tenants.cli.main`."""

from ses_tenants.cli.main import main

__all__ = ["main"]
