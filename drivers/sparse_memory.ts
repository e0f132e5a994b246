/**
 * Sparse byte storage in 4 KiB pages: a page exists only once something non-zero may have been
 * written to it; untouched pages read as zero. Used by RAM and SRAM models, with bulk
 * copy/fill paths so a hypervisor can place a kernel image or zero a large region cheaply.
 *
 * @module
 */

import type { DirectMemory } from "./device.ts";

const PAGE = 4096;

/** Page storage: a two-level directory of chunks up to 128 GiB (fast lookups), a Map beyond. */
interface PageStore {
  /** The page `k`, or undefined. */
  get(k: number): Uint8Array | undefined;
  /** Allocate page `k` (zeroed) and return it; `k` must be absent. */
  create(k: number): Uint8Array;
  /** Page numbers present, ascending. */
  keys(): Iterable<number>;
  /** Pages present. */
  readonly size: number;
}

/** Pages per directory chunk (2 MiB of memory per chunk). */
const CHUNK_BITS = 9;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;
/** Largest directory (chunks) before the store becomes a Map: 2^16 chunks = 128 GiB. */
const MAX_CHUNKS = 1 << 16;
/** Pages per backing buffer (a slab): 16 pages, 64 KiB. */
const SLAB_BITS = 4;

/**
 * The shared never-written chunk (every slot undefined; `create` replaces it before storing, so
 * it is never written). Not frozen: it keeps the same hidden class as real chunks (monomorphic).
 */
const EMPTY_CHUNK: (Uint8Array | undefined)[] = new Array(CHUNK).fill(undefined);
/** The shared slab list of a never-written chunk (replaced with the chunk, never written). */
const EMPTY_SLABS: (ArrayBuffer | undefined)[] = [];

/**
 * A PageStore over a directory of 512-page chunks, each created on the first page stored in it:
 * making a store is O(size / 2 MiB) (a 2 GiB bank is a 1024-slot directory), not O(pages).
 * Pages are 4 KiB views of zeroed 64 KiB buffers (slabs) made on first use: one backing store
 * per 16 pages instead of one per page, which is what a page allocation costs in a short-lived
 * process, while a sparse memory still holds little more than the pages it uses.
 */
class ChunkedPages implements PageStore {
  private readonly dir: (Uint8Array | undefined)[][];
  /** Per chunk: its slabs (made with the chunk's first page). */
  private readonly slabDir: (ArrayBuffer | undefined)[][];
  /** Pages present. */
  size = 0;
  /** Make a store for `n` pages. */
  constructor(n: number) {
    const chunks = (n + CHUNK_MASK) >>> CHUNK_BITS;
    this.dir = new Array(chunks);
    // An empty chunk shared by every slot until something is stored there (packed array).
    this.dir.fill(EMPTY_CHUNK);
    this.slabDir = new Array(chunks);
    this.slabDir.fill(EMPTY_SLABS);
  }
  /** The page `k`. */
  get(k: number): Uint8Array | undefined {
    const c = this.dir[k >>> CHUNK_BITS];
    return c === undefined ? undefined : c[k & CHUNK_MASK];
  }
  /** Allocate page `k` in its chunk's buffer. */
  create(k: number): Uint8Array {
    const d = k >>> CHUNK_BITS;
    let c = this.dir[d];
    let slabs = this.slabDir[d];
    if (c === EMPTY_CHUNK) {
      c = new Array(CHUNK).fill(undefined);
      this.dir[d] = c;
      slabs = new Array(CHUNK >>> SLAB_BITS).fill(undefined);
      this.slabDir[d] = slabs;
    }
    const si = (k & CHUNK_MASK) >>> SLAB_BITS;
    let slab = slabs[si];
    if (slab === undefined) {
      slab = new ArrayBuffer(PAGE << SLAB_BITS);
      slabs[si] = slab;
    }
    const p = new Uint8Array(slab, (k & ((1 << SLAB_BITS) - 1)) * PAGE, PAGE);
    c[k & CHUNK_MASK] = p;
    this.size++;
    return p;
  }
  /** Page numbers present, ascending. */
  *keys(): Iterable<number> {
    for (let d = 0; d < this.dir.length; d++) {
      const c = this.dir[d];
      if (c === EMPTY_CHUNK) continue;
      for (let i = 0; i < CHUNK; i++) if (c[i] !== undefined) yield d * CHUNK + i;
    }
  }
}

