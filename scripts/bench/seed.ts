import { Database } from 'bun:sqlite'
import { hostOf } from '../../src/clicks/capture'
import { AgentParser, type Agent } from '../../src/clicks/ua'
import { ClickWriter } from '../../src/clicks/writer'
import { baseDestination, clickUtm, withClickId } from '../../src/redirect/destination'
import { type ClickInput, ridTime } from '../../src/clicks/store'

/**
 * A realistic click seed: what a live server's clicks look like, deterministic (fixed-seed generator)
 * and written through the project's own click writer (`ClickWriter.insertAll`), so that the bench
 * measures whatever the click storage is, never a copy of it.
 */

/** Mulberry32: small, fast, good enough to spread synthetic traffic; the same seed gives the same data. */
export function generator(seed: number) {
  let a = seed >>> 0
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number) => Math.floor(rand() * n)
  const pick = <T>(xs: readonly T[]) => xs[int(xs.length)]
  /** Skewed towards the start of the list (rank-frequency like real traffic): k = 1 is uniform. */
  const skewed = <T>(xs: readonly T[], k = 2) => xs[Math.floor(xs.length * rand() ** k)]
  const chars = (n: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_') => {
    let s = ''
    for (let i = 0; i < n; i++) s += alphabet[int(alphabet.length)]
    return s
  }
  return { rand, int, pick, skewed, chars }
}
type Gen = ReturnType<typeof generator>

const WORDS = (
  'summer winter spring autumn sale new classic linen cotton wool leather slim relaxed organic premium ' +
  'shirt dress jacket sneaker boot bag wallet watch lamp chair sofa table mug kettle serum cream perfume ' +
  'gift bundle kids women men home kitchen garden outdoor travel sport running yoga coffee tea honey ' +
  'black white navy olive sand rose blue green grey red limited edition pro max mini ultra eco'
).split(' ')
const TLDS = ['com', 'com', 'com', 'sa', 'ae', 'co.uk', 'de', 'io', 'shop', 'store', 'net', 'com.eg', 'fr']
const SOURCES = ['newsletter', 'instagram', 'facebook', 'google', 'tiktok', 'twitter', 'linkedin', 'snapchat', 'whatsapp', 'youtube', 'partner', 'sms']
const MEDIUMS = ['email', 'social', 'cpc', 'affiliate', 'referral', 'qr', 'story', 'bio', 'paid_social', 'influencer']

const slug = (g: Gen, n: number) => Array.from({ length: n }, () => g.pick(WORDS)).join('-')

/** The body of POST /api/links for a shop's campaign link: ~135-character destinations once utm is added. */
export function linkBody(g: Gen, i: number, collectionId: string, partnerIds: string[]) {
  const host = `${g.int(10) < 3 ? 'www.' : 'shop.'}${slug(g, 1 + g.int(2))}${g.int(400)}.${g.pick(TLDS)}`
  const path = g.pick([
    () => `/collections/${slug(g, 1)}/products/${slug(g, 3)}-${g.int(100_000)}`,
    () => `/products/${slug(g, 2 + g.int(3))}?variant=${4e13 + g.int(1e9)}`,
    () => `/${g.pick(['en', 'ar', 'fr'])}/p/${slug(g, 3)}/${g.int(1e7)}.html`,
    () => `/blog/${2020 + g.int(7)}/${slug(g, 3 + g.int(3))}`,
    () => `/landing/${slug(g, 2)}?ref=${g.chars(8)}&lang=${g.pick(['en', 'ar'])}`,
  ])()
  const utm: Record<string, string> | undefined =
    g.rand() < 0.85
      ? {
          source: g.skewed(SOURCES),
          medium: g.skewed(MEDIUMS),
          campaign: `${slug(g, 2)}-${2025 + g.int(2)}${g.rand() < 0.3 ? `-wave-${1 + g.int(5)}` : ''}`,
          ...(g.rand() < 0.3 ? { content: `${g.pick(['banner', 'hero', 'footer', 'story', 'reel', 'post'])}-${g.int(40)}` } : {}),
          ...(g.rand() < 0.1 ? { term: slug(g, 2).replace('-', '+') } : {}),
        }
      : undefined
  return {
    url: `https://${host}${path}`,
    collectionId,
    title: `${slug(g, 3)} ${i}`,
    ...(utm ? { utm } : {}),
    ...(partnerIds.length && g.rand() < 0.1 ? { partnerId: g.skewed(partnerIds) } : {}),
    ...(g.rand() < 0.4 ? { externalId: `cms-${i}-${g.chars(10)}` } : {}),
    ...(g.rand() < 0.3 ? { tenantId: `tenant-${g.skewed(WORDS)}` } : {}),
  }
}

