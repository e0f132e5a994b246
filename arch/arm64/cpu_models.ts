/**
 * A table of ARMv8-A CPU models: the identification registers the memory model and Xen read
 * (MIDR_EL1, ID_AA64MMFR0/MMFR1_EL1 for the physical address and VMID sizes, ID_AA64PFR0_EL1,
 * ID_AA64ISAR0_EL1 for LSE atomics, DCZID_EL0), each from the core's Technical Reference
 * Manual (the same values QEMU 7.2 gives its `-cpu` models), looked up by the device tree's
 * `/cpus/cpu@N` `compatible` ("arm,cortex-a53", ...).
 *
 * The ID_AA64PFR0_EL1 values are the cores' own (EL3 present, GIC field 0); a board without
 * EL3 or with a GICv3 system-register interface adjusts them with {@link boardPfr0}.
 *
 * @module
 */

/** Names of the modelled cores. */
export type CpuModelName = "cortex-a53" | "cortex-a55" | "cortex-a57" | "cortex-a72" | "cortex-a76";

/** One core's identification registers. */
export interface CpuModel {
  /** Model name, e.g. "cortex-a53". */
  name: CpuModelName;
  /** Device-tree compatible string, e.g. "arm,cortex-a53". */
  compatible: string;
  /** MIDR_EL1. */
  midr: bigint;
  /** ID_AA64MMFR0_EL1 (PARange [3:0], ASIDBits [7:4], TGran4 [31:28] = 0). */
  mmfr0: bigint;
  /** ID_AA64MMFR1_EL1 (VMIDBits [7:4]: 0 = 8 bits, 2 = 16 bits). */
  mmfr1: bigint;
  /** ID_AA64PFR0_EL1 as the core reports it (EL3 implemented, GIC field 0). */
  pfr0: bigint;
  /** ID_AA64ISAR0_EL1 (Atomic [23:20] = 2 with FEAT_LSE). */
  isar0: bigint;
  /** DCZID_EL0.BS (4: 64-byte DC ZVA blocks). */
  dczidBs: number;
  /** Physical address size in bits (from PARange). */
  paBits: number;
  /** VMID width in bits (from VMIDBits). */
  vmidBits: 8 | 16;
  /** FEAT_LSE (far atomics). */
  lse: boolean;
  /** Where the values come from. */
  reference: string;
}

const PA_BITS = [32, 36, 40, 42, 44, 48, 52];

function model(
  name: CpuModelName,
  midr: bigint,
  mmfr0: bigint,
  mmfr1: bigint,
  pfr0: bigint,
  isar0: bigint,
  reference: string,
): CpuModel {
  return {
    name,
    compatible: `arm,${name}`,
    midr,
    mmfr0,
    mmfr1,
    pfr0,
    isar0,
    dczidBs: 4,
    paBits: PA_BITS[Number(mmfr0 & 0xfn)] ?? 48,
    vmidBits: ((mmfr1 >> 4n) & 0xfn) === 2n ? 16 : 8,
    lse: ((isar0 >> 20n) & 0xfn) >= 2n,
    reference,
  };
}

