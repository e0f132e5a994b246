/**
 * dom0's early boot up to a running kernel address space, as arm64 Linux 6.1 does it
 * (arch/arm64/kernel/head.S, mm/proc.S, kernel/setup.c, mm/mmu.c, mm/init.c, drivers/of/fdt.c):
 *
 * 1. `__create_page_tables` (MMU off, VA = PA): clear `init_pg_dir` with `stp xzr, xzr`, map the
 *    kernel image at KIMAGE_VADDR with 2 MiB blocks (PAGE_KERNEL_EXEC), invalidate the tables
 *    from the caches (`dc ivac` per line).
 * 2. `__cpu_setup` + `__enable_mmu`: MAIR_EL1, TCR_EL1, TTBR1_EL1 = init_pg_dir, TTBR0_EL1 =
 *    reserved_pg_dir (the identity map is not modelled: the model fetches no instructions), then
 *    SCTLR_EL1 with M/C/I set; `__primary_switched` clears .bss with `memset`.
 * 3. `early_fixmap_init` (bm_pud/bm_pmd/bm_pte in .bss) and `fixmap_remap_fdt`: the DTB is read
 *    through a 2 MiB fixmap block, read-write while `early_init_dt_scan` runs (which zeroes
 *    `/chosen/kaslr-seed` and NOPs `rng-seed` in place, as Linux does), read-only afterwards.
 * 4. memblock from `/memory` nodes, reservations (kernel, DTB, initrd, `/memreserve/`,
 *    `/reserved-memory` with `no-map` → NOMAP), CMA.
 * 5. `paging_init`: `swapper_pg_dir` built through the fixmap slots with tables from memblock:
 *    kernel segments (ROX text, RO rodata, RW data) and the linear map of all mapped memory
 *    (PAGE_KERNEL, block and contiguous mappings), then `cpu_replace_ttbr1`.
 * 6. `request_standard_resources` and `reserve_memblock_reserved_regions` for /proc/iomem.
 *
 * @module
 */

import type { PA, VA } from "../arch/arm64/port.ts";
import { readDtb } from "../dt/dtb_read.ts";
import type { DeviceTree, Node } from "../dt/tree.ts";
import { deviceGetAddress } from "../dt/address.ts";
import type { Kernel, KernelImageLayout } from "./kernel.ts";
import {
  FDT_VIRT_BASE,
  FIX_PTE,
  FIXADDR_TOP,
  fixToVirt,
  KIMAGE_VADDR,
  LinearMap,
  PAGE_SIZE,
  pgIndex,
  PMD_SIZE,
} from "./memory_layout.ts";
import { memset } from "./memset.ts";
import { KERNEL_TABLE_BITS } from "./pgtable.ts";
import {
  INIT_SCTLR_EL1_MMU_ON,
  MAIR_EL1_SET,
  PAGE_KERNEL,
  PAGE_KERNEL_EXEC,
  PAGE_KERNEL_RO,
  PAGE_KERNEL_ROX,
  PMD_TYPE_TABLE,
  PTE_TABLE_BIT,
  tcrEl1,
} from "./pgtable_prot.ts";
import { KERN_INFO, KERN_NOTICE } from "./printk.ts";
import { IORESOURCE_BUSY, IORESOURCE_MEM, IORESOURCE_SYSTEM_RAM, Resource } from "./resource.ts";

/** arm64 Image header magic "ARM\x64" (Documentation/arm64/booting.rst). */
export const ARM64_IMAGE_MAGIC = 0x644d5241;
/** Image size assumed when the loaded kernel carries no Image header (Debian 6.1's). */
export const DEFAULT_IMAGE_SIZE = 0x2010000;
/** `MAX_FDT_SIZE`. */
export const MAX_FDT_SIZE = 2 * 1024 * 1024;

const SZ_64K = 0x10000;

function roundUp(v: number, a: number): number {
  return Math.ceil(v / a) * a;
}

/** The arm64 Image header fields dom0 uses. */
export interface ImageHeader {
  /** Whether the magic matched. */
  valid: boolean;
  /** `text_offset`. */
  textOffset: number;
  /** `image_size` (0 in very old images). */
  imageSize: number;
}

