// How every page reaches the API: wait for the launch's sign-in, run one lib/ call with a loading flag set, and
// when it fails show the API's own message (a userError's or a GraphQL error's) as it is, in a toast.

function toast(message) {
  wx.showToast({ title: message, icon: "none", duration: 2500 });
}

function refused(result) {
  return result && Array.isArray(result.userErrors) && result.userErrors.length ? result.userErrors[0] : null;
}

/**
 * Runs `work(client)` for `page`; resolves to its result, or to null after showing why it failed.
 * @param {object} page the Component instance (its `loading` data flag shows a spinner)
 * @param {(client: object) => Promise<any>} work one or more lib/ calls
 */
async function call(page, work, { flag = "loading" } = {}) {
  page.setData({ [flag]: true });
  try {
    const app = getApp();
    await app.ready;
    const result = await work(app.client);
    const error = refused(result);
    if (error) {
      toast(error.message);
      return null;
    }
    return result;
  } catch (error) {
    toast(error.message);
    return null;
  } finally {
    page.setData({ [flag]: false });
  }
}

module.exports = { call, toast };
