// 隐私: the privacy policy in effect and the member's agreement to it (asked at launch when not agreed, and again
// when the store publishes a new version), and 我的数据: asking for a copy of everything the store holds, following
// it until READY, and downloading it with the member's own token (the link alone is refused) to share as a file.

const { AGREE_PRIVACY_POLICY, MY_DATA_REQUEST, PRIVACY_CONSENT, REQUEST_MY_DATA } = require("./documents.js");

/** @returns {Promise<{agreed: boolean, agreedAt: string|null, policy: {version: string, title: string, text: string|null, url: string|null}}>} */
async function privacyConsent(client) {
  const { privacyConsent: consent } = await client.call(PRIVACY_CONSENT);
  return consent;
}

/** @param {string} version the version shown */
async function agreePolicy(client, version) {
  const payload = await client.mutate(AGREE_PRIVACY_POLICY, { input: { version } }, "agreePrivacyPolicy");
  return payload.privacy;
}

/** @returns {Promise<{id: string, status: string, downloadUrl: string|null}|null>} */
async function myDataRequest(client) {
  const { myDataRequest: request } = await client.call(MY_DATA_REQUEST);
  return request;
}

async function requestMyData(client) {
  const payload = await client.mutate(REQUEST_MY_DATA, {}, "requestMyData");
  return payload.request;
}

/**
 * Downloads a READY copy with the member's token and offers it to send to a chat (文件传输助手 keeps it).
 * @param {object} wx
 * @param {{accessToken: string}} session
 * @param {string} url myDataRequest's downloadUrl
 */
async function saveMyData(wx, session, url) {
  const file = await wx.downloadFile({ url, header: { authorization: `Bearer ${session.accessToken}` } });
  if (file.statusCode !== 200) throw new Error("下载失败，请重新获取链接");
  await wx.shareFileMessage({ filePath: file.tempFilePath, fileName: "我的数据.json" });
}

module.exports = { agreePolicy, myDataRequest, privacyConsent, requestMyData, saveMyData };
