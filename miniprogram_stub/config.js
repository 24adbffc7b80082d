// Where this build of the app finds its Jike server and which merchant it belongs to. A third-party platform
// build overrides both per merchant through ext.json (wx.getExtConfigSync); app.js reads them once at launch.
// apiBase must be an HTTPS domain on the mini-program's request whitelist (开发管理 → 服务器域名 → request 合法域名).
module.exports = {
  apiBase: "http://127.0.0.1:8000",
  merchantId: "",
  // The store booking, the queue and 扫码买单 open when no store QR code named one; empty: the member picks one of
  // the merchant's stores (the only one without asking).
  storeId: "",
};
