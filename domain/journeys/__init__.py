"""Automated journeys (自动化关怀): the owner's rules, evaluated daily, that send a member a coupon or a reminder
at a moment of their own history, and the effect each rule has."""
