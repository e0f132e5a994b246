/**
 * The contract between the physical bus and a device model: transactions by offset, responses
 * as AXI spells them (OKAY, EXOKAY, SLVERR, DECERR; AMBA AXI IHI 0022 "RRESP/BRESP"), and the
 * device's answer to exclusive and atomic transactions (whose support on memory that is not
 * Normal Inner/Outer Write-Back is IMPLEMENTATION DEFINED, ARM ARM DDI 0487 B2.9.5).
 *
 * @module
 */

/** Transaction response: completed normally. */
export const RESP_OKAY = 0;
/** Exclusive transaction succeeded (the slave's exclusive monitor supports it). */
export const RESP_EXOKAY = 1;
/** The slave signalled an error (SLVERR): the CPU sees an external abort. */
export const RESP_SLVERR = 2;
/** No slave at the address (DECERR from the interconnect): an external abort. */
export const RESP_DECERR = 3;

/** Name of a response code. */
export function respName(r: number): "OKAY" | "EXOKAY" | "SLVERR" | "DECERR" {
  return r === RESP_EXOKAY
    ? "EXOKAY"
    : r === RESP_SLVERR
    ? "SLVERR"
    : r === RESP_DECERR
    ? "DECERR"
    : "OKAY";
}

/**
 * What a slave does with an exclusive (LDXR/STXR) or atomic (LSE far atomic) transaction on
 * memory that is not Normal Inner/Outer WB (where the CPU's caches cannot handle it):
 * - `"supported"`: EXOKAY, the access behaves architecturally;
 * - `"unsupported"`: the slave answers OKAY instead of EXOKAY and the core raises the
 *   IMPLEMENTATION DEFINED fault DFSC 0x35 (Cortex-A55 TRM "Internal exclusive monitor");
 * - `"slverr"`: the slave rejects it with SLVERR: a synchronous external abort (DFSC 0x10)
 *   for loads and load-atomics, an SError for store-atomics (Cortex-A55 TRM).
 */
export type ExclusiveSupport = "supported" | "unsupported" | "slverr";

/** Access-size bit of a transaction size (1, 2, 4, 8, 16 bytes → bit 0..4). */
export function sizeBit(size: number): number {
  return size === 1 ? 1 : size === 2 ? 2 : size === 4 ? 4 : size === 8 ? 8 : size === 16 ? 16 : 0;
}

/** Mask of every single-access size. */
export const ALL_SIZES = 31;

/**
 * Backing store that lets the CPU reach bytes directly (RAM, SRAM): the TLB caches the page
 * array so that hits never call the device.
 */
export interface DirectMemory {
  /** The 4 KiB page holding `offset` if it exists, else null (untouched pages read as zero). */
  pageForRead(offset: number): Uint8Array | null;
  /** The 4 KiB page holding `offset`, allocated on first use. */
  pageForWrite(offset: number): Uint8Array;
}

/** A device model on the physical bus. Offsets are relative to the device's base. */
export interface BusDevice {
  /** Model name, e.g. "ram", "sram", "pl011", "gicv3-distributor", "regblock". */
  readonly model: string;
  /** Instance name (the DT node path or a label). */
  readonly name: string;
  /** Size of the register/memory window in bytes. */
  readonly size: number;
  /**
   * Single-access sizes the slave accepts (bit mask of {@link sizeBit}); others get SLVERR.
   * E.g. `4` for a "32-bit accesses only" SRAM.
   */
  readonly acceptSizes: number;
  /** Whether the slave accepts cache line fills and write-backs (64-byte bursts). */
  readonly acceptsBursts: boolean;
  /** Exclusive transactions on non-cacheable memory. */
  readonly exclusives: ExclusiveSupport;
  /** Far atomics (LSE on non-cacheable memory). */
  readonly atomics: ExclusiveSupport;
  /** Direct byte access for memory-like devices, or null for register blocks. */
  readonly direct: DirectMemory | null;
  /** Read `size` bytes at `offset` into `dst[dstOff..]`; returns a RESP_* code. */
  read(offset: number, size: number, dst: Uint8Array, dstOff: number): number;
  /** Write `size` bytes from `src[srcOff..]` at `offset`; returns a RESP_* code. */
  write(offset: number, size: number, src: Uint8Array, srcOff: number): number;
}

/** Little-endian value of `size` (≤ 4) bytes of `b` at `o`. */
export function getLE(b: Uint8Array, o: number, size: number): number {
  let v = 0;
  for (let i = size - 1; i >= 0; i--) v = v * 256 + b[o + i];
  return v;
}

/** Store the low `size` (≤ 4... 8 bytes as a number up to 2^53) bytes of `v` little-endian. */
export function putLE(b: Uint8Array, o: number, size: number, v: number): void {
  let x = v;
  for (let i = 0; i < size; i++) {
    b[o + i] = x & 0xff;
    x = Math.floor(x / 256);
  }
}
