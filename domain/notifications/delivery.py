"""Sending one notification: record the intent (the inbox entry, keyed by its dedupe key), then each channel in
turn: claim, send, mark. A re-run finds the intent and sends only what is still PENDING.

WeChat subscribe messages carry no idempotency key, so the window between the send and its mark decides
between sending twice and not at all. We choose at most once: a channel is claimed (SENDING) before the
request and never sent again from SENDING; a process that dies mid-send, or a request whose fate is unknown
(the connection broke after it was sent), leaves the push unsent rather than doubled. The member still has
the message in the inbox, and a second push would cost a grant they may not have. A failure that certainly
did not reach WeChat (refused connection, an errcode answer) gives the grant back and tries again later.
"""

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import httpx
from bson import ObjectId
from pymongo import ReturnDocument, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import BulkWriteError, DuplicateKeyError
from redis.exceptions import RedisError

from channels.wechat import SYSTEM_BUSY, WeChatClient, WeChatError
from db import collections as c
from db.mongo import Doc, Mongo, transaction
from domain.marketing import touches
from domain.notifications import subscriptions
from domain.notifications.sms import SmsFailed, SmsSender
from domain.notifications.topics import TEMPLATES, Template, Topic
from domain.outbox import TryAgainLater
from domain.pii import PiiCipher

_DUPLICATE_KEY = 11000
_SENDS_AT_ONCE = 16
# "The user refused to accept the message": no subscription left for this template.
USER_REFUSED = 43101
_UPSERT_ATTEMPTS = 3
# Failures before the request left us: WeChat certainly did not get it.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class ChannelStatus(StrEnum):
    PENDING = "PENDING"
    # Claimed for sending; stays so if the process died during the send (never retried: at most once).
    SENDING = "SENDING"
    SENT = "SENT"
    # The member has no grant left for the template: the inbox alone has it.
    NO_QUOTA = "NO_QUOTA"
    REFUSED = "REFUSED"
    # The request may have reached WeChat; it is not sent again.
    UNKNOWN = "UNKNOWN"
    # The channel does not apply: not a WeChat member, no template configured, no phone number.
    SKIPPED = "SKIPPED"


@dataclass(frozen=True)
class Outlets:
    """Everything a notification can go out through."""

    mongo: Mongo
    wechat: WeChatClient
    sms: SmsSender
    pii: PiiCipher
    # WeChat subscribe template id by topic (see domain.notifications.topics).
    template_ids: Mapping[str, str]


@dataclass(frozen=True)
class Notification:
    id: ObjectId
    merchant_id: ObjectId
    member_id: ObjectId
    topic: Topic
    title: str
    body: str
    page: str
    created_at: datetime
    read_at: datetime | None
    wechat: ChannelStatus
    sms: ChannelStatus


def notification_from_doc(doc: Doc) -> Notification:
    return Notification(
        id=doc["_id"],
        merchant_id=doc["merchant_id"],
        member_id=doc["member_id"],
        topic=Topic(doc["topic"]),
        title=doc["title"],
        body=doc["body"],
        page=doc["page"],
        created_at=doc["created_at"],
        read_at=doc.get("read_at"),
        wechat=ChannelStatus(doc["wechat"]["status"]),
        sms=ChannelStatus(doc["sms"]["status"]),
    )


async def notify(
    out: Outlets,
    *,
    merchant_id: ObjectId,
    member_id: ObjectId,
    topic: Topic,
    fields: dict[str, str],
    dedupe_key: str,
    sms: bool = True,
) -> Notification | None:
    """Tells the member, once per dedupe key however often it runs; None when there is no such member. `sms`
    False keeps the message off SMS even when its topic goes there (a member who did not agree to marketing SMS).

    Raises TryAgainLater when a channel failed in a way that may pass; the inbox entry exists by then.
    """
    member = await out.mongo.db[c.MEMBERS].find_one({"_id": member_id, "merchant_id": merchant_id})
    if member is None:
        return None
    template = TEMPLATES[topic]
    doc = await _record_intent(out, member, topic, template, fields, dedupe_key, sms)
    if doc["wechat"]["status"] == ChannelStatus.PENDING:
        await _push_wechat(out, doc, member["openid"], template)
    if doc["sms"]["status"] == ChannelStatus.PENDING:
        await _send_sms(out, doc)
    fresh = await out.mongo.db[c.NOTIFICATIONS].find_one(_key(doc))
    assert fresh is not None
    if fresh.get("touched") and ChannelStatus.SENT.value in (fresh["wechat"]["status"], fresh["sms"]["status"]):
        # A campaign's or journey's message reached the member: its effect counts it delivered, once.
        await touches.mark_delivered(mongo=out.mongo, merchant_id=fresh["merchant_id"], notification_id=fresh["_id"])
    return notification_from_doc(fresh)


