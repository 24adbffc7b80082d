// The words pages show for the API's enum values.
const BOOKING_STATUS = {
  HELD: "待付定金",
  BOOKED: "已预约",
  CHECKED_IN: "已到店",
  COMPLETED: "已完成",
  CANCELLED: "已取消",
  NO_SHOW: "未到店",
  EXPIRED: "已失效",
};
const ORDER_STATUS = { PENDING: "待支付", PAID: "已支付", PARTIALLY_REFUNDED: "部分退款", REFUNDED: "已退款", CLOSED: "已关闭" };
const ORDER_KIND = { CONSUMPTION: "消费", TOP_UP: "充值", DEPOSIT: "预约定金" };
const PAYOUT_STATUS = { PROCESSING: "处理中", PAID: "已到账", PARTIALLY_PAID: "部分到账", FAILED: "未到账" };
const COMMISSION_STATUS = {
  PENDING: "冻结中",
  AVAILABLE: "可提现",
  PAID: "已发放",
  PAID_OFFLINE: "线下发放",
  CANCELLED: "已退回",
  REVIEW: "审核中",
  REJECTED: "未通过",
};
const LEDGER_KIND = {
  EARN: "消费获得",
  REDEEM: "抵扣",
  TOP_UP: "充值",
  TOP_UP_REFUND: "充值退款",
  SPEND: "消费",
  ADJUSTMENT: "调整",
  COUNT_GRANT: "购买次卡",
  COUNT_USE: "使用次卡",
};

module.exports = { BOOKING_STATUS, COMMISSION_STATUS, LEDGER_KIND, ORDER_KIND, ORDER_STATUS, PAYOUT_STATUS };
