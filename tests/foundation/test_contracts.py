"""The architecture's contracts hold, checked without the Makefile: import-linter (the layers
``web > corrections > scoring > catalog > lib``; ``standin`` only from demo, tests and bench)
and mypy with django-stubs on the apps, both configured in pyproject.toml.

The tools are run from the virtual environment this interpreter belongs to, in the project
root, exactly as CI does; the test fails with their own report.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    executable = BIN / tool
    if not executable.exists():
        pytest.fail(f"{tool} is not installed next to {sys.executable}: pip install -e '.[dev]'")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [str(executable), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def test_import_contracts_are_kept():
    result = run("lint-imports", "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_mypy_passes_on_the_apps():
    result = run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Success"), result.stdout
