import { KenchiError } from '../errors.js'
import type { Geo } from '../geo/country.js'

/** Validates a `geo` option (from `await createGeo()`). */
export function geoOption(name: string, geo: unknown): Geo {
  if (typeof geo !== 'object' || geo === null || typeof (geo as Geo).country !== 'function') {
    throw new KenchiError('CONFIG_RULE', `${name}: geo is required (const geo = await createGeo())`)
  }
  return geo as Geo
}

/** Validates a list of ISO country codes and returns them upper-cased. */
export function countriesOption(name: string, countries: unknown): Set<string> {
  if (!Array.isArray(countries) || countries.length === 0 || countries.some((c) => typeof c !== 'string' || !/^[A-Za-z]{2}$/.test(c))) {
    throw new KenchiError('CONFIG_RULE', `${name}: homeCountries must be a non-empty array of two-letter country codes`)
  }
  return new Set(countries.map((c: string) => c.toUpperCase()))
}
