/**
 * The p2m: a domain's stage-2 translation tables, as Xen 4.17's xen/arch/arm/p2m.c builds them —
 * real 64-bit descriptors (`lpae_p2m_t`, asm/lpae.h) in machine pages that Xen allocates from its
 * heap (`p2m_alloc_page`: order-0 domheap pages for the hardware domain), a VMID, and the VTCR
 * chosen by `setup_virt_paging` from the CPU's PARange.
 *
 * Rules reproduced:
 * - `p2m_set_entry`: each step maps the largest of 1 GiB / 2 MiB / 4 KiB for which GFN, MFN *and
 *   the remaining page count* are aligned (so a 3 MiB region at a 2 MiB boundary becomes 768
 *   pages); level-0 blocks are never used.
 * - `__p2m_set_entry`: intermediate tables allocated on the way; a block in the way is split
 *   (`p2m_split_superpage`, recursively, new entries inherit the block's attributes), then
 *   replaced break-before-make (zero, TLB flush, write); a valid entry being replaced is always
 *   zeroed and flushed first; a replaced table's subtree is freed back to the heap. Nothing is
 *   ever merged back into a block.
 * - `mfn_to_p2m_entry` + `p2m_set_permission`: MemAttr, SH, S2AP and XN from the p2m type, then
 *   restricted by the `p2m_access_t`; the type in software bits [58:55]; AF always 1; table
 *   descriptors are built as `p2m_ram_rw` entries so that they count as valid.
 * - validity comes from the type field (`p2m_is_valid`), the hardware valid bit is separate.
 *
 * Descriptors are handled as two 32-bit halves (lo = bits 31:0, hi = bits 63:32) so that the hot
 * paths use numbers, not bigints.
 *
 * @module
 */

import type { HostMemory } from "./machine.ts";
import { PAGE_SIZE, type PageAllocator } from "./page_alloc.ts";

/** Xen 4.17's p2m types (asm/p2m.h `p2m_type_t`), spelled as Xen spells them. */
export type P2mType =
  | "p2m_invalid"
  | "p2m_ram_rw"
  | "p2m_ram_ro"
  | "p2m_mmio_direct_dev"
  | "p2m_mmio_direct_nc"
  | "p2m_mmio_direct_c"
  | "p2m_map_foreign_rw"
  | "p2m_map_foreign_ro"
  | "p2m_grant_map_rw"
  | "p2m_grant_map_ro"
  | "p2m_iommu_map_rw"
  | "p2m_iommu_map_ro";

/** The numeric value of each type as stored in descriptor bits [58:55]. */
export const P2M_TYPE_VALUE: Record<P2mType, number> = {
  p2m_invalid: 0,
  p2m_ram_rw: 1,
  p2m_ram_ro: 2,
  p2m_mmio_direct_dev: 3,
  p2m_mmio_direct_nc: 4,
  p2m_mmio_direct_c: 5,
  p2m_map_foreign_rw: 6,
  p2m_map_foreign_ro: 7,
  p2m_grant_map_rw: 8,
  p2m_grant_map_ro: 9,
  p2m_iommu_map_rw: 10,
  p2m_iommu_map_ro: 11,
};

const TYPE_BY_VALUE: P2mType[] = Object.keys(P2M_TYPE_VALUE) as P2mType[];

/** The type stored as `v` in the software bits (values ≥ 12 are not real types). */
export function p2mTypeName(v: number): P2mType | undefined {
  return TYPE_BY_VALUE[v];
}

/** `p2m_access_t` (public/mem_event… xen/include/xen/p2m-common.h). */
export type P2mAccess = "n" | "r" | "w" | "rw" | "x" | "rx" | "wx" | "rwx" | "rx2rw" | "n2rwx";

/** Stage-2 MemAttr values Xen uses (asm/page.h): `MATTR_DEV`, `MATTR_MEM_NC`, `MATTR_MEM`. */
export const MATTR_DEV = 0x1;
/** Normal inner/outer non-cacheable. */
export const MATTR_MEM_NC = 0x5;
/** Normal inner/outer write-back. */
export const MATTR_MEM = 0xf;
/** `LPAE_SH_OUTER`. */
export const LPAE_SH_OUTER = 2;
/** `LPAE_SH_INNER`. */
export const LPAE_SH_INNER = 3;

/** `FIRST_ORDER` (1 GiB in pages). */
export const FIRST_ORDER = 18;
/** `SECOND_ORDER` (2 MiB in pages). */
export const SECOND_ORDER = 9;
/** `THIRD_ORDER`. */
export const THIRD_ORDER = 0;
const LPAE_ENTRIES = 512;

