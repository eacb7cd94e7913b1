"""Shared helpers of the client's tests.

Run from the repository with ``npm test`` (test/integration/python/pytest.test.ts gives them a
Kafka broker, the interpreter of .ci/run's venv, node and CI=true), or by hand:
``.cache/python-venv/bin/python -m pytest clients/python/tests``. A test that needs something
missing (node, a broker) fails under CI=true and is skipped, saying why, elsewhere.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional

import pytest

REPO = Path(__file__).resolve().parents[3]
# The tests check this working tree's sources, whatever copy of the package the venv holds.
sys.path.insert(0, str(REPO / "clients" / "python" / "src"))
SCHEMAS = REPO / "schemas"
VECTORS = REPO / "test" / "vectors"

try:  # the probe's tests are single-threaded: the machine is shared, and OpenMP spins when oversubscribed
    import torch

    torch.set_num_threads(1)
except ImportError:  # pragma: no cover
    torch = None  # type: ignore[assignment]


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def require(condition: bool, reason: str) -> None:
    """Fails under CI=true, skips (saying why) elsewhere, when ``condition`` is false."""
    if condition:
        return
    if in_ci():
        pytest.fail(f"CI=true and {reason}")
    pytest.skip(reason)


def node_binary() -> Optional[str]:
    return os.environ.get("LYAP_NODE") or shutil.which("node")


def lyap_command() -> List[str]:
    """``lyap`` from the repository's sources (through tsx), as the TypeScript tests spawn it."""
    node = node_binary()
    require(node is not None and (REPO / "node_modules" / "tsx").exists(), "node and the repository's node_modules are needed")
    return [str(node), "--import", "tsx", str(REPO / "src" / "cli" / "run.ts")]


def run_lyap(args: List[str], *, input_text: Optional[str] = None, env: Optional[Mapping[str, str]] = None,
             timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(lyap_command() + args, cwd=REPO, input=input_text, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def python_env(**extra: str) -> Dict[str, str]:
    """The environment for a Python subprocess that must import this working tree's client."""
    src = str(REPO / "clients" / "python" / "src")
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": src if not path else f"{src}{os.pathsep}{path}", "OMP_NUM_THREADS": "1", **extra}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def validate_event() -> Callable[[Mapping[str, Any]], None]:
    """Validates an event (as its JSON text decodes) against schemas/<type>.schema.json and the
    union schemas/event.schema.json with the ``jsonschema`` package: a validator independent of
    the pipeline's own zod decoder."""
    from jsonschema import Draft202012Validator

    validators: Dict[str, Any] = {}
    for path in SCHEMAS.glob("*.schema.json"):
        schema = json.loads(path.read_text())
        Draft202012Validator.check_schema(schema)
        validators[path.name.split(".")[0]] = Draft202012Validator(schema)

    def check(event: Mapping[str, Any]) -> None:
        from lyap_client import encode_event

        wire = json.loads(encode_event(event))  # what a consumer reads, non-finite numbers as strings
        for name in (wire["type"], "event"):
            errors = sorted(validators[name].iter_errors(wire), key=lambda e: list(e.path))
            assert not errors, f"{name}.schema.json: {errors[0].message} at {list(errors[0].path)}"

    return check
