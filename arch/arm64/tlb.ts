/**
 * Translation lookaside buffers (ARM ARM DDI 0487 D8.13 "Translation Lookaside Buffers"):
 * combined stage 1+2 entries tagged by regime, VMID and ASID (or global, nG = 0), and
 * stage-2-only entries (IPA → PA, used for stage-1 table walks) tagged by VMID. Entries are 4 KiB
 * (a block mapping is cached as the 4 KiB pieces touched — TLBs may hold smaller entries than the
 * descriptor, D8.13.x). Faulting translations are never cached. Invalidation is explicit (TLBI).
 *
 * Both TLBs are set-associative (default 4 ways, least-recently-used replacement within a set,
 * the set chosen by the low bits of the page number), so pages whose addresses differ by a
 * multiple of the set span — a copy's source and destination 16 MiB apart — share a set
 * without evicting each other. Which entry is evicted is microarchitectural: any entry may be
 * evicted at any time (D8.13), so the replacement policy changes only speed, never results.
 * TLBI by VA (or IPA) on the stage-2 TLB looks at one set; invalidation by VMID/ASID scans the
 * entries made so far, and nothing when no fill happened since the last full flush. Entries are
 * created on first use: a CPU costs little until it translates.
 *
 * Each combined entry also caches what the bus decode found for its physical page, so a hit goes
 * straight to the device (or to the RAM page) without another lookup.
 *
 * @module
 */

import type { BusRegion } from "../../drivers/bus.ts";
import type { DirectMemory } from "../../drivers/device.ts";

/** Permission bits of an entry (after stage 1 and stage 2). */
export const P_R1 = 1;
/** Write at EL1 (or EL2 in the EL2 regime). */
export const P_W1 = 2;
/** Read at EL0. */
export const P_R0 = 4;
/** Write at EL0. */
export const P_W0 = 8;
/** Execute at EL1 (EL2). */
export const P_X1 = 16;
/** Execute at EL0. */
export const P_X0 = 32;
/** Every permission. */
export const P_ALL = 63;

/** Regime tag: the EL1&0 translation regime (with stage 2 when HCR_EL2.VM = 1). */
export const REGIME_EL10 = 1;
/** Regime tag: the EL2 translation regime (non-VHE). */
export const REGIME_EL2 = 2;

/** A combined (VA → PA) TLB entry. */
export class TlbEntry {
  /** Whether the entry holds a translation. */
  valid = false;
  /** VA of the 4 KiB page (signed number form). */
  vpage = 0;
  /** REGIME_* tag. */
  regime = 0;
  /** VMID tag (EL1&0 regime). */
  vmid = 0;
  /** ASID tag (non-global entries). */
  asid = 0;
  /** nG = 0: matches every ASID. */
  global = false;
  /** IPA of the page (stage-1 output). */
  ipaPage = 0;
  /** PA of the page. */
  paPage = 0;
  /** Combined permission bits (P_*). */
  perm = 0;
  /** Stage-1 permission bits. */
  s1perm = 0;
  /** Stage-2 permission bits. */
  s2perm = 0;
  /** Combined attribute byte. */
  attr = 0;
  /** Combined SH code. */
  sh = 0;
  /** Stage-1 attribute byte (after SCTLR.C). */
  s1attr = 0;
  /** Stage-1 SH. */
  s1sh = 0;
  /** Stage-2 MemAttr (raw), or -1 when stage 2 is off. */
  s2memAttr: number = -1;
  /** Stage-2 SH. */
  s2sh = 0;
  /** Bit 0: stage 1 is Device; bit 1: stage 2 is Device. */
  devFlags = 0;
  /** Provenance: BY_* code. */
  by = 0;
  /** Provenance: RULE code. */
  rule = 0;
  /** Stage-1 leaf level (−1 with the MMU off). */
  s1Level = 0;
  /** Stage-2 leaf level (−1 without stage 2). */
  s2Level = 0;
  /** Memory class for counters (memClass of attr). */
  memClass = 0;
  /** Bus region covering the whole physical page, or null (hole or several devices). */
  region: BusRegion | null = null;
  /** Offset of the page within the region's device. */
  devOff = 0;
  /** Direct memory of the region's device (RAM/SRAM) when usable for this page. */
  direct: DirectMemory | null = null;
  /** The RAM page array (null until it exists). */
  page: Uint8Array | null = null;
  /** Counter domain slot. */
  domain = 0;
  /** Bus device id of the region (−1 without one). */
  devId: number = -1;
  /** Cost counter row of (device, domain) (empty without a cost model). */
  costRow: Float64Array = NO_ROW;
  /**
   * Stage-1 part only: stage 1 translated (tags, `ipaPage`, `s1*` fields are valid) but the
   * stage-2 walk of the output address faulted, so the next access walks stage 2 again without
   * repeating the stage-1 walk (a TLB may hold stage-1 results of a successful stage-1 walk,
   * D8.13; faults are never cached). `perm` is 0, so no fast path uses such an entry.
   */
  s2pending = false;
}

