/**
 * VTCR_EL2, the stage-2 translation control register (ARM ARM DDI 0487 D19.2 "VTCR_EL2"), and
 * the stage-2 start-level and concatenation rules (D8.2.x "Concatenated translation tables";
 * ASL `AArch64.S2InconsistentSL`, `AArch64.S2StartLevel`). 4 KiB granule only.
 *
 * @module
 */

import { levelShift, PAGE_SIZE } from "./granule.ts";

/** The decoded fields of VTCR_EL2. */
export interface Vtcr {
  /** T0SZ [5:0]: IPA size is 64 − T0SZ. */
  t0sz: number;
  /** SL0 [7:6]: start level (4 KiB: level = 2 − SL0). */
  sl0: number;
  /** IRGN0 [9:8]: walk inner cacheability (0 NC, 1 WBWA, 2 WT, 3 WB). */
  irgn0: number;
  /** ORGN0 [11:10]: walk outer cacheability. */
  orgn0: number;
  /** SH0 [13:12]: walk shareability. */
  sh0: number;
  /** TG0 [15:14]: 0 = 4 KiB, 1 = 64 KiB, 2 = 16 KiB. */
  tg0: number;
  /** PS [18:16]: physical address size encoding. */
  ps: number;
  /** VS [19]: 16-bit VMID. */
  vs: boolean;
  /** HA [21]: hardware Access flag update. */
  ha: boolean;
  /** HD [22]: hardware dirty state update. */
  hd: boolean;
  /** NSW [29]. */
  nsw: boolean;
  /** NSA [30]. */
  nsa: boolean;
  /** RES1 [31]. */
  res1: boolean;
}

/** VTCR_EL2 bit 31 is RES1 (Xen `VTCR_RES1`). */
export const VTCR_RES1 = 1 << 31;

/** Physical address size of each PS / IPS / PARange encoding (D19.2; 0b110 = 52 bits). */
export const PA_SIZE_BITS: readonly number[] = [32, 36, 40, 42, 44, 48, 52];

/** The PS/IPS/PARange encoding for a physical address size in bits, or -1. */
export function paSizeEncoding(bits: number): number {
  return PA_SIZE_BITS.indexOf(bits);
}

/** Decode VTCR_EL2. */
export function decodeVtcr(value: bigint): Vtcr {
  const v = Number(value & 0xffffffffn);
  return {
    t0sz: v & 0x3f,
    sl0: (v >>> 6) & 3,
    irgn0: (v >>> 8) & 3,
    orgn0: (v >>> 10) & 3,
    sh0: (v >>> 12) & 3,
    tg0: (v >>> 14) & 3,
    ps: (v >>> 16) & 7,
    vs: ((v >>> 19) & 1) === 1,
    ha: ((v >>> 21) & 1) === 1,
    hd: ((v >>> 22) & 1) === 1,
    nsw: ((v >>> 29) & 1) === 1,
    nsa: ((v >>> 30) & 1) === 1,
    res1: ((v >>> 31) & 1) === 1,
  };
}

/** Encode VTCR_EL2 from fields (missing flags are 0; `res1` defaults to true). */
export function encodeVtcr(f: Partial<Vtcr> & { t0sz: number; sl0: number; ps: number }): bigint {
  const field = (name: string, v: number, max: number) => {
    if (!Number.isInteger(v) || v < 0 || v > max) {
      throw new RangeError(`VTCR_EL2.${name} ${v} out of range`);
    }
    return v;
  };
  let v = field("T0SZ", f.t0sz, 63) | (field("SL0", f.sl0, 3) << 6) |
    (field("IRGN0", f.irgn0 ?? 0, 3) << 8) | (field("ORGN0", f.orgn0 ?? 0, 3) << 10) |
    (field("SH0", f.sh0 ?? 0, 3) << 12) | (field("TG0", f.tg0 ?? 0, 3) << 14) |
    (field("PS", f.ps, 7) << 16) | (f.vs ? 1 << 19 : 0) | (f.ha ? 1 << 21 : 0) |
    (f.hd ? 1 << 22 : 0) | (f.nsw ? 1 << 29 : 0) | (f.nsa ? 1 << 30 : 0);
  if (f.res1 ?? true) v |= VTCR_RES1;
  return BigInt(v >>> 0);
}

/** The stage-2 translation geometry VTCR_EL2 selects. */
export interface Stage2Geometry {
  /** IPA size in bits (64 − T0SZ). */
  ipaBits: number;
  /** Start level (4 KiB: 2 − SL0). */
  startLevel: number;
  /** Number of lookup levels (4 − start level). */
  levels: number;
  /** Concatenated tables at the start level (1, 2, 4, 8 or 16): Xen's root order is log2. */
  concatenated: number;
  /** log2 of {@link concatenated} (Xen's `P2M_ROOT_ORDER`). */
  rootOrder: number;
  /** Descriptors in the (possibly concatenated) root table. */
  rootEntries: number;
  /** Physical address size in bits (PS, capped at `paMaxBits`). */
  paBits: number;
  /** Why the configuration is inconsistent (a walk then faults), or undefined when valid. */
  invalid?: string;
}

