/**
 * A set-associative cache tag model with LRU replacement and dirty bits, used only for cost
 * accounting (the model's data is always coherent: reads and writes reach the device models
 * immediately; the cache decides which accesses count as hits, line fills and write-backs).
 * Each line remembers which device and counter domain it came from, so a later write-back is
 * charged to the right device.
 *
 * @module
 */

/** A set-associative cache of `sizeBytes` with `ways` ways and 64-byte lines. */
export class SetAssocCache {
  /** Line size in bytes. */
  readonly lineBytes = 64;
  /** Number of sets. */
  readonly sets: number;
  /** Associativity. */
  readonly ways: number;
  private readonly tags: Float64Array;
  private readonly dirty: Uint8Array;
  private readonly stamp: Float64Array;
  private readonly owner: Int32Array;
  private readonly domain: Int32Array;
  private clock = 0;
  /** After {@link insert}: the evicted line number, or -1. */
  evictedLine: number = -1;
  /** After {@link insert}: whether the evicted line was dirty. */
  evictedDirty = false;
  /** After {@link insert}: the evicted line's device id. */
  evictedOwner: number = -1;
  /** After {@link insert}: the evicted line's counter domain. */
  evictedDomain: number = -1;

  /** Make a cache; `sizeBytes / 64 / ways` must be a power of two. */
  constructor(sizeBytes: number, ways: number) {
    const sets = sizeBytes / 64 / ways;
    if (!Number.isInteger(sets) || sets < 1 || (sets & (sets - 1)) !== 0) {
      throw new RangeError(`cache of ${sizeBytes} bytes and ${ways} ways has no power-of-two sets`);
    }
    this.sets = sets;
    this.ways = ways;
    const n = sets * ways;
    this.tags = new Float64Array(n).fill(-1);
    this.dirty = new Uint8Array(n);
    this.stamp = new Float64Array(n);
    this.owner = new Int32Array(n);
    this.domain = new Int32Array(n);
  }

  /** Way index (absolute) holding `line`, or -1; a hit refreshes LRU. */
  find(line: number): number {
    const base = (line & (this.sets - 1)) * this.ways;
    for (let w = 0; w < this.ways; w++) {
      if (this.tags[base + w] === line) {
        this.stamp[base + w] = ++this.clock;
        return base + w;
      }
    }
    return -1;
  }

  /** Mark the line in slot `i` dirty. */
  setDirty(i: number): void {
    this.dirty[i] = 1;
  }

  /** Whether slot `i` is dirty. */
  isDirty(i: number): boolean {
    return this.dirty[i] !== 0;
  }

  /** Clean slot `i` (after a write-back). */
  clean(i: number): void {
    this.dirty[i] = 0;
  }

  /** Device id of the line in slot `i`. */
  ownerOf(i: number): number {
    return this.owner[i];
  }

  /** Counter domain of the line in slot `i`. */
  domainOf(i: number): number {
    return this.domain[i];
  }

  /** Insert `line` (LRU victim evicted, reported in the `evicted*` fields); returns its slot. */
  insert(line: number, owner: number, domain: number, dirty: boolean): number {
    const base = (line & (this.sets - 1)) * this.ways;
    let victim = base;
    let oldest = Infinity;
    for (let w = 0; w < this.ways; w++) {
      const i = base + w;
      if (this.tags[i] === -1) {
        victim = i;
        oldest = -1;
        break;
      }
      if (this.stamp[i] < oldest) {
        oldest = this.stamp[i];
        victim = i;
      }
    }
    this.evictedLine = this.tags[victim];
    this.evictedDirty = this.evictedLine !== -1 && this.dirty[victim] !== 0;
    this.evictedOwner = this.owner[victim];
    this.evictedDomain = this.domain[victim];
    this.tags[victim] = line;
    this.dirty[victim] = dirty ? 1 : 0;
    this.stamp[victim] = ++this.clock;
    this.owner[victim] = owner;
    this.domain[victim] = domain;
    return victim;
  }

  /** Drop slot `i`. */
  drop(i: number): void {
    this.tags[i] = -1;
    this.dirty[i] = 0;
  }

  /** Empty the cache. */
  reset(): void {
    this.tags.fill(-1);
    this.dirty.fill(0);
    this.clock = 0;
  }

  /** Visit every valid line: (line, slot). */
  forEachLine(fn: (line: number, slot: number) => void): void {
    for (let i = 0; i < this.tags.length; i++) if (this.tags[i] !== -1) fn(this.tags[i], i);
  }
}
