/**
 * Translation lookaside buffers (ARM ARM DDI 0487 D8.13 "Translation Lookaside Buffers"):
 * combined stage 1+2 entries tagged by regime, VMID and ASID (or global, nG = 0), and
 * stage-2-only entries (IPA → PA, used for stage-1 table walks) tagged by VMID. Entries are 4 KiB
 * (a block mapping is cached as the 4 KiB pieces touched — TLBs may hold smaller entries than the
 * descriptor, D8.13.x). Faulting translations are never cached. Invalidation is explicit (TLBI).
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
}

const NO_ROW = new Float64Array(0);

/** Lookup key of the combined TLB. */
function slot(vpage: number, mask: number): number {
  return (vpage / 4096) & mask;
}

/** A direct-mapped combined TLB. */
export class Tlb {
  /** The entries. */
  readonly entries: TlbEntry[];
  private readonly mask: number;
  /** Fills since creation. */
  fills = 0;

  /** Make a TLB of `size` entries (power of two). */
  constructor(size = 4096) {
    if ((size & (size - 1)) !== 0) throw new RangeError("TLB size must be a power of two");
    this.mask = size - 1;
    this.entries = [];
    for (let i = 0; i < size; i++) this.entries.push(new TlbEntry());
  }

  /** The entry for `vpage` in the given context, or null. */
  lookup(vpage: number, regime: number, vmid: number, asid: number): TlbEntry | null {
    const e = this.entries[slot(vpage, this.mask)];
    if (
      e.valid && e.vpage === vpage && e.regime === regime &&
      (regime === REGIME_EL2 || e.vmid === vmid) && (e.global || e.asid === asid)
    ) return e;
    return null;
  }

  /** The entry slot a fill for `vpage` overwrites (marked invalid, ready to be filled). */
  victim(vpage: number): TlbEntry {
    const e = this.entries[slot(vpage, this.mask)];
    e.valid = false;
    this.fills++;
    return e;
  }

  /** Invalidate entries matching `pred`; returns how many. */
  invalidate(pred: (e: TlbEntry) => boolean): number {
    let n = 0;
    for (const e of this.entries) {
      if (e.valid && pred(e)) {
        e.valid = false;
        n++;
      }
    }
    return n;
  }

  /** Invalidate everything. */
  flush(): void {
    for (const e of this.entries) e.valid = false;
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

/** A direct-mapped stage-2 TLB. */
export class S2Tlb {
  /** The entries. */
  readonly entries: S2TlbEntry[];
  private readonly mask: number;

  /** Make a stage-2 TLB of `size` entries (power of two). */
  constructor(size = 1024) {
    this.mask = size - 1;
    this.entries = [];
    for (let i = 0; i < size; i++) this.entries.push(new S2TlbEntry());
  }

  /** The entry for `ipaPage` under `vmid`, or null. */
  lookup(ipaPage: number, vmid: number): S2TlbEntry | null {
    const e = this.entries[slot(ipaPage, this.mask)];
    return e.valid && e.ipaPage === ipaPage && e.vmid === vmid ? e : null;
  }

  /** The slot a fill for `ipaPage` overwrites. */
  victim(ipaPage: number): S2TlbEntry {
    const e = this.entries[slot(ipaPage, this.mask)];
    e.valid = false;
    return e;
  }

  /** Invalidate entries matching `pred`. */
  invalidate(pred: (e: S2TlbEntry) => boolean): void {
    for (const e of this.entries) if (e.valid && pred(e)) e.valid = false;
  }

  /** Invalidate everything. */
  flush(): void {
    for (const e of this.entries) e.valid = false;
  }
}
