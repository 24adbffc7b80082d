import type { Messages } from '../shell/i18n'

type Key =
  // the bill
  | 'title'
  | 'orders'
  | 'member'
  | 'memberPlaceholder'
  | 'find'
  | 'walkIn'
  | 'removeMember'
  | 'points'
  | 'storedValue'
  | 'cardLost'
  | 'modeItems'
  | 'modeAmount'
  | 'addItems'
  | 'noItems'
  | 'pickItems'
  | 'done'
  | 'amount'
  | 'amountPlaceholder'
  | 'badAmount'
  | 'yuanUnit'
  | 'coupon'
  | 'noCoupon'
  | 'couponsAvailable'
  | 'noCouponsHeld'
  | 'pickCoupon'
  | 'useNoCoupon'
  | 'validTo'
  | 'usePoints'
  | 'pointsHeld'
  | 'priceTitle'
  | 'pricing'
  | 'listPrice'
  | 'levelDiscount'
  | 'couponDiscount'
  | 'pointsDiscount'
  | 'due'
  | 'checkout'
  | 'emptyBill'
  // paying
  | 'collect'
  | 'payStoredValue'
  | 'payCash'
  | 'payWechat'
  | 'payAlipay'
  | 'balance'
  | 'backToBill'
  | 'confirmTitle'
  | 'confirmStoredValue'
  | 'confirmCash'
  | 'confirm'
  | 'cancel'
  | 'showCode'
  | 'scanWith_WECHAT_PAY'
  | 'scanWith_ALIPAY'
  | 'codeExpires'
  | 'codeExpired'
  | 'newCode'
  | 'otherMethod'
  | 'waitingForPayer'
  | 'paidTitle'
  | 'paidBy'
  | 'balanceNow'
  | 'nextBill'
  | 'viewOrder'
  // the order list and the order
  | 'ordersTitle'
  | 'all'
  | 'refunding'
  | 'noOrders'
  | 'walkInName'
  | 'amountLine'
  | 'orderTitle'
  | 'notFound'
  | 'items'
  | 'price'
  | 'payments'
  | 'refunds'
  | 'noPayments'
  | 'paidAt'
  | 'createdAt'
  | 'store'
  | 'note'
  | 'refund'
  | 'refundTitle'
  | 'refundLeft'
  | 'refundAmount'
  | 'refundAll'
  | 'refundReason'
  | 'refundReasonPlaceholder'
  | 'refundSubmit'
  | 'confirmRefund'
  | 'refunded'
  | 'refundPointsTaken'
  | 'refundPointsReturned'
  | 'refundStoredValue'
  | 'closeOrder'
  | 'confirmClose'
  | 'closed'
  | 'networkError'
  | 'retry'
  | 'loadFailed'
  | 'finished'
  | 'noStore'
  // what a coupon gives
  | 'amountOff'
  | 'percentOff'
  | 'percentCap'
  | 'gift'
  | 'minimumSpend'
  | 'noMinimum'
  // states and methods
  | 'status_PENDING'
  | 'status_PAID'
  | 'status_PARTIALLY_REFUNDED'
  | 'status_REFUNDED'
  | 'status_CLOSED'
  | 'method_STORED_VALUE'
  | 'method_CASH'
  | 'method_WECHAT_PAY'
  | 'method_ALIPAY'
  | 'payment_OPEN'
  | 'payment_SUCCEEDED'
  | 'payment_CLOSED'
  | 'refund_PROCESSING'
  | 'refund_SUCCEEDED'
  | 'refund_FAILED'

