/**
 * The ARM PrimeCell UART PL011 (ARM DDI 0183 "PrimeCell UART (PL011) Technical Reference
 * Manual"), enough for a console: bytes written to UARTDR appear in {@link Pl011.output}; the
 * flag register says the transmit FIFO is empty and never full; received bytes can be queued.
 * Identification registers read as QEMU's PL011 (periph ID 0x00141011, PrimeCell ID 0xB105F00D),
 * which Linux's AMBA bus matches.
 *
 * @module
 */

import { idRegister, MmioDevice } from "./mmio_device.ts";

/** PL011 register offsets (DDI 0183 Table 3-1). */
export const PL011 = {
  DR: 0x000,
  RSR_ECR: 0x004,
  FR: 0x018,
  ILPR: 0x020,
  IBRD: 0x024,
  FBRD: 0x028,
  LCR_H: 0x02c,
  CR: 0x030,
  IFLS: 0x034,
  IMSC: 0x038,
  RIS: 0x03c,
  MIS: 0x040,
  ICR: 0x044,
  DMACR: 0x048,
} as const;

/** UARTFR bits. */
export const FR = { BUSY: 1 << 3, RXFE: 1 << 4, TXFF: 1 << 5, RXFF: 1 << 6, TXFE: 1 << 7 } as const;

/** Interrupt bits (RIS/MIS/IMSC/ICR): RX (bit 4), TX (bit 5). */
export const INT = { RX: 1 << 4, TX: 1 << 5, RT: 1 << 6 } as const;

const IDS = [0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1];

/** A PL011 UART. */
export class Pl011 extends MmioDevice {
  /** Model name. */
  readonly model: string = "pl011";
  /** Every byte transmitted. */
  readonly output: number[] = [];
  private readonly rx: number[] = [];
  private regs = new Map<number, number>();
  private ris = 0;

  /** Make a UART (4 KiB window). */
  constructor(name = "pl011", size = 0x1000) {
    super(name, size);
    this.regs.set(PL011.CR, 0x300); // TXE | RXE, UARTEN clear (reset value)
    this.regs.set(PL011.IFLS, 0x12);
  }

  /** Accept 8-, 16- and 32-bit accesses (an APB slave); 64-bit ones get SLVERR. */
  override readonly acceptSizes: number = 1 | 2 | 4;

  /** The transmitted bytes as text (Latin-1). */
  text(): string {
    return String.fromCharCode(...this.output);
  }

  /** Queue bytes for the receiver. */
  receive(bytes: Iterable<number>): void {
    for (const b of bytes) this.rx.push(b & 0xff);
    if (this.rx.length > 0) this.ris |= INT.RX;
  }

  /** Read a register. */
  read32(offset: number): number {
    switch (offset) {
      case PL011.DR: {
        const b = this.rx.shift();
        if (this.rx.length === 0) this.ris &= ~INT.RX;
        return b ?? 0;
      }
      case PL011.FR:
        return FR.TXFE | (this.rx.length === 0 ? FR.RXFE : 0);
      case PL011.RIS:
        return this.ris;
      case PL011.MIS:
        return this.ris & (this.regs.get(PL011.IMSC) ?? 0);
      case PL011.ICR:
        return 0;
    }
    const id = idRegister(offset, 0x1000, IDS);
    if (id !== undefined) return id;
    return this.regs.get(offset) ?? 0;
  }

  /** Sub-word writes to UARTDR/UARTICR must not read them first (reading DR pops the FIFO). */
  protected override subWordBase(word: number): number {
    return word === PL011.DR || word === PL011.ICR ? 0 : this.read32(word);
  }

  /** Write a register. */
  write32(offset: number, value: number): void {
    switch (offset) {
      case PL011.DR:
        this.output.push(value & 0xff);
        this.ris |= INT.TX;
        return;
      case PL011.ICR:
        this.ris &= ~value;
        return;
      case PL011.FR:
      case PL011.RIS:
      case PL011.MIS:
        return; // read-only
    }
    if (offset >= 0xfe0) return;
    this.regs.set(offset, value >>> 0);
  }
}
