"""The exported SDL of both schemas, committed beside the code; a test fails when they drift apart."""

from pathlib import Path

import strawberry

from api.settings import Settings
from schema.admin import build_admin_schema
from schema.member import build_member_schema

HERE = Path(__file__).parent


def current_sdl() -> dict[Path, str]:
    # The SDL does not depend on secrets or limits; placeholder secrets only satisfy the settings type.
    settings = Settings(_env_file=None, secret_key="sdl", pii_key="sdl")
    schemas: dict[Path, strawberry.Schema] = {
        HERE / "member.graphql": build_member_schema(settings),
        HERE / "admin.graphql": build_admin_schema(settings),
    }
    return {path: schema.as_str() + "\n" for path, schema in schemas.items()}


def write_sdl() -> list[Path]:
    written = []
    for path, sdl in current_sdl().items():
        path.write_text(sdl)
        written.append(path)
    return written