/** What a click copies from its link, as the redirect reads it. */
export type SeedLink = {
  id: string
  shortId: string
  url: string
  utm: Record<string, string> | null
  partnerId: string | null
  externalId: string | null
  tenantId: string | null
}

/** Distinct user agents with a realistic skew (a few hundred browser/os/version combinations). */
function userAgents(g: Gen): string[] {
  const out: string[] = []
  const androidModels = ['SM-S918B', 'SM-A546E', 'SM-G991B', 'Pixel 8', 'Pixel 7a', '2201117TY', 'CPH2581', 'M2101K6G', 'V2202', 'RMX3630', 'SM-A155F', 'moto g54 5G']
  for (let v = 131; v >= 110; v--) {
    out.push(`Mozilla/5.0 (Linux; Android ${10 + g.int(5)}; ${g.pick(androidModels)}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.${6000 + g.int(800)}.${g.int(200)} Mobile Safari/537.36`)
    out.push(`Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`)
    for (const m of androidModels.slice(0, 6)) out.push(`Mozilla/5.0 (Linux; Android ${10 + g.int(5)}; ${m}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.${6000 + g.int(800)}.${g.int(200)} Mobile Safari/537.36`)
    out.push(`Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`)
    out.push(`Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36 Edg/${v}.0.${2000 + g.int(900)}.${g.int(120)}`)
    out.push(`Mozilla/5.0 (Linux; Android 14; ${g.pick(androidModels)}) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/${20 + g.int(6)}.0 Chrome/${v}.0.0.0 Mobile Safari/537.36`)
  }
  for (const ios of ['15_8', '16_6', '16_7', '17_0', '17_1', '17_2', '17_4', '17_5', '17_6', '18_0', '18_1', '18_2']) {
    const ver = ios.replace('_', '.')
    out.push(`Mozilla/5.0 (iPhone; CPU iPhone OS ${ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${ver} Mobile/15E148 Safari/604.1`)
    out.push(`Mozilla/5.0 (iPhone; CPU iPhone OS ${ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${ver} Mobile/15E148 Safari/604.1`)
    out.push(`Mozilla/5.0 (iPad; CPU OS ${ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${ver} Mobile/15E148 Safari/604.1`)
    out.push(`Mozilla/5.0 (iPhone; CPU iPhone OS ${ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/${120 + g.int(12)}.0.${6000 + g.int(800)}.${g.int(200)} Mobile/15E148 Safari/604.1`)
    out.push(`Mozilla/5.0 (iPhone; CPU iPhone OS ${ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram ${300 + g.int(50)}.0.${g.int(9)}.${g.int(40)}.${g.int(120)} (iPhone${13 + g.int(4)},${1 + g.int(5)}; iOS ${ios}; en_US; en; scale=3.00; 1170x2532; ${6e8 + g.int(1e7)})`)
    out.push(`Mozilla/5.0 (iPhone; CPU iPhone OS ${ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/${440 + g.int(40)}.0.0.${g.int(60)}.${g.int(120)};FBBV/${5e8 + g.int(1e8)};FBDV/iPhone${13 + g.int(4)},${1 + g.int(5)};FBMD/iPhone;FBSN/iOS;FBSV/${ios.replace('_', '.')};FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]`)
    out.push(`Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${ver} Safari/605.1.15`)
  }
  for (let v = 133; v >= 115; v--) {
    out.push(`Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`)
    out.push(`Mozilla/5.0 (X11; Linux x86_64; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`)
    out.push(`Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`)
    out.push(`Mozilla/5.0 (Android 14; Mobile; rv:${v}.0) Gecko/${v}.0 Firefox/${v}.0`)
  }
  // Ordered by how common they are: Android Chrome and iPhone Safari of recent versions first.
  const rank = (ua: string) => (/Android.*Chrome\/1[23]/.test(ua) ? 0 : /iPhone OS 1[78]/.test(ua) ? 1 : /Windows.*Chrome\/1[23]/.test(ua) ? 2 : 3 + (ua.length % 5))
  return out.map((ua, i) => [ua, rank(ua) * 1000 + ((i * 7919) % 1000)] as const).sort((a, b) => a[1] - b[1]).map(([ua]) => ua)
}

