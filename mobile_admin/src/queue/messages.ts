import type { Messages } from '../shell/i18n'

export const queueMessages: Messages<
  | 'title'
  | 'callNext'
  | 'called'
  | 'told'
  | 'waiting'
  | 'nobody'
  | 'number'
  | 'joinedAt'
  | 'refresh'
  | 'pullToRefresh'
> = {
  zh: {
    title: '叫号',
    callNext: '叫下一位',
    called: '已叫 {number} 号',
    told: '顾客收到',
    waiting: '{n} 位在等',
    nobody: '现在没有人排队',
    number: '{number} 号',
    joinedAt: '{time} 取号',
    refresh: '刷新',
    pullToRefresh: '下拉刷新',
  },
  en: {
    title: 'Queue',
    callNext: 'Call next',
    called: 'Called No. {number}',
    told: 'The member was told',
    waiting: '{n} waiting',
    nobody: 'Nobody is waiting',
    number: 'No. {number}',
    joinedAt: 'joined {time}',
    refresh: 'Refresh',
    pullToRefresh: 'Pull to refresh',
  },
}
