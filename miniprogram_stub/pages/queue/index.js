// 排队: take a number at the store for today, see how many are ahead, and be told when it is called — the page
// asks every ten seconds while it is open and buzzes with a dialog at the call.
const { joinQueue, watchQueue } = require("../../lib/queue.js");
const { call, toast } = require("../call.js");
const { storeFor } = require("../store.js");

const EVERY_MS = 10 * 1000;

Component({
  data: { stores: [], ticket: null, loading: true },
  methods: {
    async onLoad(query) {
      const storeId = await storeFor(this, query);
      if (storeId) await this.useStore(storeId);
    },
    pickStore(event) {
      return this.useStore(event.currentTarget.dataset.id);
    },
    async useStore(storeId) {
      this.storeId = storeId;
      this.setData({ stores: [] });
      await getApp().ready;
      this.watch();
    },
    onUnload() {
      if (this.watching) this.watching.stop();
    },
    watch() {
      if (this.watching) this.watching.stop();
      this.setData({ loading: true });
      this.watching = watchQueue(getApp().client, this.storeId, (ticket) => this.show(ticket), {
        everyMs: EVERY_MS,
        onError: (error) => toast(error.message),
      });
    },
    show(ticket) {
      const wasCalled = this.data.ticket && this.data.ticket.status === "CALLED";
      this.setData({ ticket, loading: false });
      if (ticket && ticket.status === "CALLED" && !wasCalled) {
        wx.vibrateLong();
        wx.showModal({ title: "到号了", content: `请 ${ticket.number} 号到前台`, showCancel: false });
      }
    },
    async join() {
      const ticket = await call(this, (client) => joinQueue(client, this.storeId), { flag: "working" });
      if (ticket) this.watch();
    },
  },
});