/** An attribute override for mappings Xen itself cannot express (proposed policies only). */
export interface AttrOverride {
  /** Stage-2 MemAttr[3:0] to write instead of the type's. */
  memAttr?: number;
  /** Execute-never to write instead of the type's. */
  xn?: boolean;
}

/** Requests above this many pages (4 GiB) are checked up front for certain failure. */
const FAIL_FAST_PAGES = 2 ** 20;

/** A stage-2 descriptor decoded (leaf or table). */
export interface P2mEntry {
  /** Descriptor bits 31:0. */
  lo: number;
  /** Descriptor bits 63:32. */
  hi: number;
  /** Hardware valid bit. */
  valid: boolean;
  /** Table bit (1 for tables and level-3 pages). */
  table: boolean;
  /** MemAttr[3:0]. */
  memAttr: number;
  /** S2AP[0] (read). */
  read: boolean;
  /** S2AP[1] (write). */
  write: boolean;
  /** SH[1:0]. */
  sh: number;
  /** Access flag. */
  af: boolean;
  /** XN (bit 54). */
  xn: boolean;
  /** Software type field [58:55]. */
  typeValue: number;
  /** Output address (bits 47:12 as a byte address). */
  oa: number;
}

/** Decode a descriptor's fields. */
export function decodeP2mEntry(lo: number, hi: number): P2mEntry {
  return {
    lo,
    hi,
    valid: (lo & 1) !== 0,
    table: (lo & 2) !== 0,
    memAttr: (lo >>> 2) & 0xf,
    read: (lo & 0x40) !== 0,
    write: (lo & 0x80) !== 0,
    sh: (lo >>> 8) & 3,
    af: (lo & 0x400) !== 0,
    xn: (hi & (1 << 22)) !== 0,
    typeValue: (hi >>> 23) & 0xf,
    oa: (hi & 0xffff) * 0x100000000 + ((lo & 0xfffff000) >>> 0),
  };
}

/**
 * `mfn_to_p2m_entry(mfn, t, a)`: the leaf descriptor Xen writes (table bit set, as for a level-3
 * page; callers clear it for blocks), as [lo, hi].
 */
export function mfnToP2mEntry(
  mfn: number,
  t: P2mType,
  a: P2mAccess = "rwx",
  ov?: AttrOverride,
): [number, number] {
  let mattr: number;
  let sh: number;
  switch (t) {
    case "p2m_mmio_direct_dev":
      mattr = MATTR_DEV;
      sh = LPAE_SH_OUTER;
      break;
    case "p2m_mmio_direct_c":
      mattr = MATTR_MEM;
      sh = LPAE_SH_OUTER;
      break;
    case "p2m_mmio_direct_nc":
      // ARMv8 treats Normal iNC/oNC as Outer Shareable (p2m.c comment, DDI 0487A.j D4-40).
      mattr = MATTR_MEM_NC;
      sh = LPAE_SH_OUTER;
      break;
    default:
      mattr = MATTR_MEM;
      sh = LPAE_SH_INNER;
  }
  let read = true;
  let write: boolean;
  let xn: boolean;
  // p2m_set_permission: type permissions first.
  switch (t) {
    case "p2m_ram_rw":
      xn = false;
      write = true;
      break;
    case "p2m_ram_ro":
      xn = false;
      write = false;
      break;
    case "p2m_iommu_map_rw":
    case "p2m_map_foreign_rw":
    case "p2m_grant_map_rw":
    case "p2m_mmio_direct_dev":
    case "p2m_mmio_direct_nc":
    case "p2m_mmio_direct_c":
      xn = true;
      write = true;
      break;
    default:
      xn = true;
      write = false;
  }
  // Then restrict with the access permissions.
  switch (a) {
    case "rwx":
      break;
    case "wx":
      read = false;
      break;
    case "rw":
      xn = true;
      break;
    case "w":
      read = false;
      xn = true;
      break;
    case "rx":
    case "rx2rw":
      write = false;
      break;
    case "x":
      write = false;
      read = false;
      break;
    case "r":
      write = false;
      xn = true;
      break;
    case "n":
    case "n2rwx":
      read = write = false;
      xn = true;
      break;
  }
  if (ov?.memAttr !== undefined) mattr = ov.memAttr;
  if (ov?.xn !== undefined) xn = ov.xn;
  const base = mfn * PAGE_SIZE;
  const lo = (1 | 2 | (mattr << 2) | (read ? 0x40 : 0) | (write ? 0x80 : 0) | (sh << 8) | 0x400 |
    (base % 0x100000000 & 0xfffff000)) >>> 0;
  const hi = ((Math.floor(base / 0x100000000) & 0xffff) | (xn ? 1 << 22 : 0) |
    (P2M_TYPE_VALUE[t] << 23)) >>> 0;
  return [lo, hi];
}