async def _record_intent(
    out: Outlets, member: Doc, topic: Topic, template: Template, fields: dict[str, str], dedupe_key: str, sms_ok: bool
) -> Doc:
    phone = False
    if template.sms and sms_ok:
        card = await out.mongo.db[c.CARDS].find_one(
            {"merchant_id": member["merchant_id"], "member_id": member["_id"]}, {"phone_enc": 1}
        )
        phone = bool(card and card.get("phone_enc"))
    intent = _intent(member, topic, template, fields, out.template_ids.get(topic.value), phone)
    notes = out.mongo.db[c.NOTIFICATIONS]
    for _ in range(_UPSERT_ATTEMPTS):
        try:
            doc = await notes.find_one_and_update(
                {"merchant_id": member["merchant_id"], "dedupe_key": dedupe_key},
                {"$setOnInsert": intent},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            # A concurrent run inserted it first; the next upsert finds theirs.
            continue
        if doc is not None:
            return doc
    raise TryAgainLater(f"notification {dedupe_key} neither inserted nor found")


def _intent(
    member: Doc, topic: Topic, template: Template, fields: dict[str, str], template_id: str | None, phone: bool
) -> Doc:
    """The notification as first recorded: every channel that applies PENDING, the others SKIPPED."""
    body, page = template.render(fields)
    wechat: Doc = {"status": ChannelStatus.SKIPPED.value}
    if member["channel"] == "WECHAT" and template_id:
        wechat = {"status": ChannelStatus.PENDING.value, "template_id": template_id}
    return {
        "member_id": member["_id"],
        "topic": topic.value,
        "title": template.render_title(fields),
        "body": body,
        "page": page,
        "fields": fields,
        "created_at": datetime.now(UTC),
        "read_at": None,
        "wechat": wechat,
        "sms": {"status": (ChannelStatus.PENDING if phone else ChannelStatus.SKIPPED).value},
    }


@dataclass(frozen=True)
class Intent:
    """One member's notification among many of one topic (notify_many)."""

    member_id: ObjectId
    fields: dict[str, str]
    dedupe_key: str
    sms: bool = True


async def notify_many(
    out: Outlets, *, merchant_id: ObjectId, topic: Topic, intents: Sequence[Intent]
) -> dict[ObjectId, Notification]:
    """`notify` for a page of members at once: the inbox entries recorded in bulk (a fixed number of commands
    however many), then each channel still PENDING sent as `notify` sends it. Once per dedupe key, like `notify`;
    members that do not exist are left out. Raises TryAgainLater as `notify` does."""
    if not intents:
        return {}
    template = TEMPLATES[topic]
    scope = {"merchant_id": merchant_id}
    ids = [i.member_id for i in intents]
    members = {m["_id"]: m for m in await out.mongo.db[c.MEMBERS].find({**scope, "_id": {"$in": ids}}).to_list()}
    texting = [i.member_id for i in intents if template.sms and i.sms and i.member_id in members]
    phones: set[ObjectId] = set()
    if texting:
        held = {"phone_enc": 1, "member_id": 1}
        cards = out.mongo.db[c.CARDS].find({**scope, "member_id": {"$in": texting}}, held)
        phones = {d["member_id"] async for d in cards if d.get("phone_enc")}
    template_id = out.template_ids.get(topic.value)
    mine = [i for i in intents if i.member_id in members]
    upserts = [
        UpdateOne(
            {**scope, "dedupe_key": i.dedupe_key},
            {
                "$setOnInsert": _intent(
                    members[i.member_id], topic, template, i.fields, template_id, i.member_id in phones
                )
            },
            upsert=True,
        )
        for i in mine
    ]
    notes = out.mongo.db[c.NOTIFICATIONS]
    if upserts:
        try:
            await notes.bulk_write(upserts, ordered=False)
        except BulkWriteError as e:
            # A concurrent run inserted some first: those entries are theirs, found below like the others.
            if any(err.get("code") != _DUPLICATE_KEY for err in e.details.get("writeErrors", [])):
                raise
    keys = [i.dedupe_key for i in mine]
    docs = {d["dedupe_key"]: d for d in await notes.find({**scope, "dedupe_key": {"$in": keys}}).to_list()}
    if any(i.dedupe_key not in docs for i in mine):
        raise TryAgainLater(f"notifications of {topic.value} neither inserted nor found")
    found = {i.member_id: notification_from_doc(docs[i.dedupe_key]) for i in mine}
    owed = [
        i
        for i in mine
        if ChannelStatus.PENDING.value in (docs[i.dedupe_key]["wechat"]["status"], docs[i.dedupe_key]["sms"]["status"])
    ]
    # The pushes and texts themselves, a few at a time: each is a request to WeChat or the SMS provider.
    gate = asyncio.Semaphore(_SENDS_AT_ONCE)

    async def send(i: Intent) -> None:
        async with gate:
            sent = await notify(
                out,
                merchant_id=merchant_id,
                member_id=i.member_id,
                topic=topic,
                fields=i.fields,
                dedupe_key=i.dedupe_key,
                sms=i.sms,
            )
        if sent is not None:
            found[i.member_id] = sent

    await asyncio.gather(*(send(i) for i in owed))
    return found


def _key(doc: Doc) -> Doc:
    return {"merchant_id": doc["merchant_id"], "_id": doc["_id"]}


async def _set_channel(mongo: Mongo, note: Doc, channel: str, status: ChannelStatus, **extra: Any) -> None:
    changes: Doc = {f"{channel}.status": status.value, **{f"{channel}.{k}": v for k, v in extra.items()}}
    await mongo.db[c.NOTIFICATIONS].update_one(note, {"$set": changes})


def _maybe_delivered(error: WeChatError) -> bool:
    cause = error.__cause__
    return error.errcode == SYSTEM_BUSY and isinstance(cause, httpx.TransportError) and not isinstance(cause, _NOT_SENT)


async def _push_wechat(out: Outlets, doc: Doc, openid: str, template: Template) -> None:
    mongo, note = out.mongo, _key(doc)
    template_id, merchant_id, member_id = doc["wechat"]["template_id"], doc["merchant_id"], doc["member_id"]
    try:
        # Fetched before the claim, so a token failure never leaves a claimed, unsent message behind.
        await out.wechat.access_token()
    except (WeChatError, RedisError) as e:
        raise TryAgainLater(f"wechat token: {e}") from e

    async def claim(s: AsyncClientSession) -> ChannelStatus | None:
        moved = await mongo.db[c.NOTIFICATIONS].update_one(
            {**note, "wechat.status": ChannelStatus.PENDING.value},
            {"$set": {"wechat.status": ChannelStatus.SENDING.value, "wechat.claimed_at": datetime.now(UTC)}},
            session=s,
        )
        if moved.modified_count != 1:
            return None
        if await subscriptions.take_one(
            mongo=mongo, session=s, merchant_id=merchant_id, member_id=member_id, template_id=template_id
        ):
            return ChannelStatus.SENDING
        await mongo.db[c.NOTIFICATIONS].update_one(
            note, {"$set": {"wechat.status": ChannelStatus.NO_QUOTA.value}}, session=s
        )
        return ChannelStatus.NO_QUOTA

    if await transaction(mongo, claim) is not ChannelStatus.SENDING:
        return
    try:
        await out.wechat.send_subscribe_message(
            touser=openid,
            template_id=template_id,
            data=template.wechat_data(doc["fields"]),
            page=doc["page"] or None,
        )
    except WeChatError as e:
        if e.errcode == USER_REFUSED:
            await _set_channel(mongo, note, "wechat", ChannelStatus.REFUSED, error=str(e))
            await subscriptions.use_up(
                mongo=mongo, merchant_id=merchant_id, member_id=member_id, template_id=template_id
            )
            return
        if _maybe_delivered(e):
            await _set_channel(mongo, note, "wechat", ChannelStatus.UNKNOWN, error=str(e))
            return
        await _unclaim(mongo, note, member_id, template_id, str(e))
        raise TryAgainLater(f"wechat send: {e}") from e
    except RedisError as e:
        # The token cache failed during a token refresh, before the request went out.
        await _unclaim(mongo, note, member_id, template_id, str(e))
        raise TryAgainLater(f"wechat token cache: {e}") from e
    await _set_channel(mongo, note, "wechat", ChannelStatus.SENT, sent_at=datetime.now(UTC))


async def _unclaim(mongo: Mongo, note: Doc, member_id: ObjectId, template_id: str, error: str) -> None:
    async def work(s: AsyncClientSession) -> None:
        moved = await mongo.db[c.NOTIFICATIONS].update_one(
            {**note, "wechat.status": ChannelStatus.SENDING.value},
            {"$set": {"wechat.status": ChannelStatus.PENDING.value, "wechat.error": error}},
            session=s,
        )
        if moved.modified_count == 1:
            await subscriptions.give_back(
                mongo=mongo, session=s, merchant_id=note["merchant_id"], member_id=member_id, template_id=template_id
            )

    await transaction(mongo, work)


async def _send_sms(out: Outlets, doc: Doc) -> None:
    notes = out.mongo.db[c.NOTIFICATIONS]
    claimed = await notes.update_one(
        {**_key(doc), "sms.status": ChannelStatus.PENDING.value},
        {"$set": {"sms.status": ChannelStatus.SENDING.value, "sms.claimed_at": datetime.now(UTC)}},
    )
    if claimed.modified_count != 1:
        return
    card = await out.mongo.db[c.CARDS].find_one(
        {"merchant_id": doc["merchant_id"], "member_id": doc["member_id"]}, {"phone_enc": 1}
    )
    if not card or not card.get("phone_enc"):
        await _set_channel(out.mongo, _key(doc), "sms", ChannelStatus.SKIPPED)
        return
    try:
        await out.sms.send(phone=out.pii.decrypt(card["phone_enc"]), text=f"{doc['title']}：{doc['body']}")
    except SmsFailed as e:
        await _set_channel(out.mongo, _key(doc), "sms", ChannelStatus.PENDING, error=str(e))
        raise TryAgainLater(f"sms: {e}") from e
    await _set_channel(out.mongo, _key(doc), "sms", ChannelStatus.SENT, sent_at=datetime.now(UTC))
