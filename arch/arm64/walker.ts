/**
 * The translation table walker for both stages, reading real descriptors from simulated
 * physical memory (ARM ARM DDI 0487 D8.2 "Translation table walks"; ASL `AArch64.S1Walk`,
 * `AArch64.S2Walk`). 4 KiB granule, 48-bit output addresses.
 *
 * Stage-1 table addresses are IPAs when stage 2 is enabled: each is translated by stage 2 first
 * (through the stage-2 TLB), and a stage-2 fault there is reported with S1PTW = 1. With
 * HCR_EL2.PTW = 1 a stage-1 walk that lands on stage-2 Device memory takes a stage-2 Permission
 * fault (D8.2.x "Stage 2 fault on a stage 1 translation table walk").
 *
 * Faults report the level the walk reached. A walk never throws; it fills a {@link WalkResult}.
 *
 * @module
 */

import type { Bus } from "../../drivers/bus.ts";
import { RESP_OKAY } from "../../drivers/device.ts";
import { levelShift } from "./granule.ts";

/** Size of the region one descriptor maps at each level (4 KiB granule). */
const LEVEL_SIZE = [2 ** 39, 2 ** 30, 2 ** 21, 2 ** 12];
/** 2^n for n = 0..64 (no Math.pow on the walk path). */
const POW2: readonly number[] = Array.from({ length: 65 }, (_, n) => 2 ** n);
// Address arithmetic: addresses are non-negative integers below 2^53, and the bitwise operators
// see them modulo 2^32 (ToInt32), so `x & (2^k − 1)` is `x mod 2^k` for every k ≤ 31 and
// `(x / 2^k) & (n − 1)` is the table index for n ≤ 2^31 — without a floating-point fmod.

/** Stage-1 start level for an input size of n bits (4 KiB granule): 4 − ⌈(n − 12) / 9⌉. */
const S1_START: readonly number[] = Array.from(
  { length: 65 },
  (_, n) => 4 - Math.ceil((n - 12) / 9),
);
import { s2IsDevice } from "./attr_combine.ts";
import type { S2Tlb, S2TlbEntry } from "./tlb.ts";

/** No fault. */
export const F_NONE = 0;
/** Translation fault. */
export const F_TRANSLATION = 1;
/** Access flag fault. */
export const F_ACCESS_FLAG = 2;
/** Permission fault. */
export const F_PERMISSION = 3;
/** Address size fault. */
export const F_ADDRESS_SIZE = 4;
/** Synchronous external abort on a translation table walk. */
export const F_WALK_EXTERNAL = 5;

/** Fault kind names for the F_* codes (syndrome.ts `FaultKind`). */
export const WALK_FAULT_KIND = [
  "none",
  "translation",
  "access-flag",
  "permission",
  "address-size",
  "walk-external",
] as const;

/** Stage-1 walk configuration (derived from SCTLR/TCR/TTBR by the CPU). */
export class S1Config {
  /** SCTLR_ELx.M. */
  enabled = false;
  /** The EL2 regime (one VA range, AP[1] ignored, no ASIDs). */
  el2 = false;
  /** TTBR0 table base. */
  base0 = 0;
  /** TTBR0 input size (64 − T0SZ). */
  inputSize0 = 48;
  /** Walks through TTBR0 disabled (EPD0). */
  epd0 = false;
  /** Hierarchical permissions disabled for TTBR0 (HPD0). */
  hpd0 = false;
  /** TTBR1 table base. */
  base1 = 0;
  /** TTBR1 input size (64 − T1SZ). */
  inputSize1 = 48;
  /** EPD1. */
  epd1 = false;
  /** HPD1. */
  hpd1 = false;
  /** Output (intermediate physical) address size in bits (TCR.IPS / PS). */
  oaBits = 48;
  /** Hardware Access flag update (TCR.HA). */
  ha = false;
  /** Why the configuration cannot be walked (e.g. a granule other than 4 KiB), or "". */
  invalid = "";
}

