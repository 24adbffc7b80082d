// Sections below the fold ask the API only once the owner scrolls near them: what they read is bounded by the
// range's activity rather than by the rollups, so a dashboard that is only glanced at never pays for them.
import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue'

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
