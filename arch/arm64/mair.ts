/**
 * MAIR_ELx: the eight memory attribute slots a stage-1 descriptor's AttrIndx selects
 * (ARM ARM DDI 0487 D19.2 "MAIR_EL1"; D8.3 "Stage 1 memory type and Cacheability attributes").
 *
 * @module
 */

import { normalizeAttr } from "./memory_type.ts";

/** A MAIR value as its eight attribute bytes (slot 0 = bits [7:0]). */
export type MairSlots = [number, number, number, number, number, number, number, number];

/** Split a 64-bit MAIR value into its eight raw attribute bytes. */
export function decodeMair(mair: bigint): MairSlots {
  const out: number[] = [];
  for (let i = 0; i < 8; i++) out.push(Number((mair >> BigInt(i * 8)) & 0xffn));
  return out as MairSlots;
}

/** Build a 64-bit MAIR value from up to eight attribute bytes (missing slots are 0x00). */
export function encodeMair(slots: readonly number[]): bigint {
  if (slots.length > 8) throw new RangeError("MAIR has eight attribute slots");
  let v = 0n;
  for (let i = 0; i < slots.length; i++) {
    const b = slots[i];
    if (!Number.isInteger(b) || b < 0 || b > 0xff) {
      throw new RangeError(`MAIR slot ${i} value ${b} is not a byte`);
    }
    v |= BigInt(b) << BigInt(i * 8);
  }
  return v;
}

/** The normalised attribute byte in slot `attrIndx` (0..7) of a MAIR value. */
export function mairAttr(mair: bigint, attrIndx: number): number {
  return normalizeAttr(Number((mair >> BigInt((attrIndx & 7) * 8)) & 0xffn));
}

/**
 * Linux arm64 MAIR slot numbers (arch/arm64/include/asm/memory.h, v6.1): the AttrIndx values
 * of `PROT_NORMAL`, `PROT_NORMAL_TAGGED`, `PROT_NORMAL_NC`, `PROT_DEVICE_nGnRnE`,
 * `PROT_DEVICE_nGnRE`. Device-GRE and Normal-WT slots were removed in v5.14.
 */
export const LINUX_MT = {
  MT_NORMAL: 0,
  MT_NORMAL_TAGGED: 1,
  MT_NORMAL_NC: 2,
  MT_DEVICE_nGnRnE: 3,
  MT_DEVICE_nGnRE: 4,
} as const;

/**
 * The MAIR_EL1 value Linux 6.1 programs in `__cpu_setup` (arch/arm64/mm/proc.S `MAIR_EL1_SET`)
 * on a CPU without FEAT_MTE: slot 0 and 1 0xff (MT_NORMAL_TAGGED starts as plain Normal and is
 * changed to 0xf0 only when MTE is present), slot 2 0x44, slot 3 0x00, slot 4 0x04.
 */
export const LINUX_MAIR_EL1 = 0x000000040044ffffn;

/**
 * Xen's MAIR slot numbers (xen/arch/arm/include/asm/page.h, 4.17): AttrIndx values for its own
 * EL2 stage-1 mappings.
 */
export const XEN_MT = {
  MT_DEVICE_nGnRnE: 0,
  MT_NORMAL_NC: 1,
  MT_NORMAL_WT: 2,
  MT_NORMAL_WB: 3,
  MT_DEVICE_nGnRE: 4,
  MT_NORMAL: 7,
} as const;

/**
 * Xen's MAIR_EL2 (asm/page.h `MAIRVAL` = `MAIR1VAL << 32 | MAIR0VAL`, 0xff000004 / 0xeeaa4400):
 * nGnRnE 0x00, NC 0x44, WT 0xaa, WB 0xee, nGnRE 0x04, and 0xff in slot 7.
 */
export const XEN_MAIR_EL2 = 0xff000004eeaa4400n;
