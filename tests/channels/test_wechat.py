"""The WeChat mini-program client against the fake WeChat server: one shared access token, refreshed when
WeChat drops it, and the login, phone, subscribe-message and mini-program-code calls.
"""

import asyncio

import httpx
import pytest
from redis.asyncio import Redis

from api import embedded
from channels.fake import openid_for
from channels.wechat import SYSTEM_BUSY, WeChatClient, WeChatError
from startup.settings import Settings
from tests.channels.conftest import Upstream
from tests.conftest import WECHAT_APPID, WECHAT_SECRET, Channels
from tests.members.conftest import fresh_code

TOKEN_KEY = f"wechat:access_token:{WECHAT_APPID}"
STABLE_TOKEN = "/cgi-bin/stable_token"
SUBSCRIBE_SEND = "/cgi-bin/message/subscribe/send"
# The fake hands out tokens for 7200 s, like WeChat; we keep them 300 s less.
CACHE_TTL_S = 7200 - 300


async def _wechat_drops_its_tokens(channels: Channels) -> None:
    async with httpx.AsyncClient() as control:
        response = await control.post(f"{channels.base_url}/_fake/expire-token")
        response.raise_for_status()


async def _send(wechat: WeChatClient, touser: str) -> None:
    await wechat.send_subscribe_message(
        touser=touser, template_id="TPL-coupon-received", data={"thing1": "体验卡", "time2": "2025-01-01 10:00"}
    )


async def test_ten_callers_on_a_cold_cache_cost_one_stable_token_call(
    wechat: WeChatClient, redis: Redis, upstream: Upstream, channels: Channels
) -> None:
    # given no token in our cache and none alive at WeChat
    await _wechat_drops_its_tokens(channels)
    issued = channels.state.tokens_issued

    # when ten requests want a token at once
    tokens = await asyncio.gather(*(wechat.access_token() for _ in range(10)))

    # then one stable_token call served them all, and the token is cached for expires_in - 300 s
    assert len(set(tokens)) == 1
    assert upstream.count(STABLE_TOKEN) == 1
    assert channels.state.tokens_issued == issued + 1
    assert await redis.get(TOKEN_KEY) == tokens[0]
    assert CACHE_TTL_S - 5 <= await redis.ttl(TOKEN_KEY) <= CACHE_TTL_S


async def test_a_cached_token_costs_no_call(
    wechat: WeChatClient, http: httpx.AsyncClient, redis: Redis, upstream: Upstream, settings: Settings
) -> None:
    # given a token cached by one process
    token = await wechat.access_token()
    calls = upstream.count(STABLE_TOKEN)

    # when another process (another client on the same Redis) needs one
    other = WeChatClient(
        http=http, redis=redis, base_url=settings.wechat_api_base, appid=WECHAT_APPID, secret=WECHAT_SECRET
    )
    again = await other.access_token()

    # then it reads the cache and WeChat is not asked
    assert again == token
    assert upstream.count(STABLE_TOKEN) == calls


async def test_send_after_wechat_drops_the_token_refreshes_it_and_succeeds(
    wechat: WeChatClient, redis: Redis, channels: Channels
) -> None:
    # given a cached token that WeChat has since invalidated (errcode 40001 for whoever uses it)
    stale = await wechat.access_token()
    await _wechat_drops_its_tokens(channels)
    issued, sent = channels.state.tokens_issued, len(channels.state.sent_messages)

    # when a subscribe message is sent
    await _send(wechat, "o-refresh-once")

    # then the client got a new token, cached it, and the message went out once
    assert channels.state.tokens_issued == issued + 1
    fresh = await redis.get(TOKEN_KEY)
    assert fresh is not None and fresh != stale
    assert [m["touser"] for m in channels.state.sent_messages[sent:]] == ["o-refresh-once"]