/** Geometry chosen by `setup_virt_paging` (p2m.c `pa_range_info`). */
export interface P2mGeometry {
  /** IPA bits (= PA bits). */
  ipaBits: number;
  /** PA bits of the PARange. */
  paBits: number;
  /** Root level (2 - SL0). */
  rootLevel: number;
  /** Root order (concatenated root pages = 2^order). */
  rootOrder: number;
  /** VTCR_EL2 value. */
  vtcr: number;
  /** VMID width. */
  vmidBits: 8 | 16;
}

const PA_RANGE_INFO: [number, number, number, number][] = [
  // PA size, T0SZ, root order, SL0 (ARM DDI 0487H.a Table D5-6, via p2m.c)
  [32, 32, 0, 1],
  [36, 28, 0, 1],
  [40, 24, 1, 1],
  [42, 22, 3, 1],
  [44, 20, 0, 2],
  [48, 16, 0, 2],
  [52, 12, 4, 2],
];

/** VTCR_EL2 fields Xen sets (asm/processor.h). */
const VTCR_RES1 = 0x80000000;
const VTCR_SH0_IS = 3 << 12;
const VTCR_ORGN0_WBWA = 1 << 10;
const VTCR_IRGN0_WBWA = 1 << 8;
const VTCR_TG0_4K = 0;
const VTCR_VS = 1 << 19;

/**
 * `setup_virt_paging` on arm64: the p2m geometry and VTCR for a CPU's PARange, with Xen's IPA
 * limit (`p2m_ipa_bits`, 48 = PADDR_BITS unless an IOMMU lowered it).
 *
 * @example
 * ```ts
 * import { setupVirtPaging } from "./p2m.ts";
 * const g = setupVirtPaging(4, false);
 * console.assert(g.vtcr === 0x80043594 && g.rootLevel === 0 && g.ipaBits === 44);
 * ```
 */
export function setupVirtPaging(paRange: number, vmid16: boolean, ipaLimit = 48): P2mGeometry {
  let ipa = ipaLimit;
  const info = PA_RANGE_INFO[paRange];
  if (!info) throw new RangeError(`Unknown encoding of ID_AA64MMFR0_EL1.PARange ${paRange}`);
  if (info[0] < ipa) ipa = info[0];
  const idx = PA_RANGE_INFO.findIndex((r) => r[0] === ipa);
  if (idx < 0) throw new RangeError(`Unknown encoding of ID_AA64MMFR0_EL1.PARange ${idx}`);
  const [pabits, t0sz, rootOrder, sl0] = PA_RANGE_INFO[idx];
  let vtcr = VTCR_RES1 | VTCR_SH0_IS | VTCR_ORGN0_WBWA | VTCR_IRGN0_WBWA;
  vtcr |= idx << 16;
  vtcr |= VTCR_TG0_4K;
  if (vmid16) vtcr |= VTCR_VS;
  vtcr |= sl0 << 6;
  vtcr |= t0sz;
  return {
    ipaBits: 64 - t0sz,
    paBits: pabits,
    rootLevel: 2 - sl0,
    rootOrder,
    vtcr: vtcr >>> 0,
    vmidBits: vmid16 ? 16 : 8,
  };
}

/** What a lookup found (`p2m_get_entry`). */
export interface P2mLookup {
  /** MFN of the IPA's page, or -1 (`INVALID_MFN`). */
  mfn: number;
  /** The p2m type (`p2m_invalid` when nothing is mapped). */
  type: P2mType;
  /** Level of the leaf (or where the walk stopped). */
  level: number;
  /** Page order of the leaf (`XEN_PT_LEVEL_ORDER(level)`). */
  order: number;
  /** The descriptor, when a leaf was found. */
  entry?: P2mEntry;
  /** Hardware valid bit of the leaf. */
  valid: boolean;
}

/** Counters (`p2m->stats`). */
export interface P2mStats {
  /** Leaf mappings per level. */
  mappings: [number, number, number, number];
  /** Superpages shattered per level. */
  shattered: [number, number, number, number];
  /** Table pages allocated (including the root). */
  tablePages: number;
  /** TLB flushes issued (`p2m_force_tlb_flush_sync` / deferred flushes). */
  tlbFlushes: number;
}