/** Read the Image header at `pa` with the MMU off (aligned 64-bit loads). */
export function readImageHeader(kern: Kernel, pa: PA): ImageHeader {
  const k = kern.cpu;
  const textOffset = Number(k.load64(pa + 8));
  const imageSize = Number(k.load64(pa + 16));
  const magic = Number(k.load64(pa + 56) & 0xffffffffn);
  return { valid: magic === ARM64_IMAGE_MAGIC, textOffset, imageSize };
}

/**
 * The model kernel's section layout for an image of `imageSize` bytes at `text`: Debian 6.1's
 * proportions (code 0x1650000, init 0x650000, data 0x360000 for the 0x2010000 image), scaled
 * down for smaller images; page-table pages and .bss statics at the end of data.
 */
export function kernelImageLayout(text: PA, imageSize: number): KernelImageLayout {
  const size = roundUp(Math.max(imageSize, 0x200000), SZ_64K);
  const big = size >= 0x1000000; // a distribution-sized kernel: Debian's section sizes
  const dataSize = big ? 0x360000 : Math.max(0x40000, roundUp(size / 8, SZ_64K));
  const initSize = big ? 0x650000 : Math.max(0x20000, roundUp(size / 4, SZ_64K));
  const end = text + size;
  const sdata = end - dataSize;
  const initBegin = sdata - initSize;
  const initPgEnd = end;
  const initPgDir = end - 3 * PAGE_SIZE;
  const bmPte = initPgDir - PAGE_SIZE;
  const bmPmd = bmPte - PAGE_SIZE;
  const bmPud = bmPmd - PAGE_SIZE;
  const consoleBuf = bmPud - PAGE_SIZE;
  return {
    text,
    stext: text + SZ_64K,
    initBegin,
    sdata,
    end,
    swapperPgDir: initBegin - PAGE_SIZE,
    reservedPgDir: initBegin - 2 * PAGE_SIZE,
    initPgDir,
    initPgEnd,
    bmPud,
    bmPmd,
    bmPte,
    consoleBuf,
  };
}

/** Start of .bss in the model layout (the statics below init_pg_dir). */
function bssStart(l: KernelImageLayout): PA {
  return l.consoleBuf - 12 * PAGE_SIZE;
}

/** head.S `__create_page_tables` + `__cpu_setup` + `__enable_mmu` + .bss clearing. */
export function createPageTablesAndEnableMmu(kern: Kernel): void {
  const k = kern.cpu;
  const l = kern.image;
  const pt = kern.pt;
  k.enter("__create_page_tables");
  // Clear the init page tables: stp xzr, xzr x4 per 64 bytes (MMU off).
  const z = new Uint8Array(16);
  for (let a = l.initPgDir; a < l.initPgEnd; a += 64) {
    k.stp(a, 8, z);
    k.stp(a + 16, 8, z);
    k.stp(a + 32, 8, z);
    k.stp(a + 48, 8, z);
  }
  // Map the kernel image with 2 MiB blocks (SWAPPER_BLOCK_SIZE), tables from init_pg_dir.
  let next = l.initPgDir + PAGE_SIZE;
  pt.mode = "phys";
  pt.tableBits = PMD_TYPE_TABLE;
  pt.allocTable = () => {
    if (next >= l.initPgEnd) throw new Error("init_pg_dir exhausted");
    const p = next;
    next += PAGE_SIZE;
    return p;
  };
  const mapEnd = roundUp(l.end - l.text, PMD_SIZE);
  pt.map(l.initPgDir, KIMAGE_VADDR, l.text, mapEnd, PAGE_KERNEL_EXEC, { noCont: true });
  // dmb sy; dcache_inval_poc(init_pg_dir, init_pg_end): dc ivac per 64-byte line.
  k.barrier("dmb sy");
  for (let a = l.initPgDir; a < l.initPgEnd; a += 64) k.dc("ivac", a);
  k.leave();

  k.enter("__cpu_setup");
  k.tlbi();
  k.msr("MAIR_EL1", MAIR_EL1_SET);
  const parange = Number(k.mrs("ID_AA64MMFR0_EL1") & 0xfn);
  k.msr("TCR_EL1", tcrEl1(parange));
  k.leave();

  k.enter("__enable_mmu");
  k.msr("TTBR0_EL1", BigInt(l.reservedPgDir));
  k.msr("TTBR1_EL1", BigInt(l.initPgDir));
  k.msr("SCTLR_EL1", INIT_SCTLR_EL1_MMU_ON);
  k.barrier("isb");
  k.leave();
  kern.mmuOn = true;
  kern.pgd = l.initPgDir;

  // __primary_switched: clear .bss (memset through the kernel mapping; DC ZVA on Normal WB).
  k.enter("__primary_switched");
  memset(k, kern.kimgVa(bssStart(l)), 0, l.initPgDir - bssStart(l));
  k.leave();
}

