/**
 * Linux's early memory allocator (mm/memblock.c), reduced to what dom0's boot needs: the
 * `memory` and `reserved` region lists (sorted, merged), the `MEMBLOCK_NOMAP` flag that
 * `/reserved-memory` `no-map` regions get (`early_init_dt_reserve_memory` → `memblock_mark_nomap`),
 * top-down allocation (`memblock_phys_alloc_range`, the default direction) below
 * `memblock.current_limit`, and `pfn_is_map_memory`.
 *
 * @module
 */

import type { PA } from "../arch/arm64/port.ts";

/** One memblock region. */
export interface MemblockRegion {
  /** Base physical address. */
  base: PA;
  /** Size in bytes. */
  size: number;
  /** `MEMBLOCK_NOMAP`: not in the linear map, not System RAM. */
  nomap: boolean;
}

function insert(list: MemblockRegion[], base: PA, size: number, nomap: boolean): void {
  if (size <= 0) return;
  let end = base + size;
  // Merge with overlapping/adjacent regions of the same flags (memblock_merge_regions).
  const out: MemblockRegion[] = [];
  let b = base;
  for (const r of list) {
    const rEnd = r.base + r.size;
    if (r.nomap === nomap && rEnd >= b && r.base <= end) {
      b = Math.min(b, r.base);
      end = Math.max(end, rEnd);
    } else {
      out.push(r);
    }
  }
  out.push({ base: b, size: end - b, nomap });
  out.sort((x, y) => x.base - y.base);
  list.length = 0;
  list.push(...out);
}

/** The two memblock types. */
export class Memblock {
  /** `memblock.memory`. */
  readonly memory: MemblockRegion[] = [];
  /** `memblock.reserved`. */
  readonly reserved: MemblockRegion[] = [];
  /** `memblock.current_limit` (exclusive). */
  currentLimit: PA = Number.MAX_SAFE_INTEGER;

  /** `memblock_add`. */
  add(base: PA, size: number): void {
    insert(this.memory, base, size, false);
  }

  /** `memblock_reserve`. */
  reserve(base: PA, size: number): void {
    insert(this.reserved, base, size, false);
  }

  /** `memblock_mark_nomap`: split memory regions so that [base, base+size) carries NOMAP. */
  markNomap(base: PA, size: number): void {
    const end = base + size;
    const out: MemblockRegion[] = [];
    for (const r of this.memory) {
      const rEnd = r.base + r.size;
      if (rEnd <= base || r.base >= end) {
        out.push(r);
        continue;
      }
      if (r.base < base) out.push({ base: r.base, size: base - r.base, nomap: r.nomap });
      const s = Math.max(r.base, base), e = Math.min(rEnd, end);
      out.push({ base: s, size: e - s, nomap: true });
      if (rEnd > end) out.push({ base: end, size: rEnd - end, nomap: r.nomap });
    }
    this.memory.length = 0;
    this.memory.push(...out);
  }

  /** `memblock_start_of_DRAM`. */
  startOfDram(): PA {
    return this.memory.length ? this.memory[0].base : 0;
  }

  /** `memblock_end_of_DRAM`. */
  endOfDram(): PA {
    const l = this.memory[this.memory.length - 1];
    return l ? l.base + l.size : 0;
  }

  /** Total bytes of `memory` (`memblock_phys_mem_size`). */
  physMemSize(): number {
    return this.memory.reduce((a, r) => a + r.size, 0);
  }

  /** `pfn_is_map_memory`: inside a memory region that is not NOMAP. */
  isMapMemory(pa: PA): boolean {
    for (const r of this.memory) if (pa >= r.base && pa < r.base + r.size) return !r.nomap;
    return false;
  }

  /** `memblock_is_memory`: inside any memory region (NOMAP included). */
  isMemory(pa: PA): boolean {
    return this.memory.some((r) => pa >= r.base && pa < r.base + r.size);
  }

  /** Whether [base, base+size) overlaps a reserved region. */
  isReserved(base: PA, size: number): boolean {
    const end = base + size;
    return this.reserved.some((r) => r.base < end && r.base + r.size > base);
  }

  /**
   * `memblock_phys_alloc_range(size, align, start, end)`, top-down: the highest aligned free
   * range in mapped memory below min(end, current_limit). Returns the base and reserves it, or -1.
   */
  allocTopDown(size: number, align: number, start = 0, end = Number.MAX_SAFE_INTEGER): PA {
    const limit = Math.min(end, this.currentLimit);
    for (let i = this.memory.length - 1; i >= 0; i--) {
      const m = this.memory[i];
      if (m.nomap) continue;
      let top = Math.min(m.base + m.size, limit);
      const bottom = Math.max(m.base, start);
      while (top - size >= bottom) {
        let cand = top - size;
        cand -= cand % align;
        if (cand < bottom) break;
        const clash = this.reserved.find((r) => r.base < cand + size && r.base + r.size > cand);
        if (!clash) {
          this.reserve(cand, size);
          return cand;
        }
        top = clash.base;
      }
    }
    return -1;
  }
}