/** Callbacks into the CPU model for TLB maintenance. */
export interface P2mHooks {
  /** `flush_guest_tlb` for this VMID (TLBI VMALLS12E1IS): wire to `cpu.tlbiStage2(vmid)`. */
  tlbFlush?(vmid: number): void;
}

const LEVEL_ORDER = [27, 18, 9, 0];

enum Next {
  MapFailed,
  SuperPage,
  NormalPage,
}

/** A domain's p2m. */
export class P2m {
  /** VMID. */
  readonly vmid: number;
  /** Geometry (root level/order, VTCR). */
  readonly geo: P2mGeometry;
  /** Machine address of the root (first root page). */
  readonly rootPa: number;
  /** Counters. */
  readonly stats: P2mStats = {
    mappings: [0, 0, 0, 0],
    shattered: [0, 0, 0, 0],
    tablePages: 0,
    tlbFlushes: 0,
  };
  /** Highest GFN ever mapped (`max_mapped_gfn`). */
  maxMappedGfn = 0;
  /** Lowest GFN ever mapped (`lowest_mapped_gfn`). */
  lowestMappedGfn: number = Number.MAX_SAFE_INTEGER;
  /** MFNs of every table page (`p2m->pages`). */
  readonly pages: Set<number> = new Set<number>();
  private readonly mem: HostMemory;
  private readonly alloc: PageAllocator;
  private readonly hooks: P2mHooks;
  private needFlush = false;
  private readonly offs = [0, 0, 0, 0];
  private lo = 0;
  private hi = 0;
  private readonly direct: boolean;
  private readonly views = new Map<number, Uint32Array>();
  /** Walk cache: the level-3 table last used for 4 KiB mappings, by 2 MiB region. */
  private l3Region = -1;
  private l3Table = 0;

  /**
   * `p2m_init` + `p2m_alloc_table`: allocate and zero the root (2^rootOrder pages).
   *
   * @throws {Error} when the heap has no page for the root.
   */
  constructor(
    mem: HostMemory,
    alloc: PageAllocator,
    geo: P2mGeometry,
    vmid: number,
    hooks: P2mHooks = {},
  ) {
    this.mem = mem;
    this.alloc = alloc;
    this.geo = geo;
    this.vmid = vmid;
    this.hooks = hooks;
    // Typed-array views assume a little-endian host (all supported hosts are).
    this.direct = typeof mem.page === "function" &&
      new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
    const root = alloc.allocDomheapPages(geo.rootOrder, {}, `p2m root d-vmid${vmid}`);
    if (root < 0) throw new Error("p2m: cannot allocate the root table");
    for (let i = 0; i < 2 ** geo.rootOrder; i++) {
      mem.fill((root + i) * PAGE_SIZE, PAGE_SIZE, 0);
      this.pages.add(root + i);
    }
    this.stats.tablePages += 2 ** geo.rootOrder;
    this.rootPa = root * PAGE_SIZE;
  }

  /**
   * `p2m_teardown` + `p2m_final_teardown`: flush the VMID, return every intermediate table page
   * and then the root to the heap. The p2m must not be used afterwards.
   */
  teardown(): void {
    this.flush();
    const root = this.rootPa / PAGE_SIZE;
    const n = 2 ** this.geo.rootOrder;
    for (const mfn of [...this.pages]) if (mfn < root || mfn >= root + n) this.freeTablePage(mfn);
    for (let i = 0; i < n; i++) this.pages.delete(root + i);
    this.stats.tablePages -= n;
    this.alloc.freeDomheapPages(root, this.geo.rootOrder, `p2m root vmid${this.vmid}`);
    this.views.clear();
    this.l3Region = -1;
  }

  /** `VTTBR_EL2` for this p2m: VMID in bits [63:48] (or [55:48]), root base address. */
  get vttbr(): bigint {
    return (BigInt(this.vmid) << 48n) | BigInt(this.rootPa);
  }

  /** The page holding `pa` as 32-bit words (cached), or null without direct backing. */
  private view(pa: number): Uint32Array | null {
    if (!this.direct) return null;
    const pfn = Math.floor(pa / PAGE_SIZE);
    let v = this.views.get(pfn);
    if (!v) {
      const pg = this.mem.page!(pa);
      v = new Uint32Array(pg.buffer, pg.byteOffset, PAGE_SIZE / 4);
      this.views.set(pfn, v);
    }
    return v;
  }

