// @kenchi/server/lists: the lists and network lookups the configured rules take
// (docs/rules.md, "Lists, geography and form content"): block and allow lists, the
// disposable e-mail domains, country and hosting-network lookups, Tor exits, and the
// negative IP list that labels build.
export { createList, loadList, parseList } from './list.js'
export type { FileBackedList, KenchiList, ListKind } from './list.js'
export { isLocalIp, parseIp } from './ip.js'
export type { IpAddress } from './ip.js'
export { disposableDomains } from './disposable.js'
export { torExitList, TOR_BULK_EXIT_LIST_URL } from './tor.js'
export type { TorExitList, TorExitListOptions } from './tor.js'
export { negativeIps } from './negative-ips.js'
export type { NegativeIps } from './negative-ips.js'
export { createGeo, geoFrom } from '../geo/country.js'
export type { Geo, GeoOptions } from '../geo/country.js'
export { createHostingNetworks, DEFAULT_HOSTING_ASNS } from '../geo/asn.js'
export type { HostingNetworks, HostingNetworksOptions } from '../geo/asn.js'
