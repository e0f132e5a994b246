/**
 * A generic register block for devices without a model: reads as zero, writes are ignored
 * (RAZ/WI), every access is counted by offset. Optional fixed read values let a board describe
 * identification registers (e.g. an AMBA PrimeCell ID) without writing a model.
 *
 * @module
 */

import { MmioDevice } from "./mmio_device.ts";

/** Options of a register block. */
export interface RegisterBlockOptions {
  /** Values returned by 32-bit reads at these word offsets (everything else reads zero). */
  readValues?: Record<number, number>;
  /** Remember the last value written to each word and read it back (RW instead of WI). */
  readBack?: boolean;
}

/** One counted offset. */
export interface RegisterAccessCount {
  /** Word offset. */
  offset: number;
  /** Reads. */
  reads: number;
  /** Writes. */
  writes: number;
}

/** A RAZ/WI register block that counts accesses. */
export class RegisterBlock extends MmioDevice {
  /** Model name. */
  readonly model: string = "regblock";
  /** Reads so far. */
  reads = 0;
  /** Writes so far. */
  writes = 0;
  private readonly counts = new Map<number, [number, number]>();
  private readonly values = new Map<number, number>();
  private readonly readBack: boolean;

  /** Make a block of `size` bytes. */
  constructor(name: string, size: number, opts: RegisterBlockOptions = {}) {
    super(name, size);
    for (const [k, v] of Object.entries(opts.readValues ?? {})) this.values.set(Number(k), v >>> 0);
    this.readBack = opts.readBack ?? false;
  }

  /** Count an access at `offset`. */
  private count(offset: number, write: boolean): void {
    let c = this.counts.get(offset);
    if (c === undefined) {
      c = [0, 0];
      this.counts.set(offset, c);
    }
    c[write ? 1 : 0]++;
  }

  /** RAZ (or the configured value). */
  read32(offset: number): number {
    this.reads++;
    this.count(offset, false);
    return this.values.get(offset) ?? 0;
  }

  /** WI (or remembered with `readBack`). */
  write32(offset: number, value: number): void {
    this.writes++;
    this.count(offset, true);
    if (this.readBack) this.values.set(offset, value >>> 0);
  }

  /** Per-offset counts, by offset. */
  accessCounts(): RegisterAccessCount[] {
    return [...this.counts.entries()].sort((a, b) => a[0] - b[0]).map(([offset, [r, w]]) => ({
      offset,
      reads: r,
      writes: w,
    }));
  }
}