  /** Read the descriptor at `pa` into `this.lo`/`this.hi`. */
  private rd(pa: number): void {
    const v = this.view(pa);
    if (v) {
      const i = (pa % PAGE_SIZE) >>> 2;
      this.lo = v[i];
      this.hi = v[i + 1];
      return;
    }
    this.lo = this.mem.readU32(pa);
    this.hi = this.mem.readU32(pa + 4);
  }

  /** Writes a 64-bit descriptor (two little-endian words) at `pa`. */
  private wr(pa: number, lo: number, hi: number): void {
    const v = this.view(pa);
    if (v) {
      const i = (pa % PAGE_SIZE) >>> 2;
      v[i] = lo;
      v[i + 1] = hi;
      return;
    }
    this.mem.writeU32(pa, lo);
    this.mem.writeU32(pa + 4, hi);
  }

  /** Flushes this VMID's stage-2 TLB entries through the hook. */
  private flush(): void {
    this.stats.tlbFlushes++;
    this.needFlush = false;
    this.hooks.tlbFlush?.(this.vmid);
  }

  /** Table indexes of `gfn` at levels 0..3 (`offsets[]`). */
  private setOffsets(gfn: number): void {
    const o = this.offs;
    o[3] = gfn % 512;
    o[2] = Math.floor(gfn / 512) % 512;
    o[1] = Math.floor(gfn / 262144) % 512;
    o[0] = Math.floor(gfn / 134217728) % 512;
  }

  /** `p2m_get_root_pointer`: the root page holding this GFN's root entry, or -1. */
  private rootPointer(gfn: number): number {
    const rt = Math.floor(gfn / 2 ** (LEVEL_ORDER[this.geo.rootLevel] + 9));
    if (rt >= 2 ** this.geo.rootOrder) return -1;
    return this.rootPa + rt * PAGE_SIZE;
  }

  /** `p2m_alloc_page`: one zeroed domheap page for a table. */
  private allocTablePage(): number {
    const mfn = this.alloc.allocDomheapPages(0, {}, `p2m vmid${this.vmid}`);
    if (mfn < 0) return -1;
    this.pages.add(mfn);
    this.stats.tablePages++;
    this.mem.fill(mfn * PAGE_SIZE, PAGE_SIZE, 0);
    return mfn;
  }

  /** `p2m_free_page`: returns a table page to the heap. */
  private freeTablePage(mfn: number): void {
    this.pages.delete(mfn);
    this.stats.tablePages--;
    this.alloc.freeDomheapPages(mfn, 0, `p2m vmid${this.vmid}`);
  }

  /** `p2m_next_level`: follow (or create) the table behind `table[offset]` at `level`. */
  private nextLevel(
    readOnly: boolean,
    level: number,
    table: number,
    offset: number,
  ): [Next, number] {
    const epa = table + offset * 8;
    this.rd(epa);
    let lo = this.lo;
    let hi = this.hi;
    if (((hi >>> 23) & 0xf) === 0) {
      // !p2m_is_valid
      if (readOnly) return [Next.MapFailed, table];
      const mfn = this.allocTablePage();
      if (mfn < 0) return [Next.MapFailed, table];
      [lo, hi] = mfnToP2mEntry(mfn, "p2m_ram_rw", "rwx");
      this.wr(epa, lo, hi);
    }
    // p2m_is_mapping: valid && (level == 3 || !table)
    if ((lo & 1) && (level === 3 || !(lo & 2))) return [Next.SuperPage, table];
    const oa = (hi & 0xffff) * 0x100000000 + ((lo & 0xfffff000) >>> 0);
    return [Next.NormalPage, oa];
  }

  /** `p2m_free_entry`: drop a subtree, freeing its table pages. */
  private freeEntry(lo: number, hi: number, level: number): void {
    if (((hi >>> 23) & 0xf) === 0) return;
    if (level === 3 || ((lo & 1) && !(lo & 2))) {
      this.stats.mappings[level]--;
      return;
    }
    const t = (hi & 0xffff) * 0x100000000 + ((lo & 0xfffff000) >>> 0);
    for (let i = 0; i < LPAE_ENTRIES; i++) {
      this.rd(t + i * 8);
      this.freeEntry(this.lo, this.hi, level + 1);
    }
    this.flush();
    this.l3Region = -1;
    this.views.delete(Math.floor(t / PAGE_SIZE));
    this.freeTablePage(Math.floor(t / PAGE_SIZE));
  }

