// WeChat's own client calls the journeys need (wx.login, wx.requestPayment, wx.requestSubscribeMessage,
// wx.requestMerchantTransfer) as promises, each handed exactly the parameters the API signed; the member backing
// out of a WeChat sheet is an ApiError with its own code, so pages show it like any other refusal.

const { ApiError } = require("./graphql.js");

function promised(wx, name, params) {
  return new Promise((resolve, reject) => {
    wx[name]({ ...params, success: resolve, fail: reject });
  });
}

const cancelled = (failure) => /cancel/i.test((failure && failure.errMsg) || "");

/** @returns {Promise<string>} wx.login's one-time code */
async function loginCode(wx) {
  const { code } = await promised(wx, "login", {});
  return code;
}

/**
 * Opens the WeChat Pay sheet with payOrder's `wechatPay` as the API signed it.
 * @param {{timeStamp: string, nonceStr: string, package: string, signType: string, paySign: string}} wechatPay
 * @throws {ApiError} code PAY_CANCELLED when the member closes the sheet, PAY_FAILED otherwise
 */
async function requestPayment(wx, wechatPay) {
  const { timeStamp, nonceStr, signType, paySign } = wechatPay;
  try {
    await promised(wx, "requestPayment", { timeStamp, nonceStr, package: wechatPay.package, signType, paySign });
  } catch (failure) {
    if (cancelled(failure)) throw new ApiError("已取消支付", { code: "PAY_CANCELLED" });
    throw new ApiError((failure && failure.errMsg) || "支付失败", { code: "PAY_FAILED" });
  }
}

/**
 * Asks the member for subscribe-message consent.
 * @param {string[]} templateIds at most 3 per call (WeChat's limit)
 * @returns {Promise<string[]>} the template ids the member answered "accept" to
 */
async function requestSubscribeMessage(wx, templateIds) {
  const answer = await promised(wx, "requestSubscribeMessage", { tmplIds: templateIds });
  return templateIds.filter((id) => answer[id] === "accept");
}

/**
 * Has the member confirm one merchant transfer (商家转账) with receivePayout's parameters as they are.
 * @param {{mchId: string, appId: string, package: string}} transfer
 * @throws {ApiError} code TRANSFER_CANCELLED when the member backs out, TRANSFER_FAILED otherwise
 */
async function requestMerchantTransfer(wx, transfer) {
  try {
    await promised(wx, "requestMerchantTransfer", {
      mchId: transfer.mchId,
      appId: transfer.appId,
      package: transfer.package,
    });
  } catch (failure) {
    if (cancelled(failure)) throw new ApiError("已取消收款", { code: "TRANSFER_CANCELLED" });
    throw new ApiError((failure && failure.errMsg) || "收款失败", { code: "TRANSFER_FAILED" });
  }
}

module.exports = { loginCode, requestMerchantTransfer, requestPayment, requestSubscribeMessage };
