import type { Messages } from '../shell/i18n'

export const homeMessages: Messages<
  | 'title'
  | 'scan'
  | 'scanHint'
  | 'pickStore'
  | 'members'
  | 'bill'
  | 'bookings'
  | 'queue'
  | 'coupons'
  | 'orders'
  | 'shareholders'
  | 'deadLetters'
> = {
  zh: {
    title: '工作台',
    scan: '扫码',
    scanHint: '核销券 · 识别会员',
    pickStore: '选择门店',
    members: '会员',
    bill: '收银',
    bookings: '预约',
    queue: '叫号',
    coupons: '优惠券',
    orders: '订单',
    shareholders: '股东',
    deadLetters: '失败任务',
  },
  en: {
    title: 'Home',
    scan: 'Scan',
    scanHint: 'Redeem coupons · find members',
    pickStore: 'Pick a store',
    members: 'Members',
    bill: 'Bill',
    bookings: 'Bookings',
    queue: 'Queue',
    coupons: 'Coupons',
    orders: 'Orders',
    shareholders: 'Shareholders',
    deadLetters: 'Failed jobs',
  },
}
