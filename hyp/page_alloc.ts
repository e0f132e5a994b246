/**
 * Xen's page allocators (xen/common/page_alloc.c, 4.17), modelled closely enough that the
 * addresses Xen hands out are the addresses real Xen hands out:
 *
 * - the **boot allocator**: sorted free regions (`bootmem_region_add/zap`), `init_boot_pages`,
 *   and `alloc_boot_pages`, which carves from the *end of the last region* with an alignment;
 * - `end_boot_allocator`: frees the lowest region first, then the others from highest to lowest,
 *   each as maximal aligned power-of-two chunks from low to high (`_init_heap_pages`);
 * - the **buddy heap**: zones by the MFN's most significant bit (`page_to_zone` = `flsl(mfn)`),
 *   free lists per zone and order (`MAX_ORDER` 18 on Arm), merging with free buddies in
 *   `free_heap_pages`, dirty chunks (boot-time `bootscrub=idle`) added at the list *tail*, clean
 *   ones at the head; `get_free_buddy`'s two passes (pass 1 takes only clean chunks and rotates
 *   each dirty head it meets to the tail unless the request is order 0 or `MEMF_no_scrub`; pass 2
 *   takes the first head), searching zones from `zone_hi` down and orders from the request up;
 *   `alloc_heap_pages` splitting so that the lower halves go back and the **top** part is
 *   returned; `alloc_domheap_pages` with `MEMF_bits`.
 *
 * Everything is in page frame numbers (MFNs, 4 KiB pages). Single NUMA node (Arm 4.17 has no
 * NUMA support).
 *
 * @module
 */

/** `PAGE_SHIFT`. */
export const PAGE_SHIFT = 12;
/** `PAGE_SIZE`. */
export const PAGE_SIZE = 4096;
/** `MAX_ORDER` on Arm (asm/config.h: `CONFIG_MAX_ORDER`… 18 = 1 GiB). */
export const MAX_ORDER = 18;
/** `PADDR_BITS` on arm64. */
export const PADDR_BITS = 48;
/** `NR_ZONES` = PADDR_BITS - PAGE_SHIFT + 1. */
export const NR_ZONES = PADDR_BITS - PAGE_SHIFT + 1;
/** `MEMZONE_XEN`. */
const MEMZONE_XEN = 0;
/** `INVALID_DIRTY_IDX`. */
const INVALID_DIRTY = -1;

/** `flsl`: 1-based index of the most significant set bit (0 for 0). */
export function flsl(x: number): number {
  if (x <= 0) return 0;
  return x < 0x100000000 ? 32 - Math.clz32(x) : 32 + flsl(Math.floor(x / 0x100000000));
}

/** `ffsl`: 1-based index of the least significant set bit (0 for 0). */
export function ffsl(x: number): number {
  if (x <= 0) return 0;
  let i = 1;
  let v = x;
  while (v % 2 === 0) {
    v /= 2;
    i++;
  }
  return i;
}

/** `bits_to_zone(b)`. */
export function bitsToZone(b: number): number {
  return b < PAGE_SHIFT + 1 ? 1 : b - PAGE_SHIFT;
}

/** `page_to_zone` for a domheap page: `flsl(mfn)` (1 for MFN 0). */
export function mfnToZone(mfn: number): number {
  return flsl(mfn) || 1;
}

/** `get_order_from_bytes`. */
export function getOrderFromBytes(size: number): number {
  let order = 0;
  let s = Math.ceil(size / PAGE_SIZE);
  s = s <= 1 ? 0 : s - 1;
  while (s > 0) {
    s = Math.floor(s / 2);
    order++;
  }
  return order;
}

/** `get_order_from_pages`. */
export function getOrderFromPages(nr: number): number {
  let order = 0;
  let s = nr <= 1 ? 0 : nr - 1;
  while (s > 0) {
    s = Math.floor(s / 2);
    order++;
  }
  return order;
}

interface FreeChunk {
  order: number;
  firstDirty: number;
}

/** Flags of an allocation request (a subset of Xen's `MEMF_*`). */
export interface AllocFlags {
  /** `MEMF_bits(b)`: the chunk must lie below 2^b bytes. 0 = no limit. */
  bits?: number;
  /** `MEMF_no_scrub` (xenheap allocations on Arm always set it). */
  noScrub?: boolean;
}

/** One event of the allocator's history (for explanations and tests). */
export interface AllocEvent {
  /** What happened. */
  op: "boot-alloc" | "free" | "alloc" | "alloc-fail";
  /** First MFN. */
  mfn: number;
  /** Order (or page count for boot allocations). */
  order: number;
  /** Who asked (free text). */
  who?: string;
}

