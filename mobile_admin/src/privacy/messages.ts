import type { Messages } from '../shell/i18n'
import type { PolicyState } from './policies'

type Key =
  | 'title'
  | 'hint'
  | 'none'
  | 'publish'
  | 'publishTitle'
  | 'publishHint'
  | 'version'
  | 'versionPlaceholder'
  | 'policyTitle'
  | 'policyTitlePlaceholder'
  | 'content'
  | 'kind_text'
  | 'kind_url'
  | 'text'
  | 'textPlaceholder'
  | 'url'
  | 'from'
  | 'from_now'
  | 'from_day'
  | 'day'
  | 'dayMissing'
  | 'effective'
  | 'published'
  | 'submit'
  | 'confirm'
  | 'cancel'
  | 'done'
  | 'networkError'
  | 'loadFailed'
  | `state_${PolicyState}`

export const privacyMessages: Messages<Key> = {
  zh: {
    title: '隐私政策',
    hint: '会员留手机号、生日、昵称或同意营销短信前，须先同意生效中的版本；新版本生效后，每位会员都会被请求重新同意。已发布的版本不能修改。',
    none: '尚未发布本店的隐私政策，会员看到的是平台默认版本（v0）。',
    publish: '发布新版本',
    publishTitle: '发布隐私政策',
    publishHint: '版本号发布后不能再用；生效后所有会员须重新同意。',
    version: '版本号',
    versionPlaceholder: '如 2026.12',
    policyTitle: '标题',
    policyTitlePlaceholder: '如 积客会员隐私政策',
    content: '内容',
    kind_text: '填写全文',
    kind_url: '填写链接',
    text: '全文',
    textPlaceholder: '政策全文，会员在小程序中阅读',
    url: '链接',
    from: '生效',
    from_now: '立即生效',
    from_day: '指定日期',
    day: '生效日期',
    dayMissing: '请选择生效日期',
    effective: '生效',
    published: '发布',
    submit: '发布',
    confirm: '发布后不能修改，生效后所有会员须重新同意。确定发布 {version}？',
    cancel: '取消',
    done: '已发布',
    networkError: '网络异常，请重试',
    loadFailed: '加载失败，点击重试',
    state_current: '生效中',
    state_scheduled: '待生效',
    state_superseded: '已替换',
  },
  en: {
    title: 'Privacy policy',
    hint: 'Members agree to the version in effect before giving their phone, birthday or nickname, or agreeing to marketing SMS; once a new version takes effect, every member is asked to agree again. A published version cannot be changed.',
    none: 'This store has published no policy of its own; members see the platform default (v0).',
    publish: 'Publish a new version',
    publishTitle: 'Publish a privacy policy',
    publishHint: 'A version number can be used once; when it takes effect every member is asked to agree again.',
    version: 'Version',
    versionPlaceholder: 'e.g. 2026.12',
    policyTitle: 'Title',
    policyTitlePlaceholder: 'e.g. Member privacy policy',
    content: 'Content',
    kind_text: 'Text',
    kind_url: 'Link',
    text: 'Text',
    textPlaceholder: 'The full policy, as members read it in the mini-program',
    url: 'Link',
    from: 'Takes effect',
    from_now: 'Now',
    from_day: 'On a day',
    day: 'Day',
    dayMissing: 'Choose the day it takes effect',
    effective: 'Effective',
    published: 'Published',
    submit: 'Publish',
    confirm: 'It cannot be changed once published, and every member will be asked to agree again. Publish {version}?',
    cancel: 'Cancel',
    done: 'Published',
    networkError: 'Network error, try again',
    loadFailed: 'Could not load; tap to retry',
    state_current: 'In effect',
    state_scheduled: 'Scheduled',
    state_superseded: 'Replaced',
  },
}
