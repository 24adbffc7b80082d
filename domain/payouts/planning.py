"""Who is due a payout and how much, read in pages of beneficiaries: the preview shows exactly what a run would
hold, because both walk this. Each page costs a fixed handful of queries, whatever its commissions number, and
nothing holds more than one page in memory.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import StrEnum

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain.commissions.commission import CommissionStatus
from domain.commissions.programs import program_from_doc
from domain.members import display_name
from domain.payouts.model import PayoutStatus, TransferLimits

PAGE = 200
_NET = {"$subtract": ["$amount_fen", "$reversed_fen"]}


class SkipReason(StrEnum):
    BELOW_MINIMUM = "BELOW_MINIMUM"
    # Signed in through Alipay only: WeChat Pay cannot transfer to them.
    NO_WECHAT_ACCOUNT = "NO_WECHAT_ACCOUNT"
    # Their previous payout is still being paid; the new money waits for the next run.
    OPEN_PAYOUT = "OPEN_PAYOUT"
    # Their balance disagrees with their commissions: held back, never paid on a guess.
    LEDGER_MISMATCH = "LEDGER_MISMATCH"


@dataclass(frozen=True)
class Candidate:
    merchant_id: ObjectId
    member_id: ObjectId
    nickname: str
    openid: str | None
    available_fen: int
    owed_fen: int
    gross_fen: int
    carried_fen: int
    commissions: int
    minimum_fen: int
    bills: tuple[int, ...]
    skip: SkipReason | None

    @property
    def transfer_fen(self) -> int:
        return self.available_fen - self.owed_fen


def open_key(merchant_id: ObjectId, member_id: ObjectId) -> str:
    """Set on a payout while it is PROCESSING (unique): one payout in flight per member."""
    return f"{merchant_id}:{member_id}"


def _skip(
    member: Doc, available: int, owed: int, gross: int, carried: int, minimum: int, is_open: bool
) -> SkipReason | None:
    if member.get("channel") != "WECHAT" or not member.get("openid"):
        return SkipReason.NO_WECHAT_ACCOUNT
    if gross + carried != available:
        return SkipReason.LEDGER_MISMATCH
    if available - owed < minimum:
        return SkipReason.BELOW_MINIMUM
    if is_open:
        return SkipReason.OPEN_PAYOUT
    return None


async def _minimums(mongo: Mongo, merchant_id: ObjectId, ids: list[ObjectId], floor: int) -> dict[ObjectId, int]:
    """Each shareholder's program minimum (kept after a revoke), never below the provider's own."""
    appointments = (
        await mongo.db[c.SHAREHOLDERS]
        .find({"merchant_id": merchant_id, "member_id": {"$in": ids}}, {"member_id": 1, "program_id": 1})
        .to_list()
    )
    program_ids = list({a["program_id"] for a in appointments})
    scope = {"merchant_id": merchant_id, "_id": {"$in": program_ids}}
    programs = await mongo.db[c.SHAREHOLDER_PROGRAMS].find(scope).to_list()
    minimum = {p["_id"]: program_from_doc(p).settings.payout_minimum_fen for p in programs}
    return {a["member_id"]: max(minimum.get(a["program_id"], 0), floor) for a in appointments}


async def _page(mongo: Mongo, merchant_id: ObjectId, accounts: list[Doc], limits: TransferLimits) -> list[Candidate]:
    ids = [a["beneficiary_id"] for a in accounts]
    members = {
        m["_id"]: m
        for m in await mongo.db[c.MEMBERS]
        .find({"merchant_id": merchant_id, "_id": {"$in": ids}}, {"channel": 1, "openid": 1, "nickname": 1})
        .to_list()
    }
    member_ids = list(members)
    pipeline: list[Doc] = [
        {
            "$match": {
                "merchant_id": merchant_id,
                "status": CommissionStatus.AVAILABLE.value,
                "beneficiary_id": {"$in": member_ids},
            }
        },
        {"$group": {"_id": "$beneficiary_id", "gross": {"$sum": _NET}, "n": {"$sum": 1}}},
    ]
    sums = {r["_id"]: r for r in await (await mongo.db[c.COMMISSIONS].aggregate(pipeline)).to_list()}
    carried: dict[ObjectId, int] = {}
    async for p in mongo.db[c.PAYOUTS].find(
        {
            "merchant_id": merchant_id,
            "status": PayoutStatus.PARTIALLY_PAID.value,
            "carried_into": None,
            "beneficiary_id": {"$in": member_ids},
        },
        {"beneficiary_id": 1, "unpaid_fen": 1},
    ):
        carried[p["beneficiary_id"]] = carried.get(p["beneficiary_id"], 0) + p["unpaid_fen"]
    keys = [open_key(merchant_id, m) for m in member_ids]
    busy = {
        p["beneficiary_id"]
        for p in await mongo.db[c.PAYOUTS].find({"merchant_id": merchant_id, "open_key": {"$in": keys}}).to_list()
    }
    minimums = await _minimums(mongo, merchant_id, member_ids, limits.min_fen)
    page = []
    for account in accounts:
        member = members.get(account["beneficiary_id"])
        if member is None:
            continue
        member_id = member["_id"]
        available, owed = int(account.get("available_fen", 0)), int(account.get("owed_fen", 0))
        row = sums.get(member_id, {"gross": 0, "n": 0})
        minimum = minimums.get(member_id, limits.min_fen)
        skip = _skip(member, available, owed, row["gross"], carried.get(member_id, 0), minimum, member_id in busy)
        page.append(
            Candidate(
                merchant_id=merchant_id,
                member_id=member_id,
                nickname=display_name(member.get("nickname")),
                openid=member.get("openid"),
                available_fen=available,
                owed_fen=owed,
                gross_fen=row["gross"],
                carried_fen=carried.get(member_id, 0),
                commissions=row["n"],
                minimum_fen=minimum,
                bills=tuple(limits.split(available - owed)) if skip is None else (),
                skip=skip,
            )
        )
    return page


async def candidates(
    *, mongo: Mongo, merchant_id: ObjectId, limits: TransferLimits, after: ObjectId | None = None
) -> AsyncIterator[list[Candidate]]:
    """Members with money available, by id after `after`, a page at a time (staff are settled offline)."""
    last = after
    while True:
        query: Doc = {"merchant_id": merchant_id}
        if last is not None:
            query["beneficiary_id"] = {"$gt": last}
        accounts = (
            await mongo.db[c.COMMISSION_ACCOUNTS]
            .find(query, {"beneficiary_id": 1, "available_fen": 1, "owed_fen": 1})
            .sort("beneficiary_id", 1)
            .limit(PAGE)
            .to_list()
        )
        if not accounts:
            return
        last = accounts[-1]["beneficiary_id"]
        due = [a for a in accounts if int(a.get("available_fen", 0)) > 0]
        if due:
            yield await _page(mongo, merchant_id, due, limits)
        if len(accounts) < PAGE:
            return
