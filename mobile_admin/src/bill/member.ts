// The member on the bill: found by phone, card number or a scanned member code (lookupMember), or opened from the
// member card (/bill?member=<id>), and read again after paying to show the balance left.
import type { Client } from '@urql/vue'

import { graphql } from '../gql'
import type { BillMemberFieldsFragment } from '../gql/graphql'

export type BillMember = BillMemberFieldsFragment

graphql(`
  fragment BillMemberFields on Member {
    id
    nickname
    card {
      number
      status
      points
      storedValue
      phone
      level {
        id
        name
        discountBp
      }
    }
  }
`)

const BILL_MEMBER = graphql(`
  query BillMember($id: ID!) {
    member(id: $id) {
      ...BillMemberFields
    }
  }
`)

export const BILL_LOOKUP_MEMBER = graphql(`
  mutation BillLookupMember($input: LookupMemberInput!) {
    lookupMember(input: $input) {
      member {
        ...BillMemberFields
      }
      userErrors {
        field
        code
        message
      }
    }
  }
`)

/** The member as the API has them now; null for no such member, 'failed' when the network failed. */
export async function loadMember(client: Client, id: string): Promise<BillMember | null | 'failed'> {
  const result = await client.query(BILL_MEMBER, { id }, { requestPolicy: 'network-only' }).toPromise()
  if (!result.data) return 'failed'
  return result.data.member ?? null
}
