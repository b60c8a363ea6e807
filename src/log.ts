/**
 * Structured logs: one JSON object per line on stderr, at or above HOKO_LOG (error, warn, info,
 * debug; info by default). Callers pass only what may be logged: never an API key, a password or a
 * whole IP address.
 */
const LEVELS = { error: 0, warn: 1, info: 2, debug: 3 } as const
export type Level = keyof typeof LEVELS

let threshold: number = LEVELS.info

export function setLogLevel(level: Level) {
  threshold = LEVELS[level]
}

export const logs = (level: Level) => LEVELS[level] <= threshold

export function log(level: Level, msg: string, fields: Record<string, unknown> = {}) {
  if (LEVELS[level] > threshold) return
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`)
}
