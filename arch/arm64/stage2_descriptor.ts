/**
 * Stage-2 VMSAv8-64 descriptors, 4 KiB granule (ARM ARM DDI 0487 D8.3 "Translation table
 * descriptor formats", D8.5.5 "Stage 2 memory type and Cacheability attributes", D8.4.3
 * "Stage 2 data access permissions"); Xen's view of the same bits is `lpae_p2m_t`
 * (xen/arch/arm/include/asm/lpae.h).
 *
 * Leaf bits: [1:0] type, [5:2] MemAttr[3:0], [7:6] S2AP (bit 6 read, bit 7 write), [9:8] SH,
 * [10] AF, [11] FnXS, [47:12] OA, [52] Contiguous, [54:53] XN[1:0], [58:55] software (Xen's
 * p2m type). Table bits: [47:12] next-level table; [11:2] and [58:52] are ignored by hardware.
 *
 * @module
 */

import {
  checkOutputAddress,
  type DescriptorKind,
  descriptorKind,
  joinDescriptor,
  type Level,
  outputAddress,
  splitDescriptor,
} from "./granule.ts";
import { CACHE_NC, CACHE_WB, CACHE_WT, cacheNibble } from "./memory_type.ts";

/** Bit positions of the stage-2 fields. */
export const S2 = {
  /** MemAttr[3:0] at bits [5:2]. */
  MEMATTR_SHIFT: 2,
  /** S2AP[0], bit 6: read (Xen `p2m.read`). */
  S2AP_R: 1 << 6,
  /** S2AP[1], bit 7: write (Xen `p2m.write`). */
  S2AP_W: 1 << 7,
  /** SH[1:0] at bits [9:8]. */
  SH_SHIFT: 8,
  /** AF, bit 10. */
  AF: 1 << 10,
  /** FnXS, bit 11 (FEAT_XS). */
  FNXS: 1 << 11,
  /** Contiguous, bit 52 (high word bit 20). */
  HI_CONT: 1 << 20,
  /** XN[0], bit 53 (high word bit 21; meaningful with FEAT_XNX only). */
  HI_XN0: 1 << 21,
  /** XN[1], bit 54 (high word bit 22; Xen `p2m.xn`). */
  HI_XN1: 1 << 22,
  /** Software bits [58:55] (high word bits [26:23]; Xen `p2m.type`). */
  HI_SW_SHIFT: 23,
} as const;

/** Xen's stage-2 MemAttr values (xen/arch/arm/include/asm/page.h). */
export const MATTR_DEV = 0x1;
/** Normal Inner/Outer Non-cacheable (`MATTR_MEM_NC`). */
export const MATTR_MEM_NC = 0x5;
/** Normal Inner/Outer Write-Back (`MATTR_MEM`). */
export const MATTR_MEM = 0xf;

/** S2AP[1:0]: 0 none, 1 read-only, 2 write-only, 3 read/write. */
export type S2AP = 0 | 1 | 2 | 3;

/** Fields of a stage-2 block or page descriptor. */
export interface S2Leaf {
  /** Output (physical) address, aligned to the level's size. */
  oa: number;
  /** MemAttr[3:0]. */
  memAttr: number;
  /** S2AP[1:0] (bit 0 read, bit 1 write). */
  s2ap: S2AP;
  /** SH[1:0]. */
  sh: number;
  /** Access flag. */
  af: boolean;
  /** XN[1:0] (bit 1 = descriptor bit 54; bit 0 = bit 53, FEAT_XNX). */
  xn: number;
  /** Contiguous hint. */
  contiguous?: boolean;
  /** FnXS (FEAT_XS). */
  fnxs?: boolean;
  /** Software bits [58:55]: Xen stores the p2m type here. */
  software?: number;
}

