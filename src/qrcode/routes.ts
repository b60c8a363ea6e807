import type { AppContext } from '../context'
import { Elysia } from 'elysia'
import * as v from 'valibot'
import { HokoError } from '../http/errors'
import { keylessLimit } from '../http/keyless-limit'
import { wholeNumber } from '../http/resource'
import { msg } from '../http/validation'
import { QrImages } from './images'

/**
 * A link's own qrCode text is its short URL plus `?qr=1`: well under 100 characters with a usual
 * HOKO_BASE_URL and even a 64-character short id. 512 leaves room for any real base URL, and for a
 * bit of text, and is about as much as a printed code still scans well (version 25 at H, 15 at L).
 */
export const MAX_QR_TEXT = 512
/**
 * PNG work grows with the pixels: 2048 px is 4× the work of 1024, a third to half a second of CPU.
 * 1024 px prints 8.7 cm wide at 300 dpi; an SVG is drawn at any size for the same small cost.
 */
export const MAX_PNG_SIZE = 1024

const hex = v.optional(
  v.pipe(v.string(), v.regex(/^[0-9A-Fa-f]{6}$/, msg('must be a 6-digit hex colour such as 000000', 'يجب أن يكون لونًا سداسيًا من 6 خانات مثل 000000'))),
)
/** The parameters of the spec's qrCode URL; defaults are the values it uses. */
export const QrQuery = v.pipe(
  v.strictObject({
    text: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_QR_TEXT)),
    size: wholeNumber(64, 2048, 512),
    errorCorrection: v.optional(v.picklist(['L', 'M', 'Q', 'H']), 'H'),
    foreground: hex,
    background: hex,
    margin: wholeNumber(0, 16, 1),
    format: v.optional(v.picklist(['svg', 'png']), 'svg'),
  }),
  v.forward(
    v.check(
      (q) => q.format !== 'png' || q.size <= MAX_PNG_SIZE,
      msg(`must be at most ${MAX_PNG_SIZE} for a PNG (an SVG can be larger)`, `يجب ألا يزيد على ${MAX_PNG_SIZE} لصورة PNG (يمكن أن تكون صورة SVG أكبر)`),
    ),
    ['size'],
  ),
)

// The same parameters always give the same image.
const CACHE = 'public, max-age=31536000, immutable'

type QrQuery = v.InferOutput<typeof QrQuery>

const images = new QrImages()

async function render(q: QrQuery): Promise<Response> {
  const bytes = await images.get(q)
  if (!bytes) throw new Error('the text does not fit')
  if (q.format === 'png') return new Response(bytes, { headers: { 'content-type': 'image/png', 'cache-control': CACHE } })
  return new Response(bytes, {
    headers: { 'content-type': 'image/svg+xml; charset=utf-8', 'cache-control': CACHE, 'x-content-type-options': 'nosniff' },
  })
}

export const qrcodeRoutes = (ctx: AppContext) =>
  new Elysia({ name: 'hoko-qrcode' }).use(keylessLimit(ctx)).get(
    '/qrcode',
    async ({ query }) => {
      try {
        return await render(query)
      } catch {
        // The only failure left after validation: more data than a QR code holds at this level.
        throw new HokoError('qr_text_too_long', { errorCorrection: query.errorCorrection })
      }
    },
    { query: QrQuery, keyless: 'qrcode', detail: { summary: 'QR code image for a text (the qrCode URL of a link)', tags: ['QR codes'], security: [] } },
  )
