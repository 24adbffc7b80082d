"""Notifications: what a member is told (one template per topic) and how it reaches them. Every notification
lands in the member's in-app inbox; a WeChat subscribe message goes out while the member has granted quota for
its template, and some topics also go by SMS. A dedupe key per notification makes every re-run harmless.
"""
