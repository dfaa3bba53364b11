/**
 * Deletes a map's oldest entries (insertion order) once it holds more than `max`: down to
 * `max` less 1/64 of it (exactly `max` below 64), in one pass, calling `evicted` for each.
 *
 * Why not one entry per insert: `map.keys().next()` starts at the front every time, and a V8
 * Map iterator steps over every entry deleted since the table was last compacted, so once a
 * bound is reached each eviction walks thousands of holes. One pass per 1/64 of the bound
 * walks them once.
 */
export function evictOldest<K, V>(map: Map<K, V>, max: number, evicted?: (key: K, value: V) => void): void {
  if (map.size <= max) return
  const target = max - Math.floor(max / 64)
  for (const [key, value] of map) {
    if (map.size <= target) break
    map.delete(key)
    evicted?.(key, value)
  }
}
