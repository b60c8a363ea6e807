/**
 * The QR drawing thread (see images.ts). An entrypoint of its own in `npm run build`: a worker in a
 * compiled binary must be bundled as one, and this one imports the qrcode package, which a
 * source-text worker (db/thread.ts) could not resolve from inside the binary.
 */
import { drawQr, type QrParams } from './render'

declare const self: Worker

self.onmessage = async (event: MessageEvent<{ id: number; params: QrParams }>) => {
  const { id, params } = event.data
  const bytes = await drawQr(params)
  if (bytes) self.postMessage({ id, bytes }, [bytes.buffer])
  else self.postMessage({ id, bytes: null })
}