const NO_ROW = new Float64Array(0);

/** Set index of a page number (VA or IPA page, signed-number form) for `mask` = sets − 1. */
function setOf(page: number, mask: number): number {
  return (page / 4096) & mask;
}

/** Check a power-of-two geometry; returns sets − 1. */
function geometry(size: number, ways: number, what: string): number {
  if (size <= 0 || (size & (size - 1)) !== 0) {
    throw new RangeError(`${what} size must be a power of two`);
  }
  if (ways <= 0 || (ways & (ways - 1)) !== 0 || ways > size) {
    throw new RangeError(`${what} ways must be a power of two no larger than its size`);
  }
  return size / ways - 1;
}

/** A set-associative combined TLB (see the module doc). */
export class Tlb {
  /** Entries in all. */
  readonly size: number;
  /** Ways per set. */
  readonly ways: number;
  private readonly mask: number;
  /** Slot `set · ways + way`; null until first used. */
  private readonly slots: (TlbEntry | null)[];
  /** Last-use stamps of the slots (LRU within a set). */
  private readonly stamps: Float64Array;
  private clock = 0;
  /** Every entry created, for scans. */
  private readonly made: TlbEntry[] = [];
  /** A fill happened since the last full flush (else every entry is invalid). */
  private live = false;
  /** Fills since creation. */
  fills = 0;

  /** Make a TLB of `size` entries in sets of `ways` (powers of two; default 4096, 4-way). */
  constructor(size = 4096, ways = 4) {
    this.mask = geometry(size, ways, "TLB");
    this.size = size;
    this.ways = ways;
    this.slots = new Array(size).fill(null);
    this.stamps = new Float64Array(size);
  }

  /** The entry for `vpage` in the given context, or null. */
  lookup(vpage: number, regime: number, vmid: number, asid: number): TlbEntry | null {
    const w = this.ways;
    const b = setOf(vpage, this.mask) * w;
    for (let i = b; i < b + w; i++) {
      const e = this.slots[i];
      if (
        e !== null && e.valid && e.vpage === vpage && e.regime === regime &&
        (regime === REGIME_EL2 || e.vmid === vmid) && (e.global || e.asid === asid)
      ) {
        this.stamps[i] = ++this.clock;
        return e;
      }
    }
    return null;
  }

  /**
   * The entry a fill for `vpage` overwrites (marked invalid, ready to be filled): an unused or
   * invalid way of the page's set, else the least recently used one.
   */
  victim(vpage: number): TlbEntry {
    const w = this.ways;
    const b = setOf(vpage, this.mask) * w;
    let v = b;
    let oldest = Infinity;
    for (let i = b; i < b + w; i++) {
      const e = this.slots[i];
      if (e === null || !e.valid) {
        v = i;
        break;
      }
      if (this.stamps[i] < oldest) {
        oldest = this.stamps[i];
        v = i;
      }
    }
    let e = this.slots[v];
    if (e === null) {
      e = new TlbEntry();
      this.slots[v] = e;
      this.made.push(e);
    }
    e.valid = false;
    this.stamps[v] = ++this.clock;
    this.fills++;
    this.live = true;
    return e;
  }

  /**
   * TLBI by VA (VAE1/VAAE1/VAE2): the entries for `vpage` in `regime` (and `vmid` for EL1&0).
   * `asid` ≥ 0: global entries and those of that ASID (VAE1); −1: every ASID (VAAE1).
   * Looks at one set. Returns how many entries were invalidated.
   */
  invalidateVa(vpage: number, regime: number, vmid: number, asid: number): number {
    if (!this.live) return 0;
    const w = this.ways;
    const b = setOf(vpage, this.mask) * w;
    let n = 0;
    for (let i = b; i < b + w; i++) {
      const e = this.slots[i];
      if (
        e !== null && e.valid && e.vpage === vpage && e.regime === regime &&
        (regime === REGIME_EL2 || e.vmid === vmid) && (asid < 0 || e.global || e.asid === asid)
      ) {
        e.valid = false;
        n++;
      }
    }
    return n;
  }

  /**
   * TLBI by context (VMALLE1/ASIDE1/ALLE2): every entry of `regime` (and `vmid` for EL1&0);
   * `asid` ≥ 0: only the non-global entries of that ASID (ASIDE1). Returns how many.
   */
  invalidateContext(regime: number, vmid: number, asid: number): number {
    if (!this.live) return 0;
    let n = 0;
    for (const e of this.made) {
      if (
        e.valid && e.regime === regime && (regime === REGIME_EL2 || e.vmid === vmid) &&
        (asid < 0 || (!e.global && e.asid === asid))
      ) {
        e.valid = false;
        n++;
      }
    }
    return n;
  }