const BOT_AGENTS = [
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
  'Twitterbot/1.0',
  'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
  'WhatsApp/2.23.20.0',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  'curl/8.5.0',
  'python-requests/2.31.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36',
  'TelegramBot (like TwitterBot)',
]

/** Referrers: full URLs as browsers send them (search engines send only their origin), a long tail of blogs and posts. */
function referrers(g: Gen): string[] {
  const out = [
    'https://www.google.com/',
    'https://l.instagram.com/',
    'https://www.facebook.com/',
    'https://t.co/',
    'https://www.bing.com/',
    'android-app://com.google.android.gm/',
    'https://mail.google.com/',
    'https://www.linkedin.com/',
    'https://www.youtube.com/',
    'https://duckduckgo.com/',
    'https://www.google.com.sa/',
    'https://www.tiktok.com/',
  ]
  for (let i = 0; i < 300; i++) out.push(`https://l.facebook.com/l.php?u=https%3A%2F%2Fshop.example.com%2F${slug(g, 3)}%3Ffbclid%3D${g.chars(40)}&h=AT${g.chars(60)}&s=1`)
  for (let i = 0; i < 300; i++) out.push(`https://t.co/${g.chars(10)}`)
  for (let i = 0; i < 400; i++) out.push(`https://www.reddit.com/r/${g.pick(WORDS)}${g.pick(WORDS)}/comments/${g.chars(6, 'abcdefghijklmnopqrstuvwxyz0123456789')}/${slug(g, 5 + g.int(5)).replaceAll('-', '_')}/`)
  for (let i = 0; i < 1500; i++)
    out.push(`https://${g.pick(['www.', 'blog.', ''])}${slug(g, 1 + g.int(2))}${g.int(300)}.${g.pick(TLDS)}/${2021 + g.int(6)}/${String(1 + g.int(12)).padStart(2, '0')}/${slug(g, 4 + g.int(6))}/`)
  for (let i = 0; i < 300; i++) out.push(`https://news.ycombinator.com/item?id=${38_000_000 + g.int(4_000_000)}`)
  for (let i = 0; i < 200; i++) out.push(`https://www.youtube.com/watch?v=${g.chars(11)}`)
  return out
}

const COUNTRIES: [string, number, string[]][] = [
  ['US', 18, ['en-US', 'es-US']], ['SA', 14, ['ar-SA', 'en-US', 'ar']], ['AE', 8, ['en-US', 'ar-AE', 'en-GB']], ['EG', 7, ['ar-EG', 'en-US', 'ar']],
  ['GB', 6, ['en-GB']], ['IN', 6, ['en-IN', 'en-US', 'hi-IN']], ['DE', 4, ['de-DE', 'de', 'en-US']], ['FR', 3, ['fr-FR', 'fr']], ['KW', 2, ['ar-KW', 'en-US']],
  ['QA', 2, ['ar-QA', 'en-US']], ['JO', 2, ['ar-JO', 'en-US']], ['MA', 2, ['fr-FR', 'ar-MA']], ['TR', 2, ['tr-TR']], ['PK', 2, ['en-US', 'ur-PK']],
  ['CA', 2, ['en-CA', 'fr-CA']], ['BR', 2, ['pt-BR']], ['NL', 1, ['nl-NL', 'en-US']], ['ES', 1, ['es-ES']], ['IT', 1, ['it-IT']], ['ID', 1, ['id-ID']],
  ['NG', 1, ['en-NG', 'en-US']], ['AU', 1, ['en-AU']], ['MX', 1, ['es-MX']], ['BH', 1, ['ar-BH', 'en-US']], ['OM', 1, ['ar-OM', 'en-US']],
  ['LB', 1, ['ar-LB', 'fr-FR']], ['IQ', 1, ['ar-IQ']], ['DZ', 1, ['fr-FR', 'ar-DZ']], ['TN', 1, ['fr-FR', 'ar-TN']], ['SE', 1, ['sv-SE']],
  ['PL', 1, ['pl-PL']], ['JP', 1, ['ja-JP']], ['KR', 1, ['ko-KR']], ['PH', 1, ['en-PH']], ['MY', 1, ['ms-MY', 'en-US']], ['ZA', 1, ['en-ZA']],
]
const SYLLABLES = 'al ar ba be da di el fa ga ha ja ka ki la li ma me mi na ni o ra ri sa se sha ta ti u wa ya za bur ville ton berg stad abad pur ham ford'.split(' ')

