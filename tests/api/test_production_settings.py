"""Production settings: what JIKE_ENV=production refuses, and how. Each refusal names the setting, never its value,
and is the reason alone, not a traceback. `jike serve` and `jike dev` run as the operator runs them, and their
whole output is scanned for every secret the test set.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from api.embedded import free_port
from api.sandbox import sandbox_env
from payments.sandbox import SandboxKeys
from startup.settings import Env, Settings, sandbox_keys_path

JIKE = str(Path(sys.executable).parent / "jike")
# A refused configuration ends at once; one that is accepted starts serving, and is stopped after this long.
ACCEPTED_AFTER_S = 30

# Settings whose values are secrets, wherever they come from.
SECRET_SETTINGS = (
    "JIKE_SECRET_KEY",
    "JIKE_PII_KEY",
    "JIKE_WECHAT_SECRET",
    "JIKE_MONGODB_URI",
    "JIKE_REDIS_URL",
    "JIKE_WECHATPAY_MERCHANT_PRIVATE_KEY",
    "JIKE_WECHATPAY_APIV3_KEY",
    "JIKE_ALIPAY_APP_PRIVATE_KEY",
    "JIKE_FAKE_ALIPAY_PRIVATE_KEY",
)


def production_env(data_dir: Path) -> dict[str, str]:
    """A production configuration with nothing wrong in it; each test breaks one thing."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("JIKE_")}
    return inherited | {
        "JIKE_ENV": "production",
        "JIKE_DATA_DIR": str(data_dir),
        "JIKE_HTTP_PORT": str(free_port()),
        "JIKE_MONGODB_URI": f"mongodb://jike:{secrets.token_hex(12)}@127.0.0.1:1/?replicaSet=rs0",
        "JIKE_REDIS_URL": f"redis://:{secrets.token_hex(12)}@127.0.0.1:1/0",
        "JIKE_SECRET_KEY": secrets.token_urlsafe(32),
        "JIKE_PII_KEY": secrets.token_urlsafe(32),
        "JIKE_WECHAT_APPID": "wx8f3c2a1b0d9e7f65",
        "JIKE_WECHAT_SECRET": secrets.token_hex(16),
    }


def dev_sandbox_keys(data_dir: Path) -> SandboxKeys:
    """The keys `jike dev` made for its payments sandbox in this data dir."""
    return SandboxKeys.load_or_create(
        sandbox_keys_path(data_dir), wechat_appid="wx8f3c2a1b0d9e7f65", alipay_app_id="2021004100000000"
    )


def run(command: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [JIKE, command], env=env, cwd=cwd, capture_output=True, text=True, timeout=ACCEPTED_AFTER_S
        )
    except subprocess.TimeoutExpired as still_running:
        said = _text(still_running.stdout) + _text(still_running.stderr)
        return subprocess.CompletedProcess([JIKE, command], 0, said, f"(still running after {ACCEPTED_AFTER_S} s)")


def _text(output: bytes | str | None) -> str:
    # TimeoutExpired carries bytes even when the run asked for text.
    return output.decode() if isinstance(output, bytes) else output or ""


def leaked(output: str, env: dict[str, str]) -> list[str]:
    """The secret settings any 8 characters of whose value (the whole value when shorter) appear in the output."""
    found = []
    for name in SECRET_SETTINGS:
        value = env.get(name, "")
        pieces = {value[i : i + 8] for i in range(max(1, len(value) - 7))} if value else set()
        if any(piece in output for piece in pieces):
            found.append(name)
    return found


def assert_refused(said: subprocess.CompletedProcess[str], env: dict[str, str], *names: str) -> None:
    output = said.stdout + said.stderr
    assert said.returncode != 0, f"accepted:\n{output[-2000:]}"
    assert "Traceback" not in output, output[-2000:]
    for name in names:
        assert name in output, f"{name} not named in:\n{output[-2000:]}"
    assert leaked(output, env) == [], output[-2000:]


def test_a_complete_production_configuration_is_accepted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # given the production configuration the other tests break one thing of
    for name, value in production_env(tmp_path).items():
        monkeypatch.setenv(name, value)

    # when it is read, then nothing is refused
    assert Settings(_env_file=None).env is Env.PRODUCTION


def test_production_refuses_a_short_pii_key(tmp_path: Path) -> None:
    # given a 3-character PII key
    env = production_env(tmp_path) | {"JIKE_PII_KEY": "Q~z"}

    # when the API is started
    said = run("serve", env, tmp_path)

    # then it is refused, naming the setting and not its value
    assert_refused(said, env, "JIKE_PII_KEY")


