import { locale } from './i18n'

/** Numbers, dates and money in the page's language, by Intl (Arabic gets Arabic digits and order). */
export const formatCount = (n: number): string => new Intl.NumberFormat(locale()).format(n)

export const formatPercent = (ratio: number): string =>
  new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 1 }).format(ratio)

/** Digits after the decimal point of a currency (JPY 0, USD 2, KWD 3). */
function fractionDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
  } catch {
    return 2
  }
}

/** An API amount (smallest currency unit, such as cents) in whole units. */
export const moneyUnits = (amount: number, currency: string): number => amount / 10 ** fractionDigits(currency.toUpperCase())

/** An API amount (smallest unit) with its currency. */
export function formatMoney(amount: number, currency: string): string {
  const code = currency.toUpperCase()
  try {
    return new Intl.NumberFormat(locale(), { style: 'currency', currency: code }).format(moneyUnits(amount, code))
  } catch {
    return `${formatCount(amount)} ${code}`
  }
}

export type DateStyle = 'full' | 'date' | 'hour' | 'day' | 'tick-hour' | 'tick-day'

const DATE_STYLES: Record<DateStyle, Intl.DateTimeFormatOptions> = {
  full: { dateStyle: 'medium', timeStyle: 'short' },
  date: { dateStyle: 'medium' },
  hour: { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' },
  day: { year: 'numeric', month: 'short', day: 'numeric' },
  'tick-hour': { hour: 'numeric' },
  'tick-day': { month: 'short', day: 'numeric' },
}

/** Milliseconds or an ISO string, in the user's time zone. */
export function formatDateTime(at: number | string | null | undefined, style: DateStyle = 'full'): string {
  if (at === null || at === undefined) return '—'
  const ms = typeof at === 'number' ? at : Date.parse(at)
  if (Number.isNaN(ms)) return '—'
  return new Intl.DateTimeFormat(locale(), DATE_STYLES[style]).format(ms)
}

export const formatDate = (at: number | string | null | undefined) => formatDateTime(at, 'date')

/** A country's name from its ISO code, in the page's language (the code when Intl does not know it). */
export function countryName(code: string | null | undefined): string {
  if (!code) return '—'
  try {
    return new Intl.DisplayNames([locale()], { type: 'region' }).of(code.toUpperCase()) ?? code
  } catch {
    return code
  }
}