  /**
   * `p2m_split_superpage`: a table of 512 entries at `level + 1` replicating the block
   * [lo, hi], split further down to `target` along the walk's offsets. Returns the new table
   * descriptor (not yet installed) or undefined when out of memory.
   */
  private splitSuperpage(
    lo: number,
    hi: number,
    level: number,
    target: number,
  ): [number, number] | undefined {
    const page = this.allocTablePage();
    if (page < 0) return undefined;
    const tpa = page * PAGE_SIZE;
    const next = level + 1;
    const lorder = LEVEL_ORDER[next];
    const base = (hi & 0xffff) * 0x100000000 + ((lo & 0xfffff000) >>> 0);
    const loAttr = lo & 0xffd; // keep low attributes; table bit set per level below
    const hiAttr = hi & 0xffff0000;
    for (let i = 0; i < LPAE_ENTRIES; i++) {
      const oa = base + i * 2 ** lorder * PAGE_SIZE;
      const l = (loAttr | (next === 3 ? 2 : 0) | (oa % 0x100000000 & 0xfffff000)) >>> 0;
      const h = (hiAttr | (Math.floor(oa / 0x100000000) & 0xffff)) >>> 0;
      this.wr(tpa + i * 8, l, h);
    }
    this.stats.shattered[level]++;
    this.stats.mappings[level]--;
    this.stats.mappings[next] += LPAE_ENTRIES;
    if (next !== target) {
      const epa = tpa + this.offs[next] * 8;
      this.rd(epa);
      const sub = this.splitSuperpage(this.lo, this.hi, next, target);
      if (!sub) return undefined;
      this.wr(epa, sub[0], sub[1]);
    }
    return mfnToP2mEntry(page, "p2m_ram_rw", "rwx");
  }

  /** `__p2m_set_entry`: one 4K/2M/1G mapping (or removal when mfn < 0). Returns 0 or -errno. */
  private setOne(gfn: number, order: number, mfn: number, tlo: number, thi: number): number {
    const target = 3 - order / 9;
    const removing = mfn < 0;
    this.setOffsets(gfn);
    let table: number;
    let level: number;
    const region = Math.floor(gfn / 512);
    if (target === 3 && this.l3Region === region) {
      table = this.l3Table;
      level = 3;
    } else {
      table = this.rootPointer(gfn);
      if (table < 0) return -22;
      level = this.geo.rootLevel;
      for (; level < target; level++) {
        const [rc, next] = this.nextLevel(removing, level, table, this.offs[level]);
        if (rc === Next.MapFailed) return removing ? 0 : -2;
        if (rc !== Next.NormalPage) break;
        table = next;
      }
      if (level === 3) {
        this.l3Region = region;
        this.l3Table = table;
      }
    }
    let epa = table + this.offs[level] * 8;
    if (level < target) {
      this.rd(epa);
      const split = this.splitSuperpage(this.lo, this.hi, level, target);
      if (!split) {
        this.stats.mappings[level]++;
        return -12;
      }
      // Break-before-make (DDI 0487A.j D4.7.1).
      this.l3Region = -1;
      this.wr(epa, 0, 0);
      this.flush();
      this.wr(epa, split[0], split[1]);
      for (; level < target; level++) {
        const [, next] = this.nextLevel(true, level, table, this.offs[level]);
        table = next;
      }
      epa = table + this.offs[level] * 8;
    }
    this.rd(epa);
    const olo = this.lo;
    const ohi = this.hi;
    const origValidHw = (olo & 1) !== 0;
    const origValidSw = ((ohi >>> 23) & 0xf) !== 0;
    if (origValidHw || removing) this.wr(epa, 0, 0);
    let nlo = 0;
    let nhi = 0;
    if (removing) {
      if (origValidHw) this.needFlush = true;
    } else {
      const base = mfn * PAGE_SIZE;
      nlo = (tlo | (base % 0x100000000 & 0xfffff000)) >>> 0;
      nhi = (thi | (Math.floor(base / 0x100000000) & 0xffff)) >>> 0;
      if (level < 3) nlo = (nlo & ~2) >>> 0;
      if (origValidHw) this.flush();
      else if (!origValidSw) this.stats.mappings[level]++;
      this.wr(epa, nlo, nhi);
      this.maxMappedGfn = Math.max(this.maxMappedGfn, gfn + 2 ** order - 1);
      this.lowestMappedGfn = Math.min(this.lowestMappedGfn, gfn);
    }
    if (origValidSw) {
      const oldOa = (ohi & 0xffff) * 0x100000000 + ((olo & 0xfffff000) >>> 0);
      const newOa = (nhi & 0xffff) * 0x100000000 + ((nlo & 0xfffff000) >>> 0);
      if (oldOa !== newOa) this.freeEntry(olo, ohi, level);
    }
    return 0;
  }

