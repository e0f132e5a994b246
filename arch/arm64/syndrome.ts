/**
 * Exception syndromes: ESR_ELx (EC, IL, ISS), fault status codes and HPFAR_EL2
 * (ARM ARM DDI 0487 D19.2 "ESR_EL1"/"ESR_EL2", "ISS encoding for an exception from a Data
 * Abort", "... an Instruction Abort", "... trapped MSR, MRS or System instruction execution";
 * "HPFAR_EL2"). Names are the ones Linux 6.1 prints (`esr_class_str[]` in
 * arch/arm64/kernel/traps.c, `fault_info[]` in arch/arm64/mm/fault.c).
 *
 * @module
 */

import type { IPA, Syndrome, VA } from "./port.ts";

/** Exception classes (ESR[31:26]; Linux asm/esr.h `ESR_ELx_EC_*`). */
export const EC = {
  UNKNOWN: 0x00,
  WFx: 0x01,
  CP15_32: 0x03,
  CP15_64: 0x04,
  CP14_MR: 0x05,
  CP14_LS: 0x06,
  FP_ASIMD: 0x07,
  CP10_ID: 0x08,
  PAC: 0x09,
  CP14_64: 0x0c,
  BTI: 0x0d,
  ILL: 0x0e,
  SVC32: 0x11,
  HVC32: 0x12,
  SMC32: 0x13,
  SVC64: 0x15,
  HVC64: 0x16,
  SMC64: 0x17,
  SYS64: 0x18,
  SVE: 0x19,
  ERET: 0x1a,
  FPAC: 0x1c,
  SME: 0x1d,
  IMP_DEF: 0x1f,
  IABT_LOW: 0x20,
  IABT_CUR: 0x21,
  PC_ALIGN: 0x22,
  DABT_LOW: 0x24,
  DABT_CUR: 0x25,
  SP_ALIGN: 0x26,
  FP_EXC32: 0x28,
  FP_EXC64: 0x2c,
  SERROR: 0x2f,
  BREAKPT_LOW: 0x30,
  BREAKPT_CUR: 0x31,
  SOFTSTP_LOW: 0x32,
  SOFTSTP_CUR: 0x33,
  WATCHPT_LOW: 0x34,
  WATCHPT_CUR: 0x35,
  BKPT32: 0x38,
  VECTOR32: 0x3a,
  BRK64: 0x3c,
} as const;

const EC_NAMES: Record<number, string> = {
  [EC.UNKNOWN]: "Unknown/Uncategorized",
  [EC.WFx]: "WFI/WFE",
  [EC.CP15_32]: "CP15 MCR/MRC",
  [EC.CP15_64]: "CP15 MCRR/MRRC",
  [EC.CP14_MR]: "CP14 MCR/MRC",
  [EC.CP14_LS]: "CP14 LDC/STC",
  [EC.FP_ASIMD]: "ASIMD",
  [EC.CP10_ID]: "CP10 MRC/VMRS",
  [EC.PAC]: "PAC",
  [EC.CP14_64]: "CP14 MCRR/MRRC",
  [EC.BTI]: "BTI",
  [EC.ILL]: "PSTATE.IL",
  [EC.SVC32]: "SVC (AArch32)",
  [EC.HVC32]: "HVC (AArch32)",
  [EC.SMC32]: "SMC (AArch32)",
  [EC.SVC64]: "SVC (AArch64)",
  [EC.HVC64]: "HVC (AArch64)",
  [EC.SMC64]: "SMC (AArch64)",
  [EC.SYS64]: "MSR/MRS (AArch64)",
  [EC.SVE]: "SVE",
  [EC.ERET]: "ERET/ERETAA/ERETAB",
  [EC.FPAC]: "FPAC",
  [EC.SME]: "SME",
  [EC.IMP_DEF]: "EL3 IMP DEF",
  [EC.IABT_LOW]: "IABT (lower EL)",
  [EC.IABT_CUR]: "IABT (current EL)",
  [EC.PC_ALIGN]: "PC Alignment",
  [EC.DABT_LOW]: "DABT (lower EL)",
  [EC.DABT_CUR]: "DABT (current EL)",
  [EC.SP_ALIGN]: "SP Alignment",
  [EC.FP_EXC32]: "FP (AArch32)",
  [EC.FP_EXC64]: "FP (AArch64)",
  [EC.SERROR]: "SError",
  [EC.BREAKPT_LOW]: "Breakpoint (lower EL)",
  [EC.BREAKPT_CUR]: "Breakpoint (current EL)",
  [EC.SOFTSTP_LOW]: "Software Step (lower EL)",
  [EC.SOFTSTP_CUR]: "Software Step (current EL)",
  [EC.WATCHPT_LOW]: "Watchpoint (lower EL)",
  [EC.WATCHPT_CUR]: "Watchpoint (current EL)",
  [EC.BKPT32]: "BKPT (AArch32)",
  [EC.VECTOR32]: "Vector catch (AArch32)",
  [EC.BRK64]: "BRK (AArch64)",
};

