type Entry<K, V> = { key: K; value: V; weight: number; older: Entry<K, V> | null; newer: Entry<K, V> | null }

/**
 * A bounded least-recently-used map: a Map for lookup, and a doubly linked list of its entries from
 * the least recently used (`oldest`) to the most (`newest`). A read moves one entry by relinking it.
 * (The simpler Map-only LRU, which deletes and re-inserts a key to move it to the back, measured
 * 30–100 µs an operation once full: every delete leaves a hole in the Map's storage that lookups and
 * `keys().next()` walk past until the next rehash, and the redirect does three such reads per click.)
 * The capacity counts entries, or, with `weigh`, whatever it returns (bytes, for caches of uneven values).
 */
export class Lru<K, V> {
  private readonly map = new Map<K, Entry<K, V>>()
  private oldest: Entry<K, V> | null = null
  private newest: Entry<K, V> | null = null
  private total = 0

  constructor(
    readonly capacity: number,
    private readonly weigh: (value: V, key: K) => number = () => 1,
  ) {}

  get(key: K): V | undefined {
    const e = this.map.get(key)
    if (e === undefined) return undefined
    if (e !== this.newest) {
      this.unlink(e)
      this.append(e)
    }
    return e.value
  }

  set(key: K, value: V): void {
    this.delete(key)
    const weight = this.weigh(value, key)
    // A value heavier than the whole cache would only evict everything else.
    if (weight > this.capacity) return
    const e: Entry<K, V> = { key, value, weight, older: null, newer: null }
    this.map.set(key, e)
    this.append(e)
    this.total += weight
    while (this.total > this.capacity && this.oldest) this.delete(this.oldest.key)
  }

  delete(key: K): void {
    const e = this.map.get(key)
    if (e === undefined) return
    this.map.delete(key)
    this.unlink(e)
    this.total -= e.weight
  }

  clear(): void {
    this.map.clear()
    this.oldest = this.newest = null
    this.total = 0
  }

  get size(): number {
    return this.map.size
  }

  /** The summed weight of the entries (their count without `weigh`). */
  get weight(): number {
    return this.total
  }

  private unlink(e: Entry<K, V>): void {
    if (e.older) e.older.newer = e.newer
    else this.oldest = e.newer
    if (e.newer) e.newer.older = e.older
    else this.newest = e.older
    e.older = e.newer = null
  }

  private append(e: Entry<K, V>): void {
    e.older = this.newest
    if (this.newest) this.newest.newer = e
    else this.oldest = e
    this.newest = e
  }
}