type Place = { country: string; countryCode: string; cities: string[]; languages: string[] }
function places(g: Gen): { weighted: Place[] } {
  const names = new Intl.DisplayNames(['en'], { type: 'region' })
  const weighted: Place[] = []
  for (const [code, weight, languages] of COUNTRIES) {
    // About 3,000 cities in all, more where the traffic is.
    const cities = Array.from({ length: 20 + weight * 40 }, () => {
      const name = Array.from({ length: 2 + g.int(3) }, () => g.pick(SYLLABLES)).join('')
      return g.rand() < 0.15 ? `${name[0].toUpperCase()}${name.slice(1)} ${g.pick(['City', 'Al Jadida', 'North', 'Heights'])}` : `${name[0].toUpperCase()}${name.slice(1)}`
    })
    const place = { country: names.of(code) ?? code, countryCode: code, cities, languages }
    for (let i = 0; i < weight; i++) weighted.push(place)
  }
  return { weighted }
}

/** A visitor's lasting traits: a returning visitor keeps its id, device, address and place. */
type Visitor = { id: string; session: string; sessionAt: number; agent: Agent; ip: string; place: Place; city: string | null; language: string | null }

/** What the seed wrote, to describe it beside the figures. */
export type SeedResult = {
  bots: number
  qr: number
  visitors: number
  destinationChars: number
  ownQuery: number
  referrers: number
  referrerChars: number
  agents: number
  cities: number
  countries: number
}

/**
 * Seeds `total` clicks over `links`, spread over the last `days` days, through the project's own click
 * writer, 20,000 rows a transaction. Links are hit with a skew (a few hot links, a long tail); 35 % of
 * clicks come from returning visitors (same visitor id, device and address; the same session within
 * 30 minutes); ~2 % are bots; ~8 % come from a QR code; ~15 % carry query parameters of their own.
 */
