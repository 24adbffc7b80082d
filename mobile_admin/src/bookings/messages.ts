import type { Messages } from '../shell/i18n'

type Key =
  | 'title'
  | 'queue'
  | 'newBooking'
  | 'prevDay'
  | 'nextDay'
  | 'pickDate'
  | 'today'
  | 'tomorrow'
  | 'yesterday'
  | 'mine'
  | 'everyone'
  | 'me'
  | 'emptyDay'
  | 'offToday'
  | 'HELD'
  | 'BOOKED'
  | 'CHECKED_IN'
  | 'COMPLETED'
  | 'CANCELLED'
  | 'NO_SHOW'
  | 'EXPIRED'
  | 'service'
  | 'time'
  | 'staff'
  | 'member'
  | 'price'
  | 'deposit'
  | 'note'
  | 'cancelReason'
  | 'paidWith'
  | 'paidWithCountCard'
  | 'paidWithOrder'
  | 'openOrder'
  | 'checkIn'
  | 'complete'
  | 'reschedule'
  | 'noShow'
  | 'cancel'
  | 'checkedIn'
  | 'completed'
  | 'noShowMarked'
  | 'cancelled'
  | 'rescheduled'
  | 'booked'
  | 'noShowConfirm'
  | 'cancelTitle'
  | 'reason'
  | 'reasonPlaceholder'
  | 'keepBooking'
  | 'confirmCancel'
  | 'completeTitle'
  | 'countCardUses'
  | 'byOrder'
  | 'byOrderHint'
  | 'completeWithCard'
  | 'completeWithOrder'
  | 'completeConfirm'
  | 'rescheduleTitle'
  | 'rescheduleConfirm'
  | 'anyStaff'
  | 'noSlots'
  | 'minutes'
  | 'memberPhone'
  | 'memberPhonePlaceholder'
  | 'find'
  | 'noMemberFound'
  | 'change'
  | 'notePlaceholder'
  | 'confirmBooking'
  | 'slot'

export const bookingMessages: Messages<Key> = {
  zh: {
    title: '预约',
    queue: '叫号',
    newBooking: '新预约',
    prevDay: '前一天',
    nextDay: '后一天',
    pickDate: '选择日期',
    today: '今天',
    tomorrow: '明天',
    yesterday: '昨天',
    mine: '我的',
    everyone: '全部',
    me: '我',
    emptyDay: '这天没有排班，也没有预约',
    offToday: '休息',
    HELD: '待付定金',
    BOOKED: '已预约',
    CHECKED_IN: '已到店',
    COMPLETED: '已完成',
    CANCELLED: '已取消',
    NO_SHOW: '爽约',
    EXPIRED: '已过期',
    service: '服务',
    time: '时间',
    staff: '技师',
    member: '会员',
    price: '价格',
    deposit: '定金',
    note: '备注',
    cancelReason: '取消原因',
    paidWith: '结算',
    paidWithCountCard: '次卡扣 1 次',
    paidWithOrder: '消费单',
    openOrder: '查看消费单',
    checkIn: '签到',
    complete: '完成服务',
    reschedule: '改期',
    noShow: '爽约',
    cancel: '取消预约',
    checkedIn: '已签到',
    completed: '服务已完成',
    noShowMarked: '已记为爽约',
    cancelled: '预约已取消',
    rescheduled: '已改期',
    booked: '预约成功',
    noShowConfirm: '{member} 的 {time} {service} 记为爽约？记下后不能撤销，这段时间会空出来。',
    cancelTitle: '取消预约',
    reason: '原因',
    reasonPlaceholder: '必填，会告知顾客',
    keepBooking: '不取消',
    confirmCancel: '确认取消',
    completeTitle: '怎么结算？',
    countCardUses: '剩 {remaining}/{total} 次',
    byOrder: '生成消费单',
    byOrderHint: '按服务价开单（会员折扣、已付定金会算上），到收银台结账',
    completeWithCard: '用「{card}」扣 1 次，完成 {member} 的{service}？',
    completeWithOrder: '完成 {member} 的{service}，并生成消费单？',
    completeConfirm: '确认完成',
    rescheduleTitle: '改期',
    rescheduleConfirm: '{member} 的{service}改到 {day} {time}（{staff}）？顾客会收到通知。',
    anyStaff: '不限技师',
    noSlots: '这天没有空档了，换一天或换个技师',
    minutes: '{n} 分钟',
    memberPhone: '手机号',
    memberPhonePlaceholder: '会员的手机号',
    find: '查找',
    noMemberFound: '没有用这个手机号的会员',
    change: '更换',
    notePlaceholder: '选填，如“要长发师傅”',
    confirmBooking: '确认预约',
    slot: '时间',
  },
  en: {
    title: 'Bookings',
    queue: 'Queue',
    newBooking: 'Book',
    prevDay: 'Previous day',
    nextDay: 'Next day',
    pickDate: 'Pick a date',
    today: 'Today',
    tomorrow: 'Tomorrow',
    yesterday: 'Yesterday',
    mine: 'Mine',
    everyone: 'Everyone',
    me: 'me',
    emptyDay: 'No shifts and no bookings this day',
    offToday: 'Off',
    HELD: 'Awaiting deposit',
    BOOKED: 'Booked',
    CHECKED_IN: 'Checked in',
    COMPLETED: 'Completed',
    CANCELLED: 'Cancelled',
    NO_SHOW: 'No-show',
    EXPIRED: 'Expired',
    service: 'Service',
    time: 'Time',
    staff: 'Staff',
    member: 'Member',
    price: 'Price',
    deposit: 'Deposit',
    note: 'Note',
    cancelReason: 'Why cancelled',
    paidWith: 'Paid with',
    paidWithCountCard: 'One use of a count card',
    paidWithOrder: 'Visit order',
    openOrder: 'Open the order',
    checkIn: 'Check in',
    complete: 'Complete',
    reschedule: 'Reschedule',
    noShow: 'No-show',
    cancel: 'Cancel booking',
    checkedIn: 'Checked in',
    completed: 'Completed',
    noShowMarked: 'Marked as no-show',
    cancelled: 'Booking cancelled',
    rescheduled: 'Rescheduled',
    booked: 'Booked',
    noShowConfirm: "Mark {member}'s {time} {service} as a no-show? This cannot be undone; the time is freed.",
    cancelTitle: 'Cancel booking',
    reason: 'Reason',
    reasonPlaceholder: 'Required; the member is told',
    keepBooking: 'Keep it',
    confirmCancel: 'Cancel it',
    completeTitle: 'How is it paid?',
    countCardUses: '{remaining}/{total} left',
    byOrder: 'Make a visit order',
    byOrderHint: 'At the service price (level discount and deposit counted), paid at the counter',
    completeWithCard: "Take one use of “{card}” and complete {member}'s {service}?",
    completeWithOrder: "Complete {member}'s {service} and make its order?",
    completeConfirm: 'Complete',
    rescheduleTitle: 'Reschedule',
    rescheduleConfirm: "Move {member}'s {service} to {day} {time} ({staff})? The member is told.",
    anyStaff: 'Anyone',
    noSlots: 'Nothing free this day; try another day or anyone',
    minutes: '{n} min',
    memberPhone: 'Phone',
    memberPhonePlaceholder: "The member's phone",
    find: 'Find',
    noMemberFound: 'No member with this phone',
    change: 'Change',
    notePlaceholder: 'Optional',
    confirmBooking: 'Book',
    slot: 'Time',
  },
}
