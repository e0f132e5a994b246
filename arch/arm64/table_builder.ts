/**
 * A small translation-table builder that writes real stage-1 or stage-2 descriptors into
 * simulated memory (4 KiB granule): used by tests, benchmarks and anyone who needs tables without
 * writing a kernel's or a hypervisor's page-table code. It allocates table pages from a
 * caller-supplied allocator and uses blocks where the range is aligned (unless told not to).
 *
 * @module
 */

import type { Bus } from "../../drivers/bus.ts";
import { levelShift, levelSize } from "./granule.ts";
import { encodeS1Block, encodeS1Page, encodeS1Table, type S1Leaf } from "./stage1_descriptor.ts";
import { encodeS2Block, encodeS2Page, encodeS2Table, type S2Leaf } from "./stage2_descriptor.ts";

/** Stage-1 leaf attributes (everything but the output address). */
export type S1Attrs = Omit<S1Leaf, "oa">;
/** Stage-2 leaf attributes (everything but the output address). */
export type S2Attrs = Omit<S2Leaf, "oa">;

/** Options of a table builder. */
export interface TableBuilderOptions {
  /** The stage the tables are for. */
  stage: 1 | 2;
  /** Start level (stage 1: from the input size; stage 2: 2 − VTCR_EL2.SL0). */
  startLevel: number;
  /** Concatenated root pages (stage 2 only; default 1). */
  rootPages?: number;
  /** Returns the PA of a fresh zeroed 4 KiB page (or `rootPages` contiguous ones when asked). */
  allocPages: (count: number) => number;
  /** Where table memory is written: IPA → PA for stage-1 tables under stage 2 (default 1:1). */
  tableToPa?: (addr: number) => number;
  /** Use blocks (1 GiB / 2 MiB) when aligned (default true). */
  blocks?: boolean;
  /** Stage-1 input size in bits (64 − TxSZ), to index upper-half (negative) VAs; default 48. */
  inputSize?: number;
}

/** Builds one translation table tree in simulated memory. */
export class TableBuilder {
  /** Address of the root table (what goes into TTBR/VTTBR). */
  readonly root: number;
  private readonly opts: Required<TableBuilderOptions>;
  /** Number of table pages allocated (including the root). */
  tables = 0;

  /** Make a builder and allocate its root. */
  constructor(readonly bus: Bus, opts: TableBuilderOptions) {
    this.opts = {
      rootPages: 1,
      tableToPa: (a: number) => a,
      blocks: true,
      inputSize: 48,
      ...opts,
    };
    this.root = this.opts.allocPages(this.opts.rootPages);
    this.tables += this.opts.rootPages;
  }

  /** Read the descriptor at table address `t`, index `i`. */
  private read(t: number, i: number): bigint {
    return this.bus.read64(this.opts.tableToPa(t + i * 8));
  }

  /** Write the descriptor at table address `t`, index `i`. */
  private write(t: number, i: number, d: bigint): void {
    this.bus.write64(this.opts.tableToPa(t + i * 8), d);
  }

  /** Index of `addr` in a table at `level`. */
  private index(addr: number, level: number): number {
    if (addr < 0) addr += 2 ** this.opts.inputSize;
    const entries = level === this.opts.startLevel ? 512 * this.opts.rootPages : 512;
    return Math.floor(addr / 2 ** levelShift(level)) % entries;
  }

  /**
   * The next-level table under (t, i) at `level`, created if missing. A block there is split
   * into a table of next-level blocks/pages with the same attributes (like Xen's
   * `p2m_split_superpage`).
   */
  private descend(t: number, i: number, level: number): number {
    const d = this.read(t, i);
    if ((d & 3n) === 3n) return Number(d & 0x0000fffffffff000n);
    const next = this.opts.allocPages(1);
    this.tables++;
    if ((d & 1n) !== 0n) {
      const childLevel = level + 1;
      const childSize = levelSize(childLevel);
      const oaMask = 0x0000fffffffff000n;
      const base = Number(d & oaMask) - (Number(d & oaMask) % levelSize(level));
      const attrs = d & ~oaMask & ~3n;
      const type = childLevel === 3 ? 3n : 1n;
      for (let k = 0; k < 512; k++) {
        this.write(next, k, attrs | BigInt(base + k * childSize) | type);
      }
    }
    this.write(t, i, this.opts.stage === 1 ? encodeS1Table({ next }) : encodeS2Table({ next }));
    return next;
  }

  /**
   * Map [addr, addr+size) to [oa, oa+size) with `attrs` (S1Attrs for stage 1, S2Attrs for
   * stage 2). `addr` is a VA (non-negative: its low bits index the tables), an IPA for stage 2.
   */
  map(addr: number, oa: number, size: number, attrs: S1Attrs | S2Attrs): void {
    if (addr % 4096 !== 0 || oa % 4096 !== 0 || size % 4096 !== 0) {
      throw new RangeError("map() needs 4 KiB aligned addresses and size");
    }
    let a = addr;
    let o = oa;
    let left = size;
    while (left > 0) {
      let level = this.opts.startLevel;
      let t = this.root;
      for (;;) {
        const bs = levelSize(level);
        const canBlock = level === 3 ||
          (this.opts.blocks && level >= 1 && a % bs === 0 && o % bs === 0 && left >= bs);
        const i = this.index(a, level);
        if (canBlock) {
          this.write(t, i, this.leaf(level, o, attrs));
          a += bs;
          o += bs;
          left -= bs;
          break;
        }
        t = this.descend(t, i, level);
        level++;
      }
    }
  }

  /** Remove the page mapping at `addr` (level-3 entries only); returns whether one existed. */
  unmapPage(addr: number): boolean {
    let t = this.root;
    for (let level = this.opts.startLevel; level < 3; level++) {
      const d = this.read(t, this.index(addr, level));
      if ((d & 3n) !== 3n) return false;
      t = Number(d & 0x0000fffffffff000n);
    }
    const i = this.index(addr, 3);
    const had = (this.read(t, i) & 1n) !== 0n;
    this.write(t, i, 0n);
    return had;
  }

  /** The leaf descriptor for `level`. */
  private leaf(level: number, oa: number, attrs: S1Attrs | S2Attrs): bigint {
    if (this.opts.stage === 1) {
      const l = { ...(attrs as S1Attrs), oa };
      return level === 3 ? encodeS1Page(l) : encodeS1Block(level as 1 | 2, l);
    }
    const l = { ...(attrs as S2Attrs), oa };
    return level === 3 ? encodeS2Page(l) : encodeS2Block(level as 1 | 2, l);
  }
}

/** A bump allocator of zeroed 4 KiB pages in [base, base+size) (pages must be untouched RAM). */
export function pageAllocator(base: number, size: number): (count: number) => number {
  let next = base;
  return (count: number) => {
    const align = count > 1 ? count * 4096 : 4096;
    next = Math.ceil(next / align) * align;
    const p = next;
    next += count * 4096;
    if (next > base + size) throw new RangeError("page allocator exhausted");
    return p;
  };
}
