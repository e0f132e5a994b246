/**
 * lib/genalloc.c: a general-purpose special-memory allocator. A pool has a minimum allocation
 * order (the sram driver uses order 5: 32-byte granules), chunks added with `gen_pool_add_virt`
 * (virtual and physical base), and a bitmap per chunk. Allocation is first fit
 * (`gen_pool_first_fit`, the default algorithm), sizes rounded up to the granule.
 *
 * @module
 */

import type { PA, VA } from "../arch/arm64/port.ts";

/** One `struct gen_pool_chunk`. */
export interface GenPoolChunk {
  /** Start virtual address. */
  startAddr: VA;
  /** Start physical address. */
  physAddr: PA;
  /** Size in bytes. */
  size: number;
  /** One entry per granule: true = allocated. */
  bits: Uint8Array;
}

/** `struct gen_pool`. */
export class GenPool {
  /** `min_alloc_order`. */
  readonly minAllocOrder: number;
  /** Pool name (NULL → ""). */
  readonly name: string;
  /** Chunks in the order added. */
  readonly chunks: GenPoolChunk[] = [];
  private used = 0;

  /** `gen_pool_create(min_alloc_order, nid)` (with the name `devm_gen_pool_create` takes). */
  constructor(minAllocOrder: number, name = "") {
    this.minAllocOrder = minAllocOrder;
    this.name = name;
  }

  /** `gen_pool_add_virt(pool, virt, phys, size, nid)`: 0, or -ENOMEM for a zero-size chunk. */
  addVirt(virt: VA, phys: PA, size: number): number {
    const n = Math.floor(size / 2 ** this.minAllocOrder);
    this.chunks.push({ startAddr: virt, physAddr: phys, size, bits: new Uint8Array(n) });
    return 0;
  }

  /** `gen_pool_alloc(pool, size)`: a VA, or 0 when no fit exists. */
  alloc(size: number): VA {
    if (size === 0) return 0;
    const g = 2 ** this.minAllocOrder;
    const nbits = Math.ceil(size / g);
    for (const c of this.chunks) {
      let run = 0;
      for (let i = 0; i < c.bits.length; i++) {
        run = c.bits[i] ? 0 : run + 1;
        if (run === nbits) {
          const first = i - nbits + 1;
          c.bits.fill(1, first, i + 1);
          this.used += nbits;
          return c.startAddr + first * g;
        }
      }
    }
    return 0;
  }

  /** `gen_pool_free(pool, addr, size)`. */
  free(addr: VA, size: number): void {
    const g = 2 ** this.minAllocOrder;
    for (const c of this.chunks) {
      if (addr >= c.startAddr && addr < c.startAddr + c.size) {
        const first = Math.floor((addr - c.startAddr) / g);
        const last = Math.min(c.bits.length, first + Math.ceil(size / g));
        for (let i = first; i < last; i++) this.used -= c.bits[i];
        c.bits.fill(0, first, last);
        return;
      }
    }
  }

  /** `gen_pool_virt_to_phys`: -1 when the address is in no chunk. */
  virtToPhys(addr: VA): PA {
    for (const c of this.chunks) {
      if (addr >= c.startAddr && addr < c.startAddr + c.size) {
        return c.physAddr + (addr - c.startAddr);
      }
    }
    return -1;
  }

  /** `gen_pool_size`. */
  size(): number {
    return this.chunks.reduce((a, c) => a + c.size, 0);
  }

  /** `gen_pool_avail`. */
  avail(): number {
    return this.size() - this.used * 2 ** this.minAllocOrder;
  }
}
