import { ApiError } from '../api'
import { message } from '../i18n'

/** An API error in the user's language (a plain Error's text otherwise). */
export const errorText = (e: unknown): string =>
  e instanceof ApiError ? message(e) : e instanceof Error ? e.message : String(e)

export function ErrorBox(p: { error: unknown }) {
  if (!p.error) return null
  return (
    <p class="error-box" role="alert">
      {errorText(p.error)}
    </p>
  )
}
