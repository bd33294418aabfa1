"""Customers files of any size, with the mix of options the default customers.yaml shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SHARED_POOL = "platform-shared"


def _acme_like(index: int) -> dict[str, Any]:
    """A dedicated pool of its own, strict policy, tenant suppression, two templates."""
    return {
        "reputation_policy": "strict",
        "sending_status": "ENABLED",
        "suppression": {"scope": "TENANT", "reasons": ["BOUNCE", "COMPLAINT"]},
        "dedicated_ip_pool": True,
        "templates": [
            {
                "name": f"c{index}-welcome",
                "subject": "Welcome, {{name}}",
                "html": "<p>Hello {{name}}, welcome aboard.</p>",
                "text": "Hello {{name}}, welcome aboard.",
            },
            {"name": f"c{index}-receipt", "subject": "Your receipt", "text": "Order {{order}}."},
        ],
        "tags": {"customer-id": str(index), "cost-center": "growth"},
    }


def _globex_like(index: int) -> dict[str, Any]:
    """The platform's shared pool, paused, account suppression, retained on delete."""
    return {
        "reputation_policy": "standard",
        "sending_status": "DISABLED",
        "suppression": {"scope": "ACCOUNT", "reasons": ["BOUNCE"]},
        "shared_ip_pool": SHARED_POOL,
        "tags": {"customer-id": str(index)},
        "retain_on_delete": True,
    }


def _initech_like(index: int) -> dict[str, Any]:
    """SES's shared IPs, no policy, reinstated, adopted from the onboarding script."""
    return {"reputation_policy": "none", "sending_status": "REINSTATED", "adopt_existing": True}


def _plain(index: int) -> dict[str, Any]:
    """Defaults only, plus one template: the common case of a small customer."""
    return {
        "templates": [{"name": f"c{index}-notice", "subject": "Notice", "text": "Hi."}],
    }


PROFILES = (_acme_like, _globex_like, _initech_like, _plain)


def customer(index: int) -> dict[str, Any]:
    """Customer `index` of a generated file: profiles repeat every len(PROFILES) customers."""
    profile = PROFILES[index % len(PROFILES)]
    return {
        "id": f"customer-{index:04d}",
        "tenant_name": f"tenant-{index:04d}",
        "domain": f"mail.customer-{index:04d}.example.com",
        **profile(index),
    }


def customers_document(count: int) -> dict[str, Any]:
    return {"shared_ip_pools": [SHARED_POOL], "customers": [customer(i) for i in range(count)]}


def write_customers_file(count: int, path: Path) -> Path:
    path.write_text(yaml.safe_dump(customers_document(count), sort_keys=False))
    return path
