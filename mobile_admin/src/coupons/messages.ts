import type { Messages } from '../shell/i18n'

type Key =
  | 'title'
  | 'templatesTab'
  | 'packsTab'
  | 'create'
  | 'unlimited'
  | 'issuedOf'
  | 'emptyTemplates'
  | 'emptyPacks'
  | 'loadFailed'
  | 'networkError'
  | 'DRAFT'
  | 'ACTIVE'
  | 'PAUSED'
  | 'ENDED'
  | 'AMOUNT_OFF'
  | 'PERCENT_OFF'
  | 'GIFT'
  | 'EXPERIENCE'
  | 'newTitle'
  | 'kind'
  | 'name'
  | 'namePlaceholder'
  | 'value'
  | 'experiencePrice'
  | 'yuanPlaceholder'
  | 'percent'
  | 'percentPlaceholder'
  | 'cap'
  | 'capPlaceholder'
  | 'minimum'
  | 'minimumPlaceholder'
  | 'item'
  | 'pickItem'
  | 'validity'
  | 'validDays'
  | 'validWindow'
  | 'days'
  | 'validFrom'
  | 'validTo'
  | 'allStores'
  | 'stores'
  | 'stock'
  | 'stockPlaceholder'
  | 'perMemberLimit'
  | 'transferable'
  | 'terms'
  | 'termsPlaceholder'
  | 'submitDraft'
  | 'created'
  | 'amount'
  | 'percentProblem'
  | 'whole'
  | 'date'
  | 'required'
  | 'notFound'
  | 'benefit'
  | 'validityDays'
  | 'validityWindow'
  | 'scope'
  | 'perMember'
  | 'transferableYes'
  | 'transferableNo'
  | 'issued'
  | 'activate'
  | 'pause'
  | 'resume'
  | 'end'
  | 'confirmActivate'
  | 'confirmPause'
  | 'confirmEnd'
  | 'updated'
  | 'grant'
  | 'funnel'
  | 'stepIssued'
  | 'stepForwarded'
  | 'stepClaimed'
  | 'stepRedeemed'
  | 'stepRedeemedShort'
  | 'revenue'
  | 'newMembers'
  | 'bySharer'
  | 'byStaff'
  | 'nobody'
  | 'noRows'
  | 'holder'
  | 'toMember'
  | 'toStaff'
  | 'searchMember'
  | 'size'
  | 'grantConfirm'
  | 'granted'
  | 'pickHolder'
  | 'remaining'
  | 'share'
  | 'shareTitle'
  | 'shareHint'
  | 'confirm'
  | 'cancel'