async def test_concurrent_sends_after_the_token_is_dropped_refresh_it_once(
    wechat: WeChatClient, upstream: Upstream, channels: Channels
) -> None:
    # given a cached token that WeChat has since invalidated
    await wechat.access_token()
    await _wechat_drops_its_tokens(channels)
    issued, sent = channels.state.tokens_issued, len(channels.state.sent_messages)

    # when five messages go out at once, all refused with the old token first
    await asyncio.gather(*(_send(wechat, f"o-burst-{i}") for i in range(5)))

    # then one forced refresh replaced it (stable_token allows few a day) and every message was sent
    assert channels.state.tokens_issued == issued + 1
    assert upstream.count(STABLE_TOKEN) == 2
    assert sorted(m["touser"] for m in channels.state.sent_messages[sent:]) == [f"o-burst-{i}" for i in range(5)]


async def test_a_refusal_landing_after_the_refresh_uses_the_new_token(
    wechat: WeChatClient, upstream: Upstream, channels: Channels
) -> None:
    # given a cached token that WeChat has since invalidated, and a send that will be slow on the wire
    await wechat.access_token()
    await _wechat_drops_its_tokens(channels)
    issued = channels.state.tokens_issued
    upstream.holds[SUBSCRIBE_SEND] = 0.3

    # when two sends start with the old token, one refused and refreshed before the slow one is refused
    await asyncio.gather(_send(wechat, "o-slow"), _send(wechat, "o-fast"))

    # then the slow one takes the token the other already fetched instead of forcing another refresh
    assert channels.state.tokens_issued == issued + 1
    assert upstream.count(STABLE_TOKEN) == 2


async def test_a_member_who_refused_messages_is_a_43101(wechat: WeChatClient, channels: Channels) -> None:
    # given a member who turned the store's messages off
    channels.state.refusing_users.add("o-refuser")
    try:
        # when a message is sent to them
        with pytest.raises(WeChatError) as refused:
            await _send(wechat, "o-refuser")
    finally:
        channels.state.refusing_users.discard("o-refuser")

    # then WeChat's errcode reaches the caller as it is
    assert refused.value.errcode == 43101


async def test_mini_program_code_is_a_png(wechat: WeChatClient) -> None:
    # when a code for the longest scene WeChat allows is asked for
    image = await wechat.get_unlimited_code(scene="s" * 32, page="pages/claim/index", width=280)

    # then the answer is a PNG image
    assert image.startswith(b"\x89PNG\r\n\x1a\n")


async def test_scene_over_32_characters_is_refused_without_asking_wechat(
    wechat: WeChatClient, upstream: Upstream
) -> None:
    # when a code is asked for a 33-character scene
    with pytest.raises(ValueError, match="scene"):
        await wechat.get_unlimited_code(scene="s" * 33, page="pages/claim/index")

    # then no request left the server
    assert upstream.paths == []


async def test_phone_number_comes_from_the_phone_code(wechat: WeChatClient, channels: Channels) -> None:
    # given a member who granted their phone number in the mini-program (WeChat gave them a phone code)
    channels.state.phones["phone-code-1"] = "13800138000"

    # when the code is exchanged
    phone = await wechat.get_phone_number("phone-code-1")

    # then it is the number they registered with WeChat
    assert phone == "13800138000"


async def test_jscode2session_gives_the_openid_and_keeps_nothing_else(wechat: WeChatClient, channels: Channels) -> None:
    # when a login code is exchanged
    code = fresh_code("lily")
    session = await wechat.jscode2session(code)

    # then the same user's openid comes back, and the session_key is not even held in the result
    assert session.openid == openid_for(WECHAT_APPID, "lily")
    assert code in channels.state.used_codes
    assert not hasattr(session, "session_key")


async def test_forged_login_code_is_a_40029(wechat: WeChatClient) -> None:
    with pytest.raises(WeChatError) as refused:
        await wechat.jscode2session("forged")
    assert refused.value.errcode == 40029


async def test_unreachable_wechat_is_system_busy(http: httpx.AsyncClient, redis: Redis) -> None:
    # given WeChat cannot be reached
    down = WeChatClient(
        http=http,
        redis=redis,
        base_url=f"http://127.0.0.1:{embedded.free_port()}",
        appid=WECHAT_APPID,
        secret=WECHAT_SECRET,
    )

    # when a call is made, then the caller sees WeChat's own "system busy", not a transport exception
    with pytest.raises(WeChatError) as busy:
        await down.jscode2session(fresh_code("anyone"))
    assert busy.value.errcode == SYSTEM_BUSY
