"""The committed SDL is what the mini-program and the admin app build on: it must match the code."""

from enum import StrEnum

import domain
from schema.messages import MESSAGES
from schema.sdl import current_sdl
from tests.error_codes import all_error_enums


def test_committed_sdl_matches_the_code() -> None:
    for path, sdl in current_sdl().items():
        # when it fails: run `make schema` and commit both .graphql files with the change
        assert path.read_text() == sdl, f"{path.name} drifted from the code; run `make schema`"


def test_every_error_code_has_a_chinese_and_an_english_message() -> None:
    enums: list[type[StrEnum]] = all_error_enums(domain)
    assert enums, "no error-code enums found"
    missing = [code.value for enum in enums for code in enum if code.value not in MESSAGES]
    assert missing == []
    assert all(zh and en and zh != en for zh, en in MESSAGES.values())
