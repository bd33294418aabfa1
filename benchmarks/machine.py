"""What the benchmark ran on, for the report's header."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

PACKAGES = ("aws-cdk-lib", "jsii", "constructs", "boto3", "botocore", "moto")


@dataclass(frozen=True)
class Machine:
    architecture: str
    cpu_model: str
    cores: int
    memory_gib: float
    kernel: str
    python: str
    node: str
    packages: dict[str, str]
    load_average_at_start: tuple[float, float, float]


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return float("nan")


def _node_version() -> str:
    try:
        return subprocess.run(
            ["node", "--version"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not found"


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def describe_machine() -> Machine:
    return Machine(
        architecture=platform.machine(),
        cpu_model=_cpu_model(),
        cores=os.cpu_count() or 0,
        memory_gib=_memory_gib(),
        kernel=f"{platform.system()} {platform.release()}",
        python=platform.python_version(),
        node=_node_version(),
        packages={name: _package_version(name) for name in PACKAGES},
        load_average_at_start=os.getloadavg(),
    )
