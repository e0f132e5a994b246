/**
 * Kernel image handling (xen/arch/arm/kernel.c, 4.17): `kernel_probe` (the dom0 kernel and
 * ramdisk modules, gzip decompression into heap pages, arm64 `Image` / uImage / 32-bit zImage
 * header parsing read from the module bytes in memory), `kernel_zimage_place`, `place_modules`
 * (DTB and initrd placement in bank 0) and the copies into the domain's RAM.
 *
 * @module
 */

import { gunzipSync } from "node:zlib";
import type { BootModule } from "./bootfdt.ts";
import type { HostMemory } from "./machine.ts";
import { getOrderFromBytes, PAGE_SIZE, type PageAllocator } from "./page_alloc.ts";

/** arm64 Image magic at offset 0 (`ZIMAGE64_MAGIC_V0`, the old branch instruction). */
const ZIMAGE64_MAGIC_V0 = 0x14000008;
/** arm64 Image magic at offset 0x38 ("ARM\x64"). */
const ZIMAGE64_MAGIC_V1 = 0x644d5241;
/** `UIMAGE_MAGIC`. */
const UIMAGE_MAGIC = 0x27051956;
/** `ZIMAGE32_MAGIC` at 0x24. */
const ZIMAGE32_MAGIC = 0x016f2818;
/** `DTB_MAGIC`. */
const DTB_MAGIC = 0xd00dfeed;
const MB = 2 ** 20;

/** The probed kernel (`kinfo->zimage` and friends). */
export interface ZImage {
  /** Address of the image bytes (module start, or after a uImage header, or decompressed). */
  kernelAddr: number;
  /** Length copied. */
  len: number;
  /** arm64 `text_offset`. */
  textOffset: number;
  /** 32-bit zImage start address (0 = position independent). */
  start: number;
  /** 64- or 32-bit domain. */
  type: "64" | "32";
  /** Which format was recognised. */
  format: "Image" | "uImage" | "zImage32";
  /** The module was gzip-compressed and decompressed by Xen. */
  decompressed: boolean;
}

function le32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}
function be32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/**
 * `kernel_decompress`: when the module starts with the gzip magic, decompress it into
 * freshly allocated heap pages (`alloc_domheap_pages(NULL, order, 0)`), free the tail pages and
 * the original module, and point the module at the result. Returns a negative errno on failure,
 * 1 when decompressed, 0 when not gzip.
 */
export function kernelDecompress(mod: BootModule, mem: HostMemory, alloc: PageAllocator): number {
  if (mod.size < 2) return -22;
  const magic = mem.read(mod.start, 2);
  if (magic[0] !== 0x1f || magic[1] !== 0x8b) return 0;
  const input = mem.read(mod.start, mod.size);
  const outSize = le32(input, input.length - 4);
  const order = getOrderFromBytes(outSize);
  const pg = alloc.allocDomheapPages(order, {}, "kernel_decompress");
  if (pg < 0) return -12;
  let out: Uint8Array;
  try {
    out = gunzipSync(input);
  } catch {
    alloc.freeDomheapPages(pg, order, "kernel_decompress");
    return -22;
  }
  mem.write(pg * PAGE_SIZE, out.subarray(0, Math.min(out.length, outSize)));
  const used = Math.ceil(outSize / PAGE_SIZE);
  for (let i = used; i < 2 ** order; i++) {
    alloc.freeDomheapPages(pg + i, 0, "kernel_decompress tail");
  }
  alloc.initDomheapPages(mod.start, mod.start + mod.size);
  mod.start = pg * PAGE_SIZE;
  mod.size = outSize;
  return 1;
}

/**
 * `kernel_zimage64_probe`, then `kernel_uimage_probe`, then `kernel_zimage32_probe`: the first
 * format whose header matches. Returns undefined when none does (`-EINVAL`).
 */
