"""WeChat subscribe messages: one message per granted subscription and never more (however many sends race),
43101 drops the message for good, an invalidated access token is replaced and the message still goes out, a
notification run again is never sent twice, and a failure that never reached WeChat gives the grant back.
"""

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from channels.wechat import WeChatClient
from db import collections as c
from db.mongo import Mongo
from domain.notifications.delivery import ChannelStatus, Notification, Outlets, notify
from domain.notifications.topics import Topic
from domain.outbox import TryAgainLater
from startup.clients import Clients
from startup.settings import Settings
from tests.booking.conftest import Person
from tests.conftest import Channels, Shop
from tests.workers.conftest import TEMPLATES, subscribed_members


async def level_up(out: Outlets, shop: Shop, person: Person, key: str | None = None) -> Notification:
    sent = await notify(
        out,
        merchant_id=shop.merchant.merchant.id,
        member_id=person.id,
        topic=Topic.LEVEL_UP,
        fields={"level": "银卡会员"},
        dedupe_key=key or uuid.uuid4().hex,
    )
    assert sent is not None
    return sent


async def openid(mongo: Mongo, person: Person) -> str:
    doc = await mongo.db[c.MEMBERS].find_one({"_id": person.id})
    assert doc is not None
    return str(doc["openid"])


def sent_to(channels: Channels, to: str) -> list[dict[str, Any]]:
    return [m for m in channels.state.sent_messages if m["touser"] == to]


async def quota(mongo: Mongo, person: Person) -> int:
    doc = await mongo.db[c.SUBSCRIPTIONS].find_one({"member_id": person.id})
    return int(doc["quota"]) if doc else 0


async def test_messages_go_out_only_while_the_member_has_quota(
    out: Outlets, mongo: Mongo, shop: Shop, channels: Channels
) -> None:
    # given a member who accepted the level-up template twice
    [person] = await subscribed_members(mongo, shop, 1, Topic.LEVEL_UP, times=2)

    # when three level-up notifications are sent
    results = [await level_up(out, shop, person) for _ in range(3)]

    # then two went out as WeChat messages and the third stayed in the inbox only
    assert [r.wechat for r in results] == [ChannelStatus.SENT, ChannelStatus.SENT, ChannelStatus.NO_QUOTA]
    messages = sent_to(channels, await openid(mongo, person))
    assert len(messages) == 2
    assert messages[0]["template_id"] == TEMPLATES["LEVEL_UP"]
    assert messages[0]["data"] == {"thing1": {"value": "银卡会员"}}
    assert messages[0]["page"] == "pages/card/index"
    assert await quota(mongo, person) == 0
    assert await mongo.db[c.NOTIFICATIONS].count_documents({"member_id": person.id}) == 3


async def test_concurrent_sends_never_use_more_than_the_quota(
    out: Outlets, mongo: Mongo, shop: Shop, channels: Channels
) -> None:
    # given a member with three granted messages
    [person] = await subscribed_members(mongo, shop, 1, Topic.LEVEL_UP, times=3)

    # when ten different notifications are sent at the same moment
    results = await asyncio.gather(*(level_up(out, shop, person) for _ in range(10)))

    # then exactly three messages went out and the quota is spent, never below zero
    assert sorted(r.wechat for r in results).count(ChannelStatus.SENT) == 3
    assert len(sent_to(channels, await openid(mongo, person))) == 3
    assert await quota(mongo, person) == 0


async def test_a_member_who_refused_is_dropped_without_retry(
    out: Outlets, mongo: Mongo, shop: Shop, channels: Channels
) -> None:
    # given a member with a granted message whom WeChat answers 43101 (they turned messages off)
    [person] = await subscribed_members(mongo, shop, 1, Topic.LEVEL_UP, times=2)
    to = await openid(mongo, person)
    channels.state.refusing_users.add(to)
    try:
        # when a notification is sent, and sent again
        first = await level_up(out, shop, person, key="refused")
        again = await level_up(out, shop, person, key="refused")
    finally:
        channels.state.refusing_users.discard(to)

    # then it is dropped without an error to retry on, once, and the quota is reset to WeChat's zero
    assert (first.wechat, again.wechat) == (ChannelStatus.REFUSED, ChannelStatus.REFUSED)
    assert sent_to(channels, to) == []
    assert await quota(mongo, person) == 0
    # and the member still has it in the inbox
    assert first.title == "会员升级" and first.body == "恭喜您升级为银卡会员"


