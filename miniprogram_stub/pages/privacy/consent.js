// 隐私政策: shown at launch while the member has not agreed to the version in effect (and again after a new one);
// 同意 records the agreement and goes back, 暂不同意 goes back without it (phone, birthday and nickname stay refused).
const { agreePolicy, privacyConsent } = require("../../lib/privacy.js");
const { call, toast } = require("../call.js");

Component({
  data: { policy: null, agreed: false, loading: false },
  methods: {
    async onLoad() {
      const consent = await call(this, (client) => privacyConsent(client));
      if (consent) this.setData({ policy: consent.policy, agreed: consent.agreed });
    },
    async agree() {
      const privacy = await call(this, (client) => agreePolicy(client, this.data.policy.version));
      if (!privacy) return;
      this.setData({ agreed: true });
      toast("已同意");
      wx.navigateBack();
    },
    later() {
      wx.navigateBack();
    },
    copyLink() {
      wx.setClipboardData({ data: this.data.policy.url });
    },
  },
});
