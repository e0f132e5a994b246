/**
 * A base for register-block device models: subclasses implement 32-bit register reads and writes
 * (and optionally 64-bit ones); this class turns bus transactions of 1, 2, 4 and 8 bytes into
 * them. Sub-word writes are read-modify-write of the containing word (byte-accessible registers
 * such as GICD_IPRIORITYR behave correctly; for others the architecture leaves them
 * UNPREDICTABLE). Accesses that are not naturally aligned, or 16 bytes wide, get SLVERR.
 *
 * @module
 */

import type { BusDevice, DirectMemory, ExclusiveSupport } from "./device.ts";
import { RESP_OKAY, RESP_SLVERR } from "./device.ts";

/** A register-block device. */
export abstract class MmioDevice implements BusDevice {
  /** Model name. */
  abstract readonly model: string;
  /** Instance name. */
  readonly name: string;
  /** Window size. */
  readonly size: number;
  /** Single accesses of 1, 2, 4 and 8 bytes. */
  readonly acceptSizes: number = 1 | 2 | 4 | 8;
  /** Register blocks do not take line fills. */
  readonly acceptsBursts: boolean = false;
  /** No exclusive monitor in the slave. */
  readonly exclusives: ExclusiveSupport = "slverr";
  /** No far atomics. */
  readonly atomics: ExclusiveSupport = "slverr";
  /** No direct memory. */
  readonly direct: DirectMemory | null = null;

  /** Make the block. */
  constructor(name: string, size: number) {
    this.name = name;
    this.size = size;
  }

  /** Read the 32-bit register at word-aligned `offset`. */
  abstract read32(offset: number): number;
  /** Write the 32-bit register at word-aligned `offset`. */
  abstract write32(offset: number, value: number): void;

  /** Read a 64-bit register (default: two 32-bit reads, low word first). */
  read64(offset: number): bigint {
    return BigInt(this.read32(offset) >>> 0) | (BigInt(this.read32(offset + 4) >>> 0) << 32n);
  }

  /** Write a 64-bit register (default: two 32-bit writes, low word first). */
  write64(offset: number, value: bigint): void {
    this.write32(offset, Number(value & 0xffffffffn));
    this.write32(offset + 4, Number((value >> 32n) & 0xffffffffn));
  }

  /** Bus read. */
  read(offset: number, size: number, dst: Uint8Array, dstOff: number): number {
    if (size > 8 || offset % size !== 0 || offset + size > this.size) return RESP_SLVERR;
    if (size === 8) {
      let v = this.read64(offset);
      for (let i = 0; i < 8; i++) {
        dst[dstOff + i] = Number(v & 0xffn);
        v >>= 8n;
      }
      return RESP_OKAY;
    }
    const word = offset - (offset % 4);
    const v = this.read32(word) >>> ((offset - word) * 8);
    for (let i = 0; i < size; i++) dst[dstOff + i] = (v >>> (i * 8)) & 0xff;
    return RESP_OKAY;
  }

  /** Bus write. */
  write(offset: number, size: number, src: Uint8Array, srcOff: number): number {
    if (size > 8 || offset % size !== 0 || offset + size > this.size) return RESP_SLVERR;
    if (size === 8) {
      let v = 0n;
      for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(src[srcOff + i]);
      this.write64(offset, v);
      return RESP_OKAY;
    }
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + src[srcOff + i];
    const word = offset - (offset % 4);
    if (size === 4) this.write32(word, v >>> 0);
    else {
      const shift = (offset - word) * 8;
      const mask = ((size === 1 ? 0xff : 0xffff) << shift) >>> 0;
      const old = this.subWordBase(word);
      this.write32(word, ((old & ~mask) | ((v << shift) & mask)) >>> 0);
    }
    return RESP_OKAY;
  }

  /**
   * The value a sub-word write merges into (default: the current register value). Registers with
   * write-one-to-set/clear semantics override this to return 0.
   */
  protected subWordBase(word: number): number {
    return this.read32(word);
  }
}

/** Peripheral/component ID registers (0xFD0..0xFFC) from a list of 12 (or 8 at 0xFE0) bytes. */
export function idRegister(
  offset: number,
  windowEnd: number,
  ids: readonly number[],
): number | undefined {
  const first = windowEnd - ids.length * 4;
  if (offset < first || offset >= windowEnd) return undefined;
  return ids[(offset - first) / 4];
}
