// A stand-in for the mini-program's `wx` in node: storage in memory, wx.login handing out codes, and wx.request
// answered by the test's `server(request)` function, so each test states what the API says to each request.

export function fakeWx(server) {
  const storage = new Map();
  const requests = [];
  const payments = [];
  let codes = 0;
  return {
    requests,
    payments,
    getStorageSync: (key) => storage.get(key) ?? "",
    setStorageSync: (key, value) => storage.set(key, value),
    login: ({ success }) => success({ code: `code-${++codes}` }),
    request: ({ url, header, data, success, fail }) => {
      const request = { url, header, query: data.query, variables: data.variables };
      requests.push(request);
      Promise.resolve(server(request)).then(success, fail);
    },
    requestPayment: ({ success, fail, ...params }) => {
      payments.push(params);
      success({ errMsg: "requestPayment:ok" });
    },
  };
}

export const ok = (data) => ({ statusCode: 200, data: { data } });
export const operation = (request) => request.query.match(/(?:mutation|query) (\w+)/)[1];
