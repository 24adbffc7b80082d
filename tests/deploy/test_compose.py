"""deploy/ as written, read without Docker: every JIKE_* variable the stack gives Jike is a real setting, every
setting production will not start without is given, and the stack waits for what it needs in the order it needs it.
"""

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml

from startup.settings import ENV_PREFIX, Settings, SettingsRefused

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SETTINGS = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
# Jike's services: the image's two commands and the one-shot index job.
JIKE_SERVICES = ("init-db", "api", "worker")


def _compose() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return compose


def _env_example() -> dict[str, str]:
    """The assignments (not the comments) of deploy/.env.example."""
    lines = (DEPLOY / ".env.example").read_text().splitlines()
    pairs = (line.partition("=") for line in lines if line.strip() and not line.lstrip().startswith("#"))
    return {name.strip(): value for name, _, value in pairs}


def _jike_names(names: Iterable[object]) -> set[str]:
    return {str(name) for name in names if str(name).startswith(ENV_PREFIX)}


def _required_in_production(tmp_path: Path) -> set[str]:
    """The settings production refuses to start without, as its own refusals name them: start from nothing, give
    each named setting a plausible value, and ask again until the settings are accepted."""
    given: dict[str, str] = {}
    named: set[str] = set()
    while True:
        try:
            Settings(_env_file=None, env="production", data_dir=tmp_path, **given)
        except SettingsRefused as refused:
            names = set(re.findall(rf"{ENV_PREFIX}[A-Z0-9_]+", str(refused)))
            assert names and not names & named, f"refused again for {names & named}: {refused}"
            named |= names
            given |= {name.removeprefix(ENV_PREFIX).lower(): "x" * 48 for name in names}
        else:
            return named


@pytest.fixture
def no_jike_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test's own shell must not fill in what the files leave out."""
    for name in [n for n in os.environ if n.startswith(ENV_PREFIX)]:
        monkeypatch.delenv(name)


def test_every_jike_variable_the_stack_gives_is_a_setting() -> None:
    # given the stack's services, what it sets for them and the .env they read, and the image's defaults
    services = _compose()["services"]
    image_env = re.findall(rf"\b({ENV_PREFIX}[A-Z0-9_]+)=", (DEPLOY / "Dockerfile").read_text())

    # when every JIKE_* name is gathered
    given = set(image_env) | _jike_names(_env_example())
    for name in JIKE_SERVICES:
        assert services[name]["env_file"] == [".env"], name
        given |= _jike_names(services[name]["environment"])

    # then each is a setting of startup/settings.py (a misspelt one would be ignored without a word)
    assert given - SETTINGS == set()
    assert {"JIKE_SECRET_KEY", "JIKE_SECRET_KEY_PREVIOUS", "JIKE_MONGODB_URI", "JIKE_REDIS_URL"} <= given


@pytest.mark.usefixtures("no_jike_environment")
def test_every_setting_production_requires_is_set_or_named_in_env_example(tmp_path: Path) -> None:
    # given what production will not start without
    required = _required_in_production(tmp_path)
    assert {"JIKE_SECRET_KEY", "JIKE_PII_KEY", "JIKE_WECHAT_APPID", "JIKE_WECHAT_SECRET"} <= required

    # when the stack's own values and the names .env.example asks for are gathered
    api = _compose()["services"]["api"]
    given = _jike_names(api["environment"]) | _jike_names(_env_example())

    # then nothing production requires is left for the operator to discover at start-up
    assert required - given == set()
    assert api["environment"]["JIKE_ENV"] == "production"


def test_the_stack_starts_in_order_and_scales_out() -> None:
    # given the stack
    services = _compose()["services"]
    members = [name for name in services if re.fullmatch(r"mongo\d", name)]

    # then the replica set's members are named by their service names, in rs.initiate and in the API's URI
    init = "\n".join(services["mongo-init"]["command"])
    uri = services["api"]["environment"]["JIKE_MONGODB_URI"]
    assert len(members) == 3 and "rs.initiate" in init and "NotYetInitialized" in init
    assert all(f"{m}:27017" in init and f"{m}:27017" in uri for m in members)
    assert {m: services["mongo-init"]["depends_on"][m]["condition"] for m in members} == dict.fromkeys(
        members, "service_healthy"
    )
    # and Redis keeps an append-only file
    assert services["redis"]["command"][services["redis"]["command"].index("--appendonly") + 1] == "yes"
    # and the index job runs once the set has a primary, and the API and worker only after it succeeded
    assert services["init-db"]["command"] == ["init-db"]
    assert services["init-db"]["depends_on"]["mongo-init"]["condition"] == "service_completed_successfully"
    for name, command in (("api", "serve"), ("worker", "worker")):
        service = services[name]
        assert service["command"] == [command] and service["deploy"]["replicas"] >= 2
        assert service["depends_on"]["init-db"]["condition"] == "service_completed_successfully"
        assert service["depends_on"]["redis"]["condition"] == "service_healthy"
    # and Caddy fronts only an API that is healthy
    assert services["caddy"]["depends_on"]["api"]["condition"] == "service_healthy"
