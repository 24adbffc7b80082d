"""Closing a member's account (注销, `erasure`) and the merchant's retention of inactive members (`retention`): a
package apart from domain.privacy because it reaches into cards, commissions, orders and payouts, which themselves
ask domain.privacy whether the member agreed to the policy.
"""