/** `early_fixmap_init`: hook bm_pud → bm_pmd → bm_pte under the fixmap PGD entry. */
export function earlyFixmapInit(kern: Kernel): void {
  const k = kern.cpu;
  const l = kern.image;
  k.enter("early_fixmap_init");
  const base = FDT_VIRT_BASE - PMD_SIZE; // the page slots' 2 MiB
  const pgdEntry = kern.kimgVa(l.initPgDir) + pgIndex(FIXADDR_TOP - 1, 0) * 8;
  k.store64(pgdEntry, BigInt(l.bmPud) | KERNEL_TABLE_BITS);
  k.store64(
    kern.kimgVa(l.bmPud) + pgIndex(FIXADDR_TOP - 1, 1) * 8,
    BigInt(l.bmPmd) | KERNEL_TABLE_BITS,
  );
  k.store64(kern.kimgVa(l.bmPmd) + pgIndex(base, 2) * 8, BigInt(l.bmPte) | KERNEL_TABLE_BITS);
  k.leave();
}

/**
 * `fixmap_remap_fdt(dt_phys, prot)`: map the 2 MiB block(s) holding the DTB at FDT_VIRT_BASE and
 * return the DTB's VA. `size` is the part that must be covered (8 bytes to read the header).
 */
export function fixmapRemapFdt(kern: Kernel, dtPhys: PA, size: number, prot: bigint): VA {
  const k = kern.cpu;
  k.enter("fixmap_remap_fdt");
  const base = dtPhys - (dtPhys % PMD_SIZE);
  const len = roundUp(dtPhys - base + size, PMD_SIZE);
  const pt = kern.pt;
  const saveMode = pt.mode;
  pt.mode = kern.pgd === kern.image.initPgDir ? "kimage" : "linear";
  // Remapping an existing block: unmap first (break-before-make) when it is present.
  for (let o = 0; o < Math.min(len, 2 * PMD_SIZE); o += PMD_SIZE) {
    const entry = kern.kimgVa(kern.image.bmPmd) + pgIndex(FDT_VIRT_BASE + o, 2) * 8;
    if (k.load64(entry) !== 0n) {
      k.store64(entry, 0n);
      k.tlbi(FDT_VIRT_BASE + o);
    }
  }
  for (let o = 0; o < Math.min(len, 2 * PMD_SIZE); o += PMD_SIZE) {
    const entry = kern.kimgVa(kern.image.bmPmd) + pgIndex(FDT_VIRT_BASE + o, 2) * 8;
    k.store64(entry, BigInt(base + o) | (prot & ~PTE_TABLE_BIT));
  }
  pt.mode = saveMode;
  k.barrier("dsb ishst");
  k.leave();
  return FDT_VIRT_BASE + (dtPhys - base);
}

/** The DTB as read from dom0's memory, plus where the in-place edits went. */
export interface FdtImage {
  /** The bytes read (totalsize long). */
  bytes: Uint8Array;
  /** The unflattened tree. */
  tree: DeviceTree;
}

/** Why the DTB could not be used (`setup_machine_fdt`'s "invalid device tree blob"). */
export class InvalidFdt extends Error {}

/**
 * `setup_machine_fdt` + `early_init_dt_scan`: validate and read the DTB through the fixmap,
 * zero `/chosen/kaslr-seed` and NOP `/chosen/rng-seed` in place, remap read-only and unflatten.
 */
