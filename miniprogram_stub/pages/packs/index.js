// 积客包: the packs the member holds to share; sharing one asks the API for its link first, then the share card
// carries exactly that path, and each friend who opens it takes one coupon.
const { myPacks, sharePack } = require("../../lib/packs.js");
const { call } = require("../call.js");

Component({
  data: { packs: [], share: null, loading: true },
  methods: {
    async onShow() {
      const found = await call(this, (client) => myPacks(client));
      if (found) this.setData({ packs: found.packs });
    },
    async prepare(event) {
      const packId = event.currentTarget.dataset.id;
      const made = await call(this, (client) => sharePack(client, packId), { flag: "working" });
      if (made) this.setData({ share: { packId, title: made.title, path: made.path } });
    },
    onShareAppMessage() {
      const { share } = this.data;
      return share ? { title: share.title, path: share.path } : { title: "积客会员", path: "/pages/index/index" };
    },
  },
});