/** Stage-2 walk configuration (derived from HCR_EL2/VTCR_EL2/VTTBR_EL2). */
export class S2Config {
  /** HCR_EL2.VM. */
  enabled = false;
  /** Root table base (VTTBR_EL2.BADDR). */
  base = 0;
  /** Start level. */
  startLevel = 1;
  /** Descriptors in the (concatenated) root table. */
  rootEntries = 512;
  /** IPA size in bits. */
  ipaBits = 40;
  /** PA size in bits (PS capped at PAMax). */
  paBits = 48;
  /** VTCR_EL2.HA. */
  ha = false;
  /** HCR_EL2.PTW. */
  ptw = false;
  /** HCR_EL2.FWB. */
  fwb = false;
  /** VMID. */
  vmid = 0;
  /** Why VTCR_EL2 is inconsistent, or "". */
  invalid = "";
}

/** Result of a stage-2 walk. */
export class S2WalkResult {
  /** F_* code. */
  fault: number = F_NONE;
  /** Level of the fault or of the leaf. */
  level = 0;
  /** PA of the 4 KiB page containing the IPA. */
  paPage = 0;
  /** MemAttr[3:0]. */
  memAttr = 0;
  /** S2AP. */
  s2ap = 0;
  /** SH. */
  sh = 0;
  /** XN[1:0]. */
  xn = 0;
}

/** Result of a stage-1 walk (with its stage-2 table translations). */
export class WalkResult {
  /** F_* code. */
  fault: number = F_NONE;
  /** Stage of the fault (1 or 2). */
  stage = 1;
  /** Level of the fault. */
  level = 0;
  /** The fault was a stage-2 fault on a stage-1 table access. */
  s1ptw = false;
  /** IPA being translated by stage 2 when a stage-2 fault happened. */
  faultIpa = 0;
  /** Leaf level of stage 1. */
  s1Level = 0;
  /** IPA of the 4 KiB page. */
  ipaPage = 0;
  /** AttrIndx. */
  attrIndx = 0;
  /** SH. */
  sh = 0;
  /** Effective AP[2:1] after APTable. */
  ap = 0;
  /** Effective PXN (leaf or PXNTable). */
  pxn = false;
  /** Effective UXN / XN. */
  uxn = false;
  /** nG. */
  ng = false;
  /** Descriptor reads made by the last walk. */
  reads = 0;
}

/** Reads descriptors from the bus and walks both stages. */
export class Walker {
  /** Optional hook called after every descriptor read with the device id (cost model). */
  onRead: ((devId: number) => void) | null = null;
  private readonly s2scratch = new S2WalkResult();

  /** Make a walker over `bus`, caching stage-2 table translations in `s2tlb`. */
  constructor(readonly bus: Bus, readonly s2tlb: S2Tlb) {}

  /** Read one descriptor; returns false on an external abort. */
  private read(pa: number): boolean {
    const ok = this.bus.readWalk64(pa) === RESP_OKAY;
    if (this.onRead !== null && this.bus.walkDev >= 0) this.onRead(this.bus.walkDev);
    return ok;
  }

