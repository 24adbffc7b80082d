// Following an order while a code is shown: the payer pays on their own phone and the provider tells the API, so
// the bill asks for the order every 2 s until it is paid, and stops when the code is put away or the screen left.
import type { Client } from '@urql/vue'
import { onBeforeUnmount } from 'vue'

import { graphql } from '../gql'
import type { PaymentMethod } from '../gql/graphql'

const BILL_FOLLOW_ORDER = graphql(`
  query BillFollowOrder($id: ID!) {
    order(id: $id) {
      order {
        id
        status
        paidMethod
      }
    }
  }
`)

export const FOLLOW_EVERY_MS = 2_000

/** How the order was paid, or null while it is not (or the network did not answer). */
export async function paidWith(client: Client, orderId: string): Promise<PaymentMethod | null> {
  const result = await client.query(BILL_FOLLOW_ORDER, { id: orderId }, { requestPolicy: 'network-only' }).toPromise()
  const order = result.data?.order?.order
  return order?.status === 'PAID' ? (order.paidMethod ?? null) : null
}

export function useFollow(client: Client, orderId: () => string, onPaid: (method: PaymentMethod) => void) {
  let timer: ReturnType<typeof setTimeout> | undefined
  let following = false

  async function tick(): Promise<void> {
    if (!following) return
    const method = await paidWith(client, orderId())
    if (!following) return
    if (method) {
      stop()
      onPaid(method)
      return
    }
    timer = setTimeout(() => void tick(), FOLLOW_EVERY_MS)
  }

  function start(): void {
    if (following) return
    following = true
    timer = setTimeout(() => void tick(), FOLLOW_EVERY_MS)
  }

  function stop(): void {
    following = false
    clearTimeout(timer)
  }

  onBeforeUnmount(stop)
  return { start, stop }
}
