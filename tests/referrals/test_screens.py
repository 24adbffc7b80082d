"""The staff app's 我的 screen costs a fixed number of Mongo commands: the staff member and their share code (the
image comes from WeChat, not the database). The document is the app's own (mobile_admin/src/mine)."""

from db.mongo import Mongo
from domain import tenancy
from domain.pii import PiiCipher
from tests.conftest import Gql, Shop, count_commands_on
from tests.coupons.conftest import make_staff

MINE_SHARE_CODE = """
query MineShareCode { me { id shareCode { code imageDataUrl qrLink } } }
"""


async def test_the_mine_screen_reads_the_staff_member_and_their_code_once_it_is_made(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a cashier who has opened 我的 once (their share code was made then)
    cashier = await make_staff(mongo, pii, shop, tenancy.Role.CASHIER, "13700000071")
    first = await gql("admin", MINE_SHARE_CODE, token=cashier.token)
    assert first["data"]["me"]["shareCode"]["code"], first

    # when they open it again
    with count_commands_on(mongo) as commands:
        again = await gql("admin", MINE_SHARE_CODE, token=cashier.token)

    # then the same code, for two reads: the staff member and their code
    assert again["data"]["me"]["shareCode"]["code"] == first["data"]["me"]["shareCode"]["code"]
    assert sorted(commands) == [("find", "share_codes"), ("find", "staff")], commands
