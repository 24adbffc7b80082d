import type { Messages } from '../shell/i18n'

export const mineMessages: Messages<
  | 'allStores'
  | 'shareCode'
  | 'shareHint'
  | 'shareUnavailable'
  | 'language'
  | 'signOut'
  | 'confirmSignOut'
  | 'cancel'
  | 'accessLog'
  | 'privacy'
> = {
  zh: {
    allStores: '全部门店',
    shareCode: '我的专属二维码',
    shareHint: '顾客用微信扫一扫，进店领券注册，就算你拉来的客人',
    shareUnavailable: '二维码暂时生成不了，请稍后再试',
    language: '语言',
    signOut: '退出登录',
    confirmSignOut: '退出后需重新输入手机号和密码登录。',
    cancel: '取消',
    accessLog: '访问记录',
    privacy: '隐私政策',
  },
  en: {
    allStores: 'All stores',
    shareCode: 'My QR code',
    shareHint: 'Customers who scan this with WeChat and join are counted as yours',
    shareUnavailable: 'The QR code cannot be made right now; try again later',
    language: 'Language',
    signOut: 'Sign out',
    confirmSignOut: 'You will need your phone number and password to sign in again.',
    cancel: 'Cancel',
    accessLog: 'Access log',
    privacy: 'Privacy policy',
  },
}
