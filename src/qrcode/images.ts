import { log } from '../log'
import { Lru } from '../lru'
import { drawQr, type QrParams } from './render'

/** Rendered images kept in memory: a few hundred typical codes (a 512 px PNG is ~2–10 KB). */
const CACHE_BYTES = 8 * 1024 * 1024

/**
 * In a compiled binary the worker is an entrypoint of its own (see `npm run build`), found by its path
 * under src/, the entrypoints' common folder; from source, beside this file.
 */
const WORKER = import.meta.url.includes('/$bunfs/') ? './qrcode/worker.ts' : new URL('./worker.ts', import.meta.url).href

type Job = { resolve: (bytes: Uint8Array<ArrayBuffer> | null) => void; params: QrParams }

/**
 * QR images, drawn on a thread of their own so that a large PNG (tens to hundreds of milliseconds of
 * CPU) never holds up a redirect, and kept in a cache bounded by bytes: the same parameters always
 * give the same bytes, and a page of QR codes asks for the same few again and again. Identical
 * requests in flight share one drawing. One thread: QR codes get at most one core, the event loop
 * keeps the other. Should the thread fail, drawing falls back to the main thread, with a warning.
 */
export class QrImages {
  private readonly cache = new Lru<string, Uint8Array<ArrayBuffer>>(CACHE_BYTES, (bytes, key) => bytes.byteLength + key.length)
  private readonly drawing = new Map<string, Promise<Uint8Array<ArrayBuffer> | null>>()
  private readonly jobs = new Map<number, Job>()
  private worker: Worker | null = null
  private broken = false
  private nextId = 0

  /** The image's bytes, or null when the text does not fit a QR code at this error correction level. */
  get(params: QrParams): Promise<Uint8Array<ArrayBuffer> | null> {
    const key = [params.format, params.size, params.errorCorrection, params.foreground, params.background, params.margin, params.text].join('|')
    const hit = this.cache.get(key)
    if (hit) return Promise.resolve(hit)
    let pending = this.drawing.get(key)
    if (!pending) {
      pending = this.draw(params).then((bytes) => {
        this.drawing.delete(key)
        if (bytes) this.cache.set(key, bytes)
        return bytes
      })
      this.drawing.set(key, pending)
    }
    return pending
  }

  private draw(params: QrParams): Promise<Uint8Array<ArrayBuffer> | null> {
    const worker = this.thread()
    if (!worker) return drawQr(params)
    const id = this.nextId++
    return new Promise((resolve) => {
      this.jobs.set(id, { resolve, params })
      worker.postMessage({ id, params })
    })
  }

  private thread(): Worker | null {
    if (this.worker || this.broken) return this.worker
    try {
      const worker = new Worker(WORKER)
      // The server, not this thread, decides when the process ends.
      ;(worker as Worker & { unref(): void }).unref()
      worker.onmessage = (event: MessageEvent<{ id: number; bytes: Uint8Array<ArrayBuffer> | null }>) => {
        const job = this.jobs.get(event.data.id)
        this.jobs.delete(event.data.id)
        job?.resolve(event.data.bytes)
      }
      worker.onerror = (event) => this.fail(String(event.message))
      this.worker = worker
    } catch (e) {
      this.fail(String(e))
    }
    return this.worker
  }

  private fail(error: string) {
    log('warn', 'QR drawing thread failed; drawing QR codes on the main thread', { error })
    this.broken = true
    this.worker?.terminate()
    this.worker = null
    const jobs = [...this.jobs.values()]
    this.jobs.clear()
    for (const job of jobs) void drawQr(job.params).then(job.resolve)
  }
}
