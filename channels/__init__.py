"""Mini-program platform clients (WeChat, Alipay): login, phone numbers, subscribe messages, QR codes.

They know protocols, not our data. `channels.fake` is a real HTTP server speaking the same protocols.
"""
