"""User-facing messages for every error code, in Chinese (default) and English.

A test checks that every code of every capability's enum has both messages here.
"""

from domain.members import MemberCode
from domain.sessions import SessionCode
from domain.staff_auth import StaffAuthCode
from domain.tenancy import TenancyCode

ZH = "zh"
EN = "en"

MESSAGES: dict[str, tuple[str, str]] = {
    MemberCode.INVALID_LOGIN_CODE: ("登录凭证无效或已使用，请重新登录", "The login code is invalid or already used."),
    MemberCode.MERCHANT_NOT_FOUND: ("商家不存在", "No such merchant."),
    MemberCode.CHANNEL_UNAVAILABLE: ("登录服务暂不可用，请稍后再试", "The sign-in service is unavailable; try again."),
    SessionCode.INVALID_REFRESH_TOKEN: ("登录已过期，请重新登录", "The refresh token is invalid or expired."),
    SessionCode.REFRESH_TOKEN_REUSED: (
        "登录凭证已被使用，为安全起见请重新登录",
        "The refresh token was already used; sign in again.",
    ),
    StaffAuthCode.INVALID_CREDENTIALS: ("手机号或密码错误", "Wrong phone number or password."),
    StaffAuthCode.STAFF_LOGIN_LOCKED: ("登录失败次数过多，请稍后再试", "Too many failed sign-ins; try again later."),
    TenancyCode.NAME_REQUIRED: ("请填写名称（64 字以内）", "A name of up to 64 characters is required."),
    TenancyCode.INVALID_TIMEZONE: ("时区无效", "Unknown time zone."),
    TenancyCode.INVALID_PHONE: ("手机号格式不正确", "Invalid phone number."),
    TenancyCode.PHONE_TAKEN: ("该手机号已被使用", "This phone number is already in use."),
    TenancyCode.PASSWORD_TOO_SHORT: ("密码至少 8 位", "The password needs at least 8 characters."),
    TenancyCode.STORE_NOT_FOUND: ("门店不存在", "No such store."),
    TenancyCode.STORES_REQUIRED: ("请至少选择一个门店", "Choose at least one store."),
    "INVALID_ID": ("ID 无效", "Invalid ID."),
}


def message(code: str, lang: str) -> str:
    zh, en = MESSAGES.get(code, (code, code))
    return en if lang == EN else zh
