/**
 * Stage-1 VMSAv8-64 descriptors, 4 KiB granule (ARM ARM DDI 0487 D8.3 "Translation table
 * descriptor formats", D8.4 "Memory access control", D8.5 "Memory region attributes").
 *
 * Leaf (block/page) bits: [1:0] type, [4:2] AttrIndx, [5] NS, [7:6] AP[2:1], [9:8] SH, [10] AF,
 * [11] nG, [47:12] OA, [51] DBM, [52] Contiguous, [53] PXN, [54] UXN (XN at EL2),
 * [58:55] software. Table bits: [47:12] next-level table, [59] PXNTable, [60] UXNTable
 * (XNTable at EL2), [62:61] APTable, [63] NSTable.
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

/** Bit positions (Linux arch/arm64/include/asm/pgtable-hwdef.h spells them `PTE_*`). */
export const S1 = {
  /** AttrIndx[2:0] at bits [4:2]. */
  ATTRINDX_SHIFT: 2,
  /** NS, bit 5. */
  NS: 1 << 5,
  /** AP[1], bit 6: EL0 access (Linux `PTE_USER`). */
  AP1: 1 << 6,
  /** AP[2], bit 7: read-only (Linux `PTE_RDONLY`). */
  AP2: 1 << 7,
  /** SH[1:0] at bits [9:8]. */
  SH_SHIFT: 8,
  /** AF, bit 10. */
  AF: 1 << 10,
  /** nG, bit 11. */
  NG: 1 << 11,
  /** DBM, bit 51 (bit 19 of the high word). */
  HI_DBM: 1 << 19,
  /** Contiguous, bit 52 (bit 20 of the high word). */
  HI_CONT: 1 << 20,
  /** PXN, bit 53 (bit 21 of the high word). */
  HI_PXN: 1 << 21,
  /** UXN / XN, bit 54 (bit 22 of the high word). */
  HI_UXN: 1 << 22,
  /** Software bits [58:55] (high word bits [26:23]). */
  HI_SW_SHIFT: 23,
  /** PXNTable, bit 59 (high word bit 27). */
  HI_PXNTABLE: 1 << 27,
  /** UXNTable / XNTable, bit 60 (high word bit 28). */
  HI_UXNTABLE: 1 << 28,
  /** APTable[1:0] at bits [62:61] (high word bits [30:29]). */
  HI_APTABLE_SHIFT: 29,
  /** NSTable, bit 63 (high word bit 31). */
  HI_NSTABLE: 1 << 31,
} as const;

/**
 * Stage-1 data access permissions AP[2:1] (D8.4.1, Table D8-43 for the EL1&0 regime):
 * 0b00 EL1 RW / EL0 none, 0b01 RW / RW, 0b10 EL1 RO / EL0 none, 0b11 RO / RO.
 * At EL2 (single-range regime) AP[1] is RES1/ignored and AP[2] selects RW or RO.
 */
export type S1AP = 0 | 1 | 2 | 3;

/** Fields of a stage-1 block or page descriptor. */
export interface S1Leaf {
  /** Output address (IPA when stage 2 is on), aligned to the level's size. */
  oa: number;
  /** MAIR slot, 0..7. */
  attrIndx: number;
  /** AP[2:1]. */
  ap: S1AP;
  /** SH[1:0] (0 NSH, 2 OSH, 3 ISH). */
  sh: number;
  /** Access flag. */
  af: boolean;
  /** Not global (ASID-tagged). */
  ng?: boolean;
  /** Privileged execute-never. */
  pxn?: boolean;
  /** Unprivileged execute-never (XN at EL2). */
  uxn?: boolean;
  /** Contiguous hint. */
  contiguous?: boolean;
  /** NS bit. */
  ns?: boolean;
  /** Dirty bit modifier (FEAT_HAFDBS; Linux `PTE_DBM`). */
  dbm?: boolean;
  /** Software bits [58:55] (Linux uses 55 `PTE_DIRTY`, 56 `PTE_SPECIAL`, ...). */
  software?: number;
}

/** Fields of a stage-1 table descriptor. */
export interface S1Table {
  /** Physical (or intermediate physical) address of the next-level table, 4 KiB aligned. */
  next: number;
  /** PXNTable. */
  pxnTable?: boolean;
  /** UXNTable (XNTable at EL2). */
  uxnTable?: boolean;
  /** APTable[1:0]: bit 0 forbids EL0 access below, bit 1 forbids writes below. */
  apTable?: number;
  /** NSTable. */
  nsTable?: boolean;
}

/** A decoded stage-1 descriptor. */
export type S1Descriptor =
  | { kind: "invalid" | "reserved"; level: Level; raw: bigint }
  | ({ kind: "table"; level: Level; raw: bigint } & Required<S1Table>)
  | ({ kind: "block" | "page"; level: Level; raw: bigint } & Required<S1Leaf>);