/**
 * Stage-2 geometry: start level, number of levels and root concatenation for VTCR_EL2
 * (D8.2.x, ASL `AArch64.S2InconsistentSL`): with 4 KiB granule, start level = 2 − SL0 (SL0 = 3
 * needs FEAT_TTST); `inputsize − ((3 − level)·9 + 12)` must be 1..4 bits more than one table
 * resolves, i.e. the root is 1..16 concatenated tables; a level-0 start needs PAMax > 42 bits.
 * `paMaxBits` is the CPU's PARange (ID_AA64MMFR0_EL1), 48 by default.
 */
export function stage2Geometry(vtcr: bigint, paMaxBits = 48): Stage2Geometry {
  const f = decodeVtcr(vtcr);
  const ipaBits = 64 - f.t0sz;
  const startLevel = 2 - f.sl0;
  const psBits = PA_SIZE_BITS[f.ps] ?? paMaxBits;
  const paBits = Math.min(psBits, paMaxBits);
  const base: Stage2Geometry = {
    ipaBits,
    startLevel,
    levels: 4 - startLevel,
    concatenated: 1,
    rootOrder: 0,
    rootEntries: 512,
    paBits,
  };
  if (f.tg0 !== 0) return { ...base, invalid: "VTCR_EL2.TG0 selects a granule other than 4 KiB" };
  if (f.sl0 === 3) return { ...base, invalid: "VTCR_EL2.SL0 = 3 needs FEAT_TTST" };
  // Bits resolved below the start level's index field.
  const resolvedBelow = levelShift(startLevel);
  const rootBits = ipaBits - resolvedBelow; // bits indexed at the root level
  if (rootBits < 1) return { ...base, invalid: "IPA size too small for the start level" };
  const concatBits = Math.max(0, rootBits - 9);
  if (concatBits > 4) {
    return { ...base, invalid: "more than 16 concatenated tables at the start level" };
  }
  if (startLevel === 0 && paMaxBits <= 42) {
    return { ...base, invalid: "a level-0 start needs PAMax > 42 bits" };
  }
  if (ipaBits > paMaxBits) {
    return { ...base, invalid: `IPA size ${ipaBits} exceeds PAMax ${paMaxBits}` };
  }
  if (ipaBits < 16 || ipaBits > 48) return { ...base, invalid: `T0SZ ${f.t0sz} out of range` };
  const concatenated = 2 ** concatBits;
  return {
    ...base,
    concatenated,
    rootOrder: concatBits,
    rootEntries: 2 ** rootBits,
  };
}

/** Size in bytes of the stage-2 root table (all concatenated pages). */
export function stage2RootSize(g: Stage2Geometry): number {
  return g.concatenated * PAGE_SIZE;
}

/**
 * Xen 4.17's choice of T0SZ, SL0 and root order per physical address size
 * (`setup_virt_paging`, xen/arch/arm/p2m.c, "T0SZ minimum and SL0 maximum from ARM DDI 0487H.a
 * Table D5-6"), indexed by the PARange encoding.
 */
export const XEN_PA_RANGE_INFO: readonly {
  pabits: number;
  t0sz: number;
  rootOrder: number;
  sl0: number;
}[] = [
  { pabits: 32, t0sz: 32, rootOrder: 0, sl0: 1 },
  { pabits: 36, t0sz: 28, rootOrder: 0, sl0: 1 },
  { pabits: 40, t0sz: 24, rootOrder: 1, sl0: 1 },
  { pabits: 42, t0sz: 22, rootOrder: 3, sl0: 1 },
  { pabits: 44, t0sz: 20, rootOrder: 0, sl0: 2 },
  { pabits: 48, t0sz: 16, rootOrder: 0, sl0: 2 },
  { pabits: 52, t0sz: 12, rootOrder: 4, sl0: 2 },
];

/**
 * The VTCR_EL2 value Xen 4.17 computes in `setup_virt_paging` for a PARange encoding:
 * `VTCR_RES1 | SH0_IS | ORGN0_WBWA | IRGN0_WBWA | PS | TG0_4K | (VS) | SL0 | T0SZ`.
 * QEMU virt with a Cortex-A57 (PARange 0b0100, 44 bits, 8-bit VMID) gives 0x80043594.
 */
export function xenVtcr(paRange: number, vmid16 = false): bigint {
  const info = XEN_PA_RANGE_INFO[paRange];
  if (!info) throw new RangeError(`Unknown encoding of ID_AA64MMFR0_EL1.PARange ${paRange}`);
  return encodeVtcr({
    t0sz: info.t0sz,
    sl0: info.sl0,
    irgn0: 1,
    orgn0: 1,
    sh0: 3,
    tg0: 0,
    ps: paRange,
    vs: vmid16,
  });
}
