"""Synthesize the platform app as the CDK CLI does, and read the cloud assembly it writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.lifecycle.cfn.template import Template

REPO_ROOT = Path(__file__).resolve().parents[2]
APP = REPO_ROOT / "app.py"
CUSTOMERS_FILE_CONTEXT_KEY = "ses-tenants:customers-file"
#: What `cdk bootstrap` (version 6+) leaves in SSM; the templates' BootstrapVersion rule reads it.
BOOTSTRAP_SSM_PARAMETERS = {"/cdk-bootstrap/hnb659fds/version": "30"}
SYNTH_TIMEOUT_SECONDS = 180

_STACK_ARTIFACT = "aws:cloudformation:stack"


@dataclass(frozen=True)
class CloudAssembly:
    directory: Path
    #: Stack name -> template, in the manifest's order.
    templates: dict[str, Template]
    #: Stack name -> the stacks CDK says it depends on (from the manifest).
    dependencies: dict[str, frozenset[str]]


def read_cloud_assembly(directory: Path) -> CloudAssembly:
    manifest = json.loads((directory / "manifest.json").read_text())
    artifacts = manifest["artifacts"]
    stack_names = {
        artifact_id: artifact.get("properties", {}).get("stackName", artifact_id)
        for artifact_id, artifact in artifacts.items()
        if artifact["type"] == _STACK_ARTIFACT
    }
    templates: dict[str, Template] = {}
    dependencies: dict[str, frozenset[str]] = {}
    for artifact_id, name in stack_names.items():
        artifact = artifacts[artifact_id]
        templates[name] = Template.from_file(directory / artifact["properties"]["templateFile"])
        dependencies[name] = frozenset(
            stack_names[d] for d in artifact.get("dependencies", []) if d in stack_names
        )
    return CloudAssembly(directory, templates, dependencies)


def start_synth(customers_file: Path, outdir: Path) -> subprocess.Popen[str]:
    """Run the app with the context and output directory the CDK CLI would give it."""
    context = {
        CUSTOMERS_FILE_CONTEXT_KEY: str(customers_file),
        "@aws-cdk/core:defaultCrossStackReferences": "strong",
    }
    env = {
        **os.environ,
        "CDK_OUTDIR": str(outdir),
        "CDK_CONTEXT_JSON": json.dumps(context),
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    return subprocess.Popen(
        [sys.executable, str(APP)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def synthesize(customers_files: Mapping[str, Path], outdir_root: Path) -> dict[str, CloudAssembly]:
    """Synthesize the app once per customers file, all at once (each takes seconds)."""
    running = {}
    for key, customers_file in customers_files.items():
        outdir = outdir_root / key
        outdir.mkdir(parents=True)
        running[key] = (outdir, start_synth(customers_file, outdir))
    assemblies = {}
    for key, (outdir, process) in running.items():
        stdout, stderr = process.communicate(timeout=SYNTH_TIMEOUT_SECONDS)
        if process.returncode != 0:
            raise RuntimeError(
                f"Synthesizing with {customers_files[key]} failed ({process.returncode}):\n"
                f"{stdout}\n{stderr}"
            )
        assemblies[key] = read_cloud_assembly(outdir)
    return assemblies