export function setupMachineFdt(kern: Kernel, dtPhys: PA): FdtImage {
  const k = kern.cpu;
  if (!dtPhys || dtPhys % 8 !== 0) throw new InvalidFdt("misaligned");
  let va = fixmapRemapFdt(kern, dtPhys, 8, PAGE_KERNEL);
  k.enter("setup_machine_fdt");
  const hdr = k.load64(va);
  const magic = Number(
    (hdr & 0xffn) << 24n | ((hdr >> 8n) & 0xffn) << 16n |
      ((hdr >> 16n) & 0xffn) << 8n | ((hdr >> 24n) & 0xffn),
  );
  const w1 = Number(hdr >> 32n);
  const total = ((w1 & 0xff) << 24 | ((w1 >> 8) & 0xff) << 16 | ((w1 >> 16) & 0xff) << 8 |
    ((w1 >> 24) & 0xff)) >>> 0;
  k.leave();
  if (magic !== 0xd00dfeed || total < 40 || total > MAX_FDT_SIZE) {
    throw new InvalidFdt("bad header");
  }
  va = fixmapRemapFdt(kern, dtPhys, total, PAGE_KERNEL);
  k.enter("early_init_dt_scan");
  const bytes = new Uint8Array(roundUp(total, 8));
  for (let o = 0; o < bytes.length; o += 8) k.ldr(va + o, 8, bytes, o);
  let tree: DeviceTree;
  try {
    tree = readDtb(bytes.subarray(0, total), "dtb");
  } catch {
    k.leave();
    throw new InvalidFdt("unparsable");
  }
  // early_init_dt_scan_chosen: rng-seed → fdt_nop_property; kaslr_early_init zeroes kaslr-seed.
  for (const [name, how] of [["kaslr-seed", "zero"], ["rng-seed", "nop"]] as const) {
    const at = findChosenProp(bytes, total, name);
    if (!at) continue;
    const z = new Uint8Array(4);
    if (how === "zero") {
      for (let o = 0; o < at.len; o += 4) k.str(va + at.value + o, 4, z);
    } else {
      const nop = Uint8Array.of(0, 0, 0, 4);
      for (let o = at.prop; o < at.value + roundUp(at.len, 4); o += 4) k.str(va + o, 4, nop);
    }
  }
  k.leave();
  fixmapRemapFdt(kern, dtPhys, total, PAGE_KERNEL_RO);
  return { bytes: bytes.subarray(0, total), tree };
}

