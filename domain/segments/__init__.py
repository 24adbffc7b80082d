"""Segments (会员分群): member facts kept one document per member, filters over them that combine with AND, saved
segments, staff's tags on members and the nightly RFM buckets."""