export const couponMessages: Messages<Key> = {
  zh: {
    title: '优惠券',
    templatesTab: '券模板',
    packsTab: '我的积客包',
    create: '新建',
    unlimited: '不限量',
    issuedOf: '已发 {issued} / {stock}',
    emptyTemplates: '还没有优惠券，点右上角新建',
    emptyPacks: '还没有积客包',
    loadFailed: '加载失败，点击重试',
    networkError: '网络不通，请重试',
    DRAFT: '草稿',
    ACTIVE: '进行中',
    PAUSED: '已暂停',
    ENDED: '已结束',
    AMOUNT_OFF: '满减券',
    PERCENT_OFF: '折扣券',
    GIFT: '赠品券',
    EXPERIENCE: '体验卡',
    newTitle: '新建优惠券',
    kind: '类型',
    name: '名称',
    namePlaceholder: '如 满100减20',
    value: '面额（元）',
    experiencePrice: '体验价（元）',
    yuanPlaceholder: '如 20',
    percent: '折扣（折）',
    percentPlaceholder: '如 8.5',
    cap: '最多减（元）',
    capPlaceholder: '不填则不封顶',
    minimum: '门槛（元）',
    minimumPlaceholder: '满多少可用，不填为无门槛',
    item: '商品 / 服务',
    pickItem: '请选择',
    validity: '有效期',
    validDays: '领取后',
    validWindow: '固定日期',
    days: '天数',
    validFrom: '开始日期',
    validTo: '结束日期',
    allStores: '全部门店可用',
    stores: '适用门店',
    stock: '发放总量',
    stockPlaceholder: '不填为不限量',
    perMemberLimit: '每人限领',
    transferable: '可转赠好友',
    terms: '使用须知',
    termsPlaceholder: '选填，会员领券时可见',
    submitDraft: '创建为草稿',
    created: '已创建，启用后会员即可领取',
    amount: '请输入金额，如 20 或 19.90',
    percentProblem: '请输入 0 到 10 之间的折扣，如 8.5',
    whole: '请输入正整数',
    date: '请选择日期',
    required: '必填',
    notFound: '找不到这张优惠券',
    benefit: '优惠',
    validityDays: '领取后 {days} 天内有效',
    validityWindow: '{from} 至 {to}',
    scope: '适用门店',
    perMember: '每人限领 {n} 张',
    transferableYes: '可转赠',
    transferableNo: '不可转赠',
    issued: '已发 / 总量',
    activate: '启用',
    pause: '暂停',
    resume: '恢复',
    end: '结束',
    confirmActivate: '启用后会员即可领取这张券。',
    confirmPause: '暂停后会员暂时不能领取，已领的券照常可用。',
    confirmEnd: '结束后不能再启用，会员不能再领取；已领的券照常可用。',
    updated: '已更新',
    grant: '发积客包',
    funnel: '转化漏斗',
    stepIssued: '发送',
    stepForwarded: '转发',
    stepClaimed: '领取',
    stepRedeemed: '到店核销',
    stepRedeemedShort: '核销',
    revenue: '带来营收',
    newMembers: '新会员',
    bySharer: '按分享人',
    byStaff: '按员工',
    nobody: '无人分享',
    noRows: '暂无数据',
    holder: '发给',
    toMember: '会员',
    toStaff: '员工',
    searchMember: '手机号 / 卡号 / 昵称',
    size: '张数',
    grantConfirm: '发 {size} 张「{title}」给 {name}？',
    granted: '已发放',
    pickHolder: '请选择会员或员工',
    remaining: '剩余 {remaining} / {size}',
    share: '分享',
    shareTitle: '分享链接',
    shareHint: '把这个小程序路径放进分享卡片，好友打开即可领取：',
    confirm: '确定',
    cancel: '取消',
  },
  en: {
    title: 'Coupons',
    templatesTab: 'Templates',
    packsTab: 'My packs',
    create: 'New',
    unlimited: 'unlimited',
    issuedOf: '{issued} / {stock} out',
    emptyTemplates: 'No coupons yet: tap New',
    emptyPacks: 'No packs yet',
    loadFailed: 'Failed to load, tap to retry',
    networkError: 'Network problem, try again',
    DRAFT: 'Draft',
    ACTIVE: 'Active',
    PAUSED: 'Paused',
    ENDED: 'Ended',
    AMOUNT_OFF: 'Amount off',
    PERCENT_OFF: 'Percent off',
    GIFT: 'Gift',
    EXPERIENCE: 'Trial',
    newTitle: 'New coupon',
    kind: 'Kind',
    name: 'Title',
    namePlaceholder: 'e.g. ¥20 off ¥100',
    value: 'Value (¥)',
    experiencePrice: 'Trial price (¥)',
    yuanPlaceholder: 'e.g. 20',
    percent: '% off',
    percentPlaceholder: 'e.g. 15',
    cap: 'Max off (¥)',
    capPlaceholder: 'Empty for no cap',
    minimum: 'Min. spend (¥)',
    minimumPlaceholder: 'Empty for none',
    item: 'Item / service',
    pickItem: 'Pick',
    validity: 'Valid',
    validDays: 'From receipt',
    validWindow: 'Fixed dates',
    days: 'Days',
    validFrom: 'From',
    validTo: 'To',
    allStores: 'All stores',
    stores: 'Stores',
    stock: 'Total',
    stockPlaceholder: 'Empty for unlimited',
    perMemberLimit: 'Per member',
    transferable: 'Can be forwarded',
    terms: 'Terms',
    termsPlaceholder: 'Optional, shown when claiming',
    submitDraft: 'Create as draft',
    created: 'Created: activate it so members can claim it',
    amount: 'An amount, e.g. 20 or 19.90',
    percentProblem: 'A percentage between 0 and 100, e.g. 15',
    whole: 'A whole number above 0',
    date: 'Pick a date',
    required: 'Required',
    notFound: 'No such coupon',
    benefit: 'Benefit',
    validityDays: '{days} days from receipt',
    validityWindow: '{from} to {to}',
    scope: 'Stores',
    perMember: '{n} per member',
    transferableYes: 'can be forwarded',
    transferableNo: 'cannot be forwarded',
    issued: 'Out / total',
    activate: 'Activate',
    pause: 'Pause',
    resume: 'Resume',
    end: 'End',
    confirmActivate: 'Members can claim it once it is active.',
    confirmPause: 'Members cannot claim it while paused; coupons they hold still work.',
    confirmEnd: 'An ended coupon cannot be activated again; coupons members hold still work.',
    updated: 'Updated',
    grant: 'Grant a pack',
    funnel: 'Funnel',
    stepIssued: 'Sent',
    stepForwarded: 'Forwarded',
    stepClaimed: 'Claimed',
    stepRedeemed: 'Redeemed',
    stepRedeemedShort: 'Redeemed',
    revenue: 'Revenue',
    newMembers: 'New members',
    bySharer: 'By sharer',
    byStaff: 'By staff',
    nobody: 'Not shared',
    noRows: 'Nothing yet',
    holder: 'To',
    toMember: 'Member',
    toStaff: 'Staff',
    searchMember: 'Phone / card no. / nickname',
    size: 'Coupons',
    grantConfirm: 'Grant {size} × “{title}” to {name}?',
    granted: 'Granted',
    pickHolder: 'Pick a member or a staff member',
    remaining: '{remaining} / {size} left',
    share: 'Share',
    shareTitle: 'Share link',
    shareHint: 'Put this mini-program path in a share card; friends who open it can claim:',
    confirm: 'OK',
    cancel: 'Cancel',
  },
}
