/**
 * On-chip SRAM (`mmio-sram`): memory behind an SoC slave port whose abilities vary by SoC — the
 * reason the same Linux code works on one board and aborts on another. Options say which access
 * sizes the slave accepts (Amlogic meson-gx SRAM accepts only 32-bit accesses, Linux commit
 * 103a5348c22c), whether it takes 64-byte bursts (cache line fills/write-backs when mapped
 * cacheable), and whether exclusives and far atomics work (often not: Cortex-A55 TRM "Internal
 * exclusive monitor"). Refused transactions get SLVERR: an external abort for the CPU.
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
  sizeBit,
} from "./device.ts";
import { SparseMemory } from "./sparse_memory.ts";

/** Options of an SRAM device. */
export interface SramOptions {
  /** Instance name (default "sram"). */
  name?: string;
  /** Accepted single-access sizes in bytes (default all: 1, 2, 4, 8, 16). */
  accessSizes?: number[];
  /** Accepts 16-byte and pair (burst) single accesses; shorthand to drop 16 (default true). */
  supportsPairs?: boolean;
  /** Accepts 64-byte bursts: cacheable mappings and DC ZVA (default true). */
  acceptsBursts?: boolean;
  /** Exclusives on non-cacheable mappings (default "unsupported"). */
  exclusives?: ExclusiveSupport;
  /** Far atomics on non-cacheable mappings (default "unsupported"). */
  atomics?: ExclusiveSupport;
  /** Initial contents (copied at offset 0). */
  contents?: Uint8Array;
}

/** An SRAM block. */
export class Sram implements BusDevice {
  /** Model name. */
  readonly model: string = "sram";
  /** Instance name. */
  readonly name: string;
  /** Size in bytes. */
  readonly size: number;
  /** Accepted sizes mask. */
  readonly acceptSizes: number;
  /** Accepts bursts. */
  readonly acceptsBursts: boolean;
  /** Exclusive support. */
  readonly exclusives: ExclusiveSupport;
  /** Far atomic support. */
  readonly atomics: ExclusiveSupport;
  /** The bytes. */
  readonly mem: SparseMemory;
  /** Direct access (the CPU uses it only when every size and bursts are accepted). */
  readonly direct: DirectMemory;
  /** Transactions refused with SLVERR. */
  refused = 0;

  /** Make an SRAM of `size` bytes. */
  constructor(size: number, opts: SramOptions = {}) {
    this.name = opts.name ?? "sram";
    this.size = size;
    this.mem = new SparseMemory(size);
    this.direct = this.mem;
    let mask = opts.accessSizes ? opts.accessSizes.reduce((m, s) => m | sizeBit(s), 0) : ALL_SIZES;
    if (opts.supportsPairs === false) mask &= ~16;
    this.acceptSizes = mask;
    this.acceptsBursts = opts.acceptsBursts ?? true;
    this.exclusives = opts.exclusives ?? "unsupported";
    this.atomics = opts.atomics ?? "unsupported";
    if (opts.contents) this.mem.writeFrom(0, opts.contents.length, opts.contents, 0);
  }

  /** Read bytes (size already checked by the bus; bounds checked here). */
  read(offset: number, size: number, dst: Uint8Array, dstOff: number): number {
    if (offset + size > this.size || (this.acceptSizes & sizeBit(size)) === 0) {
      this.refused++;
      return RESP_SLVERR;
    }
    this.mem.readInto(offset, size, dst, dstOff);
    return RESP_OKAY;
  }

  /** Write bytes. */
  write(offset: number, size: number, src: Uint8Array, srcOff: number): number {
    if (offset + size > this.size || (this.acceptSizes & sizeBit(size)) === 0) {
      this.refused++;
      return RESP_SLVERR;
    }
    this.mem.writeFrom(offset, size, src, srcOff);
    return RESP_OKAY;
  }
}
