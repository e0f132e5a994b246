/**
 * What the hypervisor needs from the machine it runs on: physical memory it can read and write
 * (its own page tables, the boot modules, dom0's RAM), optional TLB maintenance hooks, and the
 * CPU identification registers it reads at boot. The sim layer adapts its bus/RAM models from
 * `drivers/` to {@link HostMemory}; {@link SparseMemory} is a self-contained RAM for callers that
 * run the hypervisor without a full machine (tests, `explain` tools).
 *
 * @module
 */

/** Physical memory as Xen accesses it (little-endian, any alignment). */
export interface HostMemory {
  /** Read `len` bytes at `pa` into a new array. */
  read(pa: number, len: number): Uint8Array;
  /** Write `data` at `pa`. */
  write(pa: number, data: Uint8Array): void;
  /** Copy `len` bytes from `src` to `dst` (`memcpy` between physical ranges). */
  copy(dst: number, src: number, len: number): void;
  /** Fill `len` bytes at `pa` with `byte` (`memset`, `clear_page`). */
  fill(pa: number, len: number, byte: number): void;
  /** Read a little-endian 32-bit word. */
  readU32(pa: number): number;
  /** Write a little-endian 32-bit word. */
  writeU32(pa: number, v: number): void;
  /**
   * Optional fast path: the 4 KiB backing array of the RAM page containing `pa` (allocated on
   * demand), so page-table code can work on it directly. Absent for memory without direct
   * backing; callers then use the word accessors.
   */
  page?(pa: number): Uint8Array;
}

/** The CPU features Xen reads at boot (`system_cpuinfo`). */
export interface CpuFeatures {
  /** `ID_AA64MMFR0_EL1.PARange` (4 = 44 bits on QEMU's Cortex-A57). */
  paRange: number;
  /** 16-bit VMIDs supported (`ID_AA64MMFR1_EL1.VMIDBits` = 2). */
  vmid16: boolean;
  /** `MIDR_EL1` of the boot CPU. */
  midr: number;
}

/** QEMU `-cpu cortex-a57` as in the recordings: 44-bit PA, 8-bit VMID, MIDR 0x411fd070. */
export const CORTEX_A57_FEATURES: CpuFeatures = { paRange: 4, vmid16: false, midr: 0x411fd070 };

const PAGE = 4096;

/**
 * A sparse physical memory: 4 KiB pages allocated on first write, reads of untouched memory
 * return zero. Copies and fills skip pages that stay all-zero, so copying a 32 MiB kernel module
 * that is mostly untouched costs little.
 */
export class SparseMemory implements HostMemory {
  private readonly pages = new Map<number, Uint8Array>();

  /** Number of pages that hold data. */
  get pageCount(): number {
    return this.pages.size;
  }

  /** The page holding `pfn`, created (zeroed) when asked. */
  private page_(pfn: number, create: boolean): Uint8Array | undefined {
    let p = this.pages.get(pfn);
    if (!p && create) {
      p = new Uint8Array(PAGE);
      this.pages.set(pfn, p);
    }
    return p;
  }

  /** The backing page of `pa` (created when absent), for direct table access. */
  page(pa: number): Uint8Array {
    return this.page_(Math.floor(pa / PAGE), true)!;
  }

  /** Reads `len` bytes at `pa`; absent pages read as zeros. */
  read(pa: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    let off = 0;
    while (off < len) {
      const a = pa + off;
      const pfn = Math.floor(a / PAGE);
      const o = a - pfn * PAGE;
      const n = Math.min(PAGE - o, len - off);
      const p = this.pages.get(pfn);
      if (p) out.set(p.subarray(o, o + n), off);
      off += n;
    }
    return out;
  }

  /** Writes `data` at `pa`. */
  write(pa: number, data: Uint8Array): void {
    let off = 0;
    while (off < data.length) {
      const a = pa + off;
      const pfn = Math.floor(a / PAGE);
      const o = a - pfn * PAGE;
      const n = Math.min(PAGE - o, data.length - off);
      this.page_(pfn, true)!.set(data.subarray(off, off + n), o);
      off += n;
    }
  }

  /** `memmove`-like copy of `len` bytes from `src` to `dst`. */
  copy(dst: number, src: number, len: number): void {
    if (dst % PAGE === src % PAGE) {
      // Page-aligned relative offset: copy page by page, skipping absent source pages.
      let off = 0;
      while (off < len) {
        const s = src + off;
        const spfn = Math.floor(s / PAGE);
        const o = s - spfn * PAGE;
        const n = Math.min(PAGE - o, len - off);
        const sp = this.pages.get(spfn);
        const dpfn = Math.floor((dst + off) / PAGE);
        if (sp) this.page_(dpfn, true)!.set(sp.subarray(o, o + n), o);
        else {
          const dp = this.pages.get(dpfn);
          if (dp) dp.fill(0, o, o + n);
        }
        off += n;
      }
      return;
    }
    const CH = 1 << 20;
    for (let off = 0; off < len; off += CH) {
      const n = Math.min(CH, len - off);
      this.write(dst + off, this.read(src + off, n));
    }
  }

  /** Fills `len` bytes at `pa` with `byte`. */
  fill(pa: number, len: number, byte: number): void {
    let off = 0;
    while (off < len) {
      const a = pa + off;
      const pfn = Math.floor(a / PAGE);
      const o = a - pfn * PAGE;
      const n = Math.min(PAGE - o, len - off);
      const p = this.page_(pfn, byte !== 0);
      if (p) p.fill(byte, o, o + n);
      off += n;
    }
  }

  /** Little-endian 32-bit read. */
  readU32(pa: number): number {
    const pfn = Math.floor(pa / PAGE);
    const o = pa - pfn * PAGE;
    const p = this.pages.get(pfn);
    if (!p) return 0;
    if (o <= PAGE - 4) return (p[o] | (p[o + 1] << 8) | (p[o + 2] << 16) | (p[o + 3] << 24)) >>> 0;
    const b = this.read(pa, 4);
    return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
  }

  /** Little-endian 32-bit write. */
  writeU32(pa: number, v: number): void {
    const pfn = Math.floor(pa / PAGE);
    const o = pa - pfn * PAGE;
    if (o <= PAGE - 4) {
      const p = this.page_(pfn, true)!;
      p[o] = v & 0xff;
      p[o + 1] = (v >>> 8) & 0xff;
      p[o + 2] = (v >>> 16) & 0xff;
      p[o + 3] = (v >>> 24) & 0xff;
      return;
    }
    this.write(pa, new Uint8Array([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24]));
  }
}
