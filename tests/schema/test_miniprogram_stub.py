"""The member mini-program's reference client (miniprogram_stub/) against this backend: every GraphQL document it
sends is valid against the committed member schema, and its own node tests pass. A schema change that would
break the app fails here, in the backend's suite.
"""

import shutil
import subprocess
from pathlib import Path

import pytest
from graphql import build_schema, parse, validate

ROOT = Path(__file__).resolve().parents[2]
STUB = ROOT / "miniprogram_stub"


def test_every_document_the_mini_program_sends_is_valid_against_the_member_schema(
    mini_program_documents: dict[str, str],
) -> None:
    # given the committed member schema and the app's documents
    schema = build_schema((ROOT / "schema" / "member.graphql").read_text(encoding="utf-8"))

    # when each is validated
    problems = {
        name: [e.message for e in validate(schema, parse(text))] for name, text in mini_program_documents.items()
    }

    # then none has a problem, and the app's flows are all there
    assert set(mini_program_documents) >= {
        "LOGIN",
        "REFRESH_TOKEN",
        "CLAIM_COUPON",
        "BOOK",
        "PAY_ORDER",
        "RECEIVE_PAYOUT",
    }
    assert {name: found for name, found in problems.items() if found} == {}


@pytest.mark.slow
def test_the_mini_program_client_passes_its_own_tests() -> None:
    # given node, which the machine has (the mini-program's code is JavaScript)
    node = shutil.which("node")
    assert node is not None, "node is needed to test miniprogram_stub/"

    # when its tests run
    run = subprocess.run([node, "--test", "tests/"], cwd=STUB, capture_output=True, text=True, timeout=120)

    # then they all pass
    assert run.returncode == 0, run.stdout + run.stderr
    assert "# fail 0" in run.stdout
