// Every GraphQL document the mini-program sends, as one module, so the backend's test suite can validate each
// against the committed schema/member.graphql (tests/schema/test_miniprogram_stub.py) and a schema change that
// breaks the app fails there first.

export const LOGIN = `
mutation Login($input: LoginInput!) {
  login(input: $input) {
    session { accessToken refreshToken }
    member { id }
    created
    userErrors { field code message }
  }
}`;

export const REFRESH_TOKEN = `
mutation Refresh($input: RefreshTokenInput!) {
  refreshToken(input: $input) {
    session { accessToken refreshToken }
    userErrors { field code message }
  }
}`;

export const CLAIM_COUPON = `
mutation Claim($input: ClaimCouponInput!) {
  claimCoupon(input: $input) {
    coupon { id status validTo template { title } }
    userErrors { field code message }
  }
}`;

export const FORWARD_COUPON = `
mutation Forward($input: ForwardCouponInput!) {
  forwardCoupon(input: $input) {
    share { token path expiresAt }
    coupon { id status template { title } }
    userErrors { field code message }
  }
}`;

export const ACCEPT_COUPON = `
mutation Accept($input: AcceptCouponInput!) {
  acceptCoupon(input: $input) {
    coupon { id status validTo template { title } }
    userErrors { field code message }
  }
}`;

export const AVAILABLE_SLOTS = `
query Slots($storeId: ID!, $serviceId: ID!, $date: Date!, $staffId: ID) {
  availableSlots(storeId: $storeId, serviceId: $serviceId, date: $date, staffId: $staffId) {
    start
    staffMembers { id name }
  }
}`;

export const BOOK = `
mutation Book($input: BookInput!) {
  book(input: $input) {
    booking { id status start serviceName staffName priceFen depositFen holdExpiresAt }
    userErrors { field code message }
  }
}`;

export const CREATE_ORDER = `
mutation CreateOrder($input: CreateOrderInput!) {
  createOrder(input: $input) {
    order { id kind status price { listFen prepaidFen dueFen } }
    userErrors { field code message }
  }
}`;

export const PAY_ORDER = `
mutation PayOrder($input: PayOrderInput!) {
  payOrder(input: $input) {
    order { id status }
    wechatPay { timeStamp nonceStr package signType paySign }
    userErrors { field code message }
  }
}`;
