// The API's userErrors placed on a form: each under the field it names when the form shows that field, and
// everything else (no field, or a field this form has no input for, like memberId) in the form's alert line.
import { byField, type UserError } from '../shell/mutations'

export function placeErrors(errors: readonly UserError[], shown: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [field, message] of Object.entries(byField(errors))) {
    const key = shown.includes(field) ? field : ''
    out[key] = out[key] ? `${out[key]}；${message}` : message
  }
  return out
}

/** What a mutation's result means for its form: `answered` settles the idempotency key (the API saw the
 * request); `errors` are placed for the form. No answer at all keeps the key, so the retry is the same request. */
export function readAnswer(
  payload: { userErrors: readonly UserError[] } | null | undefined,
  error: { networkError?: unknown; graphQLErrors: readonly { message: string }[] } | undefined,
  shown: readonly string[],
  networkMessage: string,
): { answered: boolean; errors: Record<string, string> } {
  if (payload) return { answered: true, errors: placeErrors(payload.userErrors, shown) }
  const refusal = error && !error.networkError ? error.graphQLErrors[0]?.message : undefined
  if (refusal) return { answered: true, errors: { '': refusal } }
  return { answered: false, errors: { '': networkMessage } }
}
