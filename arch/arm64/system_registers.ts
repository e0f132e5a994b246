/**
 * Control bits of the system registers the memory model reads (ARM ARM DDI 0487 D19.2:
 * "HCR_EL2", "SCTLR_EL1", "SCTLR_EL2", "DCZID_EL0", "ID_AA64MMFR0_EL1", "TTBR0_EL1",
 * "VTTBR_EL2"), with the reset values of the CPU QEMU's `virt` machine gives Xen in the
 * reference recordings (Cortex-A57, MIDR 0x411fd070, 44-bit PA).
 *
 * @module
 */

/** HCR_EL2 bits (Linux asm/kvm_arm.h `HCR_*`, Xen asm/processor.h `HCR_*`). */
export const HCR = {
  VM: 1n << 0n,
  SWIO: 1n << 1n,
  PTW: 1n << 2n,
  FMO: 1n << 3n,
  IMO: 1n << 4n,
  AMO: 1n << 5n,
  VF: 1n << 6n,
  VI: 1n << 7n,
  VSE: 1n << 8n,
  FB: 1n << 9n,
  BSU_INNER: 1n << 10n,
  DC: 1n << 12n,
  TWI: 1n << 13n,
  TWE: 1n << 14n,
  TID3: 1n << 18n,
  TSC: 1n << 19n,
  TIDCP: 1n << 20n,
  TAC: 1n << 21n,
  TSW: 1n << 22n,
  TPC: 1n << 23n,
  TPU: 1n << 24n,
  TTLB: 1n << 25n,
  TVM: 1n << 26n,
  TGE: 1n << 27n,
  TDZ: 1n << 28n,
  RW: 1n << 31n,
  CD: 1n << 32n,
  ID: 1n << 33n,
  E2H: 1n << 34n,
  TEA: 1n << 37n,
  FWB: 1n << 46n,
} as const;

/**
 * Xen 4.17's HCR_EL2 for a guest vCPU (xen/arch/arm/traps.c `get_default_hcr_flags` with the
 * default vwfi, plus `HCR_RW` for a 64-bit guest set in `vcpu_switch_to_aarch64_mode`): PTW,
 * BSU_INNER, AMO, IMO, FMO, VM, TWI, TWE, TID3, TSC, TAC, SWIO, TIDCP, FB, TSW, RW.
 */
export const XEN_GUEST_HCR = HCR.PTW | HCR.BSU_INNER | HCR.AMO | HCR.IMO | HCR.FMO | HCR.VM |
  HCR.TWI | HCR.TWE | HCR.TID3 | HCR.TSC | HCR.TAC | HCR.SWIO | HCR.TIDCP | HCR.FB | HCR.TSW |
  HCR.RW;

/** SCTLR_ELx bits the memory model uses (numbers: all below bit 32). */
export const SCTLR = {
  /** MMU enable. */
  M: 1 << 0,
  /** Alignment check enable. */
  A: 1 << 1,
  /** Data cacheability control (0: stage-1 Normal data accesses are Non-cacheable). */
  C: 1 << 2,
  /** SP alignment check. */
  SA: 1 << 3,
  /** nAA (FEAT_LSE2): non-aligned access for LDAR/STLR-class. */
  nAA: 1 << 6,
  /** Instruction cacheability control. */
  I: 1 << 12,
  /** DZE (SCTLR_EL1): EL0 may execute DC ZVA. */
  DZE: 1 << 14,
  /** UCT: EL0 access to CTR_EL0. */
  UCT: 1 << 15,
  /** WXN: writable implies execute-never. */
  WXN: 1 << 19,
  /** E0E. */
  E0E: 1 << 24,
  /** EE. */
  EE: 1 << 25,
  /** UCI (SCTLR_EL1): EL0 may execute cache maintenance by VA. */
  UCI: 1 << 26,
} as const;

/** SCTLR_EL1 reset value the model uses: RES1 bits of ARMv8.0 (0x30d00800), MMU off. */
export const SCTLR_EL1_RESET = 0x30d00800n;
/** SCTLR_EL2 reset value the model uses: RES1 bits (0x30c50830), MMU off. */
export const SCTLR_EL2_RESET = 0x30c50830n;

/**
 * DCZID_EL0 (D19.2): BS [3:0] = log2(block size in 4-byte words), DZP [4] = DC ZVA prohibited.
 * Cortex-A57 reports BS = 4 (64-byte blocks).
 */
export const DCZID_BS_64 = 4;
/** DCZID_EL0.DZP bit. */
export const DCZID_DZP = 1 << 4;

/** DC ZVA block size in bytes for a BS value (4 << BS). */
export function dczvaBlockSize(bs: number): number {
  return 4 << (bs & 15);
}

