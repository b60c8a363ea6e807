/**
 * A bounded least-recently-used map. A Map keeps insertion order, so re-inserting on read moves an
 * entry to the back and the first key is always the least recently used. The capacity counts entries,
 * or, with `weigh`, whatever it returns (bytes, for caches of uneven values).
 */
export class Lru<K, V> {
  private readonly map = new Map<K, V>()
  private total = 0

  constructor(
    readonly capacity: number,
    private readonly weigh: (value: V, key: K) => number = () => 1,
  ) {}

  get(key: K): V | undefined {
    const value = this.map.get(key)
    if (value !== undefined) {
      this.map.delete(key)
      this.map.set(key, value)
    }
    return value
  }

  set(key: K, value: V): void {
    this.delete(key)
    const weight = this.weigh(value, key)
    // A value heavier than the whole cache would only evict everything else.
    if (weight > this.capacity) return
    this.map.set(key, value)
    this.total += weight
    while (this.total > this.capacity) this.delete(this.map.keys().next().value as K)
  }

  delete(key: K): void {
    const value = this.map.get(key)
    if (value === undefined) return
    this.map.delete(key)
    this.total -= this.weigh(value, key)
  }

  clear(): void {
    this.map.clear()
    this.total = 0
  }

  get size(): number {
    return this.map.size
  }

  /** The summed weight of the entries (their count without `weigh`). */
  get weight(): number {
    return this.total
  }
}
