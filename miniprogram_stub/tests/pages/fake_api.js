// The member API as the pages' tests see it: every request the real lib/ client sends over wx.request is executed
// against the committed schema/member.graphql, with the test's answers as the root resolvers. Answers are thus
// schema-shaped or the request fails loudly (a missing non-null field, an unknown enum value, a field the document
// asks for that the answer lacks), and every call is kept with the variables the client sent.
const fs = require("node:fs");
const path = require("node:path");
const { buildSchema, graphql } = require("graphql");

const schema = buildSchema(fs.readFileSync(path.resolve(__dirname, "../../../schema/member.graphql"), "utf8"));

const plain = (value) => JSON.parse(JSON.stringify(value));

/**
 * @param {Record<string, any>} answers root field → its answer, or a function of the field's arguments; a
 *   function that throws becomes a GraphQL error with its message, as the API reports one
 */
function fakeApi(answers) {
  const calls = [];
  let inFlight = 0;
  const root = new Proxy(
    {},
    {
      get: (_, field) => (args, context) => {
        calls.push({ field, args: plain(args), variables: context.variables });
        if (!(field in answers)) throw new Error(`the test gave no answer for ${String(field)}`);
        const answer = answers[field];
        return typeof answer === "function" ? answer(plain(args)) : answer;
      },
    },
  );

  function request({ url, header, data, success }) {
    inFlight += 1;
    const context = { variables: plain(data.variables || {}), header, url };
    graphql({ schema, source: data.query, variableValues: data.variables, rootValue: root, contextValue: context })
      .then((result) => {
        inFlight -= 1;
        success({ statusCode: 200, header: {}, data: plain(result) });
      });
  }

  return {
    request,
    answers,
    busy: () => inFlight > 0,
    /** The arguments each call of `field` reached the API with, in order. */
    calls: (field) => calls.filter((c) => c.field === field).map((c) => c.args),
    /** The variables the client sent with each request that asked for `field`. */
    sent: (field) => calls.filter((c) => c.field === field).map((c) => c.variables),
    /** The root fields asked for, in order. */
    fields: () => calls.map((c) => c.field),
  };
}

module.exports = { fakeApi };
