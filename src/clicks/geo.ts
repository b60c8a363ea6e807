import { readFileSync } from 'node:fs'
import { Reader } from 'mmdb-lib'
// Embedded by `bun build --compile`; a path on disk otherwise.
import bundledCountryDb from '@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb' with { type: 'file' }
import { Lru } from '../lru'
import { isPublicIp } from './ip'

export type Location = { country: string | null; countryCode: string | null; city: string | null }

const NOWHERE: Location = { country: null, countryCode: null, city: null }
const countryNames = new Intl.DisplayNames(['en'], { type: 'region' })

type GeoRecord = {
  // ip-location-db layouts
  country_code?: string
  city?: string | { names?: { en?: string } }
  // MaxMind / DB-IP layouts
  country?: { iso_code?: string; names?: { en?: string } }
}

/**
 * Country from the bundled CC0 database, or country and city from HOKO_GEOIP_DB, any MaxMind-format
 * database (GeoLite2-City, DB-IP City Lite, ip-location-db city).
 */
export class Geo {
  private readonly reader: Reader<any>
  // Visitors come back, and one address makes many clicks: remember recent answers.
  private readonly recent = new Lru<string, Location>(20_000)
  /**
   * New addresses still share few records (a country database has a few hundred): mmdb-lib keeps
   * the records it decoded by their offset in the file (its `cache` option), and each record's
   * Location is built once, so a new address costs the walk down the tree only.
   */
  private readonly located = new WeakMap<GeoRecord, Location>()

  constructor(path?: string) {
    this.reader = new Reader<any>(readFileSync(path ?? bundledCountryDb), { cache: new Lru<number, any>(10_000) })
  }

  lookup(ip: string | null): Location {
    if (!ip) return NOWHERE
    let location = this.recent.get(ip)
    if (!location) {
      location = this.find(ip)
      this.recent.set(ip, location)
    }
    return location
  }

  private find(ip: string): Location {
    if (!isPublicIp(ip)) return NOWHERE
    let r: GeoRecord | null
    try {
      r = this.reader.get(ip)
    } catch {
      return NOWHERE
    }
    if (!r) return NOWHERE
    let location = this.located.get(r)
    if (!location) this.located.set(r, (location = toLocation(r)))
    return location
  }
}

function toLocation(r: GeoRecord): Location {
  const code = (r.country_code ?? r.country?.iso_code ?? null)?.toUpperCase() ?? null
  const city = typeof r.city === 'string' ? r.city : (r.city?.names?.en ?? null)
  return { country: code ? (r.country?.names?.en ?? countryName(code)) : null, countryCode: code, city: city || null }
}

const names = new Map<string, string>()
function countryName(code: string): string {
  let name = names.get(code)
  if (name === undefined) {
    try {
      name = countryNames.of(code) ?? code
    } catch {
      name = code
    }
    names.set(code, name)
  }
  return name
}
