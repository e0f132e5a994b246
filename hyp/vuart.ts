/**
 * The hardware domain's vUART (xen/arch/arm/vuart.c): Xen owns the console UART, so dom0's early
 * console accesses to that UART's MMIO window are emulated — status reads return "ready", data
 * writes collect printable characters into a line buffer printed as `DOM0: <line>` at
 * `XENLOG_G_DEBUG`, every other offset reads zero and ignores writes.
 *
 * @module
 */

import { type XenConsole, XENLOG_DEBUG, XENLOG_GUEST } from "./console.ts";
import type { MmioHandler, MmioInfo } from "./io.ts";
import type { VuartInfo } from "./serial.ts";

/** `VUART_BUF_SIZE`. */
const VUART_BUF_SIZE = 128;

/** The vUART of one domain. */
export class Vuart {
  private buf = "";
  /** Lines printed so far. */
  readonly lines: string[] = [];

  /** A vUART at `info`'s window for domain `domid`. */
  constructor(readonly info: VuartInfo, readonly domid: number, readonly console: XenConsole) {}

  /** The MMIO handler (`domain_vuart_init` → `register_mmio_handler`). */
  handler(): MmioHandler {
    return {
      name: "vUART",
      addr: this.info.baseAddr,
      size: this.info.size,
      read: (i) => this.read(i),
      write: (i, r) => this.write(i, r),
    };
  }

  /** `vuart_mmio_read`: the status register reads ready, everything else 0. */
  private read(i: MmioInfo): bigint {
    const off = i.gpa - this.info.baseAddr;
    return off === this.info.statusOff ? BigInt(this.info.status) : 0n;
  }

  /** `vuart_mmio_write`: bytes written to the data register go to the guest console. */
  private write(i: MmioInfo, r: bigint): boolean {
    const off = i.gpa - this.info.baseAddr;
    if (off === this.info.dataOff) this.printChar(Number(r & 0xffn));
    return true;
  }

  /** `vuart_print_char`. */
  private printChar(c: number): void {
    const ch = String.fromCharCode(c);
    const printable = c >= 0x20 && c < 0x7f;
    if (!printable && ch !== "\n" && ch !== "\t") return;
    this.buf += ch;
    if (this.buf.length === VUART_BUF_SIZE - 2 || ch === "\n") {
      const line = ch === "\n" ? this.buf : this.buf + "\n";
      this.lines.push(line.replace(/\n$/, ""));
      this.console.printk(XENLOG_GUEST + XENLOG_DEBUG + "DOM%u: %s", this.domid, line);
      this.buf = "";
    }
  }
}
