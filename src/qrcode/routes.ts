import type { AppContext } from '../context'
import { Elysia } from 'elysia'
import QRCode from 'qrcode'
import * as v from 'valibot'
import { HokoError } from '../http/errors'
import { wholeNumber } from '../http/resource'
import { msg } from '../http/validation'

const hex = v.optional(
  v.pipe(v.string(), v.regex(/^[0-9A-Fa-f]{6}$/, msg('must be a 6-digit hex colour such as 000000', 'يجب أن يكون لونًا سداسيًا من 6 خانات مثل 000000'))),
)
/** The parameters of the spec's qrCode URL; defaults are the values it uses. */
export const QrQuery = v.strictObject({
  text: v.pipe(v.string(), v.minLength(1), v.maxLength(2048)),
  size: wholeNumber(64, 2048, 512),
  errorCorrection: v.optional(v.picklist(['L', 'M', 'Q', 'H']), 'H'),
  foreground: hex,
  background: hex,
  margin: wholeNumber(0, 16, 1),
  format: v.optional(v.picklist(['svg', 'png']), 'svg'),
})

// The same parameters always give the same image.
const CACHE = 'public, max-age=31536000, immutable'

type QrQuery = v.InferOutput<typeof QrQuery>

async function render(q: QrQuery): Promise<Response> {
  const options = {
    errorCorrectionLevel: q.errorCorrection,
    margin: q.margin,
    width: q.size,
    color: { dark: `#${q.foreground ?? '000000'}`, light: `#${q.background ?? 'FFFFFF'}` },
  }
  if (q.format === 'png') {
    const png = await QRCode.toBuffer(q.text, { ...options, type: 'png' })
    return new Response(new Uint8Array(png), { headers: { 'content-type': 'image/png', 'cache-control': CACHE } })
  }
  const svg = await QRCode.toString(q.text, { ...options, type: 'svg' })
  return new Response(svg, {
    headers: { 'content-type': 'image/svg+xml; charset=utf-8', 'cache-control': CACHE, 'x-content-type-options': 'nosniff' },
  })
}

export const qrcodeRoutes = (_ctx: AppContext) =>
  new Elysia({ name: 'hoko-qrcode' }).get(
    '/qrcode',
    async ({ query }) => {
      try {
        return await render(query)
      } catch {
        // The only failure left after validation: more data than a QR code holds at this level.
        throw new HokoError('qr_text_too_long', { errorCorrection: query.errorCorrection })
      }
    },
    { query: QrQuery, detail: { summary: 'QR code image for a text (the qrCode URL of a link)', tags: ['QR codes'], security: [] } },
  )