async def test_an_invalidated_access_token_is_replaced_and_the_message_still_goes_out(
    out: Outlets, mongo: Mongo, shop: Shop, channels: Channels
) -> None:
    # given a member with a granted message and a cached access token that WeChat then invalidates (40001)
    [person] = await subscribed_members(mongo, shop, 1, Topic.LEVEL_UP)
    await out.wechat.access_token()
    async with httpx.AsyncClient() as http:
        assert (await http.post(f"{channels.base_url}/_fake/expire-token")).status_code == 200
    issued = channels.state.tokens_issued

    # when a notification is sent
    result = await level_up(out, shop, person)

    # then a new token was fetched once and the message went out
    assert result.wechat is ChannelStatus.SENT
    assert channels.state.tokens_issued == issued + 1
    assert len(sent_to(channels, await openid(mongo, person))) == 1


async def test_a_notification_run_again_is_never_sent_twice(
    out: Outlets, mongo: Mongo, shop: Shop, channels: Channels
) -> None:
    # given a member with three granted messages
    [person] = await subscribed_members(mongo, shop, 1, Topic.LEVEL_UP, times=3)

    # when one notification (one dedupe key) is run five times at once, and once more afterwards
    await asyncio.gather(*(level_up(out, shop, person, key="level-up:gold") for _ in range(5)))
    await level_up(out, shop, person, key="level-up:gold")

    # then it was sent once, used one grant, and is one inbox entry
    assert len(sent_to(channels, await openid(mongo, person))) == 1
    assert await quota(mongo, person) == 2
    assert await mongo.db[c.NOTIFICATIONS].count_documents({"member_id": person.id}) == 1


class DiesMidSend(WeChatClient):
    """The worker is killed (or its job times out) while the request to WeChat is on its way."""

    async def send_subscribe_message(self, **kwargs: Any) -> None:
        raise asyncio.CancelledError()


async def test_a_send_cut_short_by_a_crash_is_not_sent_again(
    out: Outlets, clients: Clients, settings: Settings, mongo: Mongo, shop: Shop, channels: Channels
) -> None:
    # given a member with two granted messages, and a notification whose worker died during the WeChat call
    [person] = await subscribed_members(mongo, shop, 1, Topic.LEVEL_UP, times=2)
    async with httpx.AsyncClient() as http:
        dying = DiesMidSend(
            http=http,
            redis=clients.redis,
            base_url=channels.base_url,
            appid=settings.wechat_appid,
            secret=settings.wechat_secret.get_secret_value(),
        )
        with pytest.raises(asyncio.CancelledError):
            await level_up(Outlets(out.mongo, dying, out.sms, out.pii, out.template_ids), shop, person, key="crashed")

    # when the event runs again
    result = await level_up(out, shop, person, key="crashed")

    # then nothing is sent: at most once, since WeChat may have delivered it before the crash
    assert result.wechat is ChannelStatus.SENDING
    assert sent_to(channels, await openid(mongo, person)) == []
    assert await quota(mongo, person) == 1


async def test_wechat_out_of_reach_gives_the_grant_back_and_tries_again_later(
    out: Outlets, clients: Clients, settings: Settings, mongo: Mongo, shop: Shop, channels: Channels
) -> None:
    # given a member with one granted message, and a WeChat that cannot be reached (the token is cached)
    [person] = await subscribed_members(mongo, shop, 1, Topic.LEVEL_UP)
    await out.wechat.access_token()
    async with httpx.AsyncClient(timeout=1) as http:
        unreachable = WeChatClient(
            http=http,
            redis=clients.redis,
            base_url="http://127.0.0.1:9",
            appid=settings.wechat_appid,
            secret=settings.wechat_secret.get_secret_value(),
        )
        cut_off = Outlets(out.mongo, unreachable, out.sms, out.pii, out.template_ids)

        # when the notification is sent
        with pytest.raises(TryAgainLater):
            await level_up(cut_off, shop, person, key="later")

    # then the grant is back and the message waits to be sent
    assert await quota(mongo, person) == 1
    note = await mongo.db[c.NOTIFICATIONS].find_one({"dedupe_key": "later"})
    assert note is not None and note["wechat"]["status"] == "PENDING"
    # and when it runs again with WeChat back, it goes out once
    assert (await level_up(out, shop, person, key="later")).wechat is ChannelStatus.SENT
    assert len(sent_to(channels, await openid(mongo, person))) == 1


async def test_a_member_signed_in_through_alipay_gets_the_inbox_entry_only(
    out: Outlets, mongo: Mongo, shop: Shop
) -> None:
    # given a member from the Alipay mini-program
    [person] = await subscribed_members(mongo, shop, 1, Topic.LEVEL_UP)
    await mongo.db[c.MEMBERS].update_one({"_id": person.id}, {"$set": {"channel": "ALIPAY"}})

    # when a notification is sent
    result = await level_up(out, shop, person)

    # then no WeChat message is attempted and the grant is untouched
    assert result.wechat is ChannelStatus.SKIPPED
    assert await quota(mongo, person) == 1
