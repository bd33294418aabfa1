"""`make benchmark`: run every part, print the report and write it to BENCHMARKS.md.

Progress goes to stderr, the report (markdown) to stdout. Raw figures are also written to
benchmarks/out/results.json (git-ignored). Takes about 6 minutes on 2 cores.

    python benchmarks/run.py [--synth-runs N] [--customers 1,50,200] [--no-write]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import sys
import time
from pathlib import Path

# Run as a script: make the repository root importable, so `benchmarks` is a package.
REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks.cold_start import measure_cold_start  # noqa: E402
from benchmarks.concurrent_deploy import measure_concurrent_deploy  # noqa: E402
from benchmarks.handler_harness import quiet_handler_logs  # noqa: E402
from benchmarks.machine import describe_machine  # noqa: E402
from benchmarks.operations_cli import measure_operations_cli  # noqa: E402
from benchmarks.report import Results, render  # noqa: E402
from benchmarks.ses_calls import measure_ses_calls  # noqa: E402
from benchmarks.synth import OFFLINE_ENVIRONMENT, compare_synth, warm_up  # noqa: E402
from benchmarks.throttled_deploy import measure_throttled_deploy  # noqa: E402

REPORT_PATH = REPO_ROOT / "BENCHMARKS.md"
RAW_RESULTS_PATH = REPO_ROOT / "benchmarks" / "out" / "results.json"
DEFAULT_CUSTOMER_COUNTS = (1, 50, 200)
#: Synths per app and customer count: ~4-13 s each. 7 runs keep the median steady on a
#: noisy 2-core machine and the whole benchmark near 6 minutes.
DEFAULT_SYNTH_RUNS = 7


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--synth-runs", type=int, default=DEFAULT_SYNTH_RUNS)
    parser.add_argument(
        "--customers",
        type=lambda text: tuple(int(n) for n in text.split(",")),
        default=DEFAULT_CUSTOMER_COUNTS,
        help="customer counts to synthesize, comma-separated (default 1,50,200)",
    )
    parser.add_argument(
        "--no-write", action="store_true", help="print the report without writing BENCHMARKS.md"
    )
    return parser.parse_args()


def main() -> None:
    arguments = parse_arguments()
    # Everything here and in the processes started from here is offline, with fake
    # credentials: nothing may reach AWS.
    os.environ.update(OFFLINE_ENVIRONMENT)
    quiet_handler_logs()
    started = time.perf_counter()
    started_at = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = describe_machine()

    progress("warming up: one discarded synth of each app")
    warm_up()
    synth = compare_synth({n: arguments.synth_runs for n in arguments.customers}, progress)
    cold_start = measure_cold_start(progress)
    ses_calls = measure_ses_calls(progress)
    throttled = measure_throttled_deploy(progress)
    concurrent = measure_concurrent_deploy(progress)
    operations_cli = measure_operations_cli(progress)

    results = Results(
        started=started_at,
        runtime_seconds=time.perf_counter() - started,
        machine=machine,
        synth=synth,
        ses_calls=ses_calls,
        cold_start=cold_start,
        throttled_deploy=throttled,
        concurrent_deploy=concurrent,
        load_average_at_end=os.getloadavg(),
        operations_cli=operations_cli,
    )
    report = render(results)
    print(report)
    if not arguments.no_write:
        REPORT_PATH.write_text(report)
        RAW_RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
        RAW_RESULTS_PATH.write_text(json.dumps(dataclasses.asdict(results), indent=2))
        progress(f"wrote {REPORT_PATH.name} and {RAW_RESULTS_PATH.relative_to(REPO_ROOT)}")
    progress(f"done in {results.runtime_seconds / 60:.1f} minutes")


if __name__ == "__main__":
    main()