export const billMessages: Messages<Key> = {
  zh: {
    title: '收银',
    orders: '订单',
    member: '会员',
    memberPlaceholder: '手机号 / 卡号 / 会员码',
    find: '识别',
    walkIn: '散客（不识别会员）',
    removeMember: '移除会员',
    points: '积分',
    storedValue: '储值',
    cardLost: '已挂失',
    modeItems: '选项目',
    modeAmount: '输入金额',
    addItems: '添加项目',
    noItems: '还没有选项目',
    pickItems: '选择项目',
    done: '完成',
    amount: '金额',
    amountPlaceholder: '0.00',
    badAmount: '请输入正确的金额（最多两位小数）',
    yuanUnit: '元',
    coupon: '优惠券',
    noCoupon: '不使用',
    couponsAvailable: '{count} 张可用',
    noCouponsHeld: '该会员没有可用的券',
    pickCoupon: '选择优惠券',
    useNoCoupon: '不使用优惠券',
    validTo: '{date} 到期',
    usePoints: '积分抵扣',
    pointsHeld: '可用 {points} 积分',
    priceTitle: '价格（系统计算）',
    pricing: '计算中…',
    listPrice: '原价',
    levelDiscount: '会员折扣',
    couponDiscount: '优惠券',
    pointsDiscount: '积分抵扣（{points} 积分）',
    due: '应收',
    checkout: '结算',
    emptyBill: '选项目或输入金额后显示价格',
    collect: '收款',
    payStoredValue: '储值支付',
    payCash: '现金',
    payWechat: '微信收款码',
    payAlipay: '支付宝收款码',
    balance: '余额 {amount}',
    backToBill: '返回修改',
    confirmTitle: '确认收款',
    confirmStoredValue: '从会员储值扣 {amount}？',
    confirmCash: '已收现金 {amount}？',
    confirm: '确认',
    cancel: '取消',
    showCode: '请顾客扫码支付',
    scanWith_WECHAT_PAY: '用微信扫一扫',
    scanWith_ALIPAY: '用支付宝扫一扫',
    codeExpires: '{time} 前有效',
    codeExpired: '收款码已过期',
    newCode: '重新生成',
    otherMethod: '换其他方式收款',
    waitingForPayer: '等待顾客支付…',
    paidTitle: '收款成功',
    paidBy: '{method}收款',
    balanceNow: '会员储值余额 {amount}',
    nextBill: '再开一单',
    viewOrder: '查看订单',
    ordersTitle: '订单',
    all: '全部',
    refunding: '退款中',
    noOrders: '没有订单',
    walkInName: '散客',
    amountLine: '自定义金额',
    orderTitle: '订单详情',
    notFound: '订单不存在',
    items: '项目',
    price: '价格',
    payments: '支付',
    refunds: '退款',
    noPayments: '还没有支付',
    paidAt: '支付时间',
    createdAt: '下单时间',
    store: '门店',
    note: '备注',
    refund: '退款',
    refundTitle: '退款',
    refundLeft: '可退 {amount}',
    refundAmount: '退款金额',
    refundAll: '全额',
    refundReason: '原因',
    refundReasonPlaceholder: '必填，80 字以内',
    refundSubmit: '退款',
    confirmRefund: '退给顾客 {amount}？\n原因：{reason}',
    refunded: '已退款',
    refundPointsTaken: '扣回积分 {points}',
    refundPointsReturned: '退回积分 {points}',
    refundStoredValue: '退回储值 {amount}',
    closeOrder: '关闭订单',
    confirmClose: '关闭这笔未支付的订单？关闭后不能再收款。',
    closed: '订单已关闭',
    networkError: '网络不通，请重试',
    retry: '重试',
    loadFailed: '加载失败，点击重试',
    finished: '没有更多了',
    noStore: '还没有可用的门店',
    amountOff: '减{value}',
    percentOff: '{zhe}折',
    percentCap: '最多减{cap}',
    gift: '赠 {item}',
    minimumSpend: '满{minimum}可用',
    noMinimum: '无门槛',
    status_PENDING: '待支付',
    status_PAID: '已支付',
    status_PARTIALLY_REFUNDED: '部分退款',
    status_REFUNDED: '已退款',
    status_CLOSED: '已关闭',
    method_STORED_VALUE: '储值',
    method_CASH: '现金',
    method_WECHAT_PAY: '微信支付',
    method_ALIPAY: '支付宝',
    payment_OPEN: '待支付',
    payment_SUCCEEDED: '成功',
    payment_CLOSED: '已关闭',
    refund_PROCESSING: '退款中',
    refund_SUCCEEDED: '已退款',
    refund_FAILED: '失败',
  },
  en: {
    title: 'Bill',
    orders: 'Orders',
    member: 'Member',
    memberPlaceholder: 'Phone / card no. / member code',
    find: 'Find',
    walkIn: 'Walk-in (no member)',
    removeMember: 'Remove member',
    points: 'Points',
    storedValue: 'Stored value',
    cardLost: 'Reported lost',
    modeItems: 'Items',
    modeAmount: 'Amount',
    addItems: 'Add items',
    noItems: 'No items yet',
    pickItems: 'Pick items',
    done: 'Done',
    amount: 'Amount',
    amountPlaceholder: '0.00',
    badAmount: 'Type an amount in yuan (up to two decimals)',
    yuanUnit: 'yuan',
    coupon: 'Coupon',
    noCoupon: 'None',
    couponsAvailable: '{count} usable',
    noCouponsHeld: 'No usable coupons',
    pickCoupon: 'Pick a coupon',
    useNoCoupon: 'No coupon',
    validTo: 'until {date}',
    usePoints: 'Pay with points',
    pointsHeld: '{points} points held',
    priceTitle: 'Price (computed by the system)',
    pricing: 'Pricing…',
    listPrice: 'List price',
    levelDiscount: 'Member discount',
    couponDiscount: 'Coupon',
    pointsDiscount: 'Points ({points})',
    due: 'Due',
    checkout: 'Check out',
    emptyBill: 'Pick items or type an amount to see the price',
    collect: 'Collect',
    payStoredValue: 'Stored value',
    payCash: 'Cash',
    payWechat: 'WeChat Pay code',
    payAlipay: 'Alipay code',
    balance: 'Balance {amount}',
    backToBill: 'Back to the bill',
    confirmTitle: 'Take the money',
    confirmStoredValue: "Take {amount} from the member's stored value?",
    confirmCash: 'Received {amount} in cash?',
    confirm: 'Confirm',
    cancel: 'Cancel',
    showCode: 'Ask the customer to scan and pay',
    scanWith_WECHAT_PAY: 'Scan with WeChat',
    scanWith_ALIPAY: 'Scan with Alipay',
    codeExpires: 'Valid until {time}',
    codeExpired: 'The code has expired',
    newCode: 'New code',
    otherMethod: 'Take another way',
    waitingForPayer: 'Waiting for the customer to pay…',
    paidTitle: 'Paid',
    paidBy: 'Paid by {method}',
    balanceNow: 'Stored value left {amount}',
    nextBill: 'Next bill',
    viewOrder: 'View order',
    ordersTitle: 'Orders',
    all: 'All',
    refunding: 'Refunding',
    noOrders: 'No orders',
    walkInName: 'Walk-in',
    amountLine: 'Amount',
    orderTitle: 'Order',
    notFound: 'No such order',
    items: 'Items',
    price: 'Price',
    payments: 'Payments',
    refunds: 'Refunds',
    noPayments: 'Not paid yet',
    paidAt: 'Paid at',
    createdAt: 'Made at',
    store: 'Store',
    note: 'Note',
    refund: 'Refund',
    refundTitle: 'Refund',
    refundLeft: '{amount} refundable',
    refundAmount: 'Amount',
    refundAll: 'All',
    refundReason: 'Reason',
    refundReasonPlaceholder: 'Required, up to 80 characters',
    refundSubmit: 'Refund',
    confirmRefund: 'Refund {amount} to the customer?\nReason: {reason}',
    refunded: 'Refunded',
    refundPointsTaken: '{points} points taken back',
    refundPointsReturned: '{points} points returned',
    refundStoredValue: '{amount} stored value returned',
    closeOrder: 'Close order',
    confirmClose: 'Close this unpaid order? It cannot be paid afterwards.',
    closed: 'Order closed',
    networkError: 'Network problem, try again',
    retry: 'Retry',
    loadFailed: 'Could not load, tap to retry',
    finished: 'No more',
    noStore: 'No store yet',
    amountOff: '{value} off',
    percentOff: '{percent}% off',
    percentCap: 'up to {cap}',
    gift: 'Free {item}',
    minimumSpend: 'Spend {minimum}',
    noMinimum: 'No minimum',
    status_PENDING: 'Unpaid',
    status_PAID: 'Paid',
    status_PARTIALLY_REFUNDED: 'Part refunded',
    status_REFUNDED: 'Refunded',
    status_CLOSED: 'Closed',
    method_STORED_VALUE: 'Stored value',
    method_CASH: 'Cash',
    method_WECHAT_PAY: 'WeChat Pay',
    method_ALIPAY: 'Alipay',
    payment_OPEN: 'Open',
    payment_SUCCEEDED: 'Succeeded',
    payment_CLOSED: 'Closed',
    refund_PROCESSING: 'Processing',
    refund_SUCCEEDED: 'Refunded',
    refund_FAILED: 'Failed',
  },
}
