/**
 * The 4 KiB translation granule (ARM ARM DDI 0487 D8.2 "Translation table descriptor formats",
 * D8.1.x "Translation granule"): level geometry, block sizes and the descriptor type field that
 * stage 1 and stage 2 share. Only the 4 KiB granule is modelled (Xen and Debian's Linux use it).
 *
 * @module
 */

/** Translation level (VMSAv8-64, 4 KiB granule, no FEAT_LPA2: 0..3). */
export type Level = 0 | 1 | 2 | 3;

/** Page size of the granule. */
export const PAGE_SIZE = 4096;
/** log2 of the page size. */
export const PAGE_SHIFT = 12;
/** Bits resolved per level (512 eight-byte descriptors per 4 KiB table). */
export const BITS_PER_LEVEL = 9;
/** Descriptors per table. */
export const ENTRIES_PER_TABLE = 512;
/** Output addresses the descriptor formats hold without FEAT_LPA/LPA2: 48 bits. */
export const OA_BITS = 48;

/** Address bit that a level's index starts at: L0 39, L1 30, L2 21, L3 12. */
export function levelShift(level: number): number {
  return PAGE_SHIFT + BITS_PER_LEVEL * (3 - level);
}

/** Size of the region one descriptor at `level` maps: L1 1 GiB, L2 2 MiB, L3 4 KiB (L0 512 GiB). */
export function levelSize(level: number): number {
  return 2 ** levelShift(level);
}

/** True when `level` may hold a block (L1, L2) or page (L3) descriptor with the 4 KiB granule. */
export function isLeafLevel(level: number): boolean {
  return level >= 1 && level <= 3;
}

/**
 * Index of `addr` in a table at `level` (`entries` > 512 for a concatenated stage-2 root).
 * `addr` is a non-negative address (for a VA, its low 48 bits).
 */
export function tableIndex(addr: number, level: number, entries = ENTRIES_PER_TABLE): number {
  return Math.floor(addr / levelSize(level)) % entries;
}

/**
 * Stage-1 start level for an input size of `inputSize` bits (D8.2.x "Translation table walk";
 * ASL `AArch64.S1StartLevel`: `4 - ceil((inputsize - 12) / 9)`): 48 → 0, 39 → 1, 30 → 2.
 */
export function stage1StartLevel(inputSize: number): number {
  return 4 - Math.ceil((inputSize - PAGE_SHIFT) / BITS_PER_LEVEL);
}

/** The descriptor type field bits[1:0] (D8.3): 0b11 table (L0-2) or page (L3), 0b01 block. */
export type DescriptorKind = "invalid" | "table" | "block" | "page" | "reserved";

/**
 * Kind of a descriptor from its low word and level: bit 0 clear → invalid; L3 `0b11` page,
 * L3 `0b01` reserved (Translation fault); L0 `0b01` reserved with the 4 KiB granule and no LPA2
 * (Translation fault); L0–2 `0b11` table; L1–2 `0b01` block.
 */
export function descriptorKind(lo: number, level: number): DescriptorKind {
  if ((lo & 1) === 0) return "invalid";
  const table = (lo & 2) !== 0;
  if (level === 3) return table ? "page" : "reserved";
  if (table) return "table";
  return level === 0 ? "reserved" : "block";
}

/** A 64-bit descriptor as its low and high 32-bit words (unsigned numbers). */
export function splitDescriptor(desc: bigint): { lo: number; hi: number } {
  return { lo: Number(desc & 0xffffffffn), hi: Number((desc >> 32n) & 0xffffffffn) };
}

/** Join low and high 32-bit words into a 64-bit descriptor. */
export function joinDescriptor(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/**
 * The output address held in a descriptor (bits [47:n]) for a leaf or table at `level`:
 * tables and pages use [47:12], L2 blocks [47:21], L1 blocks [47:30].
 */
export function outputAddress(lo: number, hi: number, kind: DescriptorKind, level: number): number {
  const shift = kind === "block" ? levelShift(level) : PAGE_SHIFT;
  const low = (lo >>> 0) - ((lo >>> 0) % 2 ** shift);
  return (hi & 0xffff) * 0x100000000 + low;
}

/** Check an output address for a descriptor at `level`; throws RangeError when not encodable. */
export function checkOutputAddress(oa: number, level: number, leaf: boolean): void {
  const align = leaf ? levelSize(level) : PAGE_SIZE;
  if (!Number.isSafeInteger(oa) || oa < 0 || oa >= 2 ** OA_BITS) {
    throw new RangeError(`output address 0x${oa.toString(16)} is not a 48-bit address`);
  }
  if (oa % align !== 0) {
    throw new RangeError(
      `output address 0x${oa.toString(16)} is not aligned to 0x${align.toString(16)}`,
    );
  }
}