/** The exception-class name Linux 6.1 prints (`esr_get_class_string`), "UNRECOGNIZED EC" else. */
export function ecName(ec: number): string {
  return EC_NAMES[ec] ?? "UNRECOGNIZED EC";
}

/** Fault status codes (DFSC/IFSC, ISS[5:0]; Linux asm/esr.h `ESR_ELx_FSC_*`, Xen `FSC_*`). */
export const FSC = {
  /** Address size fault, level 0 (+ level). */
  ADDR_SIZE: 0x00,
  /** Translation fault, level 0 (+ level). */
  TRANSLATION: 0x04,
  /** Access flag fault, level 0 (+ level). */
  ACCESS_FLAG: 0x08,
  /** Permission fault, level 0 (+ level). */
  PERMISSION: 0x0c,
  /** Synchronous External abort, not on a table walk. */
  EXTERNAL: 0x10,
  /** Synchronous Tag Check fault. */
  TAG_CHECK: 0x11,
  /** Synchronous External abort on a translation table walk, level 0 (+ level). */
  WALK_EXTERNAL: 0x14,
  /** Synchronous parity or ECC error. */
  ECC: 0x18,
  /** Alignment fault (Xen 4.17 spells it `FSC_AF`). */
  ALIGNMENT: 0x21,
  /** TLB conflict abort. */
  TLB_CONFLICT: 0x30,
  /** Unsupported atomic hardware update fault. */
  ATOMIC_HW_UPDATE: 0x31,
  /** IMPLEMENTATION DEFINED fault (Lockdown). */
  LOCKDOWN: 0x34,
  /** IMPLEMENTATION DEFINED fault (Unsupported Exclusive or Atomic access). */
  EXCLUSIVE: 0x35,
} as const;

const FAULT_INFO_NAMES: readonly string[] = (() => {
  const n: string[] = [];
  for (let i = 0; i < 64; i++) n.push(`unknown ${i}`);
  n[0] = "ttbr address size fault";
  for (let l = 1; l <= 3; l++) n[l] = `level ${l} address size fault`;
  for (let l = 0; l <= 3; l++) n[4 + l] = `level ${l} translation fault`;
  for (let l = 1; l <= 3; l++) n[8 + l] = `level ${l} access flag fault`;
  for (let l = 1; l <= 3; l++) n[12 + l] = `level ${l} permission fault`;
  n[16] = "synchronous external abort";
  n[17] = "synchronous tag check fault";
  for (let l = 0; l <= 3; l++) n[20 + l] = `level ${l} (translation table walk)`;
  n[24] = "synchronous parity or ECC error";
  for (let l = 0; l <= 3; l++) {
    n[28 + l] = `level ${l} synchronous parity error (translation table walk)`;
  }
  n[33] = "alignment fault";
  n[48] = "TLB conflict abort";
  n[49] = "Unsupported atomic hardware update fault";
  n[52] = "implementation fault (lockdown abort)";
  n[53] = "implementation fault (unsupported exclusive)";
  n[61] = "section domain fault";
  n[62] = "page domain fault";
  return n;
})();

