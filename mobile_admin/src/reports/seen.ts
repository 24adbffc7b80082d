// Sections below the fold ask the API only once the owner scrolls near them: what they read is bounded by the
// range's activity rather than by the rollups, so a dashboard that is only glanced at never pays for them.
// Each such section reads its answer the same way: a payload with userErrors, or no answer at all when offline.
import type { AnyVariables, UseQueryResponse } from '@urql/vue'
import { computed, onBeforeUnmount, onMounted, ref, type Ref } from 'vue'

/** True from the moment `target` comes within a screen's reach of the viewport, and from then on. */
export function useSeen(target: Ref<HTMLElement | null>): Ref<boolean> {
  const seen = ref(false)
  let watcher: IntersectionObserver | null = null
  onMounted(() => {
    if (typeof IntersectionObserver === 'undefined' || !target.value) {
      seen.value = true
      return
    }
    watcher = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) {
          seen.value = true
          watcher?.disconnect()
        }
      },
      { rootMargin: '0px 0px 50% 0px' },
    )
    watcher.observe(target.value)
  })
  onBeforeUnmount(() => watcher?.disconnect())
  return seen
}

/** What a section shows of its query's answer: the payload, the API's refusal in words, whether the API could not
 * be reached (nothing answered yet), and a retry that goes to the network. */
export function useSectionAnswer<Data, Variables extends AnyVariables, Payload extends WithUserErrors>(
  answer: UseQueryResponse<Data, Variables>,
  payloadOf: (data: Data) => Payload | null,
) {
  const payload = computed(() => (answer.data.value ? payloadOf(answer.data.value) : null))
  const refused = computed(() => (payload.value?.userErrors ?? []).map((e) => e.message).join('；'))
  const failed = computed(() => !answer.data.value && Boolean(answer.error.value))
  async function retry(): Promise<void> {
    await answer.executeQuery({ requestPolicy: 'network-only' })
  }
  return { payload, refused, failed, retry }
}

interface WithUserErrors {
  userErrors: readonly { message: string }[]
}
