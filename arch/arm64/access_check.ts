/**
 * The access-check rules per instruction class, in architectural priority (ARM ARM DDI 0487
 * B2.5.2 "Alignment of data accesses", D8.x "Memory access control", R_XCHFJ fault priority;
 * ASL `AArch64.UnalignedAccessFaults`, `AArch64.S1HasAlignmentFault`,
 * `AArch64.S2HasAlignmentFault`, `AArch64.S1HasPermissionsFault`):
 *
 * 1. Alignment that does not depend on the memory type — SCTLR_ELx.A, and natural alignment
 *    that exclusives, LSE atomics and load-acquire/store-release always require (no FEAT_LSE2)
 *    — is checked before translation and reported as a stage-1 Alignment fault.
 * 2. Stage-1 translation, access flag (walk faults, including stage-2 faults on the walk).
 * 3. Stage-1 memory-type alignment: any unaligned data access to Device memory; DC ZVA to any
 *    Device memory. Cache maintenance by VA and instruction fetch never.
 * 4. Stage-1 permission.
 * 5. Stage-2 translation and access flag of the output address.
 * 6. Stage-2 memory-type alignment (the stage-2 attribute alone decides) — taken to EL2.
 * 7. Stage-2 permission.
 *
 * Exclusives and atomics to memory that is not Normal Inner/Outer Write-Back then ask the device
 * (IMPLEMENTATION DEFINED). Alignment is per element: LDP/STP check each register's size.
 *
 * @module
 */

/** Flag: the access writes memory. */
export const A_WRITE = 1;
/** Flag: the access reads memory (atomics read and write). */
export const A_READ = 2;
/** Flag: pair (LDP/STP) — no instruction syndrome. */
export const A_PAIR = 4;
/** Flag: load-acquire / store-release. */
export const A_ACQREL = 8;
/** Flag: exclusive (LDXR/STXR). */
export const A_EXCL = 16;
/** Flag: LSE atomic. */
export const A_ATOMIC = 32;
/** Flag: unprivileged (LDTR/STTR). */
export const A_UNPRIV = 64;
/** Flag: DC ZVA. */
export const A_DCZVA = 128;
/** Flag: data cache maintenance by VA (CM = 1). */
export const A_DC = 256;
/** Flag: instruction fetch. */
export const A_FETCH = 512;
/** Flag: SIMD&FP register transfer (LDR/STR Q) — no instruction syndrome. */
export const A_SIMD = 1024;

/**
 * Whether an access faults for alignment before translation, whatever the memory type
 * (ASL `AArch64.UnalignedAccessFaults`): exclusives, atomics and acquire/release need natural
 * alignment on every memory type (FEAT_LSE2 is not modelled); with SCTLR_ELx.A = 1 any
 * unaligned data access faults.
 */
export function alignmentBeforeTranslation(
  flags: number,
  aligned: boolean,
  sctlrA: boolean,
): boolean {
  if (aligned || (flags & (A_DCZVA | A_DC | A_FETCH)) !== 0) return false;
  if ((flags & (A_EXCL | A_ATOMIC | A_ACQREL)) !== 0) return true;
  return sctlrA;
}

/**
 * Whether the memory type of one stage makes the access an Alignment fault
 * (ASL `AArch64.S1HasAlignmentFault` / `S2HasAlignmentFault`): instruction fetches and cache
 * maintenance never; DC ZVA whenever the stage says Device; any other data access when it is
 * unaligned and the stage says Device.
 */
export function typeAlignmentFault(
  flags: number,
  aligned: boolean,
  stageIsDevice: boolean,
): boolean {
  if (!stageIsDevice || (flags & (A_FETCH | A_DC)) !== 0) return false;
  if ((flags & A_DCZVA) !== 0) return true;
  return !aligned;
}

/**
 * Whether a stage-2 Data Abort carries a valid instruction syndrome (ISS.ISV = 1; D19.2 ESR_EL2
 * "ISV"): single general-purpose-register loads and stores, including acquire/release, but not
 * exclusives, pairs, SIMD&FP registers, atomics, cache maintenance or DC ZVA, and never for a
 * fault on the stage-1 walk (S1PTW).
 */
export function hasInstructionSyndrome(flags: number, size: number, s1ptw: boolean): boolean {
  if (s1ptw || size > 8) return false;
  return (flags & (A_PAIR | A_EXCL | A_ATOMIC | A_DCZVA | A_DC | A_FETCH | A_SIMD)) === 0;
}

/** Whether the access is naturally aligned for its element size. */
export function isAligned(va: number, size: number): boolean {
  return (va & (size - 1)) === 0;
}
