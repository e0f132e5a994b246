/**
 * User space touching memory: a process address space (TTBR0 tables in dom0's RAM), anonymous
 * `mmap` and `/dev/mem` `mmap`, and running code at EL0 on it.
 *
 * `/dev/mem` follows Linux 6.1 with Debian's `CONFIG_STRICT_DEVMEM=y`, `CONFIG_IO_STRICT_DEVMEM=y`
 * (drivers/char/mem.c `mmap_mem` → `range_is_allowed` → arch/arm64/mm/mmap.c
 * `devmem_is_allowed`): a page claimed by a driver (`iomem_is_exclusive`: any busy resource) or
 * that is RAM is refused with -EPERM; otherwise `phys_mem_access_prot` (arch/arm64/mm/mmu.c)
 * picks the type: not `pfn_is_map_memory` → `pgprot_noncached` (Device-nGnRnE); mapped RAM with
 * O_SYNC → `pgprot_writecombine`; else the default. `remap_pfn_range` fills every PTE at mmap
 * time. Anonymous mappings are populated at mmap time too (the model has no demand paging).
 *
 * @module
 */

import type { PA, VA } from "../arch/arm64/port.ts";
import type { Kernel, MappingRecord } from "./kernel.ts";
import { PAGE_SIZE } from "./memory_layout.ts";
import {
  attrIndx,
  MT_NAMES,
  PAGE_SHARED,
  pgprot_noncached,
  pgprot_writecombine,
  PMD_TABLE_PXN,
  PMD_TYPE_TABLE,
} from "./pgtable_prot.ts";
import { EPERM } from "./platform.ts";

/** Where user mappings are placed (mmap grows down from here). */
export const USER_MMAP_BASE: VA = 0xffff80000000;

/** A process's memory map. */
export class UserMm {
  /** Its PGD (physical). */
  readonly pgd: PA;
  private next: VA = USER_MMAP_BASE;
  private readonly kern: Kernel;

  /** A new, empty address space (one zeroed PGD page). */
  constructor(kern: Kernel) {
    this.kern = kern;
    this.pgd = allocPage(kern);
  }

  /** Reserve `size` bytes of user VA (page-rounded), top-down. */
  reserve(size: number): VA {
    const s = Math.ceil(size / PAGE_SIZE) * PAGE_SIZE;
    this.next -= s + PAGE_SIZE;
    return this.next;
  }

  /** Map [va, va+size) to `pa` with user protection `prot` (user tables carry PXNTable). */
  map(va: VA, pa: PA, size: number, prot: bigint): void {
    const pt = this.kern.pt;
    const bits = pt.tableBits;
    const alloc = pt.allocTable;
    pt.tableBits = PMD_TYPE_TABLE | PMD_TABLE_PXN;
    pt.allocTable = () => allocPage(this.kern);
    try {
      pt.map(this.pgd, va, pa, size, prot, { noBlock: true, noCont: true });
    } finally {
      pt.tableBits = bits;
      pt.allocTable = alloc;
    }
  }
}

function allocPage(kern: Kernel): PA {
  const pa = kern.memblock.allocTopDown(PAGE_SIZE, PAGE_SIZE);
  if (pa < 0) throw new Error("dom0: out of memory for user pages");
  kern.cpu.enter("get_zeroed_page");
  kern.pt.zeroTable(3, pa);
  kern.cpu.leave();
  return pa;
}

/** `mmap(NULL, size, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)` (populated). */
export function mmapAnon(kern: Kernel, mm: UserMm, size: number): VA {
  const va = mm.reserve(size);
  for (let o = 0; o < size; o += PAGE_SIZE) mm.map(va + o, allocPage(kern), PAGE_SIZE, PAGE_SHARED);
  return va;
}

/**
 * `mmap(NULL, size, PROT_READ|PROT_WRITE, MAP_SHARED, open("/dev/mem", O_RDWR|[O_SYNC]), phys)`:
 * the VA, or -EPERM. Records the mapping (api "/dev/mem").
 */
export function mmapDevMem(
  kern: Kernel,
  mm: UserMm,
  phys: PA,
  size: number,
  osync: boolean,
  node?: string,
): VA | number {
  const start = phys - (phys % PAGE_SIZE);
  const end = Math.ceil((phys + size) / PAGE_SIZE) * PAGE_SIZE;
  // range_is_allowed → devmem_is_allowed per page
  for (let pa = start; pa < end; pa += PAGE_SIZE) {
    if (kern.iomem.isBusy(pa, pa + PAGE_SIZE - 1)) return EPERM;
    if (kern.memblock.isMapMemory(pa)) return EPERM;
  }
  // phys_mem_access_prot
  let prot = PAGE_SHARED;
  if (!kern.memblock.isMapMemory(start)) prot = pgprot_noncached(prot);
  else if (osync) prot = pgprot_writecombine(prot);
  const va = mm.reserve(end - start);
  kern.cpu.enter("remap_pfn_range");
  mm.map(va, start, end - start, prot);
  kern.cpu.leave();
  const rec: MappingRecord = {
    va: va + (phys - start),
    ipa: phys,
    size,
    api: "/dev/mem",
    mairIndex: attrIndx(prot),
    s1Type: MT_NAMES[attrIndx(prot)],
    writable: true,
    executable: false,
    driver: "mem",
    node,
    live: true,
  };
  kern.mappings.push(rec);
  return va + (phys - start);
}

/** The ASID dom0 gives the workload's process (0 is the kernel's reserved ASID). */
export const USER_ASID = 1n;

/**
 * Run `fn` at EL0 in `mm`, switching as `cpu_switch_mm` does with TCR_EL1.A1 = 1: the ASID goes
 * in TTBR1_EL1, TTBR0_EL1 gets the process's PGD; user mappings are non-global (nG), so no TLB
 * flush is needed. On the way back TTBR0_EL1 is the reserved (empty) table again. EL1 is
 * restored even when `fn` throws.
 */
export function runAtEl0<T>(kern: Kernel, mm: UserMm, fn: () => T): T {
  const k = kern.cpu;
  k.msr("TTBR1_EL1", (USER_ASID << 48n) | BigInt(kern.pgd));
  k.msr("TTBR0_EL1", BigInt(mm.pgd));
  k.port.el = 0;
  try {
    return fn();
  } finally {
    k.port.el = 1;
    k.msr("TTBR0_EL1", BigInt(kern.image.reservedPgDir));
  }
}
