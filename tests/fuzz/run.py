"""`make fuzz`: the lifecycle fuzzer's long profile. Runs the state machine for many
sequences from a fixed seed and writes what it did to FUZZING.md (and prints it), the way
`make benchmark` writes BENCHMARKS.md. Exits non-zero, with the sequence that broke an
invariant, if one did.

    python -m tests.fuzz.run [--sequences 1000] [--steps 25] [--no-write]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

REPO_ROOT = Path(__file__).resolve().parents[2]
# As in the test suite: nothing may reach AWS (moto answers everything).
for key, value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
}.items():
    os.environ.setdefault(key, value)

from tests.fuzz.machine import CACHE, STATISTICS, LifecycleMachine  # noqa: E402

REPORT = REPO_ROOT / "FUZZING.md"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=25, help="steps per sequence, at most")
    parser.add_argument("--no-write", action="store_true", help="print only")
    arguments = parser.parse_args()
    logging.disable(logging.WARNING)  # the handler's retries and decisions, by the thousand
    started = time.monotonic()
    broken: BaseException | None = None
    try:
        run_state_machine_as_test(
            LifecycleMachine,
            settings=settings(
                max_examples=arguments.sequences,
                stateful_step_count=arguments.steps,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.generate, Phase.shrink],
                suppress_health_check=list(HealthCheck),
            ),
        )
    except BaseException as error:  # the report says what broke, then it is re-raised
        broken = error
    report = _report(arguments.sequences, arguments.steps, time.monotonic() - started, broken)
    print(report)
    if not arguments.no_write:
        REPORT.write_text(report)
    if broken is not None:
        raise broken
    return 0


def _report(sequences: int, steps: int, seconds: float, broken: BaseException | None) -> str:
    statistics = STATISTICS
    total_steps = sum(statistics.steps.values())
    verdict = (
        f"**An invariant broke**: {type(broken).__name__}: {broken}"
        if broken is not None
        else f"**No invariant broken** in {sequences} sequences."
    )
    lines = [
        "# Lifecycle fuzzing",
        "",
        f"Written by `make fuzz` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC in {seconds:.0f} s: "
        f"{sequences} sequences of up to {steps} steps each, Hypothesis derandomized (the same "
        "sequences every run), against the CloudFormation simulator and the SES tenant double "
        "with the real handler. What is fuzzed and checked: `tests/fuzz/machine.py`.",
        "",
        verdict,
        "",
        f"- Steps: {total_steps}; invariant checks: {statistics.invariant_checks}.",
        f"- Templates synthesized (the rest came from the cache): {CACHE.synthesized}.",
        "",
        "| Step | Count |",
        "|---|---|",
        *(f"| {name} | {count} |" for name, count in statistics.steps.most_common()),
        "",
        "| Fault drawn for a deploy | Count |",
        "|---|---|",
        *(f"| {name} | {count} |" for name, count in statistics.faults.most_common()),
        "",
        "| Failed deploys, by the cause in their reason | Count |",
        "|---|---|",
        *(f"| {name} | {count} |" for name, count in statistics.failed_deploys.most_common()),
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
