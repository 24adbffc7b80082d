"""Members' personal information under PIPL (个人信息保护法): the merchant's privacy-policy versions and each member's
agreement to them (`policy`, `consent`), and the member's own copy of everything Jike holds about them
(`member_data` declares where that is, `data_copy` prepares it and signs its download link), closing an account
(`erasure`) and the merchant's retention of inactive members (`retention`).
"""
