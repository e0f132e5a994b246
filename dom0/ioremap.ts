/**
 * The arm64 Linux 6.1 ways of mapping physical memory, each recorded as a {@link MappingRecord}:
 *
 * | API | stage-1 (arch/arm64/include/asm/io.h, mm/ioremap.c, kernel/iomem.c) |
 * |---|---|
 * | `ioremap` | `PROT_DEVICE_nGnRE` |
 * | `ioremap_np` | `PROT_DEVICE_nGnRnE` |
 * | `ioremap_wc` | `PROT_NORMAL_NC` |
 * | `ioremap_wt` | not defined by arm64 → asm-generic `ioremap` → Device-nGnRE |
 * | `ioremap_cache` | the linear map if `pfn_is_map_memory`, else `PROT_NORMAL` |
 * | `memremap(MEMREMAP_WB)` | System RAM → `__va`; else `ioremap_cache` |
 * | `memremap(MEMREMAP_WT)` | `ioremap_wt`; refused on System RAM |
 * | `memremap(MEMREMAP_WC)` | `ioremap_wc`; refused on System RAM |
 *
 * `__ioremap_caller` page-aligns the range, refuses a zero size, wrap-around and RAM that is in
 * the linear map (`WARN_ON(pfn_is_map_memory(...))`), takes a `VM_IOREMAP` area and maps it with
 * `ioremap_page_range` (2 MiB blocks where aligned, pages otherwise, no contiguous bit).
 * `iounmap` clears the PTEs at once but, like mm/vmalloc.c, defers the TLB flush and the VA reuse
 * to the lazy purge (`lazy_max_pages`).
 *
 * @module
 */

import type { PA, VA } from "../arch/arm64/port.ts";
import type { Kernel, MapApi, MappingRecord } from "./kernel.ts";
import { PAGE_SIZE } from "./memory_layout.ts";
import { flushTlbKernelRange } from "./pgtable.ts";
import {
  attrIndx,
  MT_NAMES,
  PROT_DEVICE_nGnRE,
  PROT_DEVICE_nGnRnE,
  PROT_NORMAL,
  PROT_NORMAL_NC,
  PTE_PXN,
  PTE_RDONLY,
} from "./pgtable_prot.ts";
import { IORESOURCE_SYSTEM_RAM } from "./resource.ts";
import { warn } from "./panic.ts";

/** Who asks for a mapping (recorded with it). */
export interface MapOwner {
  /** Driver name (`sram`, `raw-sram`, `gic-v3`, ...). */
  driver: string;
  /** DT node path. */
  node?: string;
  /** Linux device name. */
  device?: string;
}

/** Result of `region_intersects` (kernel/resource.c). */
export type RegionIntersects = "REGION_INTERSECTS" | "REGION_DISJOINT" | "REGION_MIXED";

/** `region_intersects(start, size, IORESOURCE_SYSTEM_RAM, IORES_DESC_NONE)`. */
export function regionIntersectsRam(kern: Kernel, start: PA, size: number): RegionIntersects {
  const end = start + size - 1;
  let covered = 0;
  for (const r of kern.iomem.root.children) {
    if (r.end < start || r.start > end) continue;
    const s = Math.max(r.start, start), e = Math.min(r.end, end);
    if ((r.flags & IORESOURCE_SYSTEM_RAM) === IORESOURCE_SYSTEM_RAM) covered += e - s + 1;
  }
  if (covered === size) return "REGION_INTERSECTS";
  if (covered === 0) return "REGION_DISJOINT";
  return "REGION_MIXED";
}

function record(
  kern: Kernel,
  va: VA,
  ipa: PA,
  size: number,
  api: MapApi,
  prot: bigint,
  owner: MapOwner,
): void {
  const rec: MappingRecord = {
    va,
    ipa,
    size,
    api,
    mairIndex: attrIndx(prot),
    s1Type: MT_NAMES[attrIndx(prot)] ?? `AttrIndx ${attrIndx(prot)}`,
    writable: (prot & PTE_RDONLY) === 0n,
    executable: (prot & PTE_PXN) === 0n,
    driver: owner.driver,
    node: owner.node,
    device: owner.device,
    live: true,
  };
  kern.mappings.push(rec);
}

/** `__ioremap_caller(phys, size, prot, caller)`: the VA, or 0 (NULL) on failure. */
export function __ioremap_caller(
  kern: Kernel,
  physAddr: PA,
  size: number,
  prot: bigint,
  api: MapApi,
  owner: MapOwner,
): VA {
  const offset = physAddr % PAGE_SIZE;
  const phys = physAddr - offset;
  const sz = Math.ceil((size + offset) / PAGE_SIZE) * PAGE_SIZE;
  const last = phys + sz - 1;
  if (!size || last < phys || last >= 2 ** 48) return 0;
  if (kern.memblock.isMapMemory(phys)) {
    warn(kern, "arch/arm64/mm/ioremap.c", 40, "__ioremap_caller");
    return 0;
  }
  const area = kern.vm.get(sz, true, api);
  if (!area) return 0;
  area.physAddr = phys;
  kern.cpu.enter("ioremap_page_range");
  kern.pt.map(kern.pgd, area.addr, phys, sz, prot, { noCont: true });
  kern.cpu.barrier("dsb ishst");
  kern.cpu.leave();
  const va = area.addr + offset;
  record(kern, va, physAddr, size, api, prot, owner);
  return va;
}

