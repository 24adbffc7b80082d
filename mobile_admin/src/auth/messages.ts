import type { Messages } from '../shell/i18n'

export const authMessages: Messages<
  | 'title'
  | 'subtitle'
  | 'phone'
  | 'phonePlaceholder'
  | 'password'
  | 'passwordPlaceholder'
  | 'signIn'
  | 'signedOutTitle'
  | 'signedOutRefused'
  | 'signedOutChose'
  | 'signInAgain'
  | 'networkError'
> = {
  zh: {
    title: '积客 · 店员端',
    subtitle: '用手机号和密码登录',
    phone: '手机号',
    phonePlaceholder: '请输入手机号',
    password: '密码',
    passwordPlaceholder: '请输入密码',
    signIn: '登录',
    signedOutTitle: '已退出登录',
    signedOutRefused: '登录已过期或在别处被注销，请重新登录。',
    signedOutChose: '你已退出登录。',
    signInAgain: '重新登录',
    networkError: '网络不通，请重试',
  },
  en: {
    title: 'Jike · Staff',
    subtitle: 'Sign in with your phone number and password',
    phone: 'Phone',
    phonePlaceholder: 'Phone number',
    password: 'Password',
    passwordPlaceholder: 'Password',
    signIn: 'Sign in',
    signedOutTitle: 'Signed out',
    signedOutRefused: 'Your session expired or was ended elsewhere. Please sign in again.',
    signedOutChose: 'You have signed out.',
    signInAgain: 'Sign in again',
    networkError: 'Network problem, try again',
  },
}