/** MIDR_EL1 of the reference CPU (Cortex-A57 r1p0 as QEMU reports it; Xen log "00000000411fd070"). */
export const MIDR_CORTEX_A57 = 0x411fd070n;

/**
 * ID_AA64MMFR0_EL1 of the reference CPU (Xen log "Memory Model Features: 0000000000001124"):
 * PARange 0b0100 (44 bits), ASIDBits 0b0010 (16), TGran4 supported.
 */
export const ID_AA64MMFR0_A57 = 0x1124n;

/** PARange field [3:0] of ID_AA64MMFR0_EL1. */
export function paRange(mmfr0: bigint): number {
  return Number(mmfr0 & 0xfn);
}

/** VMIDBits from ID_AA64MMFR1_EL1-like capability: 8 or 16. */
export type VmidBits = 8 | 16;

/**
 * Split a translation table base register: BADDR (bits [47:1], low bits RES0 per table
 * alignment) and the ASID/VMID in bits [63:48] (`vmidBits` 8 uses bits [55:48]).
 */
export function splitTtbr(v: bigint, tagBits = 16): { baddr: number; tag: number } {
  const baddr = Number(v & 0x0000fffffffffffen);
  const tag = Number((v >> 48n) & ((1n << BigInt(tagBits)) - 1n));
  return { baddr, tag };
}

/** Build a TTBR/VTTBR value from a base address and ASID/VMID. */
export function makeTtbr(baddr: number, tag = 0): bigint {
  return (BigInt(tag) << 48n) | BigInt(baddr);
}

/**
 * ID_AA64PFR0_EL1 of the reference machine as Xen printed it ("Processor Features:
 * 0000000001000222"): EL0/EL1/EL2 AArch64+AArch32, no EL3 (QEMU `virt` without
 * `secure=on`), FP and AdvSIMD, GIC [27:24] = 1 (GICv3 system-register CPU interface).
 */
export const ID_AA64PFR0_VIRT_A57 = 0x01000222n;

/**
 * ID_AA64ISAR0_EL1 of the reference CPU (Xen log "ISA Features: 0000000000011120"): AES with
 * PMULL, SHA1, SHA256, CRC32; Atomic [23:20] = 0 (no FEAT_LSE on Cortex-A57).
 */
export const ID_AA64ISAR0_A57 = 0x11120n;

/** ID_AA64ISAR0_EL1.Atomic [23:20]: 2 = FEAT_LSE (LDADD, CAS, SWP, ...). */
export function hasLse(isar0: bigint): boolean {
  return ((isar0 >> 20n) & 0xfn) >= 2n;
}

/**
 * CNTFRQ_EL0 of QEMU's `virt` board: 62.5 MHz (Xen log "Generic Timer IRQ: phys=30 hyp=26
 * virt=27 Freq: 62500 KHz").
 */
export const CNTFRQ_QEMU_VIRT = 62_500_000;

/**
 * Core clock the virtual counter is derived from (see `Cpu` CNTVCT_EL0): 2 GHz, so one
 * 62.5 MHz counter tick is 32 cycles of the cost model.
 */
export const CORE_HZ = 2_000_000_000;

/**
 * GICv3 CPU interface registers as an EL1 guest sees them under a hypervisor that sets
 * HCR_EL2.IMO/FMO (accesses go to the ICV_* virtual interface, GICv3 IHI 0069 §12.2/§12.3),
 * with the virtual interface of Cortex-A5x/A7x cores (ICH_VTR_EL2: PRIbits = PREbits = 5,
 * IDbits 24-bit, A3V; QEMU 7.2 `icv_ctlr_read`, `icc_reset`).
 */
export const ICC = {
  /** ICC_SRE_EL1: SRE, DFB, DIB read as one (system registers only, no legacy mode). */
  SRE_EL1_VALUE: 0x7n,
  /** ICC_CTLR_EL1 read-only part: A3V [15], IDbits [13:11] = 1 (24 bits), PRIbits [10:8] = 4. */
  CTLR_EL1_RO: 0x8c00n,
  /** ICC_CTLR_EL1 writable bits: CBPR [0], EOImode [1]. */
  CTLR_EL1_RW: 0x3n,
  /** ICC_PMR_EL1 implemented bits (5 priority bits): [7:3]. */
  PMR_MASK: 0xf8n,
  /** ICC_BPR1_EL1 minimum (and reset) value: minimum BPR0 (7 − PREbits = 2) plus one. */
  BPR1_MIN: 3n,
  /** ICC_IGRPEN1_EL1 writable bit: Enable [0]. */
  IGRPEN1_MASK: 0x1n,
} as const;
