"""The README's double section runs as written."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _section() -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## Testing tenant-aware code: the SES tenant API double")
    return readme[start : readme.index("\n## Tests\n", start)]


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", _section(), flags=re.DOTALL)


def test_the_in_process_snippet_runs() -> None:
    exec(compile(_python_blocks()[0], "README.md", "exec"), {})


def test_the_example_test_is_the_one_the_suite_runs() -> None:
    example = (ROOT / "tests" / "double" / "test_readme_example.py").read_text()
    assert example in _python_blocks()
