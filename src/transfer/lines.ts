import { readSync } from 'node:fs'

const CHUNK = 1 << 16

/** Reads into `buffer`; a non-blocking stdin that has nothing yet is waited for. */
function read(fd: number, buffer: Uint8Array): number {
  for (;;) {
    try {
      return readSync(fd, buffer)
    } catch (e) {
      if ((e as { code?: string }).code !== 'EAGAIN') throw e
      Bun.sleepSync(1)
    }
  }
}

/**
 * The lines of a file or pipe, one at a time: memory holds one 64 KB buffer, reused, and one line,
 * whatever the input's length (a stream of fresh chunks measured 25 MB more at the peak). `text` is
 * undefined for a line that is not UTF-8; `size` counts its bytes and newline. A last line without a
 * newline is still a line; nothing after a final newline is not.
 */
export function* lines(fd: number): Generator<{ text: string | undefined; size: number }> {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  const decode = (bytes: Uint8Array) => {
    try {
      return decoder.decode(bytes)
    } catch {
      return undefined
    }
  }
  const buffer = new Uint8Array(CHUNK)
  let partial: Uint8Array[] = []
  let partialSize = 0
  for (let got = read(fd, buffer); got > 0; got = read(fd, buffer)) {
    const chunk = buffer.subarray(0, got)
    let start = 0
    for (let end = chunk.indexOf(10); end !== -1; end = chunk.indexOf(10, start)) {
      let line = chunk.subarray(start, end)
      if (partial.length) {
        partial.push(line)
        line = Buffer.concat(partial, partialSize + line.length)
        partial = []
        partialSize = 0
      }
      yield { text: decode(line), size: line.length + 1 }
      start = end + 1
    }
    if (start < got) {
      // The buffer is reused by the next read: keep a copy of the unfinished line.
      partial.push(chunk.slice(start))
      partialSize += got - start
    }
  }
  if (partialSize) {
    const line = Buffer.concat(partial, partialSize)
    yield { text: decode(line), size: line.length }
  }
}
