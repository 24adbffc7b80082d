"""Background jobs seen from the shop: events whose jobs are in flight, events that failed for good (dead
letters, which an owner can send round again), the scheduled jobs by name with the last run of each, and running
one of them now.
"""
