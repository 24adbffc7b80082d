// 我的数据: ask for a copy of everything the store holds about the member (once a day), see it being prepared,
// and once ready download it with the member's own token and send it to a chat to keep.
const { myDataRequest, requestMyData, saveMyData } = require("../../lib/privacy.js");
const { call, toast } = require("../call.js");

const STATUS = { PREPARING: "准备中，请稍后刷新", READY: "已准备好，7 天内可下载", EXPIRED: "已过期，请重新申请" };

Component({
  data: { request: null, statusText: "", loading: false },
  methods: {
    async onShow() {
      const request = await call(this, (client) => myDataRequest(client));
      this.show(request);
    },
    show(request) {
      this.setData({ request, statusText: request ? STATUS[request.status] : "" });
    },
    async ask() {
      const request = await call(this, (client) => requestMyData(client));
      if (request) this.show(request);
    },
    async download() {
      const saved = await call(this, async (client) => {
        await saveMyData(wx, client.session(), this.data.request.downloadUrl);
        return true;
      });
      if (saved) toast("已发送");
    },
  },
});
