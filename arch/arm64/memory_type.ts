/**
 * Memory types and attributes (ARM ARM DDI 0487 B2.7 "Memory types and attributes").
 *
 * The model's canonical encoding of a memory type is the MAIR attribute byte
 * (DDI 0487 D19 `MAIR_ELx.Attr<n>`, ASL `AArch64.S1AttrDecode`): `0b0000dd00` is Device with
 * `dd` = nGnRnE/nGnRE/nGRE/GRE, otherwise `[7:4]` = Outer and `[3:0]` = Inner Normal
 * cacheability with allocation and transient hints. Stage-2 MemAttr values are converted to the
 * same byte so that both stages and the combined result use one representation.
 *
 * Numbers are ordered so that "smaller is stricter": Device subtypes 0 (nGnRnE) .. 3 (GRE) and
 * Normal cacheability 0 (NC) < 1 (WT) < 2 (WB).
 *
 * @module
 */

/** Device memory subtypes, as the ARM ARM spells them (B2.7.2). */
export type DeviceType = "Device-nGnRnE" | "Device-nGnRE" | "Device-nGRE" | "Device-GRE";

/** Normal memory cacheability of one level (Inner or Outer), B2.7.1. */
export type Cacheability = "NC" | "WT" | "WB";

/** One half (Inner or Outer) of a Normal memory type. */
export interface NormalHalf {
  /** Non-cacheable, Write-Through or Write-Back. */
  cacheability: Cacheability;
  /** Read-Allocate hint (cacheable only). */
  readAllocate: boolean;
  /** Write-Allocate hint (cacheable only). */
  writeAllocate: boolean;
  /** Transient hint (cacheable only). */
  transient: boolean;
}

/** A decoded memory type. */
export type MemoryType =
  | { kind: "Device"; device: DeviceType }
  | { kind: "Normal"; inner: NormalHalf; outer: NormalHalf };

/** Device subtype numbers (MAIR `dd` field): stricter first. */
export const DEVICE_nGnRnE = 0;
/** Device-nGnRE subtype number. */
export const DEVICE_nGnRE = 1;
/** Device-nGRE subtype number. */
export const DEVICE_nGRE = 2;
/** Device-GRE subtype number. */
export const DEVICE_GRE = 3;

/** Cacheability numbers: stricter first. */
export const CACHE_NC = 0;
/** Write-Through cacheability number. */
export const CACHE_WT = 1;
/** Write-Back cacheability number. */
export const CACHE_WB = 2;

/** MAIR attribute bytes of the common types (D19 MAIR_ELx; Linux asm/sysreg.h `MAIR_ATTR_*`). */
export const ATTR_DEVICE_nGnRnE = 0x00;
/** MAIR byte of Device-nGnRE. */
export const ATTR_DEVICE_nGnRE = 0x04;
/** MAIR byte of Device-nGRE. */
export const ATTR_DEVICE_nGRE = 0x08;
/** MAIR byte of Device-GRE. */
export const ATTR_DEVICE_GRE = 0x0c;
/** MAIR byte of Normal Inner/Outer Non-cacheable. */
export const ATTR_NORMAL_NC = 0x44;
/** MAIR byte of Normal Inner/Outer Write-Through, Read-Allocate, non-transient (Linux/Xen 0xaa). */
export const ATTR_NORMAL_WT = 0xaa;
/** MAIR byte of Normal Inner/Outer Write-Back, Read/Write-Allocate, non-transient. */
export const ATTR_NORMAL_WB = 0xff;

const DEVICE_NAMES: readonly DeviceType[] = [
  "Device-nGnRnE",
  "Device-nGnRE",
  "Device-nGRE",
  "Device-GRE",
];
const CACHE_NAMES: readonly Cacheability[] = ["NC", "WT", "WB"];

/** True when the attribute byte is a Device type (`[7:4] == 0`). */
export function isDevice(attr: number): boolean {
  return (attr & 0xf0) === 0;
}

/** Device subtype number (0 nGnRnE .. 3 GRE) of a Device attribute byte. */
export function deviceSubtype(attr: number): number {
  return (attr >> 2) & 3;
}

