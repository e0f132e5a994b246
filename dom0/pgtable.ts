/**
 * Building and editing dom0's stage-1 tables in its own RAM, as arch/arm64/mm/mmu.c does
 * (`__create_pgd_mapping` → `alloc_init_pud` → `alloc_init_cont_pmd` → `init_pmd` →
 * `alloc_init_cont_pte` → `init_pte`): 4 levels, 4 KiB granule, 48-bit VAs; a 1 GiB or 2 MiB block
 * whenever virtual address, physical address and end are aligned (unless `NO_BLOCK_MAPPINGS`);
 * `PTE_CONT` on 16-entry aligned runs (unless `NO_CONT_MAPPINGS`); new tables zeroed before use.
 *
 * How the kernel reaches a table page depends on the boot phase, and every descriptor access goes
 * through the CPU port accordingly:
 * - `phys`: MMU off (head.S), VA = PA (Device-nGnRnE accesses, all aligned);
 * - `kimage`: tables inside the kernel image, through its KIMAGE_VADDR mapping;
 * - `fixmap`: early tables anywhere in RAM, through the `FIX_PGD/PUD/PMD/PTE` slots
 *   (`pgd_set_fixmap` ... with a TLBI on every slot change), as `paging_init` does;
 * - `linear`: after boot, through the linear map (`pte_alloc_kernel` pages).
 *
 * @module
 */

import type { PA, VA } from "../arch/arm64/port.ts";
import { type KernelCpu, vaMod } from "./access.ts";
import type { Kernel } from "./kernel.ts";
import {
  FIX_PGD,
  FIX_PMD,
  FIX_PTE,
  FIX_PUD,
  fixToVirt,
  PAGE_SIZE,
  pgIndex,
  PMD_SIZE,
  PUD_SIZE,
} from "./memory_layout.ts";
import { clear_page } from "./memset.ts";
import {
  PAGE_KERNEL,
  PMD_TABLE_PXN,
  PMD_TABLE_UXN,
  PMD_TYPE_TABLE,
  PTE_ADDR_MASK,
  PTE_CONT,
  PTE_TABLE_BIT,
} from "./pgtable_prot.ts";

/** How table pages are reached. */
export type TableAccess = "phys" | "kimage" | "fixmap" | "linear";

/** `__create_pgd_mapping` flags. */
export interface MapFlags {
  /** `NO_BLOCK_MAPPINGS`. */
  noBlock?: boolean;
  /** `NO_CONT_MAPPINGS`. */
  noCont?: boolean;
  /** `NO_EXEC_MAPPINGS`: new table descriptors carry PXNTable. */
  noExec?: boolean;
}

const CONT_PTE_SIZE = 16 * PAGE_SIZE;
const CONT_PMD_SIZE = 16 * PMD_SIZE;
const FIX_SLOT = [FIX_PGD, FIX_PUD, FIX_PMD, FIX_PTE];

function aligned(v: number, a: number): boolean {
  return vaMod(v, a) === 0;
}

function nextBoundary(addr: VA, end: VA, size: number): VA {
  const n = addr - vaMod(addr, size) + size;
  return n < end ? n : end;
}

/** Reads and writes page tables for one kernel. */
export class PageTables {
  /** Current way of reaching table pages. */
  mode: TableAccess = "phys";
  /** Table descriptor bits for new tables (head.S: plain; mmu.c: + UXNTable). */
  tableBits: bigint = PMD_TYPE_TABLE;
  /** Allocates a zeroed table page (memblock early, the page allocator later). */
  allocTable: () => PA = () => {
    throw new Error("no table allocator");
  };
  /** Table pages created so far (physical). */
  readonly tablePages: PA[] = [];
  private readonly kern: Kernel;
  private readonly fixed = new Map<number, PA>();

  /** The editor for `kern`. */
  constructor(kern: Kernel) {
    this.kern = kern;
  }

  private tableVa(level: number, tablePa: PA): VA {
    switch (this.mode) {
      case "phys":
        return tablePa;
      case "kimage":
        return this.kern.kimgVa(tablePa);
      case "linear":
        return this.kern.lm.va(tablePa);
      case "fixmap": {
        const slot = FIX_SLOT[level];
        if (this.fixed.get(slot) !== tablePa) this.setFixmap(slot, tablePa);
        return fixToVirt(slot);
      }
    }
  }

  /** `__set_fixmap(slot, pa, FIXMAP_PAGE_NORMAL)` with its TLB flush. */
  setFixmap(slot: number, pa: PA): void {
    const k = this.kern.cpu;
    const va = fixToVirt(slot);
    const pte = this.kern.kimgVa(this.kern.image.bmPte) + pgIndex(va, 3) * 8;
    k.store64(pte, BigInt(pa) | PAGE_KERNEL);
    k.tlbi(va);
    this.fixed.set(slot, pa);
  }

