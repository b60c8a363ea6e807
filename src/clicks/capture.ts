import type { Config } from '../config'
import type { Data } from '../db/data'
import type { Link } from '../links/row'
import { Geo, type Location } from './geo'
import { clientIp, truncateIp } from './ip'
import { AgentParser, type Agent } from './ua'
import type { ClickRow } from './row'
import { ridTime, type ClickInput } from './store'
import { PgClickWriter } from './pg-writer'
import { ClickWriter, type ClickSink } from './writer'

/** What a request says about its visitor, worked out once per visit. */
export type Visitor = { ip: string | null; agent: Agent; location: Location; language: string | null }

export type NewClick = {
  /** From Clicks.newId(): the click's time is in it. */
  id: { id: string; rid: number; nonce: Uint8Array }
  link: Link
  visitor: Visitor
  destination: string
  referrer: string | null
  utm: Record<string, string> | null
  qr: boolean
  visitorId: string | null
  sessionId: string | null
}

/** The host of an absolute URL, lower-cased, without parsing the whole URL. */
export function hostOf(url: string | null): string | null {
  const host = url ? /^[a-z][a-z0-9+.-]*:\/\/(?:[^/?#@]*@)?(\[[^\]]*\]|[^/?#:]+)/i.exec(url)?.[1] : undefined
  return host ? host.toLowerCase() : null
}

// A link's utm object is shared by all its clicks (see clickUtm): serialise it once.
const utmJson = new WeakMap<Record<string, string>, string>()
function utmText(utm: Record<string, string> | null): string | null {
  if (!utm) return null
  let text = utmJson.get(utm)
  if (text === undefined) utmJson.set(utm, (text = JSON.stringify(utm)))
  return text
}

/** The click pipeline shared by the redirect and embedded click tracking. */
export class Clicks {
  private readonly agents = new AgentParser()
  private readonly geo: Geo
  private made: ClickSink | null = null

  constructor(
    private readonly data: Data,
    private readonly config: Pick<Config, 'trustProxy' | 'geoipDb'>,
    /** Run in each group commit's transaction, after its inserts (webhook events): one per engine. */
    private readonly inCommit: { sqlite?: (rows: ClickRow[]) => void; pg?: (tx: Data, rows: ClickRow[]) => Promise<void> } = {},
  ) {
    this.geo = new Geo(config.geoipDb)
  }

  /** The engine's group-committed writer; SQLite's stays synchronous inside, on the one connection. */
  get writer(): ClickSink {
    return (this.made ??= this.data.sqlite ? new ClickWriter(this.data.sqlite, this.inCommit.sqlite) : new PgClickWriter(this.data, this.inCommit.pg))
  }

  describe(request: Request, socketIp: () => string | undefined): Visitor {
    const ip = clientIp(request, socketIp, this.config.trustProxy)
    const language = request.headers.get('accept-language')?.split(',')[0]?.split(';')[0]?.trim().slice(0, 35) || null
    return { ip, agent: this.agents.parse(request.headers.get('user-agent')), location: this.geo.lookup(ip), language }
  }

  /** A new click's id: made before the click is recorded, since the destination carries it. */
  newId(): { id: string; rid: number; nonce: Uint8Array } {
    return this.writer.newId()
  }

  /**
   * Settles once the click is committed, with its id: the one `c` brought, unless another server on
   * the same database had taken it (see ClickStore.insert).
   */
  async record(c: NewClick): Promise<string> {
    const { link, visitor } = c
    const row: ClickInput = {
      id: c.id.id,
      rid: c.id.rid,
      nonce: c.id.nonce,
      workspaceId: link.workspaceId,
      linkId: link.id,
      shortId: link.shortId,
      domain: link.domain,
      partnerId: link.partnerId,
      externalId: link.externalId,
      tenantId: link.tenantId,
      createdAt: ridTime(c.id.rid),
      destination: c.destination,
      referrer: c.referrer ? c.referrer.slice(0, 2048) : null,
      referrerHost: hostOf(c.referrer),
      utm: utmText(c.utm),
      visitorId: c.visitorId,
      visitorSessionId: c.sessionId,
      browserName: visitor.agent.browserName,
      browserVersion: visitor.agent.browserVersion,
      osName: visitor.agent.osName,
      osVersion: visitor.agent.osVersion,
      deviceType: visitor.agent.deviceType,
      language: visitor.language,
      country: visitor.location.country,
      countryCode: visitor.location.countryCode,
      city: visitor.location.city,
      qr: c.qr ? 1 : 0,
      bot: visitor.agent.bot ? 1 : 0,
      ip: truncateIp(visitor.ip),
    }
    await this.writer.write(row)
    return row.id
  }
}
