/**
 * Xen's rangesets (xen/common/rangeset.c): sets of inclusive integer ranges [s, e], kept sorted
 * and merged. Used for iomem/IRQ permissions (`d->iomem_caps`, `d->irq_caps`) and for the
 * extended-region computation (`find_unallocated_memory`, `find_memory_holes`).
 *
 * @module
 */

/** An inclusive range. */
export interface Range {
  /** First value. */
  s: number;
  /** Last value (inclusive). */
  e: number;
}

/** A set of inclusive ranges. */
export class Rangeset {
  private r: Range[] = [];
  /** A name for messages (`iomem`, `irqs`). */
  readonly name: string;

  /** Make an empty set. */
  constructor(name = "") {
    this.name = name;
  }

  /** `rangeset_add_range(s, e)`: 0, or -EINVAL (-22) when s > e. */
  add(s: number, e: number): number {
    if (s > e) return -22;
    const out: Range[] = [];
    let ns = s;
    let ne = e;
    let placed = false;
    for (const x of this.r) {
      if (x.e + 1 < ns) out.push(x);
      else if (ne + 1 < x.s) {
        if (!placed) {
          out.push({ s: ns, e: ne });
          placed = true;
        }
        out.push(x);
      } else {
        ns = Math.min(ns, x.s);
        ne = Math.max(ne, x.e);
      }
    }
    if (!placed) out.push({ s: ns, e: ne });
    this.r = out;
    return 0;
  }

  /** Empty the set (`rangeset_destroy` + re-create). */
  clear(): void {
    this.r = [];
  }

  /** `rangeset_remove_range(s, e)`: 0, or -EINVAL when s > e. */
  remove(s: number, e: number): number {
    if (s > e) return -22;
    const out: Range[] = [];
    for (const x of this.r) {
      if (x.e < s || x.s > e) {
        out.push(x);
        continue;
      }
      if (x.s < s) out.push({ s: x.s, e: s - 1 });
      if (x.e > e) out.push({ s: e + 1, e: x.e });
    }
    this.r = out;
    return 0;
  }

  /** `rangeset_contains_range`: the whole [s, e] is in the set. */
  containsRange(s: number, e: number): boolean {
    if (s > e) return false;
    for (const x of this.r) if (x.s <= s && e <= x.e) return true;
    return false;
  }

  /** `rangeset_overlaps_range`. */
  overlaps(s: number, e: number): boolean {
    for (const x of this.r) if (x.s <= e && s <= x.e) return true;
    return false;
  }

  /** `rangeset_contains_singleton`. */
  contains(v: number): boolean {
    return this.containsRange(v, v);
  }

  /** `rangeset_report_ranges(s, e, cb)`: each stored range clipped to [s, e], in order. */
  report(s: number, e: number, cb: (s: number, e: number) => number): number {
    for (const x of this.r) {
      if (x.e < s || x.s > e) continue;
      const rc = cb(Math.max(x.s, s), Math.min(x.e, e));
      if (rc) return rc;
    }
    return 0;
  }

  /** The ranges, sorted. */
  ranges(): Range[] {
    return this.r.map((x) => ({ ...x }));
  }

  /** Whether the set is empty. */
  get empty(): boolean {
    return this.r.length === 0;
  }
}
