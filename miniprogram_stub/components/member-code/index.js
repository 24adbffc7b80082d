// A code staff scan, drawn on the phone: the QR code (qrcode-generator, pure JS) and, for the member code, a
// Code 128 barcode under it. Drawn on 2d canvases at the screen's pixel ratio so the modules stay sharp.
const qrcode = require("qrcode-generator");
const { code128 } = require("./code128.js");

function qrModules(text) {
  const qr = qrcode(0, "M");
  qr.addData(text);
  qr.make();
  const count = qr.getModuleCount();
  return Array.from({ length: count }, (_, row) => Array.from({ length: count }, (__, col) => qr.isDark(row, col)));
}

Component({
  properties: {
    code: { type: String, value: "" },
    barcode: { type: Boolean, value: false },
  },
  data: { modules: 0 },
  observers: {
    code(code) {
      if (!code) return;
      this.matrix = qrModules(code);
      this.bars = this.data.barcode ? code128(code) : null;
      this.setData({ modules: this.matrix.length });
      this.draw();
    },
  },
  lifetimes: {
    ready() {
      this.draw();
    },
  },
  methods: {
    canvas(selector, paint) {
      this.createSelectorQuery()
        .select(selector)
        .fields({ node: true, size: true })
        .exec(([found] = []) => {
          if (!found || !found.node || !found.node.getContext) return;
          const ratio = (wx.getWindowInfo ? wx.getWindowInfo() : wx.getSystemInfoSync()).pixelRatio || 2;
          found.node.width = found.width * ratio;
          found.node.height = found.height * ratio;
          const ctx = found.node.getContext("2d");
          ctx.scale(ratio, ratio);
          ctx.fillStyle = "#ffffff";
          ctx.fillRect(0, 0, found.width, found.height);
          ctx.fillStyle = "#000000";
          paint(ctx, found.width, found.height);
        });
    },
    draw() {
      const { matrix, bars } = this;
      if (!matrix) return;
      this.canvas("#qr", (ctx, width) => {
        const cell = width / (matrix.length + 8);
        matrix.forEach((row, r) =>
          row.forEach((dark, c) => dark && ctx.fillRect((c + 4) * cell, (r + 4) * cell, cell + 0.5, cell + 0.5)),
        );
      });
      if (!bars) return;
      this.canvas("#bar", (ctx, width, height) => {
        const total = bars.reduce((sum, w) => sum + w, 0) + 20;
        const unit = width / total;
        let x = 10 * unit;
        bars.forEach((w, i) => {
          if (i % 2 === 0) ctx.fillRect(x, 0, w * unit, height);
          x += w * unit;
        });
      });
    },
  },
});
