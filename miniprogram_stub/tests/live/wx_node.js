// `wx` for the mini-program's lib/ running in node against a live Jike API: wx.request over HTTP (fetch),
// wx.login with a code the fake WeChat server accepts (`<user>.<anything>`: one openid per user, each code once),
// storage in memory, wx.requestPayment having the payments sandbox pay the prepay the API opened (as the member
// confirming WeChat Pay's sheet), and the subscribe-message and merchant-transfer sheets recorded and accepted.

const { randomUUID } = require("node:crypto");

/**
 * @param {{user: string, sandboxUrl: string}} options user: who is holding the phone (the fake's WeChat user)
 */
function nodeWx({ user, sandboxUrl }) {
  const storage = new Map();
  const calls = { requests: [], payments: [], subscribeAsks: [], transfers: [] };
  // Operations whose next answer the network loses after the API handled the request: the retry case.
  const losing = new Map();

  return {
    calls,
    /** The next `times` answers to `operation` (e.g. "CreateOrder") never arrive, as on a flaky network. */
    loseAnswers(operation, times = 1) {
      losing.set(operation, times);
    },
    getStorageSync: (key) => (storage.has(key) ? storage.get(key) : ""),
    setStorageSync: (key, value) => storage.set(key, value),
    removeStorageSync: (key) => storage.delete(key),
    login: ({ success }) => success({ code: `${user}.${randomUUID()}`, errMsg: "login:ok" }),
    request({ url, method = "GET", header = {}, data, success, fail }) {
      const operation = ((data && data.query) || "").match(/(?:query|mutation) (\w+)/);
      const name = operation ? operation[1] : "";
      calls.requests.push({ operation: name, variables: data && data.variables });
      fetch(url, { method, headers: header, body: data === undefined ? undefined : JSON.stringify(data) })
        .then(async (res) => {
          const text = await res.text();
          const lost = losing.get(name) || 0;
          if (lost > 0) {
            losing.set(name, lost - 1);
            throw new Error("the answer was lost");
          }
          let body = text;
          try {
            body = JSON.parse(text);
          } catch {
            // wx.request hands a non-JSON body over as text, and so does this.
          }
          return { statusCode: res.status, data: body, header: Object.fromEntries(res.headers) };
        })
        .then(success, (error) => fail({ errMsg: `request:fail ${error.message}` }));
    },
    requestPayment({ success, fail, ...params }) {
      calls.payments.push(params);
      const prepayId = String(params.package).replace(/^prepay_id=/, "");
      fetch(`${sandboxUrl}/_sandbox/pay`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ prepay_id: prepayId }),
      }).then(
        (res) => (res.ok ? success({ errMsg: "requestPayment:ok" }) : fail({ errMsg: `requestPayment:fail ${res.status}` })),
        (error) => fail({ errMsg: `requestPayment:fail ${error.message}` }),
      );
    },
    requestSubscribeMessage({ tmplIds, success }) {
      calls.subscribeAsks.push(tmplIds);
      success({ errMsg: "requestSubscribeMessage:ok", ...Object.fromEntries(tmplIds.map((id) => [id, "accept"])) });
    },
    requestMerchantTransfer({ success, ...params }) {
      delete params.fail;
      calls.transfers.push(params);
      success({ errMsg: "requestMerchantTransfer:ok" });
    },
  };
}

/** What the pytest module hands over: the servers' URLs and what it seeded, as JSON in JIKE_JOURNEY. */
function journey() {
  const given = process.env.JIKE_JOURNEY;
  return given ? JSON.parse(given) : null;
}

/** An admin API call as staff make it from the staff app (checking in, completing, calling the next number). */
async function staffCall(given, query, variables) {
  const res = await fetch(`${given.apiUrl}/graphql/admin`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${given.staffToken}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

module.exports = { journey, nodeWx, staffCall };
