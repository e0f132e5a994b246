/**
 * The arm64 Linux 6.1 kernel virtual memory layout for `VA_BITS = 48`, 4 KiB pages
 * (arch/arm64/include/asm/memory.h, fixmap.h, pgtable.h; Documentation/arm64/memory.rst), as
 * signed VA numbers (see `arch/arm64/port.ts`).
 *
 * ```
 * PAGE_OFFSET   ffff000000000000  linear map of RAM (__va(pa) = pa − PHYS_OFFSET + PAGE_OFFSET)
 * MODULES_VADDR ffff800000000000  128 MiB of modules
 * VMALLOC_START ffff800008000000  = MODULES_END = KIMAGE_VADDR: kernel image, then vmalloc/ioremap
 * VMALLOC_END   fffffbfff0000000  (VMEMMAP_START − 256 MiB)
 * FIXADDR_TOP   fffffbfffe000000  fixmap grows down from here
 * VMEMMAP_START fffffc0000000000
 * ```
 *
 * PHYS_OFFSET is `memstart_addr`: the start of DRAM rounded down to `ARM64_MEMSTART_ALIGN`
 * (1 GiB for 4 KiB pages, VA_BITS = 48).
 *
 * @module
 */

import type { PA, VA } from "../arch/arm64/port.ts";

/** 2^48. */
const TWO48 = 2 ** 48;

/** `VA_BITS`. */
export const VA_BITS = 48;
/** `PAGE_SIZE`. */
export const PAGE_SIZE = 4096;
/** `PMD_SIZE` (2 MiB block). */
export const PMD_SIZE = 2 * 1024 * 1024;
/** `PUD_SIZE` (1 GiB block). */
export const PUD_SIZE = 1024 * 1024 * 1024;
/** `PAGE_OFFSET` = -(1 << 48). */
export const PAGE_OFFSET: VA = -TWO48;
/** `MODULES_VADDR` = -(1 << 47). */
export const MODULES_VADDR: VA = -(2 ** 47);
/** `MODULES_END` = MODULES_VADDR + 128 MiB. */
export const MODULES_END: VA = MODULES_VADDR + 128 * 1024 * 1024;
/** `KIMAGE_VADDR` (= MODULES_END in 6.1). */
export const KIMAGE_VADDR: VA = MODULES_END;
/** `VMALLOC_START` (= MODULES_END in 6.1). */
export const VMALLOC_START: VA = MODULES_END;
/** `VMEMMAP_START` = -(1 << (VA_BITS − 6)). */
export const VMEMMAP_START: VA = -(2 ** 42);
/** `VMALLOC_END` = VMEMMAP_START − 256 MiB. */
export const VMALLOC_END: VA = VMEMMAP_START - 256 * 1024 * 1024;
/** `FIXADDR_TOP` = VMEMMAP_START − 32 MiB. */
export const FIXADDR_TOP: VA = VMEMMAP_START - 32 * 1024 * 1024;
/** `ARM64_MEMSTART_ALIGN` for 4 KiB pages and 48-bit VAs (PUD_SIZE). */
export const ARM64_MEMSTART_ALIGN = PUD_SIZE;
/** `TASK_SIZE_64` (user VAs are below this). */
export const TASK_SIZE = TWO48;

/**
 * The fixmap as dom0 lays it out (a simplification of `enum fixed_addresses`, same mechanisms):
 * the FDT window is the 4 MiB below FIXADDR_TOP, mapped read-only with up to two 2 MiB blocks
 * (`fixmap_remap_fdt` → `create_mapping_noalloc` of SWAPPER_BLOCK_SIZE); the page slots used to
 * edit page tables (`pte_set_fixmap` ...) and the early console sit in the 2 MiB below it, all
 * under the static `bm_pte` table.
 */
export const FDT_VIRT_BASE: VA = FIXADDR_TOP - 4 * 1024 * 1024;
/** `FIX_EARLYCON_MEM_BASE`. */
export const FIX_EARLYCON_MEM_BASE = 0;
/** `FIX_PTE`. */
export const FIX_PTE = 1;
/** `FIX_PMD`. */
export const FIX_PMD = 2;
/** `FIX_PUD`. */
export const FIX_PUD = 3;
/** `FIX_PGD`. */
export const FIX_PGD = 4;

/** `__fix_to_virt(idx)` for the page slots. */
export function fixToVirt(idx: number): VA {
  return FDT_VIRT_BASE - (idx + 1) * PAGE_SIZE;
}

/** The linear map: `__va`/`__pa` for a given PHYS_OFFSET. */
export class LinearMap {
  /** `memstart_addr`. */
  readonly physOffset: PA;

  /** Make the linear map for DRAM starting at `dramStart`. */
  constructor(dramStart: PA) {
    this.physOffset = dramStart - (dramStart % ARM64_MEMSTART_ALIGN);
  }

  /** `__va(pa)` / `__phys_to_virt`. */
  va(pa: PA): VA {
    return pa - this.physOffset + PAGE_OFFSET;
  }

  /** `__pa(va)` for a linear-map address. */
  pa(va: VA): PA {
    return va - PAGE_OFFSET + this.physOffset;
  }

  /** Whether `va` lies in the linear map region. */
  isLinear(va: VA): boolean {
    return va >= PAGE_OFFSET && va < MODULES_VADDR;
  }
}

/** A VA as an offset into the 48-bit space of its half (exact for signed VA numbers). */
export function vaOffset48(va: VA): number {
  return va < 0 ? va + TWO48 : va;
}

/** The table index of `va` at `level` (0..3) for 4 KiB pages and 48-bit VAs. */
export function pgIndex(va: VA, level: number): number {
  const shift = 39 - 9 * level;
  return Math.floor(vaOffset48(va) / 2 ** shift) % 512;
}