  /**
   * Stage-2 walk of `ipa` (D8.2; ASL `AArch64.S2Walk`). An IPA beyond the input size, or an
   * inconsistent VTCR_EL2, is a level-0 Translation fault.
   */
  walkS2(ipa: number, cfg: S2Config, out: S2WalkResult): void {
    out.fault = F_NONE;
    if (cfg.invalid !== "" || ipa < 0 || ipa >= POW2[cfg.ipaBits]) {
      out.fault = F_TRANSLATION;
      out.level = 0;
      return;
    }
    let table = cfg.base - (cfg.base & (cfg.rootEntries * 8 - 1));
    for (let level = cfg.startLevel; level <= 3; level++) {
      const size = LEVEL_SIZE[level];
      const entries = level === cfg.startLevel ? cfg.rootEntries : 512;
      const idx = (ipa / size) & (entries - 1);
      const dpa = table + idx * 8;
      if (!this.read(dpa)) {
        out.fault = F_WALK_EXTERNAL;
        out.level = level;
        return;
      }
      let lo = this.bus.walkLo;
      const hi = this.bus.walkHi;
      if ((lo & 1) === 0 || (level === 3 && (lo & 2) === 0) || (level === 0 && (lo & 2) === 0)) {
        out.fault = F_TRANSLATION;
        out.level = level;
        return;
      }
      const addr = (hi & 0xffff) * 0x100000000 + ((lo & 0xfffff000) >>> 0);
      if (level < 3 && (lo & 2) !== 0) {
        if (addr >= POW2[cfg.paBits]) {
          out.fault = F_ADDRESS_SIZE;
          out.level = level;
          return;
        }
        table = addr;
        continue;
      }
      const base = addr - (addr & (size - 1)); // leaves are ≤ 1 GiB
      if (base >= POW2[cfg.paBits]) {
        out.fault = F_ADDRESS_SIZE;
        out.level = level;
        return;
      }
      if ((lo & 0x400) === 0) {
        if (!cfg.ha) {
          out.fault = F_ACCESS_FLAG;
          out.level = level;
          return;
        }
        lo = (lo | 0x400) >>> 0;
        this.bus.writeWalk64(dpa, lo, hi);
      }
      const inPage = ipa & (size - 1) & ~0xfff;
      out.level = level;
      out.paPage = base + inPage;
      out.memAttr = (lo >> 2) & 15;
      out.s2ap = (lo >> 6) & 3;
      out.sh = (lo >> 8) & 3;
      out.xn = ((hi >>> 22) & 1) << 1 | ((hi >>> 21) & 1);
      return;
    }
  }

  /**
   * Stage-2 translation of a stage-1 table address, through the stage-2 TLB. Returns the PA, or
   * −1 with `out` describing the stage-2 fault (S1PTW = 1).
   */
  private s2ForTable(ipa: number, s2: S2Config, out: WalkResult): number {
    const page = ipa - (ipa & 0xfff);
    let e: S2TlbEntry | null = this.s2tlb.lookup(page, s2.vmid);
    if (e === null) {
      const r = this.s2scratch;
      this.walkS2(page, s2, r);
      if (r.fault !== F_NONE) {
        out.fault = r.fault;
        out.stage = 2;
        out.level = r.level;
        out.s1ptw = true;
        out.faultIpa = ipa;
        return -1;
      }
      e = fillS2(this.s2tlb, page, s2.vmid, r);
    }
    // HCR_EL2.PTW: a stage-1 walk to stage-2 Device memory is a stage-2 Permission fault; a walk
    // also needs stage-2 read permission (D8.2.x; Xen sets PTW).
    if ((s2.ptw && s2IsDevice(e.memAttr, s2.fwb)) || (e.s2ap & 1) === 0) {
      out.fault = F_PERMISSION;
      out.stage = 2;
      out.level = e.level;
      out.s1ptw = true;
      out.faultIpa = ipa;
      return -1;
    }
    return e.paPage + (ipa & 0xfff);
  }

