"""Background jobs seen from the shop: events whose jobs are in flight, events that failed for good (dead
letters, which an owner can send round again) and the last run of each scheduled job.
"""