  /**
   * `p2m_set_entry(gfn, nr, mfn, t, a)`: map `nr` pages (or unmap with `mfn` = -1), choosing the
   * block size per step. Returns 0 or a negative errno; flushes deferred TLB work at the end
   * (`p2m_write_unlock`).
   */
  setEntry(
    gfn: number,
    nr: number,
    mfn: number,
    t: P2mType,
    a: P2mAccess = "rwx",
    ov?: AttrOverride,
  ): number {
    let rc = 0;
    // A request this large that Xen cannot complete (past the IPA space, or more level-3 tables
    // than the heap has pages) fails the same way after minutes of mapping in Xen and in the
    // model; fail it at once (only a domain being built from such a host tree asks for it, and
    // its construction then panics).
    if (nr > FAIL_FAST_PAGES) {
      if (gfn + nr > 2 ** (this.geo.ipaBits - 12)) return -22;
      const m = mfn >= 0 ? mfn : 0;
      const blocks = m % 512 === 0 && gfn % 512 === 0 && nr % 512 === 0;
      const free = this.alloc.avail.reduce((x, y) => x + y, 0);
      if (!blocks && nr / 512 > free) return -12;
    }
    const [tlo, thi] = mfnToP2mEntry(0, t, a, ov);
    while (nr > 0) {
      const m = mfn >= 0 ? mfn : 0;
      let order: number;
      if (m % 262144 === 0 && gfn % 262144 === 0 && nr % 262144 === 0) order = FIRST_ORDER;
      else if (m % 512 === 0 && gfn % 512 === 0 && nr % 512 === 0) order = SECOND_ORDER;
      else order = THIRD_ORDER;
      if (order === THIRD_ORDER && mfn >= 0 && this.l3Region === Math.floor(gfn / 512)) {
        const done = this.fastRun4k(gfn, nr, mfn, tlo, thi);
        if (done > 0) {
          gfn += done;
          mfn += done;
          nr -= done;
          continue;
        }
      }
      rc = this.setOne(gfn, order, mfn, tlo, thi);
      if (rc) break;
      const n = 2 ** order;
      gfn += n;
      if (mfn >= 0) mfn += n;
      nr -= n;
    }
    if (this.needFlush) this.flush();
    return rc;
  }

  /**
   * The body of `__p2m_set_entry` for a run of new 4 KiB mappings in the cached level-3 table:
   * same descriptors and counters as one call per page, without re-walking the tables. Stops at
   * the end of the table, at the first entry that is already valid (handled by the general path,
   * which does break-before-make), or when the step would no longer be 4 KiB. Returns the number
   * of pages mapped.
   */
  private fastRun4k(gfn: number, nr: number, mfn: number, tlo: number, thi: number): number {
    const v = this.view(this.l3Table);
    if (!v) return 0;
    // The caller decided the first step is 4 KiB; inside a 2 MiB region the GFN is never
    // 512-aligned, so every later step is 4 KiB too.
    let w = (gfn % 512) * 2;
    const end = Math.min(1024, w + nr * 2);
    let pl = (mfn % 1048576) * PAGE_SIZE; // PA bits 31:0
    let ph = Math.floor(mfn / 1048576); // PA bits 47:32
    const start = w;
    for (; w < end; w += 2) {
      if (v[w] & 1 || (v[w + 1] >>> 23) & 0xf) break;
      v[w] = (tlo | pl) >>> 0;
      v[w + 1] = (thi | (ph & 0xffff)) >>> 0;
      pl += PAGE_SIZE;
      if (pl >= 0x100000000) {
        pl -= 0x100000000;
        ph++;
      }
    }
    const i = (w - start) / 2;
    if (i > 0) {
      this.stats.mappings[3] += i;
      this.maxMappedGfn = Math.max(this.maxMappedGfn, gfn + i - 1);
      this.lowestMappedGfn = Math.min(this.lowestMappedGfn, gfn);
    }
    return i;
  }