  /**
   * Stage-1 walk of `va` (signed-number form) with the configuration `cfg`; table addresses
   * go through stage 2 when `s2.enabled`. Out-of-range VAs and disabled halves (EPDn) are
   * level-0 Translation faults (ASL `AArch64.S1Translate`).
   */
  walkS1(va: number, cfg: S1Config, s2: S2Config, out: WalkResult): void {
    out.fault = F_NONE;
    out.stage = 1;
    out.s1ptw = false;
    out.reads = 0;
    let inputSize: number;
    let base: number;
    let hpd: boolean;
    let addr: number;
    if (cfg.invalid !== "") {
      out.fault = F_TRANSLATION;
      out.level = 0;
      return;
    }
    if (va >= 0) {
      inputSize = cfg.inputSize0;
      if (va >= POW2[inputSize] || cfg.epd0) {
        out.fault = F_TRANSLATION;
        out.level = 0;
        return;
      }
      base = cfg.base0;
      hpd = cfg.hpd0;
      addr = va;
    } else {
      inputSize = cfg.inputSize1;
      if (cfg.el2 || va < -POW2[inputSize] || cfg.epd1) {
        out.fault = F_TRANSLATION;
        out.level = 0;
        return;
      }
      base = cfg.base1;
      hpd = cfg.hpd1;
      addr = va + POW2[inputSize];
    }
    const start = S1_START[inputSize];
    const rootEntries = POW2[inputSize - levelShift(start)];
    const oaLimit = POW2[cfg.oaBits];
    let table = base - (base & (rootEntries * 8 - 1));
    if (table >= oaLimit) {
      out.fault = F_ADDRESS_SIZE;
      out.level = 0;
      return;
    }
    let apTable = 0;
    let pxnTable = false;
    let uxnTable = false;
    for (let level = start; level <= 3; level++) {
      const size = LEVEL_SIZE[level];
      const entries = level === start ? rootEntries : 512;
      const idx = (addr / size) & (entries - 1);
      const dipa = table + idx * 8;
      let dpa = dipa;
      if (s2.enabled) {
        dpa = this.s2ForTable(dipa, s2, out);
        if (dpa < 0) return;
      }
      out.reads++;
      if (!this.read(dpa)) {
        out.fault = F_WALK_EXTERNAL;
        out.level = level;
        return;
      }
      let lo = this.bus.walkLo;
      const hi = this.bus.walkHi;
      if ((lo & 1) === 0 || (level === 3 && (lo & 2) === 0) || (level === 0 && (lo & 2) === 0)) {
        out.fault = F_TRANSLATION;
        out.level = level;
        return;
      }
      const next = (hi & 0xffff) * 0x100000000 + ((lo & 0xfffff000) >>> 0);
      if (level < 3 && (lo & 2) !== 0) {
        if (next >= oaLimit) {
          out.fault = F_ADDRESS_SIZE;
          out.level = level;
          return;
        }
        if (!hpd) {
          apTable |= (hi >>> 29) & 3;
          if ((hi & (1 << 27)) !== 0) pxnTable = true;
          if ((hi & (1 << 28)) !== 0) uxnTable = true;
        }
        table = next;
        continue;
      }
      const oa = next - (next & (size - 1)); // leaves are ≤ 1 GiB
      if (oa >= oaLimit) {
        out.fault = F_ADDRESS_SIZE;
        out.level = level;
        return;
      }
      if ((lo & 0x400) === 0) {
        if (!cfg.ha) {
          out.fault = F_ACCESS_FLAG;
          out.level = level;
          return;
        }
        lo = (lo | 0x400) >>> 0;
        this.bus.writeWalk64(dpa, lo, hi);
      }
      let ap = (lo >> 6) & 3;
      if ((apTable & 1) !== 0 && !cfg.el2) ap &= 2; // APTable[0]: no EL0 access below
      if ((apTable & 2) !== 0) ap |= 2; // APTable[1]: read-only below
      out.s1Level = level;
      out.ipaPage = oa + (addr & (size - 1) & ~0xfff);
      out.attrIndx = (lo >> 2) & 7;
      out.sh = (lo >> 8) & 3;
      out.ap = ap;
      out.pxn = (hi & (1 << 21)) !== 0 || pxnTable;
      out.uxn = (hi & (1 << 22)) !== 0 || uxnTable;
      out.ng = (lo & 0x800) !== 0;
      return;
    }
  }
}

/** Fill a stage-2 TLB entry from a successful walk (and its block entry for a block leaf). */
export function fillS2(tlb: S2Tlb, ipaPage: number, vmid: number, r: S2WalkResult): S2TlbEntry {
  const e = tlb.victim(ipaPage);
  e.valid = true;
  e.vmid = vmid;
  e.ipaPage = ipaPage;
  e.paPage = r.paPage;
  e.memAttr = r.memAttr;
  e.s2ap = r.s2ap;
  e.sh = r.sh;
  e.xn = r.xn;
  e.level = r.level;
  if (r.level < 3) tlb.addBlock(e);
  return e;
}