/**
 * `alloc_boot_pages` found no boot region for the request: Xen 4.17 hits `BUG()` there
 * (common/page_alloc.c), which crashes the boot. The tree left no free RAM that big — its
 * reserved regions, the boot modules and Xen's image cover the rest.
 */
export class BootMemoryExhausted extends Error {
  /** Pages asked for, their alignment in pages, and what for. */
  constructor(readonly nr: number, readonly align: number, readonly who?: string) {
    super(
      `alloc_boot_pages: no free boot memory region holds ${nr} page(s)` +
        (align > 1 ? ` aligned to ${align} pages` : "") + (who ? ` (${who})` : ""),
    );
    this.name = "BootMemoryExhausted";
  }
}

/** Xen's boot allocator + buddy heap over a single NUMA node. */
export class PageAllocator {
  /** Boot allocator regions [s, e) in MFNs, sorted. */
  private regions: { s: number; e: number }[] = [];
  private bootDone = false;
  /** heap[zone][order]: list of free chunk heads (MFNs), head first. */
  private readonly heap: number[][][] = [];
  /** Free chunk heads → their order and dirty index. */
  private readonly free = new Map<number, FreeChunk>();
  /** avail[zone]: free pages per zone. */
  readonly avail: number[] = new Array(NR_ZONES).fill(0);
  /** Total free pages. */
  totalAvail = 0;
  /** `dma_bitsize` (0 on Arm unless `dma_bits=`). */
  dmaBitsize = 0;
  /** Whether boot-time frees are marked as needing a scrub (`bootscrub=idle`). */
  bootScrubIdle = true;
  /** `system_state >= SYS_STATE_active` (frees after boot are clean unless scrubbed). */
  active = false;
  /** Valid RAM ranges [s, e) in MFNs (`mfn_valid`). */
  private readonly ram: { s: number; e: number }[];
  /** The allocation history (bounded to what boot needs; cleared by the caller if wanted). */
  readonly history: AllocEvent[] = [];
  /** Record history (off by default for speed in long runs). */
  recordHistory = true;

  /** Make an allocator for the given RAM banks (bytes). */
  constructor(ramBanks: { start: number; size: number }[]) {
    for (let z = 0; z < NR_ZONES; z++) {
      const row: number[][] = [];
      for (let o = 0; o <= MAX_ORDER; o++) row.push([]);
      this.heap.push(row);
    }
    this.ram = ramBanks.map((b) => ({
      s: Math.floor(b.start / PAGE_SIZE),
      e: Math.floor((b.start + b.size) / PAGE_SIZE),
    }));
  }

  /** The RAM ranges the frame table covers (MFN [s, e)), by address. */
  ramRanges(): readonly { s: number; e: number }[] {
    return this.ram;
  }

  /** `mfn_valid`. */
  mfnValid(mfn: number): boolean {
    for (const r of this.ram) if (mfn >= r.s && mfn < r.e) return true;
    return false;
  }

  // ---------------------------------------------------------------- boot allocator

  /** The boot allocator's current free regions (MFN ranges), for tests and explanations. */
  bootRegions(): { s: number; e: number }[] {
    return this.regions.map((r) => ({ ...r }));
  }

  /** Adds [s, e) to the boot allocator's region list (`bootmem_region_add`). */
  private regionAdd(s: number, e: number): void {
    if (s >= e) return;
    let i = 0;
    for (; i < this.regions.length; i++) if (s < this.regions[i].e) break;
    if (i < this.regions.length && e > this.regions[i].s) {
      throw new Error(`bootmem_region_add: overlapping region 0x${s.toString(16)}`);
    }
    this.regions.splice(i, 0, { s, e });
  }

  /** `init_boot_pages(ps, pe)` (byte addresses, rounded inwards to pages). */
  initBootPages(ps: number, pe: number): void {
    const s = Math.ceil(ps / PAGE_SIZE);
    const e = Math.floor(pe / PAGE_SIZE);
    if (e <= s) return;
    this.regionAdd(s, e);
  }

  /** `alloc_boot_pages(nr, align)`: from the end of the highest region that fits. */
  allocBootPages(nr: number, align: number, who?: string): number {
    for (let i = this.regions.length - 1; i >= 0; i--) {
      const r = this.regions[i];
      const pg = Math.floor((r.e - nr) / align) * align;
      if (pg >= r.e || pg < r.s || r.e - nr < 0) continue;
      const oldE = r.e;
      r.e = pg;
      this.regionAdd(pg + nr, oldE);
      if (this.recordHistory) this.history.push({ op: "boot-alloc", mfn: pg, order: nr, who });
      return pg;
    }
    throw new BootMemoryExhausted(nr, align, who);
  }

