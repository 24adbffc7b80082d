// Chinese first, English when the browser asks for it (as the API does with Accept-Language). Each screen family
// keeps its own messages beside it and reads them with `useMessages`.
import { ref } from 'vue'

export type Locale = 'zh' | 'en'

export function pickLocale(languages: readonly string[]): Locale {
  const first = languages[0]?.toLowerCase() ?? 'zh'
  return first.startsWith('en') ? 'en' : 'zh'
}

export const locale = ref<Locale>(
  pickLocale(typeof navigator === 'undefined' ? [] : (navigator.languages ?? [navigator.language])),
)

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
