"""Part 1 and 2: synthesize the platform app and its native peer, each run in a fresh
process, and measure wall time, peak memory and the templates it wrote.

Apps run as `python app.py` with CDK_OUTDIR and CDK_CONTEXT_JSON set, which is exactly
what `cdk synth` runs (the npm CLI adds only its own start-up and reads the assembly back).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.customers import write_customers_file
from benchmarks.stats import Spread

REPO_ROOT = Path(__file__).resolve().parent.parent
PROBE = REPO_ROOT / "benchmarks" / "synth_probe.py"
OUR_APP = REPO_ROOT / "app.py"
NATIVE_APP = REPO_ROOT / "benchmarks" / "native_app.py"
CUSTOMERS_FILE_CONTEXT_KEY = "ses-tenants:customers-file"
NAG_CONTEXT_KEY = "ses-tenants:nag"
PLATFORM_STACK_NAME = "SesTenantsPlatform"
LAMBDA_FUNCTION_TYPE = "AWS::Lambda::Function"
KIB_PER_MIB = 1024

#: The environment `make` gives every tool: offline, quiet, fake credentials, never AWS.
OFFLINE_ENVIRONMENT = {
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}


@dataclass(frozen=True)
class TemplateStats:
    """What one synth wrote: customer stacks' sizes and the whole app's Lambda functions."""

    resources_per_customer_stack: Spread
    bytes_per_customer_stack: Spread
    lambda_functions: int
    total_resources: int
    #: Files staged into the cloud assembly for deployment (the Lambda code of the provider).
    asset_bytes: int
    resource_types_of_largest_stack: dict[str, int]


@dataclass(frozen=True)
class SynthRun:
    wall_seconds: float
    python_max_rss_mib: float
    node_max_rss_mib: float
    python_cpu_seconds: float
    node_cpu_seconds: float
    #: Python-to-Node round trips (see synth_probe.py): deterministic for a given app.
    jsii_requests: int
    templates: TemplateStats

    @property
    def cpu_seconds(self) -> float:
        return self.python_cpu_seconds + self.node_cpu_seconds

    @property
    def total_max_rss_mib(self) -> float:
        """Python's peak plus Node's: both processes live through the whole synth."""
        return self.python_max_rss_mib + self.node_max_rss_mib


@dataclass(frozen=True)
class SynthResult:
    """Repeated synths of one app for one customer count."""

    app: str
    customers: int
    runs: list[SynthRun]

    def spread(self, measure: Callable[[SynthRun], float]) -> Spread:
        return Spread.of([measure(run) for run in self.runs])

    @property
    def templates(self) -> TemplateStats:
        # Synthesis is deterministic: every run writes the same templates (checked below,
        # as the sources may change while the benchmark runs).
        return self.runs[0].templates


#: What the pinned CDK CLI adds to the context for `cdk synth --no-version-reporting` (the
#: Makefile's command), read from node_modules/aws-cdk's contextFromSettings: path and asset
#: metadata on every resource, bundling of all stacks, validation findings not fatal.
CLI_CONTEXT: dict[str, object] = {
    "aws:cdk:enable-path-metadata": True,
    "aws:cdk:enable-asset-metadata": True,
    "aws:cdk:disable-version-reporting": True,
    "aws:cdk:bundling-stacks": ["**"],
    "@aws-cdk/core:failSynthOnValidationErrors": False,
}


def cdk_context(customers_file: Path) -> dict[str, object]:
    """The context `cdk synth` would pass: cdk.json's and the CLI's own, with nag off and
    our customers."""
    context = json.loads((REPO_ROOT / "cdk.json").read_text()).get("context", {})
    return {
        **CLI_CONTEXT,
        **context,
        CUSTOMERS_FILE_CONTEXT_KEY: str(customers_file),
        NAG_CONTEXT_KEY: "false",
    }


def synth_once(app_script: Path, customers_file: Path) -> SynthRun:
    """One synth of `app_script` in a fresh interpreter, into a temporary outdir."""
    with tempfile.TemporaryDirectory(prefix="ses-tenants-bench-") as scratch:
        outdir = Path(scratch) / "cdk.out"
        probe_result = Path(scratch) / "probe.json"
        environment = {
            **os.environ,
            **OFFLINE_ENVIRONMENT,
            "CDK_OUTDIR": str(outdir),
            "CDK_CONTEXT_JSON": json.dumps(cdk_context(customers_file)),
        }
        started = time.perf_counter()
        completed = subprocess.run(
            [sys.executable, str(PROBE), str(app_script), str(probe_result)],
            cwd=REPO_ROOT,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        wall_seconds = time.perf_counter() - started
        if completed.returncode != 0:
            raise RuntimeError(
                f"synth of {app_script.name} failed ({completed.returncode}):\n{completed.stderr}"
            )
        probe = json.loads(probe_result.read_text())
        return SynthRun(
            wall_seconds=wall_seconds,
            python_max_rss_mib=probe["python_max_rss_kib"] / KIB_PER_MIB,
            node_max_rss_mib=probe["node_max_rss_kib"] / KIB_PER_MIB,
            python_cpu_seconds=probe["python_cpu_seconds"],
            node_cpu_seconds=probe["node_cpu_seconds"],
            jsii_requests=probe["jsii_requests"],
            templates=template_stats(outdir),
        )


def template_stats(outdir: Path) -> TemplateStats:
    resource_counts: list[float] = []
    sizes: list[float] = []
    functions = 0
    total = 0
    largest: dict[str, int] = {}
    for path in sorted(outdir.glob("*.template.json")):
        resources = json.loads(path.read_text()).get("Resources", {})
        types = Counter(resource["Type"] for resource in resources.values())
        functions += types[LAMBDA_FUNCTION_TYPE]
        total += len(resources)
        if path.name == f"{PLATFORM_STACK_NAME}.template.json":
            continue
        resource_counts.append(len(resources))
        sizes.append(path.stat().st_size)
        if len(resources) > sum(largest.values()):
            largest = dict(types)
    return TemplateStats(
        resources_per_customer_stack=Spread.of(resource_counts),
        bytes_per_customer_stack=Spread.of(sizes),
        lambda_functions=functions,
        total_resources=total,
        asset_bytes=sum(
            path.stat().st_size for path in outdir.glob("asset.*/**/*") if path.is_file()
        ),
        resource_types_of_largest_stack=largest,
    )


def warm_up() -> None:
    """One synth of each app, not measured: the first synth after a while reads
    aws-cdk-lib's files from disk, and that would count against whichever app ran first."""
    with tempfile.TemporaryDirectory(prefix="ses-tenants-customers-") as scratch:
        customers_file = write_customers_file(1, Path(scratch) / "customers.yaml")
        for script in (OUR_APP, NATIVE_APP):
            synth_once(script, customers_file)