  /** `*_clear_fixmap()` for every slot in use. */
  clearFixmaps(): void {
    const k = this.kern.cpu;
    for (const slot of this.fixed.keys()) {
      const va = fixToVirt(slot);
      const pte = this.kern.kimgVa(this.kern.image.bmPte) + pgIndex(va, 3) * 8;
      k.store64(pte, 0n);
      k.tlbi(va);
    }
    this.fixed.clear();
  }

  /** Read entry `idx` of the level-`level` table at `tablePa`. */
  readDesc(level: number, tablePa: PA, idx: number): bigint {
    return this.kern.cpu.load64(this.tableVa(level, tablePa) + idx * 8);
  }

  /** Write entry `idx` of the level-`level` table at `tablePa`. */
  writeDesc(level: number, tablePa: PA, idx: number, desc: bigint): void {
    this.kern.cpu.store64(this.tableVa(level, tablePa) + idx * 8, desc);
  }

  /** Zero a freshly allocated table page through the current access mode. */
  zeroTable(level: number, pa: PA): void {
    const k = this.kern.cpu;
    const va = this.tableVa(level, pa);
    if (this.mode === "phys") {
      // head.S: `stp xzr, xzr, [x0], #16` x4 per 64 bytes, MMU off.
      const z = new Uint8Array(16);
      for (let o = 0; o < PAGE_SIZE; o += 16) k.stp(va + o, 8, z);
    } else {
      clear_page(k, va);
    }
  }

  private nextTable(level: number, tablePa: PA, idx: number): PA {
    const d = this.readDesc(level, tablePa, idx);
    if ((d & 1n) !== 0n) {
      if ((d & PTE_TABLE_BIT) === 0n) {
        throw new Error(`block mapping in the way at level ${level} (Linux BUG_ON)`);
      }
      return Number(d & PTE_ADDR_MASK);
    }
    const pa = this.allocTable();
    this.tablePages.push(pa);
    this.zeroTable(level + 1, pa);
    const bits = this.tableBits | (this.noExec ? PMD_TABLE_PXN : 0n);
    this.writeDesc(level, tablePa, idx, BigInt(pa) | bits);
    return pa;
  }

  private noExec = false;

  /**
   * `__create_pgd_mapping(pgdir, phys, virt, size, prot, pgtable_alloc, flags)`: map
   * [virt, virt+size) to phys with leaf attributes `prot` (a page descriptor's bits).
   */
  map(pgdPa: PA, virt: VA, phys: PA, size: number, prot: bigint, flags: MapFlags = {}): void {
    this.noExec = !!flags.noExec;
    const off = vaMod(virt, PAGE_SIZE);
    let addr = virt - off;
    let p = phys - (phys % PAGE_SIZE);
    const end = addr + Math.ceil((size + off) / PAGE_SIZE) * PAGE_SIZE;
    while (addr < end) {
      const next = nextBoundary(addr, end, 2 ** 39);
      const pud = this.nextTable(0, pgdPa, pgIndex(addr, 0));
      this.allocInitPud(pud, addr, next, p, prot, flags);
      p += next - addr;
      addr = next;
    }
  }

  private allocInitPud(
    pud: PA,
    addr: VA,
    end: VA,
    phys: PA,
    prot: bigint,
    flags: MapFlags,
  ): void {
    while (addr < end) {
      const next = nextBoundary(addr, end, PUD_SIZE);
      if (
        !flags.noBlock && aligned(addr, PUD_SIZE) && aligned(next, PUD_SIZE) &&
        phys % PUD_SIZE === 0
      ) {
        this.writeDesc(1, pud, pgIndex(addr, 1), BigInt(phys) | (prot & ~PTE_TABLE_BIT));
      } else {
        const pmd = this.nextTable(1, pud, pgIndex(addr, 1));
        this.allocInitContPmd(pmd, addr, next, phys, prot, flags);
      }
      phys += next - addr;
      addr = next;
    }
  }

  private allocInitContPmd(
    pmd: PA,
    addr: VA,
    end: VA,
    phys: PA,
    prot: bigint,
    flags: MapFlags,
  ): void {
    while (addr < end) {
      const next = nextBoundary(addr, end, CONT_PMD_SIZE);
      let p = prot;
      if (
        !flags.noCont && aligned(addr, CONT_PMD_SIZE) && aligned(next, CONT_PMD_SIZE) &&
        phys % CONT_PMD_SIZE === 0
      ) p |= PTE_CONT;
      this.initPmd(pmd, addr, next, phys, p, flags);
      phys += next - addr;
      addr = next;
    }
  }

