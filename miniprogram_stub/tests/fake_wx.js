// A stand-in for the mini-program's `wx` in node for the unit tests: storage in memory, wx.login handing out
// codes, wx.request answered by the test's `server(request)` function (so each test states what the API says to
// each request; a server that throws is a dropped connection), and the WeChat sheets recorded and accepted.

function fakeWx(server) {
  const storage = new Map();
  const requests = [];
  const payments = [];
  let codes = 0;
  return {
    requests,
    payments,
    getStorageSync: (key) => storage.get(key) ?? "",
    setStorageSync: (key, value) => storage.set(key, value),
    removeStorageSync: (key) => storage.delete(key),
    login: ({ success }) => success({ code: `code-${++codes}` }),
    request: ({ url, header, data, success, fail }) => {
      const request = { url, header, query: data.query, variables: data.variables };
      requests.push(request);
      Promise.resolve()
        .then(() => server(request))
        .then(success, (dropped) => fail({ errMsg: `request:fail ${dropped.message}` }));
    },
    requestPayment: ({ success, fail, ...params }) => {
      payments.push(params);
      success({ errMsg: "requestPayment:ok" });
    },
  };
}

const ok = (data) => ({ statusCode: 200, data: { data } });
const operation = (request) => request.query.match(/(?:mutation|query) (\w+)/)[1];

module.exports = { fakeWx, ok, operation };