  /** `end_boot_allocator`: hand every boot region to the buddy heap. */
  endBootAllocator(): void {
    let first = -1;
    for (let i = 0; i < this.regions.length; i++) {
      const r = this.regions[i];
      if (r.s < r.e) {
        this.initHeapPages(r.s, r.e - r.s);
        r.e = r.s;
        first = i;
        break;
      }
    }
    for (let i = this.regions.length - 1; i >= 0; i--) {
      if (i === first) continue;
      const r = this.regions[i];
      if (r.s < r.e) this.initHeapPages(r.s, r.e - r.s);
    }
    this.regions = [];
    this.bootDone = true;
  }

  /** `init_heap_pages` (MFN 0 is kept away from the heap). */
  initHeapPages(mfn: number, nr: number): void {
    if (mfn === 0) {
      if (nr-- <= 1) return;
      mfn++;
    }
    const needScrub = !this.active && this.bootScrubIdle;
    let s = mfn;
    const e = mfn + nr;
    while (s < e) {
      let inc = Math.min(MAX_ORDER, flsl(e - s) - 1);
      if (s) inc = Math.min(inc, ffsl(s) - 1);
      this.freeHeapPages(s, inc, needScrub);
      s += 2 ** inc;
    }
  }

  /** `init_domheap_pages(ps, pe)` (byte addresses): e.g. discarding boot modules. */
  initDomheapPages(ps: number, pe: number): void {
    const s = Math.ceil(ps / PAGE_SIZE);
    const e = Math.floor(pe / PAGE_SIZE);
    if (e <= s) return;
    this.initHeapPages(s, e - s);
  }

  // ---------------------------------------------------------------- buddy heap

  /** The free chunk heads in one list (head first), for tests and explanations. */
  freeList(zone: number, order: number): number[] {
    return this.heap[zone][order].slice();
  }

  /** Every free chunk as [mfn, order, dirty], sorted by address. */
  freeChunks(): [number, number, boolean][] {
    return [...this.free.entries()].sort((a, b) => a[0] - b[0]).map((
      [m, c],
    ) => [m, c.order, c.firstDirty !== INVALID_DIRTY]);
  }

  /** Whether `mfn` lies in a free chunk. */
  isFree(mfn: number): boolean {
    for (let o = 0; o <= MAX_ORDER; o++) {
      const head = mfn - (mfn % 2 ** o);
      const c = this.free.get(head);
      if (c && c.order >= o && mfn < head + 2 ** c.order) return true;
    }
    return false;
  }

  /** `page_list_add`: a free chunk at the head of its zone/order list. */
  private listAdd(mfn: number, order: number, firstDirty: number): void {
    this.free.set(mfn, { order, firstDirty });
    const l = this.heap[mfnToZone(mfn)][order];
    if (firstDirty !== INVALID_DIRTY) l.push(mfn);
    else l.unshift(mfn);
  }

  /** `page_list_del`: unlinks a free chunk. */
  private listDel(mfn: number, order: number): void {
    const l = this.heap[mfnToZone(mfn)][order];
    const i = l.indexOf(mfn);
    if (i >= 0) l.splice(i, 1);
    this.free.delete(mfn);
  }

  /** `free_heap_pages(pg, order, need_scrub)`. */
  freeHeapPages(mfn: number, order: number, needScrub: boolean, who?: string): void {
    const zone = mfnToZone(mfn);
    const n = 2 ** order;
    this.avail[zone] += n;
    this.totalAvail += n;
    let firstDirty = needScrub ? 0 : INVALID_DIRTY;
    let pg = mfn;
    if (this.recordHistory) this.history.push({ op: "free", mfn, order, who });
    while (order < MAX_ORDER) {
      const mask = 2 ** order;
      if (Math.floor(pg / mask) % 2 === 1) {
        const pred = pg - mask;
        const c = this.free.get(pred);
        if (!this.mfnValid(pred) || !c || c.order !== order) break;
        this.listDel(pred, order);
        let pfd = c.firstDirty;
        if (pfd === INVALID_DIRTY && firstDirty !== INVALID_DIRTY) pfd = mask + firstDirty;
        firstDirty = pfd;
        pg = pred;
      } else {
        const succ = pg + mask;
        const c = this.free.get(succ);
        if (!this.mfnValid(succ) || !c || c.order !== order) break;
        if (firstDirty === INVALID_DIRTY && c.firstDirty !== INVALID_DIRTY) {
          firstDirty = mask + c.firstDirty;
        }
        this.listDel(succ, order);
      }
      order++;
    }
    this.listAdd(pg, order, firstDirty);
  }

