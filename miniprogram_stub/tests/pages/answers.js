// Schema-shaped answers the pages' tests give the fake API, each a whole object of its type so a document may
// ask for any of its fields; tests override what they are about.
const T = "2026-11-24T10:00:00+08:00";
const PAGE_INFO = { hasNextPage: false, endCursor: null };
const connection = (nodes) => ({ edges: nodes.map((node, i) => ({ node, cursor: String(i) })), pageInfo: PAGE_INFO });

const benefit = (over = {}) => ({
  kind: "AMOUNT_OFF",
  valueFen: 2000,
  percentOffBp: 0,
  capFen: null,
  minimumSpendFen: 10000,
  itemId: null,
  itemName: null,
  ...over,
});

const template = (over = {}) => ({
  id: "t1",
  title: "满100减20",
  description: "全场通用",
  terms: "不与其他优惠同享",
  benefit: benefit(),
  validity: { startsAt: null, endsAt: null, days: 30 },
  allStores: true,
  transferable: true,
  perMemberLimit: 1,
  remaining: 12,
  stores: [],
  ...over,
});

const coupon = (over = {}) => ({
  id: "c1",
  status: "ACTIVE",
  template: template(),
  validFrom: T,
  validTo: "2026-12-24T23:59:59+08:00",
  receivedAt: T,
  fromPack: false,
  lockedForOrder: false,
  redeemedAt: null,
  pendingForward: null,
  redeemCode: { code: `CPN-${"a".repeat(48)}`, expiresAt: "2099-01-01T00:00:00+08:00" },
  ...over,
});

const userError = (code, message, field = null) => ({ field, code, message });

const booking = (over = {}) => ({
  id: "b1",
  status: "BOOKED",
  start: "2026-11-25T14:00:00+08:00",
  end: "2026-11-25T15:00:00+08:00",
  serviceId: "v1",
  serviceName: "精剪",
  storeId: "store-1",
  storeName: "静安店",
  staffMemberId: "s1",
  staffName: "Tony",
  priceFen: 12800,
  depositFen: 0,
  holdExpiresAt: null,
  note: "",
  cancelReason: null,
  orderId: null,
  createdAt: T,
  ...over,
});

const price = (over = {}) => ({
  listFen: 10000,
  levelDiscountFen: 0,
  couponDiscountFen: 0,
  payableFen: 10000,
  pointsUsed: 0,
  pointsFen: 0,
  dueFen: 10000,
  prepaidFen: 0,
  ...over,
});

const order = (over = {}) => ({
  id: "o1",
  status: "PENDING",
  kind: "CONSUMPTION",
  source: "SCAN",
  storeId: "store-1",
  storeName: "静安店",
  lines: [{ itemId: "amount", kind: "AMOUNT", name: "买单", unitPriceFen: 10000, quantity: 1 }],
  price: price(),
  couponId: null,
  bookingId: null,
  refundedFen: 0,
  createdAt: T,
  paidAt: null,
  ...over,
});

const payment = (over = {}) => ({
  id: "p1",
  method: "WECHAT_PAY",
  status: "OPEN",
  amountFen: 10000,
  openedAt: T,
  expiresAt: "2026-11-24T10:15:00+08:00",
  paidAt: null,
  ...over,
});

// Exactly what wx.requestPayment must receive (the API's appId is not one of its parameters).
const WECHAT_PAY = {
  appId: "wx0000000000000000",
  timeStamp: "1764000000",
  nonceStr: "n0nce",
  package: "prepay_id=wx24100000",
  signType: "RSA",
  paySign: "c2lnbmVk",
};
const PAID_WITH = { timeStamp: "1764000000", nonceStr: "n0nce", package: "prepay_id=wx24100000", signType: "RSA", paySign: "c2lnbmVk" };

const payOrder = (paid) => ({
  order: paid,
  payment: payment(),
  wechatPay: WECHAT_PAY,
  alipayTradeNo: null,
  replayed: false,
  userErrors: [],
});

module.exports = {
  PAID_WITH,
  WECHAT_PAY,
  booking,
  connection,
  coupon,
  order,
  payOrder,
  price,
  template,
  userError,
};
