import type { StaffRole } from '../gql/graphql'
import type { Messages } from './i18n'

export const shellMessages: Messages<
  | 'home'
  | 'members'
  | 'bill'
  | 'bookings'
  | 'mine'
  | 'loading'
  | 'networkError'
  | 'retry'
  | 'noStore'
  | StaffRole
> = {
  zh: {
    home: '工作台',
    members: '会员',
    bill: '收银',
    bookings: '预约',
    mine: '我的',
    loading: '加载中…',
    networkError: '网络不通，请重试',
    retry: '重试',
    noStore: '还没有可用的门店',
    OWNER: '店主',
    MANAGER: '店长',
    CASHIER: '收银员',
    TECHNICIAN: '技师',
  },
  en: {
    home: 'Home',
    members: 'Members',
    bill: 'Bill',
    bookings: 'Bookings',
    mine: 'Me',
    loading: 'Loading…',
    networkError: 'Network problem, try again',
    retry: 'Retry',
    noStore: 'No store yet',
    OWNER: 'Owner',
    MANAGER: 'Manager',
    CASHIER: 'Cashier',
    TECHNICIAN: 'Technician',
  },
}