/** The fault name Linux 6.1 prints for a DFSC/IFSC (`fault_info[fsc].name`). */
export function fscName(fsc: number): string {
  return FAULT_INFO_NAMES[fsc & 63];
}

/** Fault kinds the model raises; the FSC follows from kind and level. */
export type FaultKind =
  | "address-size"
  | "translation"
  | "access-flag"
  | "permission"
  | "alignment"
  | "external"
  | "walk-external"
  | "exclusive";

/** The FSC of a fault kind at `level` (level-less kinds ignore it). */
export function fscFor(kind: FaultKind, level = 0): number {
  switch (kind) {
    case "address-size":
      return FSC.ADDR_SIZE + level;
    case "translation":
      return FSC.TRANSLATION + level;
    case "access-flag":
      return FSC.ACCESS_FLAG + level;
    case "permission":
      return FSC.PERMISSION + level;
    case "walk-external":
      return FSC.WALK_EXTERNAL + level;
    case "alignment":
      return FSC.ALIGNMENT;
    case "external":
      return FSC.EXTERNAL;
    case "exclusive":
      return FSC.EXCLUSIVE;
  }
}

/** The fault kind and level of an FSC, for the codes the model produces. */
export function fscKind(fsc: number): { kind: FaultKind; level: number } | undefined {
  const f = fsc & 63;
  if (f <= 0x03) return { kind: "address-size", level: f };
  if (f <= 0x07) return { kind: "translation", level: f - 4 };
  if (f <= 0x0b) return { kind: "access-flag", level: f - 8 };
  if (f <= 0x0f) return { kind: "permission", level: f - 12 };
  if (f === FSC.EXTERNAL) return { kind: "external", level: 0 };
  if (f >= 0x14 && f <= 0x17) return { kind: "walk-external", level: f - 0x14 };
  if (f === FSC.ALIGNMENT) return { kind: "alignment", level: 0 };
  if (f === FSC.EXCLUSIVE) return { kind: "exclusive", level: 0 };
  return undefined;
}

/** ESR field positions (Linux asm/esr.h). */
export const ESR = {
  EC_SHIFT: 26,
  IL: 1 << 25,
  ISS_MASK: 0x1ffffff,
  ISV: 1 << 24,
  SAS_SHIFT: 22,
  SSE: 1 << 21,
  SRT_SHIFT: 16,
  SF: 1 << 15,
  AR: 1 << 14,
  SET_SHIFT: 11,
  FnV: 1 << 10,
  EA: 1 << 9,
  CM: 1 << 8,
  S1PTW: 1 << 7,
  WnR: 1 << 6,
  FSC_MASK: 0x3f,
} as const;

/** Build a 32-bit ESR value (IL = 1: every A64 instruction is 32 bits). */
export function encodeEsr(ec: number, iss: number, il = true): number {
  return ((ec << ESR.EC_SHIFT) | (il ? ESR.IL : 0) | (iss & ESR.ISS_MASK)) >>> 0;
}

/** Fields of a Data Abort ISS. */
export interface DataAbortIss {
  /** ISV: ISS[23:14] hold a valid instruction syndrome. */
  isv?: boolean;
  /** Access size in bytes (1, 2, 4, 8), encoded as SAS. */
  size?: number;
  /** SSE: sign-extended load. */
  sse?: boolean;
  /** SRT: transfer register. */
  srt?: number;
  /** SF: 64-bit register. */
  sf?: boolean;
  /** AR: acquire/release semantics. */
  ar?: boolean;
  /** FnV: FAR not valid. */
  fnv?: boolean;
  /** EA: external abort type (IMPLEMENTATION DEFINED classification). */
  ea?: boolean;
  /** CM: cache maintenance (DC, not DC ZVA). */
  cm?: boolean;
  /** S1PTW: stage-2 fault on the stage-1 translation table walk. */
  s1ptw?: boolean;
  /** WnR: write (always 1 for cache maintenance). */
  wnr?: boolean;
  /** DFSC. */
  dfsc: number;
}

