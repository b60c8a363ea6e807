/**
 * English and Arabic. Each page keeps its own strings beside it (`pages/<name>/strings.ts` exporting
 * `{ en, ar }` with the same keys) and reads them with `pick(strings)` while rendering: the app
 * re-renders from the root when the language changes, so nothing caches a string.
 */
export type Lang = 'en' | 'ar'
export type Bilingual<T> = { en: T; ar: T }

let current: Lang = document.documentElement.lang === 'ar' ? 'ar' : 'en'
const listeners = new Set<(l: Lang) => void>()

export const lang = (): Lang => current
export const dir = (): 'rtl' | 'ltr' => (current === 'ar' ? 'rtl' : 'ltr')
/** The BCP 47 locale for Intl. */
export const locale = (): string => (current === 'ar' ? 'ar' : 'en')

/** This page's strings in the current language. */
export const pick = <T>(strings: Bilingual<T>): T => strings[current]

/** `{name}` placeholders replaced by values (as text: the result is rendered by Preact, escaped). */
export const fill = (template: string, values: Record<string, string | number>): string =>
  template.replace(/\{(\w+)\}/g, (m, k: string) => (k in values ? String(values[k]) : m))

/** An API error body's message in the current language. */
export const message = (m: { en: string; ar: string }): string => (current === 'ar' ? m.ar : m.en)

const YEAR = 365 * 24 * 3600

/**
 * Switches the document (lang, dir) and remembers the choice in the `hoko_lang` cookie, which the
 * server reads for this shell and for the login pages. Saving it on the account is the caller's part.
 */
export function setLang(next: Lang) {
  current = next
  document.documentElement.lang = next
  document.documentElement.dir = dir()
  const secure = location.protocol === 'https:' ? '; Secure' : ''
  document.cookie = `hoko_lang=${next}; Path=/; Max-Age=${YEAR}; SameSite=Lax${secure}`
  for (const l of listeners) l(next)
}

export function onLangChange(fn: (l: Lang) => void): () => void {
  listeners.add(fn)
  return () => listeners.delete(fn)
}
