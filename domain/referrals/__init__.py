"""Referral chains (上下级): who brought whom, bound once on the first qualifying touch, with the stored upline
(`ancestors`, nearest first) that commissions read in one query; share codes that carry a touch; the chain
views and the owner's audited correction.
"""
