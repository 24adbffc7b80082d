// The bill's live price: the API prices the cart (quoteOrder, the same pricing createOrder uses, writing nothing)
// a moment after each change, and only the answer to the latest cart is kept.
import type { Client } from '@urql/vue'
import { type Ref, onBeforeUnmount, ref, shallowRef, watch } from 'vue'

import { graphql } from '../gql'
import type { BillQuoteQuery } from '../gql/graphql'
import { byField } from '../shell/mutations'
import type { CartInput } from './cart'

const BILL_QUOTE = graphql(`
  query BillQuote($input: QuoteOrderInput!) {
    quoteOrder(input: $input) {
      quote {
        lines {
          itemId
          name
          unitPriceFen
          quantity
        }
        price {
          listFen
          levelDiscountFen
          couponDiscountFen
          payableFen
          pointsUsed
          pointsFen
          dueFen
        }
      }
      userErrors {
        field
        code
        message
      }
    }
  }
`)

export type Quote = NonNullable<BillQuoteQuery['quoteOrder']['quote']>

const SETTLE_MS = 250

export function useQuote(client: Client, input: Ref<CartInput | null>) {
  const quote = shallowRef<Quote | null>(null)
  const errors = ref<Record<string, string>>({})
  const pricing = ref(false)
  const failed = ref(false)
  let generation = 0
  let timer: ReturnType<typeof setTimeout> | undefined

  async function price(): Promise<void> {
    const mine = ++generation
    const wanted = input.value
    if (!wanted) {
      quote.value = null
      errors.value = {}
      pricing.value = false
      return
    }
    pricing.value = true
    failed.value = false
    const result = await client.query(BILL_QUOTE, { input: wanted }, { requestPolicy: 'network-only' }).toPromise()
    if (mine !== generation) return
    pricing.value = false
    const payload = result.data?.quoteOrder
    if (!payload) {
      failed.value = true
      quote.value = null
      return
    }
    quote.value = payload.quote ?? null
    errors.value = byField(payload.userErrors)
  }

  watch(
    input,
    () => {
      clearTimeout(timer)
      // The old price is no longer this cart's: nobody may take money on it while the new one is worked out.
      quote.value = null
      pricing.value = input.value !== null
      timer = setTimeout(() => void price(), SETTLE_MS)
    },
    { deep: true, immediate: true },
  )
  onBeforeUnmount(() => clearTimeout(timer))

  return { quote, errors, pricing, failed, retry: price }
}
