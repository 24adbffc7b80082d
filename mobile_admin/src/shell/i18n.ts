// Chinese first, English when the browser asks for it (as the API does with Accept-Language) or the staff member
// chose it on 我的 (kept on this phone). Each screen family keeps its own messages beside it and reads them with
// `useMessages`; Vant's own words (list footers, dialog buttons) follow the same choice.
import { Locale as VantLocale } from 'vant/es/locale'
import vantEnglish from 'vant/es/locale/lang/en-US'
import vantChinese from 'vant/es/locale/lang/zh-CN'
import { ref, watch } from 'vue'

export type Locale = 'zh' | 'en'

export function pickLocale(languages: readonly string[]): Locale {
  const first = languages[0]?.toLowerCase() ?? 'zh'
  return first.startsWith('en') ? 'en' : 'zh'
}

const LOCALE_KEY = 'jike.admin.locale'

function chosen(): Locale | null {
  const kept = typeof localStorage === 'undefined' ? null : localStorage.getItem(LOCALE_KEY)
  return kept === 'zh' || kept === 'en' ? kept : null
}

export const locale = ref<Locale>(
  chosen() ?? pickLocale(typeof navigator === 'undefined' ? [] : (navigator.languages ?? [navigator.language])),
)

watch(
  locale,
  (now) => (now === 'en' ? VantLocale.use('en-US', vantEnglish) : VantLocale.use('zh-CN', vantChinese)),
  { immediate: true },
)

/** The language this phone shows from now on, whatever the browser asks for. */
export function chooseLocale(next: Locale): void {
  locale.value = next
  localStorage.setItem(LOCALE_KEY, next)
}

export type Messages<K extends string> = Record<Locale, Record<K, string>>

/** A message with `{name}` placeholders filled in. */
export function format(template: string, values: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole))
}

export function useMessages<K extends string>(messages: Messages<K>) {
  return (key: K, values?: Record<string, string | number>): string => format(messages[locale.value][key], values)
}

/** The HTTP header that makes the API answer userErrors in the app's language. */
export function acceptLanguage(): string {
  return locale.value === 'en' ? 'en' : 'zh-CN'
}