/**
 * Cacheability number (0 NC, 1 WT, 2 WB) of one MAIR Normal nibble
 * (ASL `AArch64.S1AttrDecode`: 0b00RW WT-transient, 0b0100 NC, 0b01RW WB-transient,
 * 0b10RW WT, 0b11RW WB). The reserved nibble 0b0000 is treated as NC.
 */
export function nibbleCacheability(nibble: number): number {
  if (nibble >= 0b1100) return CACHE_WB;
  if (nibble >= 0b1000) return CACHE_WT;
  if (nibble === 0b0100) return CACHE_NC;
  if (nibble > 0b0100) return CACHE_WB; // 0b01RW, RW != 00: WB transient
  if (nibble !== 0) return CACHE_WT; // 0b00RW, RW != 00: WT transient
  return CACHE_NC;
}

/** Inner cacheability number of a Normal attribute byte. */
export function innerCacheability(attr: number): number {
  return nibbleCacheability(attr & 0xf);
}

/** Outer cacheability number of a Normal attribute byte. */
export function outerCacheability(attr: number): number {
  return nibbleCacheability(attr >> 4);
}

/** A Normal nibble from a cacheability number with the given allocation hints (non-transient). */
export function cacheNibble(
  cacheability: number,
  readAllocate = true,
  writeAllocate = true,
): number {
  if (cacheability === CACHE_NC) return 0b0100;
  const hints = (readAllocate ? 2 : 0) | (writeAllocate ? 1 : 0);
  return (cacheability === CACHE_WB ? 0b1100 : 0b1000) | hints;
}

/**
 * Normalise an attribute byte: reserved and UNPREDICTABLE MAIR encodings get one documented
 * meaning so that the rest of the model sees only valid types.
 * - `0b0000ddxx` with `xx != 00` (reserved, or FEAT_XS variants) → `0b0000dd00`.
 * - `0xf0` (FEAT_MTE Tagged Normal, Linux's MT_NORMAL_TAGGED) → Normal WB RWA (0xff); `0x40`
 *   and `0xa0` (FEAT_XS Normal NC / WT with XS = 0) → 0x44 / 0xaa; any other `0bxxxx0000` is
 *   reserved and treated as Normal WB.
 * - A Normal nibble 0b0100 carries no hints; WT/WB transient encodings stay as they are.
 */
export function normalizeAttr(attr: number): number {
  attr &= 0xff;
  if ((attr & 0xf0) === 0) return attr & 0x0c;
  if ((attr & 0x0f) === 0) {
    if (attr === 0x40) return ATTR_NORMAL_NC;
    if (attr === 0xa0) return ATTR_NORMAL_WT;
    return ATTR_NORMAL_WB;
  }
  return attr;
}

/** Decode an attribute byte into a {@link MemoryType} (after {@link normalizeAttr}). */
export function decodeAttr(attr: number): MemoryType {
  const a = normalizeAttr(attr);
  if (isDevice(a)) return { kind: "Device", device: DEVICE_NAMES[deviceSubtype(a)] };
  return { kind: "Normal", inner: decodeNibble(a & 0xf), outer: decodeNibble(a >> 4) };
}

function decodeNibble(n: number): NormalHalf {
  const c = nibbleCacheability(n);
  const cacheable = c !== CACHE_NC;
  return {
    cacheability: CACHE_NAMES[c],
    readAllocate: cacheable && (n & 2) !== 0,
    writeAllocate: cacheable && (n & 1) !== 0,
    transient: cacheable && n < 0b1000,
  };
}

function encodeNibble(h: NormalHalf): number {
  if (h.cacheability === "NC") return 0b0100;
  const rw = (h.readAllocate ? 2 : 0) | (h.writeAllocate ? 1 : 0);
  if (h.transient) {
    if (rw === 0) throw new RangeError("a transient cacheable type needs an allocation hint");
    return (h.cacheability === "WB" ? 0b0100 : 0b0000) | rw;
  }
  return (h.cacheability === "WB" ? 0b1100 : 0b1000) | rw;
}

/** Encode a {@link MemoryType} as its MAIR attribute byte. */
export function encodeAttr(t: MemoryType): number {
  if (t.kind === "Device") return DEVICE_NAMES.indexOf(t.device) << 2;
  return (encodeNibble(t.outer) << 4) | encodeNibble(t.inner);
}