def compare_synth(
    customer_counts: dict[int, int], progress: Callable[[str], None]
) -> list[tuple[SynthResult, SynthResult]]:
    """(ours, native) for each customer count, run `customer_counts[n]` times each.

    The two apps alternate run by run, so that drift in the machine's load hits both alike.
    """
    comparisons = []
    with tempfile.TemporaryDirectory(prefix="ses-tenants-customers-") as scratch:
        for count, repeats in customer_counts.items():
            customers_file = write_customers_file(count, Path(scratch) / f"customers-{count}.yaml")
            ours: list[SynthRun] = []
            native: list[SynthRun] = []
            for repeat in range(1, repeats + 1):
                for label, script, runs in (
                    ("ours", OUR_APP, ours),
                    ("native", NATIVE_APP, native),
                ):
                    run = synth_once(script, customers_file)
                    runs.append(run)
                    progress(
                        f"synth {count} customers, {label} run {repeat}/{repeats}: "
                        f"{run.wall_seconds:.1f}s, {run.total_max_rss_mib:.0f} MiB"
                    )
            _check_deterministic(ours, progress)
            _check_deterministic(native, progress)
            comparisons.append(
                (SynthResult("ours", count, ours), SynthResult("native", count, native))
            )
    return comparisons


def _check_deterministic(runs: list[SynthRun], progress: Callable[[str], None]) -> None:
    """Synthesis is deterministic, so differing templates mean the sources changed while the
    benchmark ran (e.g. an edit under _handler/ changes the asset): say so, keep going."""
    differing = [i + 1 for i, run in enumerate(runs) if run.templates != runs[0].templates]
    if differing:
        progress(
            f"WARNING: runs {differing} wrote other templates than run 1: were the app's "
            "sources edited during the benchmark? Template figures are run 1's."
        )