function leafWords(l: S1Leaf): [number, number] {
  if (!Number.isInteger(l.attrIndx) || l.attrIndx < 0 || l.attrIndx > 7) {
    throw new RangeError(`AttrIndx ${l.attrIndx} is not 0..7`);
  }
  const sw = l.software ?? 0;
  if (sw < 0 || sw > 15) throw new RangeError(`software bits ${sw} do not fit [58:55]`);
  const lo = (l.attrIndx << S1.ATTRINDX_SHIFT) | (l.ns ? S1.NS : 0) | ((l.ap & 3) << 6) |
    ((l.sh & 3) << S1.SH_SHIFT) | (l.af ? S1.AF : 0) | (l.ng ? S1.NG : 0);
  const hi = (l.dbm ? S1.HI_DBM : 0) | (l.contiguous ? S1.HI_CONT : 0) |
    (l.pxn ? S1.HI_PXN : 0) | (l.uxn ? S1.HI_UXN : 0) | (sw << S1.HI_SW_SHIFT);
  return [lo, hi];
}

function withOa(lo: number, hi: number, oa: number): bigint {
  const oaLo = oa % 0x100000000;
  const oaHi = Math.floor(oa / 0x100000000);
  return joinDescriptor((lo | oaLo) >>> 0, (hi | oaHi) >>> 0);
}

/** Encode a level-3 page descriptor. */
export function encodeS1Page(leaf: S1Leaf): bigint {
  checkOutputAddress(leaf.oa, 3, true);
  const [lo, hi] = leafWords(leaf);
  return withOa(lo | 0b11, hi, leaf.oa);
}

/** Encode a level-1 (1 GiB) or level-2 (2 MiB) block descriptor. */
export function encodeS1Block(level: 1 | 2, leaf: S1Leaf): bigint {
  if (level !== 1 && level !== 2) throw new RangeError(`no stage-1 block at level ${level}`);
  checkOutputAddress(leaf.oa, level, true);
  const [lo, hi] = leafWords(leaf);
  return withOa(lo | 0b01, hi, leaf.oa);
}

/** Encode a table descriptor (levels 0–2). */
export function encodeS1Table(t: S1Table): bigint {
  checkOutputAddress(t.next, 3, false);
  const ap = t.apTable ?? 0;
  if (ap < 0 || ap > 3) throw new RangeError(`APTable ${ap} is not 0..3`);
  const hi = (t.pxnTable ? S1.HI_PXNTABLE : 0) | (t.uxnTable ? S1.HI_UXNTABLE : 0) |
    (ap << S1.HI_APTABLE_SHIFT) | (t.nsTable ? S1.HI_NSTABLE : 0);
  return withOa(0b11, hi, t.next);
}

/** Decode a stage-1 descriptor found at `level`. */
export function decodeS1(desc: bigint, level: Level): S1Descriptor {
  const { lo, hi } = splitDescriptor(desc);
  const kind: DescriptorKind = descriptorKind(lo, level);
  if (kind === "invalid" || kind === "reserved") return { kind, level, raw: desc };
  const oa = outputAddress(lo, hi, kind, level);
  if (kind === "table") {
    return {
      kind,
      level,
      raw: desc,
      next: oa,
      pxnTable: (hi & S1.HI_PXNTABLE) !== 0,
      uxnTable: (hi & S1.HI_UXNTABLE) !== 0,
      apTable: (hi >>> S1.HI_APTABLE_SHIFT) & 3,
      nsTable: (hi & S1.HI_NSTABLE) !== 0,
    };
  }
  return {
    kind,
    level,
    raw: desc,
    oa,
    attrIndx: (lo >> S1.ATTRINDX_SHIFT) & 7,
    ns: (lo & S1.NS) !== 0,
    ap: ((lo >> 6) & 3) as S1AP,
    sh: (lo >> S1.SH_SHIFT) & 3,
    af: (lo & S1.AF) !== 0,
    ng: (lo & S1.NG) !== 0,
    dbm: (hi & S1.HI_DBM) !== 0,
    contiguous: (hi & S1.HI_CONT) !== 0,
    pxn: (hi & S1.HI_PXN) !== 0,
    uxn: (hi & S1.HI_UXN) !== 0,
    software: (hi >>> S1.HI_SW_SHIFT) & 15,
  };
}

/**
 * Stage-1 permissions of AP[2:1] in the EL1&0 regime (D8.4.1 Table D8-43), as
 * `{el1Read, el1Write, el0Read, el0Write}`.
 */
export function s1ApPermissions(
  ap: number,
): { el1Read: boolean; el1Write: boolean; el0Read: boolean; el0Write: boolean } {
  return {
    el1Read: true,
    el1Write: (ap & 2) === 0,
    el0Read: (ap & 1) !== 0,
    el0Write: ap === 1,
  };
}