/** A PageStore over a Map (memories above 128 GiB): one buffer per page. */
class MapPages implements PageStore {
  private readonly m = new Map<number, Uint8Array>();
  /** Pages present. */
  get size(): number {
    return this.m.size;
  }
  /** The page `k`. */
  get(k: number): Uint8Array | undefined {
    return this.m.get(k);
  }
  /** Allocate page `k`. */
  create(k: number): Uint8Array {
    const p = new Uint8Array(PAGE);
    this.m.set(k, p);
    return p;
  }
  /** Page numbers present, ascending. */
  keys(): Iterable<number> {
    return [...this.m.keys()].sort((a, b) => a - b);
  }
}

/**
 * The index of the first non-zero byte of `a` in [from, to), or `to` (word-wise where alignment
 * allows; may return the start of the non-zero word). One call scans a whole write, so the loop
 * is optimised early even in a short-lived process.
 */
function nonZeroFrom(a: Uint8Array, from: number, to: number): number {
  let i = from;
  while (i < to && ((a.byteOffset + i) & 3) !== 0) {
    if (a[i] !== 0) return i;
    i++;
  }
  const words = (to - i) >>> 2;
  if (words >= 16) {
    const w = new Int32Array(a.buffer, a.byteOffset + i, words);
    for (let j = 0; j < words; j++) if (w[j] !== 0) return i + (j << 2);
    i += words << 2;
  }
  for (; i < to; i++) if (a[i] !== 0) return i;
  return to;
}

/** A sparse, zero-initialised byte array of `size` bytes. */
export class SparseMemory implements DirectMemory {
  /** Size in bytes. */
  readonly size: number;
  private readonly pages: PageStore;

  /** Make an empty memory of `size` bytes. */
  constructor(size: number) {
    if (!Number.isSafeInteger(size) || size <= 0) throw new RangeError(`bad memory size ${size}`);
    this.size = size;
    const n = Math.ceil(size / PAGE);
    this.pages = n <= MAX_CHUNKS * CHUNK ? new ChunkedPages(n) : new MapPages();
  }

  /** Number of pages allocated so far. */
  get allocatedPages(): number {
    return this.pages.size;
  }

  /** The page holding `offset`, or null when it was never written. */
  pageForRead(offset: number): Uint8Array | null {
    return this.pages.get(Math.floor(offset / PAGE)) ?? null;
  }

  /** The page holding `offset`, allocated (zeroed) on first use. */
  pageForWrite(offset: number): Uint8Array {
    const n = Math.floor(offset / PAGE);
    return this.pages.get(n) ?? this.pages.create(n);
  }

  /** Throw RangeError unless [offset, offset+len) lies inside the memory. */
  private check(offset: number, len: number): void {
    if (offset < 0 || len < 0 || offset + len > this.size) {
      throw new RangeError(
        `range 0x${offset.toString(16)}+0x${len.toString(16)} outside memory of 0x${
          this.size.toString(16)
        } bytes`,
      );
    }
  }

  /** Copy `len` bytes at `offset` into `dst[dstOff..]` (zeros for untouched pages). */
  readInto(offset: number, len: number, dst: Uint8Array, dstOff = 0): void {
    this.check(offset, len);
    let o = offset;
    let d = dstOff;
    let left = len;
    while (left > 0) {
      const po = o % PAGE;
      const n = Math.min(left, PAGE - po);
      const p = this.pages.get((o - po) / PAGE);
      if (p === undefined) dst.fill(0, d, d + n);
      else if (n <= 16) { for (let i = 0; i < n; i++) dst[d + i] = p[po + i]; }
      else dst.set(p.subarray(po, po + n), d);
      o += n;
      d += n;
      left -= n;
    }
  }