  /** `get_free_buddy`: the chunk to allocate from, or -1. */
  private getFreeBuddy(zoneLo: number, zoneHi: number, order: number, noScrub: boolean): number {
    const need = 2 ** order;
    let zone = zoneHi;
    do {
      if (this.avail[zone] < need) continue;
      for (let j = order; j <= MAX_ORDER; j++) {
        const l = this.heap[zone][j];
        if (l.length === 0) continue;
        const head = l[0];
        const c = this.free.get(head)!;
        if (c.firstDirty === INVALID_DIRTY || order === 0 || noScrub) {
          l.shift();
          this.free.delete(head);
          this.taken = c;
          return head;
        }
        // page_list_add_tail: rotate the dirty head to the tail.
        l.shift();
        l.push(head);
      }
    } while (zone-- > zoneLo);
    return -1;
  }

  private taken: FreeChunk = { order: 0, firstDirty: INVALID_DIRTY };

  /** `alloc_heap_pages(zone_lo, zone_hi, order, memflags)`: MFN or -1. */
  allocHeapPages(zoneLo: number, zoneHi: number, order: number, noScrub: boolean): number {
    if (order > MAX_ORDER) return -1;
    const req = 2 ** order;
    if (req > this.totalAvail) return -1;
    let pg = this.getFreeBuddy(zoneLo, zoneHi, order, noScrub);
    if (pg < 0 && !noScrub) pg = this.getFreeBuddy(zoneLo, zoneHi, order, true);
    if (pg < 0) return -1;
    const zone = mfnToZone(pg);
    let bo = this.taken.order;
    let fd = this.taken.firstDirty;
    while (bo !== order) {
      bo--;
      const half = 2 ** bo;
      this.listAdd(pg, bo, fd !== INVALID_DIRTY && half > fd ? fd : INVALID_DIRTY);
      pg += half;
      if (fd !== INVALID_DIRTY) fd = fd >= half ? fd - half : 0;
    }
    this.avail[zone] -= req;
    this.totalAvail -= req;
    return pg;
  }

  /**
   * `alloc_domheap_pages(d, order, memflags)`: MFN of the first page, or -1. With `dma_bitsize`
   * set, the DMA zone is avoided first (not on Arm by default).
   */
  allocDomheapPages(order: number, flags: AllocFlags = {}, who?: string): number {
    // alloc_heap_pages: `if ( unlikely(order > MAX_ORDER) ) return NULL;`
    if (order > MAX_ORDER || order < 0) return -1;
    const bits = flags.bits || 64 + PAGE_SHIFT;
    const zoneHi = Math.min(bitsToZone(bits), NR_ZONES - 1);
    let pg = -1;
    if (this.dmaBitsize) {
      const dmaZone = bitsToZone(this.dmaBitsize);
      if (dmaZone < zoneHi) pg = this.allocHeapPages(dmaZone + 1, zoneHi, order, !!flags.noScrub);
    }
    if (pg < 0) pg = this.allocHeapPages(MEMZONE_XEN + 1, zoneHi, order, !!flags.noScrub);
    if (this.recordHistory) {
      this.history.push({ op: pg < 0 ? "alloc-fail" : "alloc", mfn: pg, order, who });
    }
    return pg;
  }

  /** `alloc_xenheap_pages(order, 0)` on arm64: a domheap allocation with `MEMF_no_scrub`. */
  allocXenheapPages(order: number, who?: string): number {
    return this.allocDomheapPages(order, { noScrub: true }, who);
  }

  /** `free_domheap_pages`: back to the heap (scrubbed later, i.e. dirty). */
  freeDomheapPages(mfn: number, order: number, who?: string): void {
    this.freeHeapPages(mfn, order, true, who);
  }

  /**
   * The idle-loop scrubber (`scrub_free_pages`) running for `budget` dirty pages: zones from low
   * to high, orders from `MAX_ORDER` down, each list from its tail (where dirty chunks sit); a
   * fully scrubbed chunk moves to the list head, clean. A chunk the budget does not cover is left
   * in place with `first_dirty` advanced. Returns the pages scrubbed.
   */
  scrubBackground(budget: number): number {
    let done = 0;
    for (let zone = 0; zone < NR_ZONES; zone++) {
      for (let order = MAX_ORDER; order >= 0; order--) {
        const l = this.heap[zone][order];
        while (l.length > 0) {
          const pg = l[l.length - 1];
          const c = this.free.get(pg)!;
          if (c.firstDirty === INVALID_DIRTY) break;
          const n = 2 ** order;
          const dirty = n - c.firstDirty;
          if (budget - done < dirty) {
            c.firstDirty += budget - done;
            return budget;
          }
          done += dirty;
          l.pop();
          c.firstDirty = INVALID_DIRTY;
          l.unshift(pg);
        }
      }
    }
    return done;
  }

  /** Whether `end_boot_allocator` has run. */
  get heapReady(): boolean {
    return this.bootDone;
  }
}
