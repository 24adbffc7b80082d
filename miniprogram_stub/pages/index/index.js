// Where a share code opens the app (the API's share path): the launch has signed in with its parameters, so the
// member goes on to their card.
Component({
  methods: {
    async onLoad() {
      try {
        await getApp().ready;
      } finally {
        wx.switchTab({ url: "/pages/card/index" });
      }
    },
  },
});
