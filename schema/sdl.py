"""The exported SDL of both schemas, committed beside the code; a test fails when they drift apart."""

from pathlib import Path

import strawberry

from schema.admin import build_admin_schema
from schema.member import build_member_schema

HERE = Path(__file__).parent


def current_sdl() -> dict[Path, str]:
    schemas: dict[Path, strawberry.Schema] = {
        HERE / "member.graphql": build_member_schema(),
        HERE / "admin.graphql": build_admin_schema(),
    }
    return {path: schema.as_str() + "\n" for path, schema in schemas.items()}


def write_sdl() -> list[Path]:
    written = []
    for path, sdl in current_sdl().items():
        path.write_text(sdl)
        written.append(path)
    return written
