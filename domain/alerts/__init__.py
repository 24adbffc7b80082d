"""Alerts (预警): the rules an owner switches on and tunes, the cron's evaluation of them against the figures they
watch, the alerts that fire once per rule, subject and period, and each staff member's unread ones.
"""