  /**
   * TLBI IPAS2E1/VMALLS12E1 on the combined entries: the EL1&0 entries of `vmid` whose stage-1
   * output page is `ipaPage` (−1: all of the VMID). Returns how many.
   */
  invalidateIpa(vmid: number, ipaPage: number): number {
    if (!this.live) return 0;
    let n = 0;
    for (const e of this.made) {
      if (
        e.valid && e.regime === REGIME_EL10 && e.vmid === vmid &&
        (ipaPage < 0 || e.ipaPage === ipaPage)
      ) {
        e.valid = false;
        n++;
      }
    }
    return n;
  }

  /** Invalidate entries matching `pred`; returns how many. */
  invalidate(pred: (e: TlbEntry) => boolean): number {
    let n = 0;
    for (const e of this.made) {
      if (e.valid && pred(e)) {
        e.valid = false;
        n++;
      }
    }
    return n;
  }

  /** Invalidate everything. */
  flush(): void {
    if (!this.live) return;
    for (const e of this.made) e.valid = false;
    this.live = false;
  }

  /** Entries holding a translation. */
  get validCount(): number {
    let n = 0;
    for (const e of this.made) if (e.valid) n++;
    return n;
  }
}

/** A stage-2-only (IPA → PA) TLB entry. */
export class S2TlbEntry {
  /** Whether the entry holds a translation. */
  valid = false;
  /** VMID tag. */
  vmid = 0;
  /** IPA of the page. */
  ipaPage = 0;
  /** PA of the page. */
  paPage = 0;
  /** MemAttr. */
  memAttr = 0;
  /** S2AP. */
  s2ap = 0;
  /** SH. */
  sh = 0;
  /** XN[1:0]. */
  xn = 0;
  /** Leaf level. */
  level = 0;
}

/** A set-associative stage-2 TLB (see the module doc). */
export class S2Tlb {
  /** Entries in all. */
  readonly size: number;
  /** Ways per set. */
  readonly ways: number;
  private readonly mask: number;
  private readonly slots: (S2TlbEntry | null)[];
  private readonly stamps: Float64Array;
  private clock = 0;
  private readonly made: S2TlbEntry[] = [];
  private live = false;

  /** Make a stage-2 TLB of `size` entries in sets of `ways` (default 1024, 4-way). */
  constructor(size = 1024, ways = 4) {
    this.mask = geometry(size, ways, "stage-2 TLB");
    this.size = size;
    this.ways = ways;
    this.slots = new Array(size).fill(null);
    this.stamps = new Float64Array(size);
  }

  /** The entry for `ipaPage` under `vmid`, or null. */
  lookup(ipaPage: number, vmid: number): S2TlbEntry | null {
    const w = this.ways;
    const b = setOf(ipaPage, this.mask) * w;
    for (let i = b; i < b + w; i++) {
      const e = this.slots[i];
      if (e !== null && e.valid && e.ipaPage === ipaPage && e.vmid === vmid) {
        this.stamps[i] = ++this.clock;
        return e;
      }
    }
    return null;
  }

  /** The entry a fill for `ipaPage` overwrites (an unused/invalid way, else the LRU one). */
  victim(ipaPage: number): S2TlbEntry {
    const w = this.ways;
    const b = setOf(ipaPage, this.mask) * w;
    let v = b;
    let oldest = Infinity;
    for (let i = b; i < b + w; i++) {
      const e = this.slots[i];
      if (e === null || !e.valid) {
        v = i;
        break;
      }
      if (this.stamps[i] < oldest) {
        oldest = this.stamps[i];
        v = i;
      }
    }
    let e = this.slots[v];
    if (e === null) {
      e = new S2TlbEntry();
      this.slots[v] = e;
      this.made.push(e);
    }
    e.valid = false;
    this.stamps[v] = ++this.clock;
    this.live = true;
    return e;
  }

  /** TLBI IPAS2E1 (`ipaPage` ≥ 0, one set) or VMALLS12E1 (−1) for `vmid`. */
  invalidateIpa(vmid: number, ipaPage: number): void {
    if (!this.live) return;
    if (ipaPage >= 0) {
      const w = this.ways;
      const b = setOf(ipaPage, this.mask) * w;
      for (let i = b; i < b + w; i++) {
        const e = this.slots[i];
        if (e !== null && e.valid && e.vmid === vmid && e.ipaPage === ipaPage) e.valid = false;
      }
      return;
    }
    for (const e of this.made) if (e.valid && e.vmid === vmid) e.valid = false;
  }

  /** Invalidate entries matching `pred`. */
  invalidate(pred: (e: S2TlbEntry) => boolean): void {
    for (const e of this.made) if (e.valid && pred(e)) e.valid = false;
  }

  /** Invalidate everything. */
  flush(): void {
    if (!this.live) return;
    for (const e of this.made) e.valid = false;
    this.live = false;
  }
}
