/**
 * AMBA PrimeCell identification registers (ARM PrimeCell TRMs, "Peripheral and PrimeCell
 * Identification Registers"): the last 32 bytes of a PrimeCell's register window hold
 * PeriphID0-3 (0xFE0-0xFEC: part number [11:0], designer 0x41 [19:12], revision [23:20]) and
 * PCellID0-3 (0xFF0-0xFFC: 0x0D, 0xF0, 0x05, 0xB1), one byte per 32-bit word. Linux's AMBA bus
 * reads them (`amba_read_periphid`, drivers/amba/bus.c: at resource size − 0x20) to bind
 * drivers by ID: pl031 → rtc-pl031, pl061 → the GPIO driver.
 *
 * The identification values are QEMU 7.2's (hw/rtc/pl031.c `pl031_id`, hw/gpio/pl061.c
 * `pl061_id`, hw/char/pl011.c `pl011_id_arm`), which the reference recordings' Linux bound.
 *
 * @module
 */

import { RegisterBlock, type RegisterBlockOptions } from "./register_block.ts";

/** PCellID0-3 as one little-endian word: 0xB105F00D. */
export const PRIMECELL_CELL_ID = 0xb105f00d;

/** Peripheral IDs (PeriphID3..0 as one word) of the modelled PrimeCells, by compatible. */
export const PRIMECELL_PERIPHIDS: Readonly<Record<string, number>> = {
  /** PL011 UART r1p5 (QEMU `pl011_id_arm`: 0x11 0x10 0x14 0x00). */
  "arm,pl011": 0x00141011,
  /** PL031 RTC r1 (QEMU `pl031_id`: 0x31 0x10 0x14 0x00). */
  "arm,pl031": 0x00141031,
  /** PL061 GPIO r0 (QEMU `pl061_id`: 0x61 0x10 0x04 0x00). */
  "arm,pl061": 0x00041061,
};

/**
 * The peripheral ID a node's hardware reports: for an `arm,primecell` node, the first
 * compatible with a known ID; undefined otherwise (the node's registers then read as zero and
 * Linux binds no AMBA driver, as with a PrimeCell whose ID dom0sim does not know).
 */
export function primecellPeriphid(compatible: readonly string[]): number | undefined {
  if (!compatible.includes("arm,primecell")) return undefined;
  for (const c of compatible) {
    const id = PRIMECELL_PERIPHIDS[c];
    if (id !== undefined) return id;
  }
  return undefined;
}

/**
 * The identification words of a PrimeCell window of `size` bytes (≥ 32): word offset → value
 * (one ID byte in bits [7:0] of each word), for {@link RegisterBlockOptions.readValues} or a
 * device model's read path.
 */
export function primecellIdRegisters(periphid: number, size: number): Record<number, number> {
  if (size < 0x20) throw new RangeError(`PrimeCell window of ${size} bytes has no ID registers`);
  const out: Record<number, number> = {};
  for (let i = 0; i < 4; i++) {
    out[size - 0x20 + 4 * i] = (periphid >>> (8 * i)) & 0xff;
    out[size - 0x10 + 4 * i] = (PRIMECELL_CELL_ID >>> (8 * i)) & 0xff;
  }
  return out;
}

/**
 * A PrimeCell without a functional model: its identification registers read as the real
 * part's, every other register is RAZ/WI (counted), so the AMBA bus binds its driver.
 */
export class PrimeCell extends RegisterBlock {
  /** Model name. */
  override readonly model: string = "primecell";
  /** The peripheral ID it reports. */
  readonly periphid: number;

  /** Make a PrimeCell window of `size` bytes reporting `periphid`. */
  constructor(name: string, size: number, periphid: number, opts: RegisterBlockOptions = {}) {
    super(name, size, {
      ...opts,
      readValues: { ...opts.readValues, ...primecellIdRegisters(periphid, size) },
    });
    this.periphid = periphid;
  }
}
