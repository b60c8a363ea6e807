import QRCode from 'qrcode'

/** What the drawing depends on: the validated query of GET /qrcode. */
export type QrParams = {
  text: string
  size: number
  errorCorrection: 'L' | 'M' | 'Q' | 'H'
  foreground?: string
  background?: string
  margin: number
  format: 'svg' | 'png'
}

/** The image's bytes, or null when the text holds more data than a QR code at this level does. */
export async function drawQr(q: QrParams): Promise<Uint8Array<ArrayBuffer> | null> {
  const options = {
    errorCorrectionLevel: q.errorCorrection,
    margin: q.margin,
    width: q.size,
    color: { dark: `#${q.foreground ?? '000000'}`, light: `#${q.background ?? 'FFFFFF'}` },
  }
  try {
    if (q.format === 'png') return new Uint8Array(await QRCode.toBuffer(q.text, { ...options, type: 'png' }))
    return new TextEncoder().encode(await QRCode.toString(q.text, { ...options, type: 'svg' }))
  } catch {
    // The only failure left after validation.
    return null
  }
}
