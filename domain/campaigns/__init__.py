"""Campaigns (精准营销活动): a saved segment's members, a coupon and/or a message, a send time, a control group
measured the same way; sent by the worker in pages, exactly once per member, resumable after a crash."""
