"""Member cards and loyalty: the card, its level, points, stored value, count cards and the member code.

Every balance here changes only through `domain.cards.ledger.post`, one transaction per change.
"""