  /**
   * Copy `len` bytes from `src[srcOff..]` to `offset`. Zero bytes bound for a page that was
   * never written allocate nothing (the page already reads as zero), so placing a zero-padded
   * image costs only its non-zero pages.
   */
  writeFrom(offset: number, len: number, src: Uint8Array, srcOff = 0): void {
    this.check(offset, len);
    let o = offset;
    let s = srcOff;
    let left = len;
    let nz = -1; // first non-zero source byte at or after the last scan point
    while (left > 0) {
      const po = o % PAGE;
      const n = Math.min(left, PAGE - po);
      const key = (o - po) / PAGE;
      let p = this.pages.get(key);
      if (p === undefined) {
        if (nz < s) nz = nonZeroFrom(src, s, srcOff + len);
        if (nz >= s + n) {
          o += n;
          s += n;
          left -= n;
          continue;
        }
        p = this.pages.create(key);
      }
      if (n <= 16) { for (let i = 0; i < n; i++) p[po + i] = src[s + i]; }
      else p.set(src.subarray(s, s + n), po);
      o += n;
      s += n;
      left -= n;
    }
  }

  /** A copy of `len` bytes at `offset`. */
  read(offset: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    this.readInto(offset, len, out, 0);
    return out;
  }

  /**
   * Fill `len` bytes at `offset` with `value`. Zeroing never allocates: untouched pages already
   * read as zero, so zeroing a large fresh region costs nothing. Pages that exist are zeroed in
   * place (never dropped), because CPUs cache references to them in their TLB entries.
   */
  fill(offset: number, len: number, value = 0): void {
    this.check(offset, len);
    let o = offset;
    let left = len;
    const v = value & 0xff;
    while (left > 0) {
      const po = o % PAGE;
      const n = Math.min(left, PAGE - po);
      const key = (o - po) / PAGE;
      if (v === 0) this.pages.get(key)?.fill(0, po, po + n);
      else this.pageForWrite(o).fill(v, po, po + n);
      o += n;
      left -= n;
    }
  }

  /**
   * Copy `len` bytes from `src` (another SparseMemory or this one) at `srcOffset` to
   * `dstOffset`. Untouched source pages are not allocated in the destination (existing ones are
   * zeroed). Overlapping copies within one memory behave like memmove.
   */
  copyFrom(src: SparseMemory, srcOffset: number, dstOffset: number, len: number): void {
    src.check(srcOffset, len);
    this.check(dstOffset, len);
    if (src === this && dstOffset > srcOffset && dstOffset < srcOffset + len) {
      const tmp = src.read(srcOffset, len);
      this.writeFrom(dstOffset, len, tmp, 0);
      return;
    }
    let s = srcOffset;
    let d = dstOffset;
    let left = len;
    while (left > 0) {
      const so = s % PAGE;
      const dOff = d % PAGE;
      const n = Math.min(left, PAGE - so, PAGE - dOff);
      const sp = src.pages.get((s - so) / PAGE);
      if (sp === undefined) {
        this.pages.get((d - dOff) / PAGE)?.fill(0, dOff, dOff + n);
      } else {
        this.pageForWrite(d).set(sp.subarray(so, so + n), dOff);
      }
      s += n;
      d += n;
      left -= n;
    }
  }

  /** Little-endian 32-bit read. */
  read32(offset: number): number {
    const po = offset % PAGE;
    if (po <= PAGE - 4) {
      const p = this.pages.get((offset - po) / PAGE);
      if (p === undefined) return 0;
      return (p[po] | (p[po + 1] << 8) | (p[po + 2] << 16) | (p[po + 3] << 24)) >>> 0;
    }
    const b = this.read(offset, 4);
    return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
  }

  /** Little-endian 64-bit read. */
  read64(offset: number): bigint {
    return (BigInt(this.read32(offset + 4)) << 32n) | BigInt(this.read32(offset));
  }

  /** Little-endian 32-bit write. */
  write32(offset: number, v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    this.writeFrom(offset, 4, b, 0);
  }

  /** Little-endian 64-bit write. */
  write64(offset: number, v: bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
    this.writeFrom(offset, 8, b, 0);
  }

  /** Offsets (page-aligned) of the allocated pages, ascending. */
  allocatedOffsets(): number[] {
    return [...this.pages.keys()].sort((a, b) => a - b).map((k) => k * PAGE);
  }

  /**
   * Zero every byte. Existing pages are zeroed in place (CPUs may hold references to them);
   * nothing is freed.
   */
  clear(): void {
    for (const k of this.pages.keys()) this.pages.get(k)?.fill(0);
  }
}
