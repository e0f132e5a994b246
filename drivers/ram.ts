/**
 * RAM: a sparse memory device (pages allocated on first write, untouched pages read as zero)
 * that accepts every access size, bursts, exclusives and far atomics (a DDR controller behind a
 * coherent interconnect with a global exclusive monitor).
 *
 * @module
 */

import {
  ALL_SIZES,
  type BusDevice,
  type DirectMemory,
  type ExclusiveSupport,
  RESP_OKAY,
  RESP_SLVERR,
} from "./device.ts";
import { SparseMemory } from "./sparse_memory.ts";

/** Options of a RAM device. */
export interface RamOptions {
  /** Instance name (default "ram"). */
  name?: string;
  /** Exclusives on non-cacheable mappings (default "supported"). */
  exclusives?: ExclusiveSupport;
  /** Far atomics on non-cacheable mappings (default "supported"). */
  atomics?: ExclusiveSupport;
}

/** A RAM bank of `size` bytes. */
export class Ram implements BusDevice {
  /** Model name. */
  readonly model: string = "ram";
  /** Instance name. */
  readonly name: string;
  /** Size in bytes. */
  readonly size: number;
  /** Every access size. */
  readonly acceptSizes: number = ALL_SIZES;
  /** Line fills and write-backs are fine. */
  readonly acceptsBursts: boolean = true;
  /** Exclusive support on non-cacheable mappings. */
  readonly exclusives: ExclusiveSupport;
  /** Far atomic support. */
  readonly atomics: ExclusiveSupport;
  /** The bytes. */
  readonly mem: SparseMemory;
  /** Direct page access for the CPU's TLB. */
  readonly direct: DirectMemory;

  /** Make a RAM device of `size` bytes. */
  constructor(size: number, opts: RamOptions = {}) {
    this.name = opts.name ?? "ram";
    this.size = size;
    this.mem = new SparseMemory(size);
    this.direct = this.mem;
    this.exclusives = opts.exclusives ?? "supported";
    this.atomics = opts.atomics ?? "supported";
  }

  /** Read bytes. */
  read(offset: number, size: number, dst: Uint8Array, dstOff: number): number {
    if (offset + size > this.size) return RESP_SLVERR;
    this.mem.readInto(offset, size, dst, dstOff);
    return RESP_OKAY;
  }

  /** Write bytes. */
  write(offset: number, size: number, src: Uint8Array, srcOff: number): number {
    if (offset + size > this.size) return RESP_SLVERR;
    this.mem.writeFrom(offset, size, src, srcOff);
    return RESP_OKAY;
  }
}