export function seedClicks(dbPath: string, workspaceId: string, links: SeedLink[], total: number, days: number, onProgress?: (n: number) => void): SeedResult {
  const db = new Database(dbPath, { strict: true })
  db.exec('PRAGMA busy_timeout = 5000')
  db.exec('PRAGMA synchronous = NORMAL')
  const writer = new ClickWriter(db)
  const g = generator(17)
  const parser = new AgentParser(10_000)
  const agents = userAgents(g).map((ua) => parser.parse(ua))
  const bots = BOT_AGENTS.map((ua) => parser.parse(ua))
  const refs = referrers(g)
  const { weighted } = places(g)
  // The link's own part of every click without a query of its own: computed once per link, as the redirect's cache does.
  const bases = new Map<string, { base: string; utm: string | null }>()
  const recent: Visitor[] = []
  const RECENT = 50_000
  const now = Date.now()
  const span = days * 86_400_000
  const batchSize = 20_000
  const stats: SeedResult = { bots: 0, qr: 0, visitors: 0, destinationChars: 0, ownQuery: 0, referrers: 0, referrerChars: 0, agents: 0, cities: 0, countries: 0 }
  const agentsSeen = new Set<Agent>()
  const citiesSeen = new Set<string>()
  const address = () =>
    g.rand() < 0.12
      ? `2${g.pick(['a0', 'a02', '001', '400', '600', '804'])}${g.int(10)}:${g.int(65536).toString(16)}:${g.int(65536).toString(16)}::`
      : `${1 + g.int(222)}.${g.int(256)}.${g.int(256)}.0`
  for (let done = 0; done < total; ) {
    const n = Math.min(batchSize, total - done)
    // Time-ordered within a batch, batches spread over the whole period: like a live server's inserts.
    const start = now - span + Math.floor((done / total) * span)
    const rows: ClickInput[] = new Array(n)
    for (let i = 0; i < n; i++) {
      const createdAt = start + Math.floor((i / n) * (span / (total / batchSize)))
      const link = g.skewed(links, 1.6)
      let visitor: Visitor
      const bot = g.rand() < 0.02
      if (!bot && recent.length > 100 && g.rand() < 0.35) {
        // Returning: recent visitors most often.
        visitor = recent[recent.length - 1 - Math.floor(recent.length * g.rand() ** 3)]
        if (createdAt - visitor.sessionAt > 30 * 60_000) visitor.session = Bun.randomUUIDv7('base64url', createdAt)
        visitor.sessionAt = createdAt
      } else {
        const place = g.pick(weighted)
        const id = Bun.randomUUIDv7('base64url', createdAt)
        visitor = {
          id,
          session: bot ? id : Bun.randomUUIDv7('base64url', createdAt),
          sessionAt: createdAt,
          agent: bot ? g.pick(bots) : g.skewed(agents, 2.5),
          ip: address(),
          place,
          city: g.rand() < 0.12 ? null : g.skewed(place.cities, 2),
          language: bot || g.rand() < 0.04 ? null : g.skewed(place.languages, 1.5),
        }
        stats.visitors++
        agentsSeen.add(visitor.agent)
        if (visitor.city) citiesSeen.add(`${place.countryCode} ${visitor.city}`)
        if (!bot) {
          recent.push(visitor)
          if (recent.length > RECENT * 2) recent.splice(0, RECENT)
        }
      }
      const referrer = g.rand() < 0.45 ? null : g.skewed(refs, 2.2)
      const roll = g.rand()
      const query =
        roll < 0.06
          ? `fbclid=IwAR${g.chars(58)}`
          : roll < 0.1
            ? `gclid=Cj0KCQiA${g.chars(80)}_BwE`
            : roll < 0.13
              ? `utm_source=${g.pick(SOURCES)}&utm_medium=${g.pick(MEDIUMS)}`
              : roll < 0.15
                ? `ref=${g.chars(6)}`
                : null
      const qr = !query && g.rand() < 0.08
      // An id as the redirect makes it: its rowid carries the time (src/clicks/store.ts).
      const { id, rid, nonce } = writer.store.newId(createdAt)
      let base: string
      let utm: string | null
      if (query) {
        const q = new URLSearchParams(query)
        base = baseDestination(link.url, link.utm, q)
        const u = clickUtm(link.utm, q)
        utm = u ? JSON.stringify(u) : null
      } else {
        let b = bases.get(link.id)
        if (!b) bases.set(link.id, (b = { base: baseDestination(link.url, link.utm, null), utm: link.utm ? JSON.stringify(link.utm) : null }))
        base = b.base
        utm = b.utm
      }
      const a = visitor.agent
      const destination = withClickId(base, id)
      if (a.bot) stats.bots++
      if (qr) stats.qr++
      if (query) stats.ownQuery++
      if (referrer) {
        stats.referrers++
        stats.referrerChars += referrer.length
      }
      stats.destinationChars += destination.length
      rows[i] = {
        id,
        rid,
        nonce,
        workspaceId,
        linkId: link.id,
        shortId: link.shortId,
        domain: '',
        partnerId: link.partnerId,
        externalId: link.externalId,
        tenantId: link.tenantId,
        createdAt: ridTime(rid),
        destination,
        referrer,
        referrerHost: hostOf(referrer),
        utm,
        visitorId: visitor.id,
        visitorSessionId: visitor.session,
        browserName: a.browserName,
        browserVersion: a.browserVersion,
        osName: a.osName,
        osVersion: a.osVersion,
        deviceType: a.deviceType,
        language: visitor.language,
        country: visitor.place.country,
        countryCode: visitor.place.countryCode,
        city: visitor.city,
        qr: qr ? 1 : 0,
        bot: a.bot ? 1 : 0,
        ip: visitor.ip,
      }
    }
    writer.insertAll(rows)
    done += n
    onProgress?.(done)
  }
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
  db.close()
  stats.agents = agentsSeen.size
  stats.cities = citiesSeen.size
  stats.countries = new Set([...citiesSeen].map((c) => c.slice(0, 2))).size
  return stats
}

/** The distinct human user agents of the seed, for the load generator. */
export function seedAgents(): string[] {
  return userAgents(generator(17))
}
