/**
 * arm64 Linux 6.1 stage-1 page-table bits and protections, named as Linux names them
 * (arch/arm64/include/asm/pgtable-hwdef.h, pgtable-prot.h, memory.h, sysreg.h), plus the MAIR_EL1
 * and TCR_EL1 values `__cpu_setup` (arch/arm64/mm/proc.S) programs for 48-bit VAs and 4 KiB pages.
 * Linux keeps its own copies of these architectural encodings; so does dom0.
 *
 * Descriptors are bigints (bits 51..63 matter).
 *
 * @module
 */

/** Memory attribute indices (memory.h, v5.14+ layout). */
export const MT_NORMAL = 0;
/** `MT_NORMAL_TAGGED` (0xff until MTE is detected; Cortex-A57 has none). */
export const MT_NORMAL_TAGGED = 1;
/** `MT_NORMAL_NC`. */
export const MT_NORMAL_NC = 2;
/** `MT_DEVICE_nGnRnE`. */
export const MT_DEVICE_nGnRnE = 3;
/** `MT_DEVICE_nGnRE`. */
export const MT_DEVICE_nGnRE = 4;

/** MAIR_EL1 as `__cpu_setup` writes it (`MAIR_EL1_SET`): 0x000000040044ffff. */
export const MAIR_EL1_SET = 0x000000040044ffffn;

/** Human names of the MAIR slots above, as reported in mapping records. */
export const MT_NAMES: Record<number, string> = {
  [MT_NORMAL]: "Normal-WB",
  [MT_NORMAL_TAGGED]: "Normal-WB",
  [MT_NORMAL_NC]: "Normal-NC",
  [MT_DEVICE_nGnRnE]: "Device-nGnRnE",
  [MT_DEVICE_nGnRE]: "Device-nGnRE",
};

// pgtable-hwdef.h
/** `PTE_VALID`. */
export const PTE_VALID = 1n << 0n;
/** `PTE_TYPE_PAGE` (bits[1:0] = 3 at level 3). */
export const PTE_TYPE_PAGE = 3n;
/** `PMD_TYPE_TABLE` / `PUD_TYPE_TABLE` / `P4D_TYPE_TABLE`. */
export const PMD_TYPE_TABLE = 3n;
/** `PMD_TYPE_SECT` (block). */
export const PMD_TYPE_SECT = 1n;
/** `PTE_TABLE_BIT` (bit 1). */
export const PTE_TABLE_BIT = 1n << 1n;
/** `PTE_USER` (AP[1]). */
export const PTE_USER = 1n << 6n;
/** `PTE_RDONLY` (AP[2]). */
export const PTE_RDONLY = 1n << 7n;
/** `PTE_SHARED` (SH = Inner Shareable). */
export const PTE_SHARED = 3n << 8n;
/** `PTE_AF`. */
export const PTE_AF = 1n << 10n;
/** `PTE_NG`. */
export const PTE_NG = 1n << 11n;
/** `PTE_DBM` (= `PTE_WRITE`). */
export const PTE_DBM = 1n << 51n;
/** `PTE_WRITE`: Linux's software write bit is the DBM bit. */
export const PTE_WRITE = PTE_DBM;
/** `PTE_CONT`. */
export const PTE_CONT = 1n << 52n;
/** `PTE_PXN`. */
export const PTE_PXN = 1n << 53n;
/** `PTE_UXN`. */
export const PTE_UXN = 1n << 54n;
/** `PMD_TABLE_PXN` (PXNTable, bit 59). */
export const PMD_TABLE_PXN = 1n << 59n;
/** `PMD_TABLE_UXN` (UXNTable, bit 60). */
export const PMD_TABLE_UXN = 1n << 60n;
/** `PTE_ADDR_MASK` for 48-bit PAs. */
export const PTE_ADDR_MASK = 0x0000fffffffff000n;

/** `PTE_ATTRINDX(t)`. */
export function PTE_ATTRINDX(t: number): bigint {
  return BigInt(t) << 2n;
}

/** `_PROT_DEFAULT` (PTE_MAYBE_NG is 0: dom0 runs without KPTI/KASLR, see boot.ts). */
export const PROT_DEFAULT = PTE_TYPE_PAGE | PTE_AF | PTE_SHARED;

/** `PROT_DEVICE_nGnRnE`. */
export const PROT_DEVICE_nGnRnE = PROT_DEFAULT | PTE_PXN | PTE_UXN | PTE_WRITE |
  PTE_ATTRINDX(MT_DEVICE_nGnRnE);
/** `PROT_DEVICE_nGnRE`. */
export const PROT_DEVICE_nGnRE = PROT_DEFAULT | PTE_PXN | PTE_UXN | PTE_WRITE |
  PTE_ATTRINDX(MT_DEVICE_nGnRE);
/** `PROT_NORMAL_NC`. */
export const PROT_NORMAL_NC = PROT_DEFAULT | PTE_PXN | PTE_UXN | PTE_WRITE |
  PTE_ATTRINDX(MT_NORMAL_NC);
/** `PROT_NORMAL`. */
export const PROT_NORMAL = PROT_DEFAULT | PTE_PXN | PTE_UXN | PTE_WRITE | PTE_ATTRINDX(MT_NORMAL);

/** `PAGE_KERNEL`. */
export const PAGE_KERNEL = PROT_NORMAL;
/** `PAGE_KERNEL_RO`. */
export const PAGE_KERNEL_RO = (PROT_NORMAL & ~PTE_WRITE) | PTE_RDONLY;
/** `PAGE_KERNEL_ROX`. */
export const PAGE_KERNEL_ROX = (PROT_NORMAL & ~(PTE_WRITE | PTE_PXN)) | PTE_RDONLY;
/** `PAGE_KERNEL_EXEC`. */
export const PAGE_KERNEL_EXEC = PROT_NORMAL & ~PTE_PXN;