/** Fields of a stage-2 table descriptor. */
export interface S2Table {
  /** Physical address of the next-level table, 4 KiB aligned. */
  next: number;
  /**
   * Bits [11:2] of the low word, ignored by hardware in a table descriptor. Xen builds tables with
   * `mfn_to_p2m_entry(.., p2m_ram_rw, ..)`, so its tables carry leaf-like attribute bits here.
   */
  ignoredLow?: number;
  /** Software bits [58:55] (ignored by hardware; Xen writes `p2m_ram_rw` = 1). */
  software?: number;
  /** Bit 54 (ignored by hardware in a table descriptor). */
  ignoredXn?: boolean;
}

/** A decoded stage-2 descriptor. */
export type S2Descriptor =
  | { kind: "invalid" | "reserved"; level: Level; raw: bigint; software: number }
  | { kind: "table"; level: Level; raw: bigint; next: number; software: number }
  | ({ kind: "block" | "page"; level: Level; raw: bigint } & Required<S2Leaf>);

function leafWords(l: S2Leaf): [number, number] {
  if (!Number.isInteger(l.memAttr) || l.memAttr < 0 || l.memAttr > 15) {
    throw new RangeError(`MemAttr ${l.memAttr} is not 0..15`);
  }
  const sw = l.software ?? 0;
  if (sw < 0 || sw > 15) throw new RangeError(`software bits ${sw} do not fit [58:55]`);
  const lo = (l.memAttr << S2.MEMATTR_SHIFT) | ((l.s2ap & 3) << 6) | ((l.sh & 3) << S2.SH_SHIFT) |
    (l.af ? S2.AF : 0) | (l.fnxs ? S2.FNXS : 0);
  const hi = (l.contiguous ? S2.HI_CONT : 0) | ((l.xn & 1) ? S2.HI_XN0 : 0) |
    ((l.xn & 2) ? S2.HI_XN1 : 0) | (sw << S2.HI_SW_SHIFT);
  return [lo, hi];
}

function withOa(lo: number, hi: number, oa: number): bigint {
  return joinDescriptor((lo | (oa % 0x100000000)) >>> 0, (hi | Math.floor(oa / 0x100000000)) >>> 0);
}

/** Encode a level-3 page descriptor. */
export function encodeS2Page(leaf: S2Leaf): bigint {
  checkOutputAddress(leaf.oa, 3, true);
  const [lo, hi] = leafWords(leaf);
  return withOa(lo | 0b11, hi, leaf.oa);
}

/** Encode a level-1 (1 GiB) or level-2 (2 MiB) block descriptor. */
export function encodeS2Block(level: 1 | 2, leaf: S2Leaf): bigint {
  if (level !== 1 && level !== 2) throw new RangeError(`no stage-2 block at level ${level}`);
  checkOutputAddress(leaf.oa, level, true);
  const [lo, hi] = leafWords(leaf);
  return withOa(lo | 0b01, hi, leaf.oa);
}

/** Encode a table descriptor (levels 0–2). */
export function encodeS2Table(t: S2Table): bigint {
  checkOutputAddress(t.next, 3, false);
  const sw = t.software ?? 0;
  if (sw < 0 || sw > 15) throw new RangeError(`software bits ${sw} do not fit [58:55]`);
  const lo = 0b11 | ((t.ignoredLow ?? 0) & 0xffc);
  const hi = (sw << S2.HI_SW_SHIFT) | (t.ignoredXn ? S2.HI_XN1 : 0);
  return withOa(lo, hi, t.next);
}

/** Decode a stage-2 descriptor found at `level`. */
export function decodeS2(desc: bigint, level: Level): S2Descriptor {
  const { lo, hi } = splitDescriptor(desc);
  const kind: DescriptorKind = descriptorKind(lo, level);
  const software = (hi >>> S2.HI_SW_SHIFT) & 15;
  if (kind === "invalid" || kind === "reserved") return { kind, level, raw: desc, software };
  const oa = outputAddress(lo, hi, kind, level);
  if (kind === "table") return { kind, level, raw: desc, next: oa, software };
  return {
    kind,
    level,
    raw: desc,
    oa,
    memAttr: (lo >> S2.MEMATTR_SHIFT) & 15,
    s2ap: ((lo >> 6) & 3) as S2AP,
    sh: (lo >> S2.SH_SHIFT) & 3,
    af: (lo & S2.AF) !== 0,
    fnxs: (lo & S2.FNXS) !== 0,
    xn: ((hi & S2.HI_XN1) ? 2 : 0) | ((hi & S2.HI_XN0) ? 1 : 0),
    contiguous: (hi & S2.HI_CONT) !== 0,
    software,
  };
}