def test_production_refuses_passwords_hashed_cheaper_than_argon2s_recommendation(tmp_path: Path) -> None:
    # given the test suite's password cost: one pass over 1 MiB
    env = production_env(tmp_path) | {"JIKE_PASSWORD_TIME_COST": "1", "JIKE_PASSWORD_MEMORY_KIB": "1024"}

    # when the API is started
    said = run("serve", env, tmp_path)

    # then it is refused, naming both settings
    assert_refused(said, env, "JIKE_PASSWORD_TIME_COST", "JIKE_PASSWORD_MEMORY_KIB")


@pytest.mark.parametrize("name", ["JIKE_WECHAT_APPID", "JIKE_WECHAT_SECRET"])
def test_production_refuses_an_empty_wechat_appid_or_secret(name: str, tmp_path: Path) -> None:
    # given the mini-program's appid or secret left empty
    env = production_env(tmp_path) | {name: ""}

    # when the API is started
    said = run("serve", env, tmp_path)

    # then it is refused, naming the empty setting
    assert_refused(said, env, name)


def test_production_refuses_the_dev_fake_as_the_wechat_api(tmp_path: Path) -> None:
    # given the WeChat API pointed at the fake WeChat server `jike dev` runs on this machine
    env = production_env(tmp_path) | {"JIKE_WECHAT_API_BASE": f"http://127.0.0.1:{free_port()}"}

    # when the API is started
    said = run("serve", env, tmp_path)

    # then it is refused, naming the setting
    assert_refused(said, env, "JIKE_WECHAT_API_BASE")


def test_production_refuses_a_share_qr_link_that_is_not_https(tmp_path: Path) -> None:
    # given staff QR codes pointed at a plain http link, which WeChat never registers for a mini-program
    env = production_env(tmp_path) | {"JIKE_SHARE_QR_LINK_BASE": "http://jike.example.com/q"}

    # when the API is started
    said = run("serve", env, tmp_path)

    # then it is refused, naming the setting
    assert_refused(said, env, "JIKE_SHARE_QR_LINK_BASE")


def test_production_refuses_wechat_pay_with_the_sandbox_keys_and_url(tmp_path: Path) -> None:
    # given WeChat Pay (and Alipay payments) configured as `jike dev` configures them: the sandbox's URL and keys
    keys = dev_sandbox_keys(tmp_path)
    env = production_env(tmp_path) | sandbox_env(keys, f"http://127.0.0.1:{free_port()}")

    # when the API is started
    said = run("serve", env, tmp_path)

    # then it is refused, naming the sandbox's URL and keys, and printing none of the keys
    assert_refused(
        said,
        env,
        "JIKE_WECHATPAY_API_BASE",
        "JIKE_PAYMENTS_SANDBOX_URL",
        "JIKE_WECHATPAY_APIV3_KEY",
        "JIKE_ALIPAY_PAY_API_BASE",
    )


def test_production_refuses_the_sandbox_keys_behind_the_real_wechat_pay_url(tmp_path: Path) -> None:
    # given the sandbox's keys copied into production next to WeChat Pay's real URL
    keys = dev_sandbox_keys(tmp_path)
    copied = sandbox_env(keys, "unused") | {
        "JIKE_WECHATPAY_API_BASE": "https://api.mch.weixin.qq.com",
        "JIKE_ALIPAY_PAY_API_BASE": "",
        "JIKE_PAYMENTS_SANDBOX_URL": "",
    }
    env = production_env(tmp_path) | copied

    # when the API is started
    said = run("serve", env, tmp_path)

    # then the keys are refused as the sandbox's, by name
    assert_refused(said, env, "JIKE_WECHATPAY_APIV3_KEY", "JIKE_WECHATPAY_MERCHANT_PRIVATE_KEY")


def test_a_short_secret_key_is_refused_without_printing_any_secret(tmp_path: Path) -> None:
    # given a short secret key next to a WeChat secret, a PII key and credentials in the database URLs
    env = production_env(tmp_path) | {"JIKE_SECRET_KEY": "short-" + secrets.token_hex(4)}

    # when the API is started
    said = run("serve", env, tmp_path)

    # then the refusal names JIKE_SECRET_KEY and shows none of the secrets
    assert_refused(said, env, "JIKE_SECRET_KEY")


def test_jike_dev_in_production_prints_the_reason_alone(tmp_path: Path) -> None:
    # given production settings
    env = production_env(tmp_path)

    # when `make dev` is run with them
    said = run("dev", env, tmp_path)

    # then it refuses with the reason, no traceback, and starts nothing
    assert_refused(said, env, "JIKE_ENV")
    assert not (tmp_path / "mongo").exists()