/** Attribute byte of a Device subtype name. */
export function deviceAttr(device: DeviceType): number {
  return DEVICE_NAMES.indexOf(device) << 2;
}

/** The Device subtype name of a subtype number (0..3). */
export function deviceTypeName(subtype: number): DeviceType {
  return DEVICE_NAMES[subtype & 3];
}

/** Cacheability name of a cacheability number. */
export function cacheabilityName(c: number): Cacheability {
  return CACHE_NAMES[c];
}

/**
 * Short name of a memory type: `Device-nGnRE`, `Normal-WB`, `Normal-NC`, `Normal-WT`, or
 * `Normal-iWB-oNC` when Inner and Outer cacheability differ. Hints are not part of the name.
 */
export function memTypeName(attr: number): string {
  const a = normalizeAttr(attr);
  if (isDevice(a)) return DEVICE_NAMES[deviceSubtype(a)];
  const i = innerCacheability(a);
  const o = outerCacheability(a);
  if (i === o) return `Normal-${CACHE_NAMES[i]}`;
  return `Normal-i${CACHE_NAMES[i]}-o${CACHE_NAMES[o]}`;
}

/**
 * Long description with hints, e.g. `Normal-WB (inner WB RW-allocate, outer WB RW-allocate)`.
 */
export function describeAttr(attr: number): string {
  const t = decodeAttr(attr);
  if (t.kind === "Device") return t.device;
  const half = (h: NormalHalf) => {
    if (h.cacheability === "NC") return "NC";
    const alloc = `${h.readAllocate ? "R" : ""}${h.writeAllocate ? "W" : ""}`;
    return `${h.cacheability}${alloc ? ` ${alloc}-allocate` : " no-allocate"}${
      h.transient ? " transient" : ""
    }`;
  };
  return `${memTypeName(attr)} (inner ${half(t.inner)}, outer ${half(t.outer)})`;
}

/** Parse a name produced by {@link memTypeName} (`Normal-WB`, `Device-GRE`, ...) to a byte. */
export function attrFromName(name: string): number | undefined {
  const d = DEVICE_NAMES.indexOf(name as DeviceType);
  if (d >= 0) return d << 2;
  const same = /^Normal-(NC|WT|WB)$/.exec(name);
  if (same) {
    const n = cacheNibble(CACHE_NAMES.indexOf(same[1] as Cacheability));
    return (n << 4) | n;
  }
  const mixed = /^Normal-i(NC|WT|WB)-o(NC|WT|WB)$/.exec(name);
  if (mixed) {
    const i = cacheNibble(CACHE_NAMES.indexOf(mixed[1] as Cacheability));
    const o = cacheNibble(CACHE_NAMES.indexOf(mixed[2] as Cacheability));
    return (o << 4) | i;
  }
  return undefined;
}

/**
 * Memory class used by the cost model and counters: 0..3 Device nGnRnE..GRE, 4 Normal NC,
 * 5 Normal WT, 6 Normal WB (by Inner cacheability, which governs the L1 data cache).
 */
export function memClass(attr: number): number {
  if ((attr & 0xf0) === 0) return (attr >> 2) & 3;
  return 4 + nibbleCacheability(attr & 0xf);
}

/** Names of the memory classes of {@link memClass}. */
export const MEM_CLASS_NAMES: readonly string[] = [
  "Device-nGnRnE",
  "Device-nGnRE",
  "Device-nGRE",
  "Device-GRE",
  "Normal-NC",
  "Normal-WT",
  "Normal-WB",
];

/**
 * True when the type is Normal Inner Write-Back and Outer Write-Back: the only type on which
 * exclusives and atomics are architecturally guaranteed (B2.9.5, "Load-Exclusive and
 * Store-Exclusive instruction usage restrictions"; otherwise IMPLEMENTATION DEFINED).
 */
export function isNormalInnerOuterWB(attr: number): boolean {
  return (attr & 0xf0) !== 0 && innerCacheability(attr) === CACHE_WB &&
    outerCacheability(attr) === CACHE_WB;
}
