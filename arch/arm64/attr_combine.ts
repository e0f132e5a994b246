/**
 * Combining stage-1 and stage-2 memory attributes (ARM ARM DDI 0487 D8.5.5 "Combining the
 * stage 1 and stage 2 attributes"; ASL `S2CombineS1MemAttrs`, `S2CombineS1AttrHints`,
 * `S2CombineS1Shareability`; rules R_HMNDG, R_TNHFM, R_GQFSF cited in Linux asm/memory.h).
 *
 * Without FEAT_S2FWB (HCR_EL2.FWB = 0, what Xen runs with) the more restrictive type wins:
 * Device-nGnRnE > Device-nGnRE > Device-nGRE > Device-GRE > Normal, and for Normal memory each of
 * Inner and Outer takes the stricter of NC > WT > WB; allocation and transient hints come from
 * stage 1. With FWB, stage 2 can force Normal-WB, force Normal-NC, or pass stage 1 through.
 *
 * The result carries its provenance: which stage decided and by which rule.
 *
 * @module
 */

import type { AttrProvenance } from "./port.ts";
import {
  ATTR_NORMAL_NC,
  CACHE_NC,
  CACHE_WB,
  cacheNibble,
  deviceSubtype,
  isDevice,
  memTypeName,
  nibbleCacheability,
} from "./memory_type.ts";
import { combineShareability, effectiveShareability } from "./shareability.ts";
import { fwbKind, s2MemAttrName, s2MemAttrToAttr } from "./stage2_descriptor.ts";

/** Which stage decided (numeric form used in TLB entries). */
export const BY_STAGE1 = 0;
/** Stage 2 decided. */
export const BY_STAGE2 = 1;
/** Both stages gave the same answer (or each restricted a different part). */
export const BY_BOTH = 2;
/** The stage-1 MMU is off (SCTLR_ELx.M = 0). */
export const BY_MMU_OFF = 3;

/** Combining rules (numeric form used in TLB entries). */
export const RULE = {
  /** Stage 2 disabled (HCR_EL2.VM = 0, or the EL2 regime): stage 1 alone. */
  NO_STAGE2: 0,
  /** No FWB: a Device type is stricter than Normal, a stricter Device subtype wins. */
  DEVICE_STRICTER: 1,
  /** No FWB: both Normal; Inner and Outer cacheability each take the stricter. */
  CACHE_STRICTER: 2,
  /** FWB, MemAttr 0b0dd: stage-2 Device (stricter of both when stage 1 is also Device). */
  FWB_DEVICE: 3,
  /** FWB, MemAttr 0b101: Normal Non-cacheable unless stage 1 is Device. */
  FWB_NC: 4,
  /** FWB, MemAttr 0b110: forced Normal Write-Back. */
  FWB_FORCE_WB: 5,
  /** FWB, MemAttr 0b111: stage-1 attributes used unchanged. */
  FWB_AS_S1: 6,
  /** FWB, MemAttr 0b100: reserved; the model uses Normal Non-cacheable. */
  FWB_RESERVED: 7,
  /** Stage-1 MMU off: data Device-nGnRnE (or Normal-WB with HCR_EL2.DC). */
  MMU_OFF: 8,
} as const;

/** The combined attribute, in numeric form (written by {@link combineInto}). */
export class CombinedAttr {
  /** Combined attribute byte (MAIR encoding). */
  attr = 0;
  /** Combined SH code. */
  sh = 0;
  /** BY_* code. */
  by = 0;
  /** RULE code. */
  rule = 0;
}

function minNibble(s1Nibble: number, s2Cache: number): number {
  const c1 = nibbleCacheability(s1Nibble);
  if (c1 <= s2Cache) return s1Nibble; // stage 1 as strict or stricter: keep its hints
  if (s2Cache === CACHE_NC) return 0b0100;
  // Stricter cacheability from stage 2, allocation/transient hints from stage 1.
  const transient = s1Nibble < 0b1000;
  return (transient ? 0b0000 : 0b1000) | (s1Nibble & 3);
}

