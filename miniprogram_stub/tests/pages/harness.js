// Pages rendered off-device: a DOM from jsdom, miniprogram-simulate loading a page as WeChat does (WXML through the
// official wcc compiler, @vant/weapp from miniprogram_npm), the app's real lib/ client talking to fakeApi, and the
// `wx` calls a page makes (pay, transfer, subscribe, toast, navigation) kept for the test to read.
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const { JSDOM } = require("jsdom");

const ROOT = path.resolve(__dirname, "../..");
if (!fs.existsSync(path.join(ROOT, "miniprogram_npm"))) {
  execFileSync(process.execPath, [path.join(ROOT, "scripts/build-npm.js")], { stdio: "ignore" });
}

const dom = new JSDOM("<!doctype html><html><body></body></html>");
global.window = dom.window;
global.document = dom.window.document;
for (const name of ["Element", "Node", "Event", "CustomEvent", "HTMLElement", "Text", "MutationObserver"]) {
  global[name] = dom.window[name];
}
const { after, afterEach } = require("node:test");
const simulate = require("miniprogram-simulate");
const { createClient } = require("../../lib/graphql.js");
const { fakeApi } = require("./fake_api.js");

// The wx calls whose parameters tests check, each answered as WeChat would; `wxAnswers` changes an answer.
const RECORDED = [
  "requestPayment",
  "requestMerchantTransfer",
  "requestSubscribeMessage",
  "showToast",
  "showModal",
  "navigateTo",
  "redirectTo",
  "switchTab",
  "setTabBarBadge",
  "removeTabBarBadge",
  "vibrateLong",
  "stopPullDownRefresh",
  "downloadFile",
  "shareFileMessage",
  "setClipboardData",
];

function usingVant(route) {
  const json = JSON.parse(fs.readFileSync(path.join(ROOT, `${route}.json`), "utf8"));
  const vant = Object.entries(json.usingComponents || {}).filter(([, p]) => p.startsWith("@vant/weapp/"));
  return Object.fromEntries(vant.map(([tag, p]) => [tag, `/miniprogram_npm/${p}`]));
}

// setImmediate, not setTimeout: a test may fake the clock's timers (the member code's minute) and still settle.
const tick = () => new Promise((resolve) => setImmediate(resolve));

async function settle(api) {
  for (let round = 0; round < 50; round += 1) {
    await tick();
    if (!api.busy()) {
      await tick();
      if (!api.busy()) return;
    }
  }
}

// Pages still open keep their timers (the member code's minute, the queue's polling) and the test process alive.
const opened = [];
function closeAll() {
  for (const page of opened.splice(0)) {
    const { instance } = page;
    if (instance.onUnload) instance.onUnload();
    page.detach();
  }
}
afterEach(closeAll);
after(() => {
  closeAll();
  dom.window.close();
});

/**
 * A signed-in member whose API answers with `answers` (see fakeApi).
 * @param {Record<string, any>} answers
 * @param {{settings?: object, wxAnswers?: Record<string, (params: object) => object>}} [options] wxAnswers:
 *   what a recorded wx call answers (its success result; throw to fail it), e.g. the member's subscribe choices
 */
function member(answers, { settings = {}, wxAnswers = {} } = {}) {
  closeAll();
  const api = fakeApi(answers);
  const storage = new Map([["jike.session", { accessToken: "access", refreshToken: "refresh" }]]);
  const asked = Object.fromEntries(RECORDED.map((name) => [name, []]));
  const replies = { requestSubscribeMessage: () => ({}), showModal: () => ({ confirm: true }), ...wxAnswers };
  Object.assign(global.wx, {
    request: api.request,
    getStorageSync: (key) => (storage.has(key) ? storage.get(key) : ""),
    setStorageSync: (key, value) => storage.set(key, value),
    removeStorageSync: (key) => storage.delete(key),
    login: ({ success }) => success({ code: "wx-code" }),
  });
  for (const name of RECORDED) {
    global.wx[name] = ({ success, fail, complete, ...params } = {}) => {
      asked[name].push(params);
      const outcome = new Promise((resolve) => resolve((replies[name] || (() => ({})))(params)));
      const settled = outcome.then(
        (result) => {
          const answer = { errMsg: `${name}:ok`, ...result };
          if (success) success(answer);
          if (complete) complete(answer);
          return answer;
        },
        (error) => {
          const answer = { errMsg: `${name}:fail ${error.message}` };
          if (fail) fail(answer);
          if (complete) complete(answer);
          if (!fail) throw answer;
          return answer;
        },
      );
      return success || fail ? undefined : settled;
    };
  }
  const client = createClient({ baseUrl: "https://api.test", wx: global.wx, signIn: async () => null });
  const app = { client, ready: Promise.resolve(), settings: { storeId: "store-1", merchantId: "m-1", ...settings } };
  global.getApp = () => app;
  global.getCurrentPages = () => [];

  async function open(route, query = {}) {
    const id = simulate.load(path.join(ROOT, route), {
      compiler: "official",
      rootPath: ROOT,
      usingComponents: usingVant(route),
    });
    const page = simulate.render(id);
    page.attach(document.createElement("parent-wrapper"));
    opened.push(page);
    const { instance } = page;
    if (instance.onLoad) await instance.onLoad(query);
    if (instance.onShow) await instance.onShow();
    await settle(api);
    const find = (selector) => {
      const node = page.querySelector(selector);
      if (!node) throw new Error(`${route} shows no ${selector}`);
      return node;
    };
    return {
      page,
      data: () => page.data,
      text: () => page.dom.textContent.replace(/\s+/g, " ").trim(),
      has: (selector) => Boolean(page.querySelector(selector)),
      all: (selector) => page.querySelectorAll(selector),
      /** Taps what `selector` finds (a native node's tap, a Vant component's click) and waits for the API. */
      async tap(selector, detail = {}) {
        const node = find(selector);
        node.dispatchEvent(node.dom.tagName.toLowerCase().startsWith("van-") ? "click" : "tap", { detail });
        await settle(api);
      },
      /** Fires a component event (a picker's change, an input's input) with its detail. */
      async fire(selector, event, detail) {
        find(selector).dispatchEvent(event, { detail });
        await settle(api);
      },
      async call(method, ...args) {
        const result = await instance[method](...args);
        await settle(api);
        return result;
      },
      settle: () => settle(api),
    };
  }

  return { api, asked, storage, open, settle: () => settle(api) };
}

module.exports = { member };
