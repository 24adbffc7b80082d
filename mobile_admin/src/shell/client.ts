// One GraphQL client for the app: a normalized cache (graphcache), the bearer token on every request with a
// refresh before it runs out, and the app's language so userErrors come back in it.
import { authExchange } from '@urql/exchange-auth'
import { cacheExchange } from '@urql/exchange-graphcache'
import { Client, fetchExchange } from '@urql/vue'

import { graphql } from '../gql'
import { acceptLanguage } from './i18n'
import { accessExpiring, forget, keep, tokens } from './session'

const REFRESH_TOKEN = graphql(`
  mutation RefreshToken($input: RefreshTokenInput!) {
    refreshToken(input: $input) {
      session {
        accessToken
        accessTokenExpiresAt
        refreshToken
        refreshTokenExpiresAt
      }
      userErrors {
        field
        code
        message
      }
    }
  }
`)

export function createGraphqlClient(onSignedOut: () => void): Client {
  return new Client({
    url: '/graphql/admin',
    requestPolicy: 'cache-and-network',
    // The API takes GraphQL over POST only (a GET could be forged by a link).
    preferGetMethod: false,
    fetchOptions: () => ({ headers: { 'Accept-Language': acceptLanguage() } }),
    exchanges: [
      cacheExchange({}),
      authExchange(async (utils) => ({
        addAuthToOperation(operation) {
          const current = tokens.value
          if (!current) return operation
          return utils.appendHeaders(operation, { Authorization: `Bearer ${current.accessToken}` })
        },
        willAuthError(operation) {
          const isRefresh = operation.query.definitions.some(
            (d) => d.kind === 'OperationDefinition' && d.name?.value === 'RefreshToken',
          )
          return !isRefresh && tokens.value !== null && accessExpiring()
        },
        didAuthError(error) {
          return (
            error.response?.status === 401 ||
            error.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED')
          )
        },
        async refreshAuth() {
          const current = tokens.value
          if (!current) return
          const result = await utils.mutate(REFRESH_TOKEN, { input: { refreshToken: current.refreshToken } })
          const session = result.data?.refreshToken.session
          if (session) {
            keep(session)
          } else if (!result.error?.networkError) {
            // Refused (used, revoked or expired): this phone must sign in again. A network error keeps the
            // tokens, so a dropped connection does not sign a cashier out mid-sale.
            forget('refused')
            onSignedOut()
          }
        },
      })),
      fetchExchange,
    ],
  })
}
