// Every GraphQL document the mini-program sends, as one module, so the backend's test suite can validate each
// against the committed schema/member.graphql (tests/schema/conftest.py loads this module with node and reads its
// exports) and a schema change that breaks the app fails there first. A selection several documents share is a
// GraphQL fragment below, whose definition each document using it carries at its end (a document must define every
// fragment it spreads, once), so each export is still the whole text that is sent.

// --- shared selections ---

const ORDER_LINE_AND_PRICE_FIELDS = `
fragment OrderLineFields on OrderLine { itemId kind name unitPriceFen quantity }
fragment OrderPriceFields on OrderPrice {
  listFen levelDiscountFen couponDiscountFen payableFen pointsUsed pointsFen dueFen prepaidFen
}`;

const ORDER_FIELDS = `
fragment OrderFields on Order {
  id kind source status storeId storeName couponId bookingId createdAt paidAt
  lines { ...OrderLineFields }
  price { ...OrderPriceFields }
}${ORDER_LINE_AND_PRICE_FIELDS}`;

const COUPON_BENEFIT_FIELDS = `
fragment CouponBenefitFields on CouponBenefit { kind valueFen percentOffBp capFen minimumSpendFen itemId itemName }`;

const COUPON_FIELDS = `
fragment CouponFields on Coupon {
  id status validFrom validTo receivedAt fromPack lockedForOrder redeemedAt
  template {
    id title description terms allStores transferable
    benefit { ...CouponBenefitFields }
    stores { id name }
  }
  pendingForward { token path expiresAt }
  redeemCode { code expiresAt }
}${COUPON_BENEFIT_FIELDS}`;

const BOOKING_FIELDS = `
fragment BookingFields on Booking {
  id status start end serviceId serviceName storeId storeName staffMemberId staffName priceFen depositFen
  holdExpiresAt note orderId
}`;

// --- session ---

exports.LOGIN = `
mutation Login($input: LoginInput!) {
  login(input: $input) {
    session { accessToken refreshToken }
    member { id nickname }
    created
    privacy { agreed policy { version } }
    userErrors { field code message }
  }
}`;

exports.REFRESH_TOKEN = `
mutation Refresh($input: RefreshTokenInput!) {
  refreshToken(input: $input) {
    session { accessToken refreshToken }
    userErrors { field code message }
  }
}`;

exports.RECORD_SHARE_TOUCH = `
mutation RecordShareTouch($input: RecordShareTouchInput!) {
  recordShareTouch(input: $input) {
    bound
    userErrors { field code message }
  }
}`;

exports.UPDATE_PROFILE = `
mutation UpdateProfile($input: UpdateProfileInput!) {
  updateProfile(input: $input) {
    member { id nickname card { birthday phone } }
    userErrors { field code message }
  }
}`;

// --- card ---

exports.MY_CARD = `
query MyCard {
  me {
    id
    nickname
    joinedAt
    card {
      number
      status
      level { id name thresholdFen discountBp pointsMultiplierBp }
      points
      storedValue
      storedValueBonus
      lifetimePaidFen
      countCards { id name total remaining expiresAt }
      birthday
      phone
    }
  }
}`;

exports.MEMBER_CODE = `
query MemberCode {
  memberCode { code expiresAt }
}`;