/**
 * Combine stage 1 (`s1Attr` byte, `s1Sh`) with stage 2 (raw `memAttr`, `s2Sh`) into `out`
 * without allocating. `fwb` is HCR_EL2.FWB; `cd` is HCR_EL2.CD (stage-2 Normal treated as
 * Non-cacheable for data accesses, ASL `S2AttrDecode`).
 */
export function combineInto(
  out: CombinedAttr,
  s1Attr: number,
  s1Sh: number,
  memAttr: number,
  s2Sh: number,
  fwb: boolean,
  cd = false,
): void {
  let attr: number;
  let by: number;
  let rule: number;
  let s2ShEff: number;
  if (!fwb) {
    let s2 = s2MemAttrToAttr(memAttr);
    if (cd && !isDevice(s2)) s2 = ATTR_NORMAL_NC;
    s2ShEff = effectiveShareability(s2, s2Sh);
    if (isDevice(s1Attr) || isDevice(s2)) {
      const d1 = isDevice(s1Attr) ? deviceSubtype(s1Attr) : 4;
      const d2 = isDevice(s2) ? deviceSubtype(s2) : 4;
      attr = Math.min(d1, d2) << 2;
      by = d1 < d2 ? BY_STAGE1 : d2 < d1 ? BY_STAGE2 : BY_BOTH;
      rule = RULE.DEVICE_STRICTER;
    } else {
      const i1 = nibbleCacheability(s1Attr & 15);
      const o1 = nibbleCacheability(s1Attr >> 4);
      const i2 = nibbleCacheability(s2 & 15);
      const o2 = nibbleCacheability(s2 >> 4);
      attr = (minNibble(s1Attr >> 4, o2) << 4) | minNibble(s1Attr & 15, i2);
      const s1Stricter = i1 < i2 || o1 < o2;
      const s2Stricter = i2 < i1 || o2 < o1;
      by = s2Stricter && !s1Stricter ? BY_STAGE2 : s1Stricter && !s2Stricter ? BY_STAGE1 : BY_BOTH;
      rule = RULE.CACHE_STRICTER;
    }
  } else {
    const kind = fwbKind(memAttr);
    s2ShEff = s2Sh === 1 ? 0 : s2Sh;
    if (kind === "device") {
      const d1 = isDevice(s1Attr) ? deviceSubtype(s1Attr) : 4;
      const d2 = memAttr & 3;
      attr = Math.min(d1, d2) << 2;
      by = d1 < d2 ? BY_STAGE1 : d2 < d1 ? BY_STAGE2 : BY_BOTH;
      rule = RULE.FWB_DEVICE;
      s2ShEff = effectiveShareability(attr, s2Sh);
    } else if (kind === "normal-nc" || kind === "reserved") {
      if (isDevice(s1Attr)) {
        attr = s1Attr;
        by = BY_STAGE1;
      } else {
        attr = ATTR_NORMAL_NC;
        by = s1Attr === ATTR_NORMAL_NC ? BY_BOTH : BY_STAGE2;
      }
      rule = kind === "normal-nc" ? RULE.FWB_NC : RULE.FWB_RESERVED;
    } else if (kind === "force-wb") {
      const keep = (n: number) =>
        nibbleCacheability(n) === CACHE_WB
          ? n
          : nibbleCacheability(n) === CACHE_NC || isDevice(s1Attr)
          ? cacheNibble(CACHE_WB)
          : 0b1100 | (n & 3);
      attr = isDevice(s1Attr)
        ? (cacheNibble(CACHE_WB) << 4) | cacheNibble(CACHE_WB)
        : (keep(s1Attr >> 4) << 4) | keep(s1Attr & 15);
      const s1wb = !isDevice(s1Attr) && nibbleCacheability(s1Attr & 15) === CACHE_WB &&
        nibbleCacheability(s1Attr >> 4) === CACHE_WB;
      by = s1wb ? BY_BOTH : BY_STAGE2;
      rule = RULE.FWB_FORCE_WB;
    } else {
      attr = s1Attr;
      by = BY_STAGE1;
      rule = RULE.FWB_AS_S1;
    }
  }
  let sh = combineShareability(effectiveShareability(s1Attr, s1Sh), s2ShEff);
  sh = effectiveShareability(attr, sh);
  out.attr = attr;
  out.sh = sh;
  out.by = by;
  out.rule = rule;
}