/** `PAGE_SHARED` user mapping base (for /dev/mem mmap): user RW, XN. */
export const PAGE_SHARED = PROT_DEFAULT | PTE_USER | PTE_NG | PTE_PXN | PTE_UXN | PTE_WRITE |
  PTE_ATTRINDX(MT_NORMAL);

/** `pgprot_noncached(prot)`: AttrIndx := MT_DEVICE_nGnRnE, + PXN/UXN. */
export function pgprot_noncached(prot: bigint): bigint {
  return (prot & ~(7n << 2n)) | PTE_ATTRINDX(MT_DEVICE_nGnRnE) | PTE_PXN | PTE_UXN;
}

/** `pgprot_writecombine(prot)`: AttrIndx := MT_NORMAL_NC, + PXN/UXN. */
export function pgprot_writecombine(prot: bigint): bigint {
  return (prot & ~(7n << 2n)) | PTE_ATTRINDX(MT_NORMAL_NC) | PTE_PXN | PTE_UXN;
}

/** `pgprot_device(prot)`: AttrIndx := MT_DEVICE_nGnRE, + PXN/UXN. */
export function pgprot_device(prot: bigint): bigint {
  return (prot & ~(7n << 2n)) | PTE_ATTRINDX(MT_DEVICE_nGnRE) | PTE_PXN | PTE_UXN;
}

/** AttrIndx of a descriptor. */
export function attrIndx(desc: bigint): number {
  return Number((desc >> 2n) & 7n);
}

// TCR_EL1 (asm/pgtable-hwdef.h) as __cpu_setup composes it for VA_BITS = 48, 4 KiB granule.
const TCR_T0SZ = (64n - 48n) << 0n;
const TCR_T1SZ = (64n - 48n) << 16n;
const TCR_IRGN0_WBWA = 1n << 8n;
const TCR_ORGN0_WBWA = 1n << 10n;
const TCR_SH0_INNER = 3n << 12n;
const TCR_TG0_4K = 0n << 14n;
const TCR_A1 = 1n << 22n;
const TCR_IRGN1_WBWA = 1n << 24n;
const TCR_ORGN1_WBWA = 1n << 26n;
const TCR_SH1_INNER = 3n << 28n;
const TCR_TG1_4K = 2n << 30n;
const TCR_IPS_SHIFT = 32n;
const TCR_ASID16 = 1n << 36n;
const TCR_TBI0 = 1n << 37n;

/**
 * TCR_EL1 for 48-bit VAs: `TCR_TxSZ(VA_BITS) | TCR_CACHE_FLAGS | TCR_SMP_FLAGS | TCR_TG_FLAGS |
 * TCR_ASID16 | TCR_TBI0 | TCR_A1`, with IPS from ID_AA64MMFR0_EL1.PARange (`tcr_compute_pa_size`,
 * capped at 48 bits). TCR_NFD1 (KASLR) is not set: dom0 runs without KASLR here.
 */
export function tcrEl1(parange: number): bigint {
  const ips = BigInt(Math.min(parange & 0xf, 5));
  return TCR_T0SZ | TCR_T1SZ | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA | TCR_SH0_INNER | TCR_TG0_4K |
    TCR_A1 | TCR_IRGN1_WBWA | TCR_ORGN1_WBWA | TCR_SH1_INNER | TCR_TG1_4K |
    (ips << TCR_IPS_SHIFT) | TCR_ASID16 | TCR_TBI0;
}

// SCTLR_EL1 (sysreg.h INIT_SCTLR_EL1_MMU_ON, the bits that matter to the model).
/** SCTLR_EL1.M. */
export const SCTLR_ELx_M = 1n << 0n;
/** SCTLR_EL1.C. */
export const SCTLR_ELx_C = 1n << 2n;
/** SCTLR_EL1.SA. */
export const SCTLR_ELx_SA = 1n << 3n;
/** SCTLR_EL1.I. */
export const SCTLR_ELx_I = 1n << 12n;
/** SCTLR_EL1.DZE (EL0 may use DC ZVA). */
export const SCTLR_EL1_DZE = 1n << 14n;
/** SCTLR_EL1.UCT. */
export const SCTLR_EL1_UCT = 1n << 15n;
/** SCTLR_EL1.UCI. */
export const SCTLR_EL1_UCI = 1n << 26n;
/** RES1 bits of SCTLR_EL1 (bits 11, 20, 22, 23, 28, 29). */
export const SCTLR_EL1_RES1 = (1n << 11n) | (1n << 20n) | (1n << 22n) | (1n << 23n) |
  (1n << 28n) | (1n << 29n);
/** SCTLR_EL1 with the MMU on as Linux sets it (A = 0: unaligned Normal accesses allowed). */
export const INIT_SCTLR_EL1_MMU_ON = SCTLR_ELx_M | SCTLR_ELx_C | SCTLR_ELx_SA | SCTLR_ELx_I |
  SCTLR_EL1_DZE | SCTLR_EL1_UCT | SCTLR_EL1_UCI | SCTLR_EL1_RES1;
/** SCTLR_EL1 with the MMU off (`INIT_SCTLR_EL1_MMU_OFF`: only RES1 bits). */
export const INIT_SCTLR_EL1_MMU_OFF = SCTLR_EL1_RES1;
