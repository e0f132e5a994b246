/**
 * Shareability (ARM ARM DDI 0487 B2.7.1 "Normal memory shareability"; descriptor field SH[1:0],
 * D8.3 "Memory attribute fields").
 *
 * @module
 */

import { CACHE_NC, innerCacheability, isDevice, outerCacheability } from "./memory_type.ts";

/** Shareability as the ARM ARM names it. */
export type Shareability = "Non-shareable" | "Outer Shareable" | "Inner Shareable";

/** SH[1:0] = 0b00: Non-shareable. */
export const SH_NSH = 0;
/** SH[1:0] = 0b01: reserved (CONSTRAINED UNPREDICTABLE; the model treats it as Non-shareable). */
export const SH_RESERVED = 1;
/** SH[1:0] = 0b10: Outer Shareable (Xen `LPAE_SH_OUTER`). */
export const SH_OSH = 2;
/** SH[1:0] = 0b11: Inner Shareable (Xen `LPAE_SH_INNER`, Linux `PTE_SHARED`). */
export const SH_ISH = 3;

const NAMES: readonly Shareability[] = [
  "Non-shareable",
  "Non-shareable",
  "Outer Shareable",
  "Inner Shareable",
];

/** Name of an SH code. */
export function shareabilityName(sh: number): Shareability {
  return NAMES[sh & 3];
}

/** Short name of an SH code ("NSH", "OSH", "ISH"). */
export function shareabilityShort(sh: number): "NSH" | "OSH" | "ISH" {
  const s = sh & 3;
  return s === SH_OSH ? "OSH" : s === SH_ISH ? "ISH" : "NSH";
}

/** SH code of a name. */
export function shareabilityCode(name: Shareability): number {
  return name === "Outer Shareable" ? SH_OSH : name === "Inner Shareable" ? SH_ISH : SH_NSH;
}

/**
 * The shareability a stage's attribute actually has: Device memory and Normal Inner
 * Non-cacheable, Outer Non-cacheable memory are always treated as Outer Shareable whatever SH
 * says (B2.7.1; DDI 0487A.j Table D4-40 note as cited in Xen's p2m.c; QEMU `combine_cacheattrs`).
 */
export function effectiveShareability(attr: number, sh: number): number {
  if (isDevice(attr)) return SH_OSH;
  if (innerCacheability(attr) === CACHE_NC && outerCacheability(attr) === CACHE_NC) return SH_OSH;
  return (sh & 3) === SH_RESERVED ? SH_NSH : sh & 3;
}

/**
 * Combine the shareability of stage 1 and stage 2 (ASL `S2CombineS1Shareability`, DDI 0487K.a
 * Table D8-89): Outer Shareable if either is, else Inner Shareable if either is, else
 * Non-shareable. Inputs are SH codes already passed through {@link effectiveShareability}.
 */
export function combineShareability(s1: number, s2: number): number {
  if (s1 === SH_OSH || s2 === SH_OSH) return SH_OSH;
  if (s1 === SH_ISH || s2 === SH_ISH) return SH_ISH;
  return SH_NSH;
}