/** True when stage-2 MemAttr makes the access Device at stage 2 (for the alignment check). */
export function s2IsDevice(memAttr: number, fwb: boolean): boolean {
  return fwb ? (memAttr & 4) === 0 : (memAttr & 12) === 0;
}

/** Human-readable provenance of a combined attribute. */
export function provenance(
  by: number,
  rule: number,
  s1Attr: number,
  memAttr: number,
  result: number,
): AttrProvenance {
  const decidedBy = (["stage1", "stage2", "both", "mmu-off"] as const)[by];
  const s1 = memTypeName(s1Attr);
  const s2 = s2MemAttrName(memAttr);
  const r = memTypeName(result);
  let text: string;
  switch (rule) {
    case RULE.NO_STAGE2:
      text = `stage 2 disabled: stage-1 ${s1} used unchanged`;
      break;
    case RULE.MMU_OFF:
      text = `stage-1 MMU off (SCTLR.M = 0): data accesses are ${r}`;
      break;
    case RULE.DEVICE_STRICTER:
    case RULE.CACHE_STRICTER: {
      const kind = rule === RULE.DEVICE_STRICTER ? "stricter type" : "stricter cacheability";
      if (by === BY_STAGE1) text = `${kind} wins (no FWB): S1 ${s1} over S2 ${s2}`;
      else if (by === BY_STAGE2) text = `${kind} wins (no FWB): S2 ${s2} over S1 ${s1}`;
      else if (s1 === s2) text = `both stages ${r} (no FWB)`;
      else text = `${kind} per part (no FWB): S1 ${s1} with S2 ${s2} gives ${r}`;
      break;
    }
    case RULE.FWB_DEVICE:
      text = `FWB: S2 MemAttr 0x${memAttr.toString(16)} is Device; stricter of S1 ${s1} → ${r}`;
      break;
    case RULE.FWB_NC:
      text = by === BY_STAGE1
        ? `FWB: S2 Normal-NC does not override S1 ${s1}`
        : `FWB: S2 MemAttr 0b101 forces Normal-NC over S1 ${s1}`;
      break;
    case RULE.FWB_FORCE_WB:
      text = `FWB: S2 MemAttr 0b110 forces Normal-WB over S1 ${s1}`;
      break;
    case RULE.FWB_AS_S1:
      text = `FWB: S2 MemAttr 0b111 uses S1 ${s1} unchanged`;
      break;
    default:
      text = `FWB: S2 MemAttr 0x${memAttr.toString(16)} is reserved; treated as Normal-NC`;
  }
  return { decidedBy, rule: text };
}

/** The result of {@link combineAttributes}. */
export interface CombineResult {
  /** Combined attribute byte (MAIR encoding). */
  attr: number;
  /** Combined memory type name, e.g. "Device-nGnRE". */
  type: string;
  /** Combined SH code (0 NSH, 2 OSH, 3 ISH). */
  sh: number;
  /** Which stage and rule decided. */
  provenance: AttrProvenance;
}

/**
 * Combine a stage-1 attribute byte and SH with a stage-2 MemAttr and SH.
 *
 * @example
 * ```ts
 * import { combineAttributes } from "./attr_combine.ts";
 * // dom0 ioremap (Device-nGnRE) over Xen's p2m_mmio_direct_c (MemAttr 0xF):
 * const r = combineAttributes(0x04, 3, 0xf, 2);
 * console.assert(r.type === "Device-nGnRE" && r.provenance.decidedBy === "stage1");
 * ```
 */
export function combineAttributes(
  s1Attr: number,
  s1Sh: number,
  memAttr: number,
  s2Sh: number,
  opts: { fwb?: boolean; cd?: boolean } = {},
): CombineResult {
  const out = new CombinedAttr();
  combineInto(out, s1Attr, s1Sh, memAttr, s2Sh, opts.fwb ?? false, opts.cd ?? false);
  return {
    attr: out.attr,
    type: memTypeName(out.attr),
    sh: out.sh,
    provenance: provenance(out.by, out.rule, s1Attr, memAttr, out.attr),
  };
}