/** Encode a Data Abort ISS (D19.2, "ISS encoding for an exception from a Data Abort"). */
export function encodeDataAbortIss(f: DataAbortIss): number {
  let iss = f.dfsc & ESR.FSC_MASK;
  if (f.isv) {
    const sas = f.size === 8 ? 3 : f.size === 4 ? 2 : f.size === 2 ? 1 : 0;
    iss |= ESR.ISV | (sas << ESR.SAS_SHIFT) | (f.sse ? ESR.SSE : 0) |
      (((f.srt ?? 0) & 31) << ESR.SRT_SHIFT) | (f.sf ? ESR.SF : 0) | (f.ar ? ESR.AR : 0);
  }
  if (f.fnv) iss |= ESR.FnV;
  if (f.ea) iss |= ESR.EA;
  if (f.cm) iss |= ESR.CM;
  if (f.s1ptw) iss |= ESR.S1PTW;
  if (f.wnr) iss |= ESR.WnR;
  return iss >>> 0;
}

/** Encode an Instruction Abort ISS (FnV, EA, S1PTW, IFSC). */
export function encodeInstructionAbortIss(
  f: { ifsc: number; s1ptw?: boolean; ea?: boolean; fnv?: boolean },
): number {
  return ((f.ifsc & ESR.FSC_MASK) | (f.s1ptw ? ESR.S1PTW : 0) | (f.ea ? ESR.EA : 0) |
    (f.fnv ? ESR.FnV : 0)) >>> 0;
}

/**
 * ISS of a trapped MSR/MRS/System instruction, EC 0x18 (D19.2): Op0 [21:20], Op2 [19:17],
 * Op1 [16:14], CRn [13:10], Rt [9:5], CRm [4:1], Direction [0] (1 = read).
 */
export function encodeSysRegIss(
  f: { op0: number; op1: number; crn: number; crm: number; op2: number; rt: number; read: boolean },
): number {
  return (((f.op0 & 3) << 20) | ((f.op2 & 7) << 17) | ((f.op1 & 7) << 14) | ((f.crn & 15) << 10) |
    ((f.rt & 31) << 5) | ((f.crm & 15) << 1) | (f.read ? 1 : 0)) >>> 0;
}

/** System-instruction encodings of the DC operations (op0 = 1, op1, CRn = 7, CRm, op2). */
export const DC_ENCODING: Readonly<Record<string, { op1: number; crm: number; op2: number }>> = {
  zva: { op1: 3, crm: 4, op2: 1 },
  ivac: { op1: 0, crm: 6, op2: 1 },
  civac: { op1: 3, crm: 14, op2: 1 },
  cvac: { op1: 3, crm: 10, op2: 1 },
  cvau: { op1: 3, crm: 11, op2: 1 },
  cvap: { op1: 3, crm: 12, op2: 1 },
};

/** ISS of a trapped `DC <op>, Xt` (EC 0x18). */
export function dcTrapIss(op: string, rt = 0): number {
  const e = DC_ENCODING[op];
  if (!e) throw new RangeError(`unknown DC operation ${op}`);
  return encodeSysRegIss({ op0: 1, op1: e.op1, crn: 7, crm: e.crm, op2: e.op2, rt, read: false });
}