export function kernelProbeImage(addr: number, size: number, mem: HostMemory): ZImage | undefined {
  // arm64 Image: 64-byte header, magic0 at 0 or magic1 at 0x38; no length: use the module size.
  if (size >= 64) {
    const h = mem.read(addr, 64);
    if (le32(h, 0) === ZIMAGE64_MAGIC_V0 || le32(h, 0x38) === ZIMAGE64_MAGIC_V1) {
      const textOffset = le32(h, 8) + le32(h, 12) * 0x100000000;
      return {
        kernelAddr: addr,
        len: size,
        textOffset,
        start: 0,
        type: "64",
        format: "Image",
        decompressed: false,
      };
    }
  }
  // uImage: 64-byte big-endian header.
  if (size >= 64) {
    const h = mem.read(addr, 64);
    if (be32(h, 0) === UIMAGE_MAGIC) {
      const len = be32(h, 12);
      if (len > size - 64) return undefined;
      const arch = h[29];
      if (arch !== 2 && arch !== 22) return undefined;
      return {
        kernelAddr: addr + 64,
        len,
        textOffset: 0,
        start: be32(h, 16),
        type: arch === 22 ? "64" : "32",
        format: "uImage",
        decompressed: false,
      };
    }
  }
  // 32-bit zImage.
  if (size >= 0x30) {
    const h = mem.read(addr, 0x30);
    if (le32(h, 0x24) === ZIMAGE32_MAGIC) {
      const start = le32(h, 0x28);
      let end = le32(h, 0x2c);
      if (end - start > size) return undefined;
      if (addr + end - start + 8 <= size) {
        const d = mem.read(addr + end - start, 8);
        if (be32(d, 0) === DTB_MAGIC) {
          end += be32(d, 4);
          if (end > addr + size) return undefined;
        }
      }
      return {
        kernelAddr: addr,
        len: end - start,
        textOffset: 0,
        start,
        type: "32",
        format: "zImage32",
        decompressed: false,
      };
    }
  }
  return undefined;
}

/** `kernel_zimage_place`: where the kernel goes in bank 0. */
export function kernelZimagePlace(z: ZImage, bank0: { start: number; size: number }): number {
  if (z.type === "64") return bank0.start + z.textOffset;
  if (z.start === 0) {
    const loadEnd = Math.min(bank0.start + 128 * MB, bank0.start + bank0.size);
    return Math.floor((loadEnd - z.len) / (2 * MB)) * (2 * MB);
  }
  return z.start;
}

/** Placement computed by `place_modules`. */
export interface ModulePlacement {
  /** Where the DTB goes. */
  dtbPaddr: number;
  /** Where the initrd goes. */
  initrdPaddr: number;
}

/**
 * `place_modules(info, kernbase, kernend)`: DTB then initrd, each rounded to 2 MiB, at
 * bank0 + 128 MiB, else at the top of bank 0, else below the kernel. Returns a panic message
 * when none fits.
 */
export function placeModules(
  bank0: { start: number; size: number },
  kernbase: number,
  kernend: number,
  dtbSize: number,
  initrdSize: number,
): ModulePlacement | string {
  const roundup = (v: number) => Math.ceil(v / (2 * MB)) * (2 * MB);
  const initrdLen = roundup(initrdSize);
  const dtbLen = roundup(dtbSize);
  const modsize = initrdLen + dtbLen;
  const rambase = bank0.start;
  const ramsize = bank0.size;
  const ramend = rambase + ramsize;
  const kernsize = roundup(kernend) - kernbase;
  const ram128mb = rambase + 128 * MB;
  if (modsize + kernsize > ramsize) {
    return "Not enough memory in the first bank for the kernel+dtb+initrd";
  }
  let modbase: number;
  if (ramend >= ram128mb + modsize && kernend < ram128mb) modbase = ram128mb;
  else if (ramend - modsize > roundup(kernend)) modbase = ramend - modsize;
  else if (kernbase - rambase > modsize) modbase = kernbase - modsize;
  else return "Unable to find suitable location for dtb+initrd";
  return { dtbPaddr: modbase, initrdPaddr: modbase + dtbLen };
}