/** `ioremap(phys, size)`: Device-nGnRE. */
export function ioremap(kern: Kernel, phys: PA, size: number, owner: MapOwner): VA {
  return __ioremap_caller(kern, phys, size, PROT_DEVICE_nGnRE, "ioremap", owner);
}

/** `ioremap_np(phys, size)`: Device-nGnRnE (non-posted). */
export function ioremap_np(kern: Kernel, phys: PA, size: number, owner: MapOwner): VA {
  return __ioremap_caller(kern, phys, size, PROT_DEVICE_nGnRnE, "ioremap_np", owner);
}

/** `ioremap_wc(phys, size)`: Normal non-cacheable. */
export function ioremap_wc(kern: Kernel, phys: PA, size: number, owner: MapOwner): VA {
  return __ioremap_caller(kern, phys, size, PROT_NORMAL_NC, "ioremap_wc", owner);
}

/** `ioremap_wt`: asm-generic falls back to `ioremap` on arm64 (Device-nGnRE). */
export function ioremap_wt(kern: Kernel, phys: PA, size: number, owner: MapOwner): VA {
  return __ioremap_caller(kern, phys, size, PROT_DEVICE_nGnRE, "ioremap_wt", owner);
}

/** `ioremap_cache(phys, size)`: the linear alias for mapped RAM, else a Normal WB mapping. */
export function ioremap_cache(kern: Kernel, phys: PA, size: number, owner: MapOwner): VA {
  if (kern.memblock.isMapMemory(phys)) {
    const va = kern.lm.va(phys);
    record(kern, va, phys, size, "ioremap_cache", PROT_NORMAL, owner);
    return va;
  }
  return __ioremap_caller(kern, phys, size, PROT_NORMAL, "ioremap_cache", owner);
}

/** `memremap` flags. */
export type MemremapFlag = "MEMREMAP_WB" | "MEMREMAP_WT" | "MEMREMAP_WC";

/** `memremap(offset, size, flags)` for one flag: the VA or 0. */
export function memremap(
  kern: Kernel,
  offset: PA,
  size: number,
  flag: MemremapFlag,
  owner: MapOwner,
): VA {
  const isRam = regionIntersectsRam(kern, offset, size);
  if (isRam === "REGION_MIXED") {
    warn(kern, "kernel/iomem.c", 83, "memremap", [
      `memremap attempted on mixed range 0x${offset.toString(16).padStart(16, "0")} size: 0x${
        size.toString(16)
      }`,
    ]);
    return 0;
  }
  const api: MapApi = `memremap(${flag})`;
  if (flag === "MEMREMAP_WB") {
    // try_ram_remap for System RAM, else arch_memremap_wb → ioremap_cache (which also returns
    // the linear alias for mapped memory).
    if (kern.memblock.isMapMemory(offset)) {
      const va = kern.lm.va(offset);
      record(kern, va, offset, size, api, PROT_NORMAL, owner);
      return va;
    }
    return __ioremap_caller(kern, offset, size, PROT_NORMAL, api, owner);
  }
  if (isRam === "REGION_INTERSECTS") {
    warn(kern, "kernel/iomem.c", 108, "memremap", [
      `memremap attempted on ram 0x${offset.toString(16).padStart(16, "0")} size: 0x${
        size.toString(16)
      }`,
    ]);
    return 0;
  }
  const prot = flag === "MEMREMAP_WT" ? PROT_DEVICE_nGnRE : PROT_NORMAL_NC;
  return __ioremap_caller(kern, offset, size, prot, api, owner);
}

/** `iounmap(va)` / `memunmap(va)`: unmap a vmalloc-area mapping (no-op for linear addresses). */
export function iounmap(kern: Kernel, va: VA): void {
  const base = va - (((va % PAGE_SIZE) + PAGE_SIZE) % PAGE_SIZE);
  for (const m of kern.mappings) if (m.live && m.va === va) m.live = false;
  if (kern.lm.isLinear(va)) return;
  const area = kern.vm.remove(base);
  if (!area) return;
  kern.cpu.enter("vunmap");
  // free_unmap_vmap_area: clear the PTEs now, flush the TLB when the lazy list is purged.
  kern.pt.unmap(kern.pgd, area.addr, area.size - PAGE_SIZE, false);
  const purge = kern.vm.maybePurge(kern.cpus.length);
  if (purge) flushTlbKernelRange(kern.cpu, purge[0], purge[1]);
  kern.cpu.leave();
}
