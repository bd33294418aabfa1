"""Part 4: the handler's cold start, i.e. the time and memory of importing its module in a
fresh interpreter (Lambda's init phase), against `import boto3` alone. As the Lambda
runtime does, the asset's root (the folder holding `_handler/`) goes on sys.path and the
entry point's module `_handler.tenant_handler` is imported.

Each variant runs in its own `python -c`, which times the import itself with perf_counter
and reports its own peak RSS; the parent also times the whole process, start-up included.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from benchmarks.handler_harness import FAKE_AWS_ENVIRONMENT, HANDLER_ASSET_ROOT
from benchmarks.stats import Spread

REPEATS = 11
KIB_PER_MIB = 1024

#: (label, statements to time). The handler's client is made on first use, not at import,
#: so "first request ready" adds what the first invocation pays on top of init.
VARIANTS = [
    ("empty interpreter", "pass"),
    ("import boto3", "import boto3"),
    ("import boto3 + boto3.client('sesv2')", "import boto3; boto3.client('sesv2')"),
    ("import tenant_handler (Lambda init)", "import _handler.tenant_handler"),
    (
        "import tenant_handler + its sesv2 client",
        "import _handler.tenant_handler, _handler.ses_client; _handler.ses_client.get_client()",
    ),
]

_PROBE = """
import json, resource, sys, time
sys.path.insert(0, {asset_root!r})
started = time.perf_counter()
{statements}
elapsed = time.perf_counter() - started
print(json.dumps({{"seconds": elapsed,
                   "max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}))
"""


@dataclass(frozen=True)
class ColdStart:
    label: str
    import_seconds: Spread
    process_seconds: Spread
    max_rss_mib: Spread


def _run_once(statements: str) -> tuple[float, float, float]:
    code = _PROBE.format(asset_root=str(HANDLER_ASSET_ROOT), statements=statements)
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **FAKE_AWS_ENVIRONMENT},
        capture_output=True,
        text=True,
        check=True,
    )
    process_seconds = time.perf_counter() - started
    probe = json.loads(completed.stdout.strip().splitlines()[-1])
    return probe["seconds"], process_seconds, probe["max_rss_kib"] / KIB_PER_MIB


def measure_cold_start(progress: Callable[[str], None]) -> list[ColdStart]:
    """Every variant REPEATS times, round-robin so that machine noise spreads evenly."""
    samples: dict[str, list[tuple[float, float, float]]] = {label: [] for label, _ in VARIANTS}
    for repeat in range(REPEATS):
        for label, statements in VARIANTS:
            samples[label].append(_run_once(statements))
        progress(f"cold start round {repeat + 1}/{REPEATS}")
    return [
        ColdStart(
            label=label,
            import_seconds=Spread.of([s[0] for s in runs]),
            process_seconds=Spread.of([s[1] for s in runs]),
            max_rss_mib=Spread.of([s[2] for s in runs]),
        )
        for label, runs in samples.items()
    ]
