"""`ses-tenants`: the operations CLI (status, drift, import). See `ses_tenants.cli.commands`."""

from ses_tenants.cli.commands import main

__all__ = ["main"]