/** Offsets of a `/chosen` property in a blob: its FDT_PROP token, its value, its length. */
function findChosenProp(
  b: Uint8Array,
  total: number,
  name: string,
): { prop: number; value: number; len: number } | null {
  const be = (o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  const offStruct = be(8), offStrings = be(12);
  let o = offStruct, depth = 0, inChosen = false;
  const str = (off: number) => {
    let s = "";
    for (let i = off; i < total && b[i]; i++) s += String.fromCharCode(b[i]);
    return s;
  };
  while (o + 4 <= total) {
    const tok = be(o);
    if (tok === 1) {
      const nm = str(o + 4);
      depth++;
      inChosen = depth === 2 && nm === "chosen";
      o = o + 4 + roundUp(nm.length + 1, 4);
    } else if (tok === 2) {
      depth--;
      inChosen = false;
      o += 4;
    } else if (tok === 3) {
      const len = be(o + 4);
      if (inChosen && str(offStrings + be(o + 8)) === name) return { prop: o, value: o + 12, len };
      o += 12 + roundUp(len, 4);
    } else if (tok === 4) o += 4;
    else break;
  }
  return null;
}

/** Root `#address-cells`/`#size-cells` read as Linux does (defaults 1/1). */
function rootCells(tree: DeviceTree): [number, number] {
  const a = tree.root.prop("#address-cells");
  const s = tree.root.prop("#size-cells");
  return [a && a.length >= 4 ? a.u32() : 1, s && s.length >= 4 ? s.u32() : 1];
}

function readCells(v: number[], at: number, n: number): number {
  let x = 0;
  for (let i = 0; i < n; i++) x = x * 2 ** 32 + (v[at + i] >>> 0);
  return x;
}

/** `early_init_dt_scan_memory`: every available `device_type = "memory"` node's `reg`. */
export function scanMemory(kern: Kernel, tree: DeviceTree): void {
  const [na, ns] = rootCells(tree);
  for (const n of tree.root.children) {
    if (n.prop("device_type")?.str() !== "memory" || !n.isAvailable()) continue;
    const reg = n.prop("linux,usable-memory") ?? n.prop("reg");
    if (!reg) continue;
    const cells = reg.cells();
    for (let i = 0; i + na + ns <= cells.length; i += na + ns) {
      const base = readCells(cells, i, na), size = readCells(cells, i + na, ns);
      if (!size) continue;
      // early_init_dt_add_memory_arch: page-align the range inward.
      const b = roundUp(base, PAGE_SIZE);
      const e = Math.floor((base + size) / PAGE_SIZE) * PAGE_SIZE;
      if (e > b) kern.memblock.add(b, e - b);
    }
  }
}

/** What `/chosen` told dom0. */
export interface ChosenInfo {
  /** `bootargs` ("" when absent). */
  bootargs: string;
  /** Initrd [start, end) or null. */
  initrd: { start: PA; end: PA } | null;
}

/** `early_init_dt_scan_chosen`. */
export function scanChosen(tree: DeviceTree): ChosenInfo {
  const c = tree.root.child("chosen") ?? tree.lookup("/chosen@0");
  const bootargs = c?.prop("bootargs")?.str() ?? "";
  let initrd: ChosenInfo["initrd"] = null;
  const s = c?.prop("linux,initrd-start"), e = c?.prop("linux,initrd-end");
  if (s && e) {
    const rd = (p: typeof s) => p.length >= 8 ? Number(p.cellsAt(0, 2)) : p.u32();
    const start = rd(s), end = rd(e);
    if (end > start) initrd = { start, end };
  }
  return { bootargs, initrd };
}

/**
 * `arm64_memblock_init` + `early_init_fdt_scan_reserved_mem`: PHYS_OFFSET, the kernel, DTB and
 * initrd reservations, `/memreserve/`, static `/reserved-memory` regions (no-map → NOMAP).
 */
export function arm64MemblockInit(
  kern: Kernel,
  tree: DeviceTree,
  fdtPhys: PA,
  fdtSize: number,
  chosen: ChosenInfo,
): void {
  const mb = kern.memblock;
  kern.lm = new LinearMap(mb.startOfDram());
  mb.reserve(kern.image.stext, kern.image.end - kern.image.stext);
  if (chosen.initrd) {
    const base = chosen.initrd.start - (chosen.initrd.start % PAGE_SIZE);
    mb.reserve(base, roundUp(chosen.initrd.end, PAGE_SIZE) - base);
  }
  mb.reserve(fdtPhys, fdtSize); // early_init_fdt_reserve_self
  for (const r of tree.reserves) mb.reserve(Number(r.address), Number(r.size));
  const rm = tree.root.child("reserved-memory");
  if (!rm) return;
  for (const n of rm.children) {
    if (!n.isAvailable()) continue;
    const reg = deviceGetAddress(n, 0, { flavor: "linux", strict: false });
    if (!reg.ok) continue; // dynamic (size/alloc-ranges) regions are not modelled
    const base = Number(reg.address), size = Number(reg.size);
    if (n.has("no-map")) {
      if (mb.isMemory(base) && mb.isReserved(base, size)) continue; // -EBUSY
      mb.markNomap(base, size);
    } else {
      mb.reserve(base, size);
    }
  }
}

/** `zone_sizes_init` + `free_area_init` lines and the CMA reservation (`bootmem_init`). */
export function bootmemInit(kern: Kernel): void {
  const mb = kern.memblock;
  const log = kern.log;
  const p = (v: number) => "0x" + v.toString(16).padStart(16, "0");
  const start = mb.startOfDram(), end = mb.endOfDram();
  const dmaEnd = Math.min(end, 2 ** 32);
  log.log(KERN_INFO, "Zone ranges:");
  log.log(KERN_INFO, `  DMA      [mem ${p(start)}-${p(dmaEnd - 1)}]`);
  log.log(KERN_INFO, "  DMA32    empty");
  log.log(
    KERN_INFO,
    end > 2 ** 32 ? `  Normal   [mem ${p(2 ** 32)}-${p(end - 1)}]` : "  Normal   empty",
  );
  log.log(KERN_INFO, "Movable zone start for each node");
  log.log(KERN_INFO, "Early memory node ranges");
  for (const r of mb.memory) {
    log.log(KERN_INFO, `  node   0: [mem ${p(r.base)}-${p(r.base + r.size - 1)}]`);
  }
  log.log(KERN_INFO, `Initmem setup node 0 [mem ${p(start)}-${p(end - 1)}]`);
  // dma_contiguous_reserve(arm64_dma_phys_limit): CONFIG_CMA_SIZE_MBYTES = 64 in Debian.
  const cmaSize = 64 * 1024 * 1024;
  if (mb.physMemSize() >= 4 * cmaSize) {
    const at = mb.allocTopDown(cmaSize, 4 * 1024 * 1024, 0, dmaEnd);
    if (at >= 0) log.log(KERN_INFO, `cma: Reserved 64 MiB at ${p(at)}`);
    else log.log(KERN_INFO, "cma: Failed to reserve 64 MiB");
  }
}

/**
 * `paging_init`: build swapper_pg_dir (map_kernel + map_mem) through the fixmap with memblock
 * tables, share the fixmap's PGD entry, switch TTBR1.
 */
export function pagingInit(kern: Kernel): void {
  const k = kern.cpu;
  const l = kern.image;
  const pt = kern.pt;
  k.enter("paging_init");
  pt.mode = "fixmap";
  pt.tableBits = KERNEL_TABLE_BITS;
  pt.allocTable = () => {
    const pa = kern.memblock.allocTopDown(PAGE_SIZE, PAGE_SIZE);
    if (pa < 0) throw new Error("out of memory for page tables");
    return pa;
  };
  // swapper_pg_dir is in the image and already zero (.rodata-like, cleared here via fixmap).
  pt.setFixmap(FIX_PTE, l.swapperPgDir);
  memset(k, fixToVirt(FIX_PTE), 0, PAGE_SIZE);
  pt.clearFixmaps();
  const pgd = l.swapperPgDir;
  // map_kernel: text ROX, rodata RO, init text ROX, init data RW, data RW.
  const codeLen = l.initBegin - l.stext;
  const etext = l.stext + roundUp(Math.floor(codeLen * 13248 / 22848), SZ_64K);
  const initMid = l.initBegin + roundUp(Math.floor((l.sdata - l.initBegin) / 2), SZ_64K);
  const seg = (s: PA, e: PA, prot: bigint) => {
    if (e > s) pt.map(pgd, kern.kimgVa(s), s, e - s, prot, {});
  };
  k.enter("map_kernel");
  // vm_area_add_early: the image's segments occupy the start of the vmalloc space.
  kern.vm.addEarly(kern.kimgVa(l.text), l.end - l.text, "kernel image");
  seg(l.stext, etext, PAGE_KERNEL_ROX);
  seg(etext, l.initBegin, PAGE_KERNEL_RO);
  seg(l.initBegin, initMid, PAGE_KERNEL_ROX);
  seg(initMid, l.sdata, PAGE_KERNEL);
  seg(l.sdata, l.end, PAGE_KERNEL);
  // The fixmap lives in the static bm_* tables: copy init_pg_dir's PGD entry.
  const idx = pgIndex(FIXADDR_TOP - 1, 0);
  const fixEntry = k.load64(kern.kimgVa(l.initPgDir) + idx * 8);
  pt.writeDesc(0, pgd, idx, fixEntry);
  k.leave();
  k.enter("map_mem");
  for (const r of kern.memblock.memory) {
    if (r.nomap) continue;
    pt.map(pgd, kern.lm.va(r.base), r.base, r.size, PAGE_KERNEL, {});
  }
  k.leave();
  pt.clearFixmaps();
  // cpu_replace_ttbr1(swapper_pg_dir)
  k.msr("TTBR1_EL1", BigInt(pgd));
  k.tlbi();
  kern.pgd = pgd;
  pt.mode = "linear";
  k.leave();
  // One record per region map_mem mapped (NOMAP regions, e.g. a no-map reserved-memory SRAM
  // backing, are not in the linear map).
  for (const r of kern.memblock.memory) {
    if (r.nomap) continue;
    kern.mappings.push({
      va: kern.lm.va(r.base),
      ipa: r.base,
      size: r.size,
      api: "linear map",
      mairIndex: 0,
      s1Type: "Normal-WB",
      writable: true,
      executable: false,
      driver: "kernel",
      live: true,
    });
  }
}

/** `request_standard_resources`: System RAM / reserved (NOMAP) and the kernel code/data. */
export function requestStandardResources(kern: Kernel): void {
  const l = kern.image;
  for (const r of kern.memblock.memory) {
    const res = r.nomap
      ? new Resource("reserved", r.base, r.base + r.size - 1, IORESOURCE_MEM)
      : new Resource(
        "System RAM",
        r.base,
        r.base + r.size - 1,
        IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY,
      );
    kern.iomem.request(kern.iomem.root, res);
    if (l.stext >= r.base && l.initBegin - 1 < r.base + r.size) {
      kern.iomem.request(res, new Resource("Kernel code", l.stext, l.initBegin - 1));
    }
    if (l.sdata >= r.base && l.end - 1 < r.base + r.size) {
      kern.iomem.request(res, new Resource("Kernel data", l.sdata, l.end - 1));
    }
  }
}

/** `reserve_memblock_reserved_regions`: page-rounded memblock reservations as "reserved". */
export function reserveMemblockReservedRegions(kern: Kernel): void {
  let roundupEnd = -1;
  for (const r of kern.memblock.reserved) {
    const end = roundUp(r.base + r.size, PAGE_SIZE) - 1;
    if (end <= roundupEnd) continue;
    const start = r.base - (r.base % PAGE_SIZE);
    roundupEnd = end;
    const top = kern.iomem.root.children.find((x) => x.start <= start && x.end >= end);
    if (!top) continue;
    kern.iomem.reserveWithSplit(start, end, "reserved");
  }
}

/** `of_get_flat_dt_root` machine name: `/model`, else the first `/compatible`. */
export function machineName(tree: DeviceTree): string {
  return tree.root.prop("model")?.str() ?? tree.root.compatible()[0] ?? "";
}

/** Nodes of `/cpus` that are CPUs, with their MPIDR (`reg`). */
export function dtCpus(tree: DeviceTree): { node: Node; mpidr: number }[] {
  const cpus = tree.root.child("cpus");
  if (!cpus) return [];
  const ac = cpus.prop("#address-cells")?.u32() ?? 1;
  const out: { node: Node; mpidr: number }[] = [];
  for (const n of cpus.children) {
    if (n.prop("device_type")?.str() !== "cpu" || !n.isAvailable()) continue;
    const reg = n.prop("reg");
    if (!reg) continue;
    out.push({ node: n, mpidr: ac >= 2 ? Number(reg.cellsAt(0, 2)) : reg.u32() });
  }
  return out;
}

/** `Kernel command line:` and the unknown-parameter line (init/main.c). */
export function printCommandLine(kern: Kernel): void {
  kern.log.log(KERN_NOTICE, `Kernel command line: ${kern.cmdline}`);
  const unknown = kern.cmdline.split(/\s+/).filter((a) => {
    if (!a) return false;
    const key = a.split("=")[0];
    return !KNOWN_PARAMS.has(key) && !key.includes(".");
  });
  if (unknown.length) {
    kern.log.log(
      KERN_NOTICE,
      `Unknown kernel command line parameters "${
        unknown.join(" ")
      }", will be passed to user space.`,
    );
  }
}

const KNOWN_PARAMS = new Set([
  "console",
  "earlycon",
  "earlyprintk",
  "rdinit",
  "init",
  "root",
  "rootwait",
  "rootfstype",
  "ro",
  "rw",
  "loglevel",
  "quiet",
  "debug",
  "ignore_loglevel",
  "mem",
  "maxcpus",
  "nr_cpus",
  "nosmp",
  "panic",
  "panic_on_oops",
  "clk_ignore_unused",
  "cma",
  "kpti",
  "nokaslr",
  "rodata",
  "swiotlb",
  "iommu",
  "initcall_debug",
  "efi",
  "acpi",
  "xen_nopv",
  "hvc_iucv",
  "keep_bootcon",
  "dom0sim",
]);
