/**
 * The vmalloc address-space allocator (mm/vmalloc.c `__get_vm_area_node` → `alloc_vmap_area`):
 * lowest-address first fit in [VMALLOC_START, VMALLOC_END), areas carry a guard page unless
 * `VM_NO_GUARD`, and `VM_IOREMAP` areas are aligned to their size's power of two, clamped to
 * [PAGE_SHIFT, IOREMAP_MAX_ORDER] (arm64 with 4 KiB pages: PUD_SHIFT, asm/memory.h; so a
 * 2 MiB-aligned device can get block mappings, as `vmap_try_huge_pmd` allows). The kernel image
 * occupies the start of the region (`vm_area_add_early` of its segments).
 *
 * @module
 */

import type { PA, VA } from "../arch/arm64/port.ts";
import { PAGE_SIZE, VMALLOC_END, VMALLOC_START } from "./memory_layout.ts";

/** `IOREMAP_MAX_ORDER` (arm64, 4 KiB pages: PUD_SHIFT). */
export const IOREMAP_MAX_ORDER = 30;

/** One `struct vm_struct`. */
export interface VmArea {
  /** Start VA. */
  addr: VA;
  /** Size including the guard page. */
  size: number;
  /** Physical address for ioremap areas. */
  physAddr: PA;
  /** `VM_IOREMAP` and similar flag names. */
  flags: string;
  /** The caller (API) that created it. */
  caller: string;
}

/** The vmalloc space of one kernel. */
export class VmallocSpace {
  /** Areas sorted by address. */
  readonly areas: VmArea[] = [];

  /** `vm_area_add_early`: claim [addr, addr+size) (the kernel image). */
  addEarly(addr: VA, size: number, caller: string): void {
    this.areas.push({ addr, size, physAddr: 0, flags: "VM_MAP", caller });
    this.areas.sort((a, b) => a.addr - b.addr);
  }

  /**
   * `get_vm_area_caller(size, flags, caller)`: returns the area (size includes the guard page) or
   * null when the space is exhausted.
   */
  get(size: number, ioremap: boolean, caller: string, noGuard = false): VmArea | null {
    size = Math.ceil(size / PAGE_SIZE) * PAGE_SIZE;
    let align = PAGE_SIZE;
    if (ioremap) {
      const order = Math.max(12, Math.min(IOREMAP_MAX_ORDER, Math.ceil(Math.log2(size))));
      align = 2 ** order;
    }
    const total = size + (noGuard ? 0 : PAGE_SIZE);
    let cand = VMALLOC_START;
    for (const a of this.areas) {
      cand = alignUp(cand, align);
      if (cand + total <= a.addr) break;
      cand = Math.max(cand, a.addr + a.size);
    }
    cand = alignUp(cand, align);
    if (cand + total > VMALLOC_END) return null;
    const area: VmArea = {
      addr: cand,
      size: total,
      physAddr: 0,
      flags: ioremap ? "VM_IOREMAP" : "VM_ALLOC",
      caller,
    };
    this.areas.push(area);
    this.areas.sort((a, b) => a.addr - b.addr);
    return area;
  }

  /** Areas unmapped but not yet purged (`vmap_purge_list`): their VAs stay unusable. */
  readonly lazy: VmArea[] = [];
  /** Pages waiting in {@link lazy}. */
  lazyPages = 0;

  /**
   * `remove_vm_area` + `free_vmap_area_noflush`: the area leaves the busy list but its VA range
   * waits on the lazy-purge list (no TLB flush yet). Returns it, or null when unknown.
   */
  remove(addr: VA): VmArea | null {
    const i = this.areas.findIndex((a) => a.addr === addr);
    if (i < 0) return null;
    const a = this.areas[i];
    this.lazy.push(a);
    this.lazyPages += a.size / PAGE_SIZE;
    return a;
  }

  /**
   * `__purge_vmap_area_lazy` when more than `lazy_max_pages()` (fls(online CPUs) × 32 MiB of
   * pages) wait: returns the [start, end) range whose TLB entries must be flushed and releases
   * the VAs, or null when no purge is due.
   */
  maybePurge(onlineCpus: number): [VA, VA] | null {
    const lazyMax = (32 - Math.clz32(onlineCpus)) * (32 * 1024 * 1024 / PAGE_SIZE);
    if (this.lazyPages <= lazyMax) return null;
    let start = Infinity, end = -Infinity;
    for (const a of this.lazy) {
      start = Math.min(start, a.addr);
      end = Math.max(end, a.addr + a.size);
      const i = this.areas.indexOf(a);
      if (i >= 0) this.areas.splice(i, 1);
    }
    this.lazy.length = 0;
    this.lazyPages = 0;
    return [start, end];
  }

  /** The area containing `va`. */
  find(va: VA): VmArea | undefined {
    return this.areas.find((a) => va >= a.addr && va < a.addr + a.size);
  }
}

function alignUp(v: VA, a: number): VA {
  const r = v % a;
  if (r === 0) return v;
  return r > 0 ? v - r + a : v - r;
}
