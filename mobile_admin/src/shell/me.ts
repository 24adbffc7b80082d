// The signed-in staff member and the store they are working at: shared by every screen, read once per sign-in.
import type { Client } from '@urql/vue'
import { computed, ref } from 'vue'

import { graphql } from '../gql'
import type { MeQuery } from '../gql/graphql'

export const ME = graphql(`
  query Me {
    me {
      id
      name
      role
      allStores
      stores {
        id
        name
        timezone
      }
    }
    merchant {
      id
      name
    }
    stores(first: 100) {
      edges {
        node {
          id
          name
          timezone
        }
      }
    }
  }
`)

export type Me = MeQuery['me']
export type StoreRef = { id: string; name: string; timezone: string }

const STORE_KEY = 'jike.admin.store'

export const me = ref<Me | null>(null)
export const merchantName = ref('')
export const myStores = ref<StoreRef[]>([])
const chosenStoreId = ref<string | null>(localStorage.getItem(STORE_KEY))

export const currentStore = computed<StoreRef | null>(
  () => myStores.value.find((s) => s.id === chosenStoreId.value) ?? myStores.value[0] ?? null,
)

export function chooseStore(id: string): void {
  chosenStoreId.value = id
  localStorage.setItem(STORE_KEY, id)
}

export async function loadMe(client: Client): Promise<Me | null> {
  const result = await client.query(ME, {}, { requestPolicy: 'network-only' }).toPromise()
  if (!result.data) return null
  me.value = result.data.me
  merchantName.value = result.data.merchant.name
  myStores.value = result.data.stores.edges.map((e) => e.node)
  return me.value
}

export function forgetMe(): void {
  me.value = null
  myStores.value = []
}
