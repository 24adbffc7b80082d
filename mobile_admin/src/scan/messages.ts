import type { Messages } from '../shell/i18n'

export const scanMessages: Messages<
  | 'title'
  | 'codeLabel'
  | 'codePlaceholder'
  | 'look'
  | 'scanInWeChat'
  | 'aimHint'
  | 'cameraStarting'
  | 'cameraDenied'
  | 'cameraMissing'
  | 'cameraInsecure'
  | 'cameraFailed'
  | 'cameraAgain'
  | 'empty'
  | 'unknown'
  | 'noStore'
  | 'networkError'
  | 'member'
  | 'validTo'
  | 'terms'
  | 'redeem'
  | 'cancel'
  | 'redeemed'
  | 'redeemedAt'
  | 'lastRedeemed'
  | 'lookingUp'
> = {
  zh: {
    title: '扫码核销',
    codeLabel: '券码',
    codePlaceholder: '扫码，或输入券码 / 会员码 / 卡号 / 手机号',
    look: '查询',
    scanInWeChat: '微信扫一扫',
    aimHint: '将顾客的二维码放入框内',
    cameraStarting: '正在打开摄像头…',
    cameraDenied: '未允许使用摄像头，请在浏览器设置中允许，或直接输入',
    cameraMissing: '没有可用的摄像头，请直接输入',
    cameraInsecure: '当前连接无法使用摄像头（需 HTTPS），请直接输入',
    cameraFailed: '摄像头打开失败，请直接输入',
    cameraAgain: '重新打开摄像头',
    empty: '请先扫码或输入',
    unknown: '认不出这个码：请扫顾客的券码或会员码',
    noStore: '还没有可用的门店，无法核销',
    networkError: '网络不通，请重试',
    member: '会员',
    validTo: '有效期至',
    terms: '使用须知',
    redeem: '确认核销',
    cancel: '取消',
    redeemed: '核销成功',
    redeemedAt: '{title} · {member} · {when}',
    lastRedeemed: '刚刚核销',
    lookingUp: '查询中…',
  },
  en: {
    title: 'Scan',
    codeLabel: 'Code',
    codePlaceholder: 'Scan, or type a coupon / member code, card no. or phone',
    look: 'Look up',
    scanInWeChat: 'Scan with WeChat',
    aimHint: "Fit the customer's QR code in the frame",
    cameraStarting: 'Opening the camera…',
    cameraDenied: 'Camera not allowed: allow it in the browser settings, or type the code',
    cameraMissing: 'No camera here: type the code',
    cameraInsecure: 'This connection cannot use the camera (needs HTTPS): type the code',
    cameraFailed: 'The camera did not open: type the code',
    cameraAgain: 'Open the camera again',
    empty: 'Scan or type a code first',
    unknown: "Not a code we know: scan the customer's coupon or member code",
    noStore: 'No store yet: nothing can be redeemed',
    networkError: 'Network problem, try again',
    member: 'Member',
    validTo: 'Valid until',
    terms: 'Terms',
    redeem: 'Redeem',
    cancel: 'Cancel',
    redeemed: 'Redeemed',
    redeemedAt: '{title} · {member} · {when}',
    lastRedeemed: 'Just redeemed',
    lookingUp: 'Looking up…',
  },
}
