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
  | 'reports'
  | 'segments'
  | 'campaigns'
  | 'alerts'
  | 'journeys'
  | 'deadLetters'
  | 'today'
  | 'takings'
  | 'paidOrders'
  | 'newMembers'
  | 'upcomingBookings'
  | 'toDo'
  | 'arrivalsDue'
  | 'refundsInProgress'
  | 'networkError'
  | 'retry'
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
    reports: '经营报表',
    segments: '会员分群',
    campaigns: '营销活动',
    alerts: '预警',
    journeys: '自动化关怀',
    deadLetters: '失败任务',
    today: '今日 {date}',
    takings: '实收',
    paidOrders: '订单',
    newMembers: '新会员',
    upcomingBookings: '待服务预约',
    toDo: '待办',
    arrivalsDue: '待到店',
    refundsInProgress: '退款中',
    networkError: '网络不通，下拉重试',
    retry: '重试',
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
    reports: 'Reports',
    segments: 'Segments',
    campaigns: 'Campaigns',
    alerts: 'Alerts',
    journeys: 'Automated care',
    deadLetters: 'Failed jobs',
    today: 'Today {date}',
    takings: 'Takings',
    paidOrders: 'Orders',
    newMembers: 'New members',
    upcomingBookings: 'Bookings to come',
    toDo: 'To do',
    arrivalsDue: 'Arriving',
    refundsInProgress: 'Refunding',
    networkError: 'Network problem, pull to retry',
    retry: 'Retry',
  },
}
