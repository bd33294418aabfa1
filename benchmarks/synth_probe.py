"""Run a CDK app script as `python APP` would, and record the peak memory of the Python
process and of the jsii Node.js process it drives.

Usage: python benchmarks/synth_probe.py APP_SCRIPT RESULT_JSON

Why a probe instead of timing `python app.py` from outside: the kernel reports one peak RSS
for a finished child *including* its waited-for descendants, as the largest of them, so an
outside measurement cannot tell Python from Node. Inside the process, RUSAGE_SELF is Python
alone and RUSAGE_CHILDREN is Node, once jsii has waited for it at exit.
"""

from __future__ import annotations

import atexit
import json
import resource
import runpy
import sys
from pathlib import Path
from typing import Any


class _RequestCounter:
    """Counts the messages Python sends to jsii's Node.js process: every construct made,
    property read and method called from Python is one round trip, the synth cost that a
    construct library controls (Node's own work at synth it does not)."""

    def __init__(self) -> None:
        self.requests = 0

    def install(self) -> None:
        from jsii._kernel.providers.process import _NodeProcess

        send = _NodeProcess.send

        def counting_send(process: Any, request: Any, response_type: Any) -> Any:
            self.requests += 1
            return send(process, request, response_type)

        _NodeProcess.send = counting_send  # type: ignore[method-assign,assignment]


def _report(result_path: Path, counter: _RequestCounter) -> None:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = {
        "python_max_rss_kib": own.ru_maxrss,
        "node_max_rss_kib": children.ru_maxrss,
        "python_cpu_seconds": own.ru_utime + own.ru_stime,
        "node_cpu_seconds": children.ru_utime + children.ru_stime,
        "jsii_requests": counter.requests,
    }
    result_path.write_text(json.dumps(result))


def main() -> None:
    app_script, result_path = Path(sys.argv[1]).resolve(), Path(sys.argv[2])
    # Registered before jsii starts Node: atexit runs handlers last-in first-out, so this one
    # runs after jsii's own, which waits for the Node process to exit.
    counter = _RequestCounter()
    atexit.register(_report, result_path, counter)
    counter.install()
    sys.argv = [str(app_script)]
    sys.path[0] = str(app_script.parent)
    runpy.run_path(str(app_script), run_name="__main__")


if __name__ == "__main__":
    main()
