// Cursor paging for van-list: each load asks the API for the page after the last cursor.
import { ref, shallowRef } from 'vue'

export interface Page<T> {
  nodes: T[]
  hasNextPage: boolean
  endCursor: string | null | undefined
}

export function usePages<T>(fetchPage: (after: string | null) => Promise<Page<T> | null>) {
  const items = shallowRef<T[]>([])
  const loading = ref(false)
  const finished = ref(false)
  const failed = ref(false)
  let cursor: string | null = null
  let generation = 0

  async function loadMore(): Promise<void> {
    const mine = generation
    loading.value = true
    failed.value = false
    const page = await fetchPage(cursor)
    if (mine !== generation) return
    loading.value = false
    if (!page) {
      failed.value = true
      return
    }
    items.value = [...items.value, ...page.nodes]
    cursor = page.endCursor ?? null
    finished.value = !page.hasNextPage
  }

  function reset(): void {
    generation += 1
    items.value = []
    cursor = null
    finished.value = false
    failed.value = false
    loading.value = false
  }

  return { items, loading, finished, failed, loadMore, reset }
}
