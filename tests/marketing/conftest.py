"""Marketing givens: the SMS reply callback opened by a known secret, and members with a phone on their card."""

import pytest
from bson import ObjectId
from pydantic import SecretStr

from db import collections as c
from db.mongo import Mongo
from domain.pii import PiiCipher
from startup.settings import Settings

SMS_REPLY_SECRET = "sms-reply-test-secret"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"sms_reply_secret": SecretStr(SMS_REPLY_SECRET)})


async def give_phone(mongo: Mongo, pii: PiiCipher, merchant_id: ObjectId, member_id: ObjectId, phone: str) -> None:
    """The member bound their phone to their card (as updateProfile stores it)."""
    await mongo.db[c.CARDS].update_one(
        {"merchant_id": merchant_id, "member_id": member_id},
        {"$set": {"phone_enc": pii.encrypt(phone), "phone_hash": pii.lookup_hash(phone)}},
    )
