"""The campaign screens' API: a manager makes, edits, schedules and cancels a campaign, is told clearly what is
wrong with one, and reads its progress and effect at a cost that does not grow with its members."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId

from db.mongo import Mongo
from domain.marketing.touches import Group, Touch, TouchSource, record_touches
from schema.ids import from_global_id, to_global_id
from tests.campaigns.conftest import regulars_segment, stocked_template
from tests.conftest import Gql, Shop, count_commands

CREATE_CAMPAIGN = """
mutation($input: CampaignInput!) {
  createCampaign(input: $input) {
    campaign { id name state segmentName controlPercent weekCap windowDays sendAt }
    userErrors { field code message }
  }
}
"""
UPDATE_CAMPAIGN = """
mutation($input: UpdateCampaignInput!) {
  updateCampaign(input: $input) { campaign { id name } userErrors { field code } }
}
"""
SCHEDULE_CAMPAIGN = """
mutation($id: ID!) { scheduleCampaign(id: $id) { campaign { id state scheduledAt } userErrors { field code } } }
"""
CANCEL_CAMPAIGN = "mutation($id: ID!) { cancelCampaign(id: $id) { campaign { id state } userErrors { field code } } }"
CAMPAIGNS = "query { campaigns(first: 10) { edges { node { id name state progress { targeted sent } } } } }"
CAMPAIGN_EFFECT = """
query($id: ID!) {
  campaign(id: $id) {
    id state
    progress { targeted sent control coupons skippedOptedOut skippedCapped skippedOutOfStock }
    effect {
      treatment { members sent delivered opened redeemed paidMembers revenueFen }
      control { members sent delivered opened redeemed paidMembers revenueFen }
      uplift { rateDiff rateLow rateHigh revenuePerMemberDiffFen revenueLowFen revenueHighFen }
    }
  }
}
"""


def _input(segment_gid: str, **overrides: Any) -> dict[str, Any]:
    return {
        "name": "沉睡会员唤醒",
        "segmentId": segment_gid,
        "message": {"title": "好久不见", "body": "回店送 20 元"},
        **overrides,
    }


async def _create(gql: Gql, token: str, payload: dict[str, Any], lang: str | None = None) -> dict[str, Any]:
    body = await gql("admin", CREATE_CAMPAIGN, {"input": payload}, token=token, lang=lang)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["createCampaign"]
    return result


async def test_a_manager_drafts_edits_schedules_and_cancels_a_campaign(
    gql: Gql, mongo: Mongo, shop: Shop, owner_token: str
) -> None:
    # given a saved segment and an active coupon
    segment = to_global_id("Segment", await regulars_segment(mongo, shop))
    template = to_global_id("CouponTemplate", (await stocked_template(mongo, shop, stock=100)).id)

    # when the manager drafts a campaign to it, with the defaults
    made = await _create(gql, owner_token, _input(segment, couponTemplateId=template))

    # then it is a draft with a 10% control group, 2 messages a week and a 14-day window
    campaign = made["campaign"]
    assert made["userErrors"] == []
    assert (campaign["state"], campaign["segmentName"]) == ("DRAFT", "常客")
    assert (campaign["controlPercent"], campaign["weekCap"], campaign["windowDays"]) == (10, 2, 14)

    # when they rename it, schedule it, and then try to edit it
    renamed = await gql(
        "admin",
        UPDATE_CAMPAIGN,
        {"input": {"id": campaign["id"], "campaign": _input(segment, name="唤醒")}},
        token=owner_token,
    )
    assert renamed["data"]["updateCampaign"]["campaign"]["name"] == "唤醒"
    sent = await gql("admin", SCHEDULE_CAMPAIGN, {"id": campaign["id"]}, token=owner_token)
    assert sent["data"]["scheduleCampaign"]["campaign"]["state"] == "SCHEDULED"
    late = await gql(
        "admin", UPDATE_CAMPAIGN, {"input": {"id": campaign["id"], "campaign": _input(segment)}}, token=owner_token
    )

    # then a scheduled campaign is no longer editable, but can still be cancelled, once
    assert late["data"]["updateCampaign"]["userErrors"] == [{"field": "id", "code": "CAMPAIGN_STATE_INVALID"}]
    cancelled = await gql("admin", CANCEL_CAMPAIGN, {"id": campaign["id"]}, token=owner_token)
    assert cancelled["data"]["cancelCampaign"]["campaign"]["state"] == "CANCELLED"
    again = await gql("admin", CANCEL_CAMPAIGN, {"id": campaign["id"]}, token=owner_token)
    assert again["data"]["cancelCampaign"]["userErrors"] == [{"field": "id", "code": "CAMPAIGN_STATE_INVALID"}]
    listed = await gql("admin", CAMPAIGNS, token=owner_token)
    assert [e["node"]["state"] for e in listed["data"]["campaigns"]["edges"]] == ["CANCELLED"]


async def test_a_campaign_that_cannot_be_sent_is_refused_on_its_field_and_nothing_is_made(
    gql: Gql, mongo: Mongo, shop: Shop, owner_token: str
) -> None:
    # given a saved segment
    segment = to_global_id("Segment", await regulars_segment(mongo, shop))
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    cases = [
        (_input(segment, sendAt=past), "sendAt", "CAMPAIGN_SEND_TIME_PAST"),
        (_input(segment, controlPercent=60), "controlPercent", "CAMPAIGN_CONTROL_SHARE_INVALID"),
        (_input(segment, message=None), "couponTemplateId", "CAMPAIGN_ACTION_REQUIRED"),
        (_input(to_global_id("Segment", ObjectId())), "segmentId", "CAMPAIGN_SEGMENT_NOT_FOUND"),
        (
            _input(segment, couponTemplateId=to_global_id("CouponTemplate", ObjectId())),
            "couponTemplateId",
            "CAMPAIGN_TEMPLATE_NOT_ACTIVE",
        ),
    ]
    for payload, field, code in cases:
        # when the manager saves it
        refused = await _create(gql, owner_token, payload)
        # then the field at fault is named with its code, in Chinese unless asked otherwise
        assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [(field, code)]
        assert refused["campaign"] is None
    english = await _create(gql, owner_token, _input(segment, sendAt=past), lang="en")
    assert english["userErrors"][0]["message"] == "The send time has passed; choose another."
    listed = await gql("admin", CAMPAIGNS, token=owner_token)
    assert listed["data"]["campaigns"]["edges"] == []


@pytest.mark.slow
async def test_the_campaign_effect_costs_the_same_commands_for_100_and_10000_members(
    gql: Gql, mongo: Mongo, shop: Shop, owner_token: str
) -> None:
    segment = to_global_id("Segment", await regulars_segment(mongo, shop))

    async def commands_with(n: int) -> list[str]:
        # given a sent campaign that touched n members, a tenth of them in the control group
        made = await _create(gql, owner_token, _input(segment, name=f"{n} 人"))
        gid = made["campaign"]["id"]
        campaign_id = _oid(gid)
        touches = [Touch(ObjectId(), Group.CONTROL if i % 10 == 0 else Group.TREATMENT, None, None) for i in range(n)]
        await record_touches(
            mongo=mongo,
            merchant_id=shop.merchant.merchant.id,
            source=TouchSource.CAMPAIGN,
            source_id=campaign_id,
            touches=touches,
            at=datetime.now(UTC),
            window_days=14,
        )
        # when the manager opens its effect
        with count_commands(mongo) as commands:
            body = await gql("admin", CAMPAIGN_EFFECT, {"id": gid}, token=owner_token)
        effect = body["data"]["campaign"]["effect"]
        assert (effect["treatment"]["members"], effect["control"]["members"]) == (n - n // 10, n // 10)
        return list(commands)

    # then 10,000 members cost the very commands 100 do
    assert await commands_with(100) == await commands_with(10_000)


def _oid(gid: str) -> ObjectId:
    found = from_global_id("Campaign", gid)
    assert found is not None
    return found