/** The modelled cores, by name. */
export const CPU_MODELS: Readonly<Record<CpuModelName, CpuModel>> = {
  "cortex-a53": model(
    "cortex-a53",
    0x410fd034n,
    0x1122n,
    0n,
    0x2222n,
    0x11120n,
    "Cortex-A53 MPCore TRM r0p4 (DDI 0500J) §4.3 AArch64 register summary: MIDR_EL1 0x410FD034, " +
      "ID_AA64MMFR0_EL1 0x1122 (40-bit PA), ID_AA64PFR0_EL1 0x2222, ID_AA64ISAR0_EL1 0x11120 " +
      "(with the Cryptography Extension); QEMU target/arm/cpu64.c aarch64_a53_initfn",
  ),
  "cortex-a55": model(
    "cortex-a55",
    0x412fd050n,
    0x101122n,
    0x10212122n,
    0x10112222n,
    0x0000100010211120n,
    "Cortex-A55 TRM r2p0 (100442) §B2.4: MIDR_EL1 0x412FD050, ID_AA64MMFR0_EL1 0x101122 " +
      "(40-bit PA), ID_AA64MMFR1_EL1 0x10212122 (16-bit VMID), ID_AA64ISAR0_EL1 " +
      "0x0000100010211120 (Atomic = 2, LSE); QEMU target/arm/tcg/cpu64.c aarch64_a55_initfn",
  ),
  "cortex-a57": model(
    "cortex-a57",
    0x411fd070n,
    0x1124n,
    0n,
    0x2222n,
    0x11120n,
    "Cortex-A57 MPCore TRM r1p0 (DDI 0488) §4.3: MIDR_EL1 0x411FD070, ID_AA64MMFR0_EL1 0x1124 " +
      "(44-bit PA); the reference recordings' Xen prints these (QEMU -cpu cortex-a57)",
  ),
  "cortex-a72": model(
    "cortex-a72",
    0x410fd083n,
    0x1124n,
    0n,
    0x2222n,
    0x11120n,
    "Cortex-A72 MPCore TRM r0p3 (100095) §4.3: MIDR_EL1 0x410FD083, ID_AA64MMFR0_EL1 0x1124 " +
      "(44-bit PA); QEMU target/arm/tcg/cpu64.c aarch64_a72_initfn",
  ),
  "cortex-a76": model(
    "cortex-a76",
    0x414fd0b0n,
    0x101122n,
    0x10212122n,
    0x1100000010111112n,
    0x0000100010211120n,
    "Cortex-A76 TRM r4p0 (100798) §B2.4: MIDR_EL1 0x414FD0B0, ID_AA64MMFR0_EL1 0x101122 " +
      "(40-bit PA), ID_AA64MMFR1_EL1 0x10212122 (16-bit VMID), ID_AA64PFR0_EL1 " +
      "0x1100000010111112 (AArch32 at EL0 only), ID_AA64ISAR0_EL1 0x0000100010211120 (LSE); " +
      "QEMU models r4p1 (MIDR 0x414FD0B1) with the same feature registers",
  ),
};

/** The core of the reference recordings (QEMU `-cpu cortex-a57`). */
export const DEFAULT_CPU_MODEL: CpuModel = CPU_MODELS["cortex-a57"];

/**
 * The model for a `/cpus/cpu@N` `compatible` value (a string, or the property's list: the
 * first entry that names a modelled core wins), or undefined for a core not in the table.
 * "arm,cortex-a53" → cortex-a53; matching ignores case; "arm,armv8" names no core.
 */
export function cpuModelFor(compatible: string | readonly string[]): CpuModel | undefined {
  const list = typeof compatible === "string" ? [compatible] : compatible;
  for (const c of list) {
    const m = /^arm,(cortex-a\d+)$/.exec(c.trim().toLowerCase());
    if (m && m[1] in CPU_MODELS) return CPU_MODELS[m[1] as CpuModelName];
  }
  return undefined;
}

/**
 * ID_AA64PFR0_EL1 as a board presents the core: EL3 [15:12] cleared when the board runs without
 * EL3 (QEMU `virt` without `secure=on`), GIC [27:24] = 1 when a GICv3/v4 system-register CPU
 * interface is wired (QEMU `virt` with `gic-version=3`). Cortex-A57 on the reference board:
 * 0x2222 → 0x1000222.
 */
export function boardPfr0(m: CpuModel, board: { el3: boolean; gicv3: boolean }): bigint {
  let v = m.pfr0;
  if (!board.el3) v &= ~(0xfn << 12n);
  v = (v & ~(0xfn << 24n)) | (board.gicv3 ? 1n << 24n : 0n);
  return v;
}
