const assert = require("node:assert/strict");
const { test } = require("node:test");

const { member } = require("./harness.js");

const POLICY = { version: "2026-01", title: "会员隐私政策", text: "我们收集……", url: null, effectiveAt: "2026-01-01T00:00:00+08:00" };

test("隐私政策: the member reads the version in effect and agrees to exactly it", async () => {
  let agreed = false;
  const { open, api, asked } = member({
    privacyConsent: () => ({ agreed, agreedAt: null, policy: POLICY }),
    agreePrivacyPolicy: () => {
      agreed = true;
      return { privacy: { agreed: true, agreedAt: "2026-01-02T10:00:00+08:00", policy: { version: "2026-01" } }, userErrors: [] };
    },
  });
  const page = await open("pages/privacy/consent");
  assert.ok(page.text().includes("会员隐私政策") && page.text().includes("版本 2026-01"));

  await page.tap(".agree");

  assert.deepEqual(api.calls("agreePrivacyPolicy"), [{ input: { version: "2026-01" } }]);
  assert.equal(asked.showToast.at(-1).title, "已同意");
});

test("我的数据: the member asks for their copy, and once ready downloads it with their own token", async () => {
  let request = null;
  const ready = {
    id: "r1",
    status: "READY",
    requestedAt: "2026-01-02T10:00:00+08:00",
    readyAt: "2026-01-02T10:00:05+08:00",
    expiresAt: "2026-01-09T10:00:05+08:00",
    downloadUrl: "https://api.test/exports/my-data?sig=s",
    downloadUrlExpiresAt: "2026-01-02T10:10:00+08:00",
  };
  const { open, api, asked } = member(
    {
      myDataRequest: () => request,
      requestMyData: () => {
        request = { ...ready, status: "PREPARING", readyAt: null, expiresAt: null, downloadUrl: null, downloadUrlExpiresAt: null };
        return { request, userErrors: [] };
      },
    },
    { wxAnswers: { downloadFile: () => ({ statusCode: 200, tempFilePath: "wxfile://tmp/data.json" }) } },
  );
  const page = await open("pages/me/data");

  await page.tap(".ask");
  assert.equal(api.calls("requestMyData").length, 1);
  assert.ok(page.text().includes("准备中"));

  request = ready;
  await page.call("onShow");
  await page.tap(".download");

  assert.deepEqual(asked.downloadFile, [{ url: ready.downloadUrl, header: { authorization: "Bearer access" } }]);
  assert.deepEqual(asked.shareFileMessage, [{ filePath: "wxfile://tmp/data.json", fileName: "我的数据.json" }]);
});
