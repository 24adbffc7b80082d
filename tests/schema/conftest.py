"""The mini-program's GraphQL documents as it sends them: miniprogram_stub/lib/documents.js loaded by node, so a
document that spreads a shared fragment is read with that fragment's definition already in its text.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

STUB = Path(__file__).resolve().parents[2] / "miniprogram_stub"


@pytest.fixture(scope="session")
def mini_program_documents() -> dict[str, str]:
    node = shutil.which("node")
    assert node is not None, "node is needed to read miniprogram_stub/lib/documents.js"
    run = subprocess.run(
        [node, "-e", "process.stdout.write(JSON.stringify(require('./lib/documents.js')))"],
        cwd=STUB,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    documents: dict[str, str] = json.loads(run.stdout)
    return documents
