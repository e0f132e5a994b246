/**
 * Physical memory as a hypervisor sees it through its own mappings: byte-range reads, writes,
 * copies and fills at physical addresses, little-endian words, and direct 4 KiB RAM pages for
 * page-table code. An adapter over the {@link Bus} with the method names `hyp/` uses for its
 * `HostMemory` (structurally compatible, no import either way).
 *
 * @module
 */

import type { Bus } from "./bus.ts";
import { BusError } from "./bus.ts";
import { RESP_DECERR } from "./device.ts";
import { SparseMemory } from "./sparse_memory.ts";

/** Physical memory over a bus. Holes and refusing devices throw {@link BusError}. */
export class PhysicalMemory {
  /** Make the adapter. */
  constructor(readonly bus: Bus) {}

  /** Read `len` bytes at `pa` into a new array. */
  read(pa: number, len: number): Uint8Array {
    return this.bus.readBytes(pa, len);
  }

  /** Write `data` at `pa`. */
  write(pa: number, data: Uint8Array): void {
    this.bus.writeBytes(pa, data);
  }

  /** Copy `len` bytes from `src` to `dst` (RAM-to-RAM copies move whole pages cheaply). */
  copy(dst: number, src: number, len: number): void {
    this.bus.copy(dst, src, len);
  }

  /** Fill `len` bytes at `pa` with `byte` (zeroing RAM frees its pages). */
  fill(pa: number, len: number, byte: number): void {
    this.bus.fill(pa, len, byte);
  }

  /** Read a little-endian 32-bit word. */
  readU32(pa: number): number {
    return this.bus.read32(pa);
  }

  /** Write a little-endian 32-bit word. */
  writeU32(pa: number, v: number): void {
    this.bus.write32(pa, v);
  }

  /**
   * The 4 KiB backing array of the RAM page containing `pa` (allocated on demand). Throws
   * BusError when `pa` is not in page-aligned sparse memory.
   */
  page(pa: number): Uint8Array {
    const r = this.bus.find(pa);
    if (r === null || !(r.device.direct instanceof SparseMemory) || r.base % 4096 !== 0) {
      throw new BusError(pa, RESP_DECERR, "direct page access");
    }
    return r.device.direct.pageForWrite(pa - r.base);
  }
}
