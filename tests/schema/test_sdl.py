"""The committed SDL is what the mini-program and the admin app build on: it must match the code, and the two doors
call the same thing by the same name."""

from enum import StrEnum

from graphql import GraphQLObjectType, build_schema

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


def test_the_staff_members_free_at_a_slot_go_by_one_name_on_both_doors() -> None:
    # given both doors' schemas as the code builds them
    member, admin = (build_schema(sdl) for sdl in current_sdl().values())

    # when a free slot's fields are read on each door
    def fields(schema_type: object) -> set[str]:
        assert isinstance(schema_type, GraphQLObjectType)
        return set(schema_type.fields)

    # then both name the staff members free then alike, as the admin door names every list of staff members
    free_then = {"start", "staffMembers"}
    assert fields(member.type_map["AvailableSlot"]) == fields(admin.type_map["AvailableSlot"]) == free_then
    assert "staffMembers" in fields(member.type_map["BookableService"])