  /** `p2m_get_entry(gfn)`: what is mapped at a GFN. */
  lookup(gfn: number): P2mLookup {
    const none: P2mLookup = { mfn: -1, type: "p2m_invalid", level: 3, order: 0, valid: false };
    if (gfn > this.maxMappedGfn || gfn < this.lowestMappedGfn) return none;
    this.setOffsets(gfn);
    let table = this.rootPointer(gfn);
    if (table < 0) return none;
    let level = this.geo.rootLevel;
    for (; level <= 3; level++) {
      if (level === 3) break;
      const [rc, next] = this.nextLevel(true, level, table, this.offs[level]);
      if (rc === Next.MapFailed) return { ...none, level, order: LEVEL_ORDER[level] };
      if (rc !== Next.NormalPage) break;
      table = next;
    }
    this.rd(table + this.offs[level] * 8);
    const lo = this.lo;
    const hi = this.hi;
    const tv = (hi >>> 23) & 0xf;
    const order = LEVEL_ORDER[level];
    if (tv === 0) return { ...none, level, order };
    const e = decodeP2mEntry(lo, hi);
    const base = e.oa / PAGE_SIZE;
    return {
      mfn: base + (gfn % 2 ** order),
      type: p2mTypeName(tv) ?? "p2m_invalid",
      level,
      order,
      entry: e,
      valid: e.valid,
    };
  }

  /**
   * Every leaf mapping as maximal runs of contiguous IPA→PA with identical attributes, sorted by
   * IPA (for reports and the isolation checker). Walks the real tables.
   */
  leaves(): { ipa: number; pa: number; size: number; level: number; entry: P2mEntry }[] {
    const out: { ipa: number; pa: number; size: number; level: number; entry: P2mEntry }[] = [];
    // The current run: contiguous IPA→PA with identical attribute bits.
    let rIpa = -1;
    let rPa = 0;
    let rSize = 0;
    let rLevel = 0;
    let rLo = 0;
    let rHi = 0;
    const flush = () => {
      if (rIpa >= 0) {
        out.push({
          ipa: rIpa,
          pa: rPa,
          size: rSize,
          level: rLevel,
          entry: decodeP2mEntry(rLo, rHi),
        });
      }
      rIpa = -1;
    };
    const walk = (tpa: number, level: number, ipaBase: number): void => {
      const span = 2 ** LEVEL_ORDER[level] * PAGE_SIZE;
      // One table is one page: read it through one view (or one copy) instead of per entry.
      const v = this.view(tpa) ?? new Uint32Array(this.mem.read(tpa, PAGE_SIZE).buffer);
      for (let i = 0; i < LPAE_ENTRIES; i++) {
        const lo = v[2 * i];
        const hi = v[2 * i + 1];
        if (((hi >>> 23) & 0xf) === 0) continue;
        const ipa = ipaBase + i * span;
        const oa = (hi & 0xffff) * 0x100000000 + ((lo & 0xfffff000) >>> 0);
        if (level === 3 || !(lo & 2)) {
          if (
            rIpa >= 0 && rIpa + rSize === ipa && rPa + rSize === oa &&
            (rLo & 0xffd) === (lo & 0xffd) &&
            (rHi & 0xffff0000) === (hi & 0xffff0000)
          ) {
            rSize += span;
            if (level > rLevel) rLevel = level;
          } else {
            flush();
            rIpa = ipa;
            rPa = oa;
            rSize = span;
            rLevel = level;
            rLo = lo;
            rHi = hi;
          }
        } else walk(oa, level + 1, ipa);
      }
    };
    const rl = this.geo.rootLevel;
    const rootSpan = 2 ** (LEVEL_ORDER[rl] + 9) * PAGE_SIZE;
    for (let p = 0; p < 2 ** this.geo.rootOrder; p++) {
      walk(this.rootPa + p * PAGE_SIZE, rl, p * rootSpan);
    }
    flush();
    return out;
  }

  /** Count of table pages and leaf descriptors per level, walking the real tables. */
  countDescriptors(): { tables: number; leaves: [number, number, number, number] } {
    const leaves: [number, number, number, number] = [0, 0, 0, 0];
    let tables = 0;
    const walk = (tpa: number, level: number): void => {
      tables++;
      for (let i = 0; i < LPAE_ENTRIES; i++) {
        this.rd(tpa + i * 8);
        const lo = this.lo;
        const hi = this.hi;
        if (((hi >>> 23) & 0xf) === 0) continue;
        if (level === 3 || !(lo & 2)) leaves[level]++;
        else walk(decodeP2mEntry(lo, hi).oa, level + 1);
      }
    };
    for (let p = 0; p < 2 ** this.geo.rootOrder; p++) {
      walk(this.rootPa + p * PAGE_SIZE, this.geo.rootLevel);
    }
    return { tables, leaves };
  }
}
