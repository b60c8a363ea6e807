import { isbot } from 'isbot'
import { UAParser } from 'ua-parser-js'
import { Lru } from '../lru'

export type Agent = {
  browserName: string | null
  browserVersion: string | null
  osName: string | null
  osVersion: string | null
  /** mobile, tablet, desktop, … (ua-parser's device type; desktop when it names none). */
  deviceType: string | null
  /** For device targeting. */
  platform: 'ios' | 'android' | null
  bot: boolean
}

/** Every deviceType a click can have: ua-parser's device types, and desktop when it names none. */
export const DEVICE_TYPES = ['desktop', 'mobile', 'tablet', 'console', 'smarttv', 'wearable', 'embedded'] as const

const MAX_CACHED_LENGTH = 512

/** User-agent parsing is the costliest step of a click; a few thousand distinct agents cover most traffic. */
export class AgentParser {
  private readonly cache: Lru<string, Agent>

  constructor(capacity = 5_000) {
    this.cache = new Lru(capacity)
  }

  parse(ua: string | null): Agent {
    const key = ua ?? ''
    const hit = this.cache.get(key)
    if (hit) return hit
    const agent = parseAgent(key)
    if (key.length <= MAX_CACHED_LENGTH) this.cache.set(key, agent)
    return agent
  }
}

function parseAgent(ua: string): Agent {
  const r = new UAParser(ua).getResult()
  const os = r.os.name ?? null
  const version = r.browser.version ?? null
  return {
    browserName: r.browser.name ?? null,
    // major.minor, as in the spec's example ("120.0"): finer than that only splits reports.
    browserVersion: version ? version.split('.').slice(0, 2).join('.') : null,
    osName: os,
    osVersion: r.os.version ?? null,
    deviceType: r.device.type ?? (ua ? 'desktop' : null),
    platform: os === 'iOS' ? 'ios' : os === 'Android' ? 'android' : null,
    bot: ua === '' || isbot(ua),
  }
}
