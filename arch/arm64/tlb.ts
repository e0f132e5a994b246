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
  /** Block entries only: bytes of VA the entry covers (`vpage`/`ipaPage`/`paPage` are bases). */
  blockSize = 0;
}

/** Copy the tags, permissions and attributes of a translation (not its page or device). */
function copyTranslation(d: TlbEntry, s: TlbEntry): void {
  d.regime = s.regime;
  d.vmid = s.vmid;
  d.asid = s.asid;
  d.global = s.global;
  d.perm = s.perm;
  d.s1perm = s.s1perm;
  d.s2perm = s.s2perm;
  d.attr = s.attr;
  d.sh = s.sh;
  d.s1attr = s.s1attr;
  d.s1sh = s.s1sh;
  d.s2memAttr = s.s2memAttr;
  d.s2sh = s.s2sh;
  d.devFlags = s.devFlags;
  d.by = s.by;
  d.rule = s.rule;
  d.s1Level = s.s1Level;
  d.s2Level = s.s2Level;
  d.memClass = s.memClass;
  d.domain = s.domain;
}

/** Block entries (2 MiB / 1 GiB translations) a combined TLB keeps besides its page entries. */
export const TLB_BLOCK_ENTRIES = 16;

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

/**
 * A set-associative combined TLB (see the module doc). A translation whose stage-1 and stage-2
 * leaves are both blocks is also kept as one block entry of the smaller block's size (a TLB may
 * hold an entry as large as the translation, D8.13): a miss on another page of the block is
 * filled from it without a walk. Every TLBI drops the block entries it covers.
 */
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
  /** Block entries, filled round-robin. */
  private readonly blocks: TlbEntry[] = [];
  private blockNext = 0;
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

  /** The block entry covering `vpage` in the given context, or null. */
  findBlock(vpage: number, regime: number, vmid: number, asid: number): TlbEntry | null {
    const bs = this.blocks;
    for (let i = 0; i < bs.length; i++) {
      const b = bs[i];
      if (
        b.valid && vpage >= b.vpage && vpage < b.vpage + b.blockSize && b.regime === regime &&
        (regime === REGIME_EL2 || b.vmid === vmid) && (b.global || b.asid === asid)
      ) return b;
    }
    return null;
  }

  /**
   * Keep the block of `size` bytes (a power of two) that the filled page entry `e` belongs to:
   * its translation with VA, IPA and PA bases aligned down to `size`.
   */
  addBlock(e: TlbEntry, size: number): void {
    let b = this.blocks[this.blockNext];
    if (b === undefined) {
      b = new TlbEntry();
      this.blocks.push(b);
    }
    this.blockNext = (this.blockNext + 1) % TLB_BLOCK_ENTRIES;
    const off = ((e.vpage % size) + size) % size;
    copyTranslation(b, e);
    b.vpage = e.vpage - off;
    b.ipaPage = e.ipaPage - off;
    b.paPage = e.paPage - off;
    b.blockSize = size;
    b.valid = true;
    this.live = true;
  }

  /** Make `e` the page entry for `vpage` inside block entry `b` (tags and attributes). */
  static fromBlock(e: TlbEntry, b: TlbEntry, vpage: number): void {
    copyTranslation(e, b);
    const off = vpage - b.vpage;
    e.vpage = vpage;
    e.ipaPage = b.ipaPage + off;
    e.paPage = b.paPage + off;
    e.blockSize = 0;
    e.s2pending = false;
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
    for (const k of this.blocks) {
      if (
        k.valid && vpage >= k.vpage && vpage < k.vpage + k.blockSize && k.regime === regime &&
        (regime === REGIME_EL2 || k.vmid === vmid) && (asid < 0 || k.global || k.asid === asid)
      ) k.valid = false;
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
    for (const k of this.blocks) {
      if (
        k.regime === regime && (regime === REGIME_EL2 || k.vmid === vmid) &&
        (asid < 0 || (!k.global && k.asid === asid))
      ) k.valid = false;
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
    for (const k of this.blocks) {
      if (
        k.regime === REGIME_EL10 && k.vmid === vmid &&
        (ipaPage < 0 || (ipaPage >= k.ipaPage && ipaPage < k.ipaPage + k.blockSize))
      ) k.valid = false;
    }
    return n;
  }

  /** Invalidate entries matching `pred` (block entries too); returns how many page entries. */
  invalidate(pred: (e: TlbEntry) => boolean): number {
    let n = 0;
    for (const e of this.made) {
      if (e.valid && pred(e)) {
        e.valid = false;
        n++;
      }
    }
    for (const k of this.blocks) if (k.valid && pred(k)) k.valid = false;
    return n;
  }

  /** Invalidate everything. */
  flush(): void {
    if (!this.live) return;
    for (const e of this.made) e.valid = false;
    for (const k of this.blocks) k.valid = false;
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

/** Bytes mapped by a stage-2 leaf at each level (4 KiB granule). */
const S2_LEAF_SIZE = [2 ** 39, 2 ** 30, 2 ** 21, 2 ** 12];

/** Block entries (1 GiB / 2 MiB leaves) a stage-2 TLB keeps besides its page entries. */
export const S2_BLOCK_ENTRIES = 16;

/**
 * A set-associative stage-2 TLB (see the module doc). A walk that ends in a block descriptor
 * (level 1 or 2) is also kept as one block entry covering the whole block (a TLB may hold an
 * entry of the descriptor's size, D8.13): a miss on another page of the block is filled from it
 * without a walk. TLBI by IPA drops the block entries that cover the IPA.
 */
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
  /** Block entries (`ipaPage`/`paPage` = block bases), filled round-robin. */
  private readonly blocks: S2TlbEntry[] = [];
  private blockNext = 0;

  /** Make a stage-2 TLB of `size` entries in sets of `ways` (default 1024, 4-way). */
  constructor(size = 1024, ways = 4) {
    this.mask = geometry(size, ways, "stage-2 TLB");
    this.size = size;
    this.ways = ways;
    this.slots = new Array(size).fill(null);
    this.stamps = new Float64Array(size);
  }

  /** The entry for `ipaPage` under `vmid` (a page entry made from a block entry), or null. */
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
    return this.blocks.length === 0 ? null : this.fromBlock(ipaPage, vmid);
  }

  /** A page entry for `ipaPage` from the block entry covering it, or null. */
  private fromBlock(ipaPage: number, vmid: number): S2TlbEntry | null {
    for (const k of this.blocks) {
      if (
        k.valid && k.vmid === vmid && ipaPage >= k.ipaPage &&
        ipaPage < k.ipaPage + S2_LEAF_SIZE[k.level]
      ) {
        const e = this.victim(ipaPage);
        e.valid = true;
        e.vmid = vmid;
        e.ipaPage = ipaPage;
        e.paPage = k.paPage + (ipaPage - k.ipaPage);
        e.memAttr = k.memAttr;
        e.s2ap = k.s2ap;
        e.sh = k.sh;
        e.xn = k.xn;
        e.level = k.level;
        return e;
      }
    }
    return null;
  }

  /** Keep the block the page entry `e` (a level 1 or 2 leaf) belongs to. */
  addBlock(e: S2TlbEntry): void {
    if (e.level >= 3 || e.level < 1) return;
    const size = S2_LEAF_SIZE[e.level];
    let k = this.blocks[this.blockNext];
    if (k === undefined) {
      k = new S2TlbEntry();
      this.blocks.push(k);
    }
    this.blockNext = (this.blockNext + 1) % S2_BLOCK_ENTRIES;
    const off = e.ipaPage % size;
    k.valid = true;
    k.vmid = e.vmid;
    k.ipaPage = e.ipaPage - off;
    k.paPage = e.paPage - off;
    k.memAttr = e.memAttr;
    k.s2ap = e.s2ap;
    k.sh = e.sh;
    k.xn = e.xn;
    k.level = e.level;
    this.live = true;
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

  /** TLBI IPAS2E1 (`ipaPage` ≥ 0, one set and the covering blocks) or VMALLS12E1 (−1). */
  invalidateIpa(vmid: number, ipaPage: number): void {
    if (!this.live) return;
    for (const k of this.blocks) {
      if (
        k.vmid === vmid &&
        (ipaPage < 0 || (ipaPage >= k.ipaPage && ipaPage < k.ipaPage + S2_LEAF_SIZE[k.level]))
      ) k.valid = false;
    }
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

  /** Invalidate entries (page and block entries) matching `pred`. */
  invalidate(pred: (e: S2TlbEntry) => boolean): void {
    for (const e of this.made) if (e.valid && pred(e)) e.valid = false;
    for (const k of this.blocks) if (k.valid && pred(k)) k.valid = false;
  }

  /** Invalidate everything. */
  flush(): void {
    if (!this.live) return;
    for (const e of this.made) e.valid = false;
    for (const k of this.blocks) k.valid = false;
    this.live = false;
  }
}