exports.MY_LEDGER = `
query MyLedger($first: Int, $after: String, $account: LedgerAccount) {
  me {
    id
    ledger(first: $first, after: $after, account: $account) {
      edges { node { id account kind amount balanceAfter countCardId at } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

// --- top-up ---

exports.TOP_UP_PLANS = `
query TopUpPlans($first: Int, $after: String) {
  topUpPlans(first: $first, after: $after) {
    edges { node { id name payFen bonusFen active } }
    pageInfo { hasNextPage endCursor }
  }
}`;

// --- orders and paying ---

exports.CREATE_ORDER = `
mutation CreateOrder($input: CreateOrderInput!) {
  createOrder(input: $input) {
    order { ...OrderFields }
    userErrors { field code message }
  }
}${ORDER_FIELDS}`;

exports.QUOTE_ORDER = `
query QuoteOrder($input: QuoteOrderInput!) {
  quoteOrder(input: $input) {
    quote {
      lines { ...OrderLineFields }
      price { ...OrderPriceFields }
    }
    userErrors { field code message }
  }
}${ORDER_LINE_AND_PRICE_FIELDS}`;

exports.PAY_ORDER = `
mutation PayOrder($input: PayOrderInput!) {
  payOrder(input: $input) {
    order { id status paidAt price { dueFen } }
    payment { id method status amountFen expiresAt paidAt }
    wechatPay { appId timeStamp nonceStr package signType paySign }
    replayed
    userErrors { field code message }
  }
}`;

exports.CLOSE_ORDER = `
mutation CloseOrder($input: CloseOrderInput!) {
  closeOrder(input: $input) {
    order { id status }
    userErrors { field code message }
  }
}`;

exports.MY_ORDERS = `
query MyOrders($after: String) {
  myOrders(first: 20, after: $after) {
    edges { node { ...OrderFields refundedFen } }
    pageInfo { hasNextPage endCursor }
  }
}${ORDER_FIELDS}`;

exports.ORDER = `
query Order($id: ID!) {
  order(id: $id) {
    order { ...OrderFields refundedFen }
    payments { id method status amountFen openedAt expiresAt paidAt }
    refunds {
      id amountFen reason status createdAt settledAt pointsTakenBack pointsReturned storedValueReturnedFen
    }
  }
}${ORDER_FIELDS}`;

// --- coupons ---
// (MY_COUPONS and MY_ORDERS select much per item, so their pages are fixed at 20 to stay under the query cost limit.)

exports.MY_COUPONS = `
query MyCoupons($status: CouponStatus!, $after: String) {
  myCoupons(status: $status, first: 20, after: $after) {
    edges { node { ...CouponFields } }
    pageInfo { hasNextPage endCursor }
  }
}${COUPON_FIELDS}`;

exports.COUPON = `
query Coupon($id: ID!) {
  coupon(id: $id) { ...CouponFields }
}${COUPON_FIELDS}`;

exports.COUPON_CLAIM_PAGE = `
query CouponClaimPage($templateId: ID!) {
  couponClaimPage(templateId: $templateId) {
    template {
      id title description terms allStores transferable perMemberLimit remaining
      benefit { ...CouponBenefitFields }
      validity { startsAt endsAt days }
      stores { id name }
    }
    claimedByMe
    blockedBy { field code message }
  }
}${COUPON_BENEFIT_FIELDS}`;

exports.CLAIM_COUPON = `
mutation Claim($input: ClaimCouponInput!) {
  claimCoupon(input: $input) {
    coupon { id status validFrom validTo template { id title } }
    userErrors { field code message }
  }
}`;

// --- forwarding a coupon ---

exports.FORWARD_COUPON = `
mutation Forward($input: ForwardCouponInput!) {
  forwardCoupon(input: $input) {
    share { token path expiresAt }
    coupon { id status template { id title } }
    userErrors { field code message }
  }
}`;

exports.COUPON_FORWARD = `
query CouponForward($token: String!) {
  couponForward(token: $token) {
    template {
      id title description terms allStores
      benefit { ...CouponBenefitFields }
      stores { id name }
    }
    senderNickname
    expiresAt
    blockedBy { field code message }
  }
}${COUPON_BENEFIT_FIELDS}`;

exports.ACCEPT_COUPON = `
mutation Accept($input: AcceptCouponInput!) {
  acceptCoupon(input: $input) {
    coupon { id status validFrom validTo template { id title } }
    userErrors { field code message }
  }
}`;

exports.RECALL_COUPON = `
mutation Recall($input: RecallCouponInput!) {
  recallCoupon(input: $input) {
    coupon { id status template { id title } }
    userErrors { field code message }
  }
}`;

// --- packs ---

exports.MY_COUPON_PACKS = `
query MyCouponPacks($first: Int, $after: String) {
  myCouponPacks(first: $first, after: $after) {
    edges {
      node {
        id size taken remaining sharedAt
        template { id title benefit { kind valueFen percentOffBp capFen minimumSpendFen itemName } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`;

exports.SHARE_PACK = `
mutation SharePack($input: SharePackInput!) {
  sharePack(input: $input) {
    share { token path expiresAt }
    pack { id size taken remaining sharedAt template { id title } }
    userErrors { field code message }
  }
}`;

exports.COUPON_PACK = `
query CouponPack($token: String!) {
  couponPack(token: $token) {
    pack {
      id size taken remaining sharedAt
      template {
        id title description terms
        benefit { ...CouponBenefitFields }
      }
    }
    myCoupon { id status validTo }
    blockedBy { field code message }
  }
}${COUPON_BENEFIT_FIELDS}`;

exports.CLAIM_FROM_PACK = `
mutation ClaimFromPack($input: ClaimFromPackInput!) {
  claimFromPack(input: $input) {
    coupon { id status validFrom validTo fromPack template { id title } }
    userErrors { field code message }
  }
}`;

// --- stores ---

exports.STORES = `
query Stores {
  stores { id name timezone }
}`;

// --- booking ---

exports.BOOKABLE_SERVICES = `
query BookableServices($storeId: ID!) {
  bookableServices(storeId: $storeId) {
    id name durationMin priceFen depositFen
    staffMembers { id name }
  }
}`;

exports.AVAILABLE_SLOTS = `
query Slots($storeId: ID!, $serviceId: ID!, $date: Date!, $staffId: ID) {
  availableSlots(storeId: $storeId, serviceId: $serviceId, date: $date, staffId: $staffId) {
    start
    staffMembers { id name }
  }
}`;

exports.BOOK = `
mutation Book($input: BookInput!) {
  book(input: $input) {
    booking { ...BookingFields }
    userErrors { field code message }
  }
}${BOOKING_FIELDS}`;

exports.MY_BOOKINGS = `
query MyBookings($first: Int, $after: String) {
  myBookings(first: $first, after: $after) {
    edges { node { ...BookingFields cancelReason createdAt } }
    pageInfo { hasNextPage endCursor }
  }
}${BOOKING_FIELDS}`;

exports.BOOKING = `
query Booking($id: ID!) {
  booking(id: $id) { ...BookingFields cancelReason createdAt }
}${BOOKING_FIELDS}`;

exports.CANCEL_BOOKING = `
mutation CancelBooking($input: CancelBookingInput!) {
  cancelBooking(input: $input) {
    booking { id status start cancelReason }
    userErrors { field code message }
  }
}`;

exports.RESCHEDULE_BOOKING = `
mutation RescheduleBooking($input: RescheduleBookingInput!) {
  rescheduleBooking(input: $input) {
    booking { id status start end staffMemberId staffName }
    userErrors { field code message }
  }
}`;

// --- queue ---

exports.JOIN_QUEUE = `
mutation JoinQueue($input: JoinQueueInput!) {
  joinQueue(input: $input) {
    ticket { id number status ahead joinedAt calledAt }
    userErrors { field code message }
  }
}`;

exports.MY_QUEUE_POSITION = `
query MyQueuePosition($storeId: ID!) {
  myQueuePosition(storeId: $storeId) { id number status ahead joinedAt calledAt }
}`;

// --- inbox ---

exports.INBOX = `
query Inbox($first: Int, $after: String, $unreadOnly: Boolean!) {
  inbox(first: $first, after: $after, unreadOnly: $unreadOnly) {
    edges { node { id topic title body page createdAt readAt } }
    pageInfo { hasNextPage endCursor }
  }
  unreadNotifications
}`;

exports.UNREAD_NOTIFICATIONS = `
query UnreadNotifications {
  unreadNotifications
}`;

exports.MARK_READ = `
mutation MarkRead($input: MarkReadInput!) {
  markRead(input: $input) {
    notifications { id readAt }
    userErrors { field code message }
  }
}`;

exports.SUBSCRIBE_TEMPLATES = `
query SubscribeTemplates {
  subscribeTemplates { topic templateId }
}`;

exports.RECORD_SUBSCRIPTIONS = `
mutation RecordSubscriptions($input: RecordSubscriptionsInput!) {
  recordSubscriptions(input: $input) {
    subscriptions { templateId remaining }
    userErrors { field code message }
  }
}`;

// --- shareholder (我的分红) ---

exports.MY_SHAREHOLDER = `
query MyShareholder($granularity: RevenueGranularity!, $from: Date, $to: Date) {
  myShareholder {
    active
    appointedAt
    program { name level1RateBp level2RateBp freezeDays payoutMinimumFen }
    totals { pendingFen availableFen inReviewFen paidFen owedFen }
    downline { level1 level2 }
    networkRevenue(granularity: $granularity, from: $from, to: $to) { period level1Fen level2Fen orders }
    recentCommissions(first: 10) { id amountFen accruedFen level status friendName orderPaidAt availableAt }
    friendContributions(first: 20) { friendName level commissionFen orders }
  }
}`;

exports.MY_SHARE_CODE = `
query MyShareCode {
  myShareCode {
    shareCode { code path scene imageDataUrl qrLink }
    userErrors { field code message }
  }
}`;

exports.MY_PAYOUTS = `
query MyPayouts($first: Int, $after: String) {
  myPayouts(first: $first, after: $after) {
    edges { node { id status amountFen paidFen commissions waitingTransfers failureReason createdAt settledAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;

exports.RECEIVE_PAYOUT = `
mutation ReceivePayout($input: ReceivePayoutInput!) {
  receivePayout(input: $input) {
    payout { id status amountFen paidFen waitingTransfers }
    transfers { mchId appId package }
    userErrors { field code message }
  }
}`;

// --- marketing consent ---

exports.MARKETING_CONSENT = `
query MarketingConsent {
  me { id marketingConsent { stopped smsAgreed } }
}`;

exports.SET_MARKETING_CONSENT = `
mutation SetMarketingConsent($input: SetMarketingConsentInput!) {
  setMarketingConsent(input: $input) {
    marketingConsent { stopped smsAgreed }
    userErrors { field code message }
  }
}`;

// --- privacy ---

exports.PRIVACY_CONSENT = `
query PrivacyConsent {
  privacyConsent { agreed agreedAt policy { version title text url effectiveAt } }
}`;

exports.AGREE_PRIVACY_POLICY = `
mutation AgreePrivacyPolicy($input: AgreePrivacyPolicyInput!) {
  agreePrivacyPolicy(input: $input) {
    privacy { agreed agreedAt policy { version } }
    userErrors { field code message }
  }
}`;

exports.MY_DATA_REQUEST = `
query MyDataRequest {
  myDataRequest { id status requestedAt readyAt expiresAt downloadUrl downloadUrlExpiresAt }
}`;

exports.REQUEST_MY_DATA = `
mutation RequestMyData {
  requestMyData {
    request { id status requestedAt readyAt expiresAt downloadUrl downloadUrlExpiresAt }
    userErrors { field code message }
  }
}`;

// --- closing the account (注销) ---

exports.ACCOUNT_CLOSING = `
query AccountClosing {
  accountClosing {
    blockers { code message }
    forfeitedPoints
    forfeitedStoredValueBonus
    forfeitedCommissionsFen
  }
}`;

exports.CLOSE_MY_ACCOUNT = `
mutation CloseMyAccount($input: CloseMyAccountInput!) {
  closeMyAccount(input: $input) {
    closedAt
    userErrors { field code message }
  }
}`;