/**
 * Stage-2 MemAttr without FEAT_S2FWB (HCR_EL2.FWB = 0) as an attribute byte in the MAIR
 * encoding (ASL `S2AttrDecode`; D8.5.5): `MemAttr[3:2] = 00` → Device with `MemAttr[1:0]` =
 * nGnRnE/nGnRE/nGRE/GRE; otherwise Outer = `[3:2]`, Inner = `[1:0]`, each 01 NC, 10 WT, 11 WB.
 * Stage 2 carries no allocation hints (they come from stage 1 when combining); the byte uses
 * RW-allocate. Inner `00` with Outer ≠ `00` is reserved: treated as Inner Non-cacheable.
 */
export function s2MemAttrToAttr(memAttr: number): number {
  const m = memAttr & 15;
  if ((m & 0b1100) === 0) return (m & 3) << 2;
  return (s2Nibble(m >> 2) << 4) | s2Nibble(m & 3);
}

function s2Nibble(c: number): number {
  const cache = c === 3 ? CACHE_WB : c === 2 ? CACHE_WT : CACHE_NC;
  return cacheNibble(cache);
}

/** Name of a non-FWB stage-2 MemAttr, e.g. 0x1 → `Device-nGnRE`, 0xF → `Normal-WB`. */
export function s2MemAttrName(memAttr: number): string {
  const m = memAttr & 15;
  if ((m & 0b1100) === 0) {
    return ["Device-nGnRnE", "Device-nGnRE", "Device-nGRE", "Device-GRE"][m & 3];
  }
  const n = ["reserved", "NC", "WT", "WB"];
  const o = n[m >> 2];
  const i = n[m & 3];
  return o === i ? `Normal-${i}` : `Normal-i${i}-o${o}`;
}

/**
 * Stage-2 MemAttr with FEAT_S2FWB (HCR_EL2.FWB = 1), ASL `S2AttrDecode`/`S2CombineS1MemAttrs`:
 * `0b0dd` Device (stricter of both if stage 1 is Device), `0b101` Normal NC unless stage 1 is
 * Device, `0b110` forced Normal WB, `0b111` stage-1 attributes unchanged, `0b100` reserved.
 */
export type FwbMemAttr = "device" | "normal-nc" | "force-wb" | "as-s1" | "reserved";

/** Classify a MemAttr under FWB (MemAttr[3] is RES0 / FEAT_MTE_PERM and ignored). */
export function fwbKind(memAttr: number): FwbMemAttr {
  const m = memAttr & 7;
  if (m < 4) return "device";
  return m === 5 ? "normal-nc" : m === 6 ? "force-wb" : m === 7 ? "as-s1" : "reserved";
}

/**
 * Stage-2 instruction-execution permission of XN[1:0] (D8.4.3; without FEAT_XNX only XN[1]
 * counts). Returns `{el1, el0}`: whether execution is permitted.
 */
export function s2ExecPermission(xn: number, featXnx: boolean): { el1: boolean; el0: boolean } {
  if (!featXnx) return { el1: (xn & 2) === 0, el0: (xn & 2) === 0 };
  // FEAT_XNX: 00 both, 01 EL1 XN / EL0 X, 10 XN both, 11 EL1 X / EL0 XN.
  switch (xn & 3) {
    case 0:
      return { el1: true, el0: true };
    case 1:
      return { el1: false, el0: true };
    case 2:
      return { el1: false, el0: false };
    default:
      return { el1: true, el0: false };
  }
}