  private initPmd(pmd: PA, addr: VA, end: VA, phys: PA, prot: bigint, flags: MapFlags): void {
    while (addr < end) {
      const next = nextBoundary(addr, end, PMD_SIZE);
      if (
        !flags.noBlock && aligned(addr, PMD_SIZE) && aligned(next, PMD_SIZE) &&
        phys % PMD_SIZE === 0
      ) {
        this.writeDesc(2, pmd, pgIndex(addr, 2), BigInt(phys) | (prot & ~PTE_TABLE_BIT));
      } else {
        const pte = this.nextTable(2, pmd, pgIndex(addr, 2));
        this.allocInitContPte(pte, addr, next, phys, prot & ~PTE_CONT, flags);
      }
      phys += next - addr;
      addr = next;
    }
  }

  private allocInitContPte(
    pte: PA,
    addr: VA,
    end: VA,
    phys: PA,
    prot: bigint,
    flags: MapFlags,
  ): void {
    while (addr < end) {
      const next = nextBoundary(addr, end, CONT_PTE_SIZE);
      let p = prot;
      if (
        !flags.noCont && aligned(addr, CONT_PTE_SIZE) && aligned(next, CONT_PTE_SIZE) &&
        phys % CONT_PTE_SIZE === 0
      ) p |= PTE_CONT;
      const lo = Number(p & 0xffffffffn), hi = Number(p >> 32n);
      const k = this.kern.cpu;
      const base = this.tableVa(3, pte);
      for (let a = addr, i = pgIndex(addr, 3); a < next; a += PAGE_SIZE, i++) {
        const pa = phys + (a - addr);
        k.store64lh(
          base + i * 8,
          (lo | (pa % 0x100000000)) >>> 0,
          hi | Math.floor(pa / 0x100000000),
        );
      }
      phys += next - addr;
      addr = next;
    }
  }

  /**
   * `vunmap_range_noflush`: clear the leaves covering [virt, virt+size) (tables stay, as Linux
   * keeps them); with `flush`, also `flush_tlb_kernel_range`.
   */
  unmap(pgdPa: PA, virt: VA, size: number, flush = true): void {
    const k = this.kern.cpu;
    const end = virt + size;
    let addr = virt;
    while (addr < end) {
      let table = pgdPa;
      let step = PAGE_SIZE;
      for (let level = 0; level <= 3; level++) {
        const idx = pgIndex(addr, level);
        const d = this.readDesc(level, table, idx);
        if ((d & 1n) === 0n) {
          step = 2 ** (39 - 9 * level);
          break;
        }
        if (level === 3 || (d & PTE_TABLE_BIT) === 0n) {
          this.writeDesc(level, table, idx, 0n);
          step = 2 ** (39 - 9 * level);
          break;
        }
        table = Number(d & PTE_ADDR_MASK);
      }
      addr = addr - vaMod(addr, step) + step;
    }
    if (flush) flushTlbKernelRange(k, virt, end);
  }

  /** The descriptors visited walking `va` (pgd, pud, pmd, pte as far as they go). */
  walk(pgdPa: PA, va: VA): bigint[] {
    const out: bigint[] = [];
    let table = pgdPa;
    for (let level = 0; level <= 3; level++) {
      const d = this.readDesc(level, table, pgIndex(va, level));
      out.push(d);
      if ((d & 1n) === 0n || level === 3 || (d & PTE_TABLE_BIT) === 0n) break;
      table = Number(d & PTE_ADDR_MASK);
    }
    return out;
  }

  /** Translate `va` by walking the tables (no TLB): [pa, leaf descriptor], or null. */
  translate(pgdPa: PA, va: VA): [PA, bigint] | null {
    const descs = this.walk(pgdPa, va);
    const leaf = descs[descs.length - 1];
    if ((leaf & 1n) === 0n) return null;
    const level = descs.length - 1;
    const size = 2 ** (39 - 9 * level);
    return [
      Number(leaf & PTE_ADDR_MASK) - (Number(leaf & PTE_ADDR_MASK) % size) +
      vaMod(va, size),
      leaf,
    ];
  }
}

/**
 * `flush_tlb_kernel_range(start, end)`: `tlbi vaale1is` per page, or `flush_tlb_all` above
 * `MAX_TLBI_OPS` (512) pages.
 */
export function flushTlbKernelRange(k: KernelCpu, start: VA, end: VA): void {
  if ((end - start) / PAGE_SIZE > 512) k.tlbi();
  else for (let a = start; a < end; a += PAGE_SIZE) k.tlbi(a);
}

/** The UXNTable bit new kernel tables carry (mmu.c, v5.13+). */
export const KERNEL_TABLE_BITS = PMD_TYPE_TABLE | PMD_TABLE_UXN;