/** Every field of an ESR value, decoded. */
export interface DecodedEsr {
  /** The raw ESR value. */
  esr: number;
  /** Exception class. */
  ec: number;
  /** Linux's name of the exception class. */
  ecName: string;
  /** IL: 32-bit instruction. */
  il: boolean;
  /** ISS[24:0]. */
  iss: number;
  /** For data/instruction aborts: the fault status code, else -1. */
  fsc: number;
  /** Linux's name of `fsc` ("" when not an abort). */
  fscName: string;
  /** ISV (data aborts). */
  isv: boolean;
  /** Access size in bytes when ISV. */
  size: number;
  /** SSE when ISV. */
  sse: boolean;
  /** SRT when ISV. */
  srt: number;
  /** SF when ISV. */
  sf: boolean;
  /** AR when ISV. */
  ar: boolean;
  /** FnV. */
  fnv: boolean;
  /** EA. */
  ea: boolean;
  /** CM (data aborts). */
  cm: boolean;
  /** S1PTW. */
  s1ptw: boolean;
  /** WnR (data aborts). */
  wnr: boolean;
}

/** True for the four abort ECs (instruction or data, lower or current EL). */
export function isAbortEc(ec: number): boolean {
  return ec === EC.DABT_LOW || ec === EC.DABT_CUR || ec === EC.IABT_LOW || ec === EC.IABT_CUR;
}

/** True for a data abort EC. */
export function isDataAbortEc(ec: number): boolean {
  return ec === EC.DABT_LOW || ec === EC.DABT_CUR;
}

/** Decode an ESR value into its fields. */
export function decodeEsr(esr: number): DecodedEsr {
  const e = esr >>> 0;
  const ec = e >>> ESR.EC_SHIFT;
  const iss = e & ESR.ISS_MASK;
  const abort = isAbortEc(ec);
  const data = isDataAbortEc(ec);
  const isv = data && (iss & ESR.ISV) !== 0;
  return {
    esr: e,
    ec,
    ecName: ecName(ec),
    il: (e & ESR.IL) !== 0,
    iss,
    fsc: abort ? iss & ESR.FSC_MASK : -1,
    fscName: abort ? fscName(iss & ESR.FSC_MASK) : "",
    isv,
    size: isv ? 1 << ((iss >>> ESR.SAS_SHIFT) & 3) : 0,
    sse: isv && (iss & ESR.SSE) !== 0,
    srt: isv ? (iss >>> ESR.SRT_SHIFT) & 31 : 0,
    sf: isv && (iss & ESR.SF) !== 0,
    ar: isv && (iss & ESR.AR) !== 0,
    fnv: abort && (iss & ESR.FnV) !== 0,
    ea: abort && (iss & ESR.EA) !== 0,
    cm: data && (iss & ESR.CM) !== 0,
    s1ptw: abort && (iss & ESR.S1PTW) !== 0,
    wnr: data && (iss & ESR.WnR) !== 0,
  };
}

/** Make a {@link Syndrome} value from an ESR, FAR and optional HPFAR-derived IPA. */
export function makeSyndrome(esr: number, far: VA, hpfar?: IPA): Syndrome {
  const e = esr >>> 0;
  const ec = e >>> ESR.EC_SHIFT;
  const iss = e & ESR.ISS_MASK;
  const s: Syndrome = { esr: e, ec, iss, fsc: isAbortEc(ec) ? iss & ESR.FSC_MASK : -1, far };
  if (hpfar !== undefined) s.hpfar = hpfar;
  return s;
}

/**
 * HPFAR_EL2 register value for a faulting IPA: FIPA[47:12] in bits [43:4] (D19.2 "HPFAR_EL2";
 * Xen reads it as `(hpfar & HPFAR_MASK) << (12 - 4)`).
 */
export function encodeHpfar(ipa: IPA): bigint {
  return BigInt(Math.floor(ipa / 4096)) << 4n;
}

/** The page-aligned IPA an HPFAR_EL2 value holds. */
export function decodeHpfar(hpfar: bigint): IPA {
  return Number((hpfar >> 4n) & 0xfffffffffn) * 4096;
}

/** The default SError syndrome the model uses (EC 0x2F, IL = 1, ISS = 0). */
export const SERROR_ESR: number = encodeEsr(EC.SERROR, 0);
