/**
 * The NS16550 console driver's registry entry (xen/drivers/char/ns16550.c `ns16550_uart_dt_init`):
 * `ns16550`, `ns16550a`, `snps,dw-apb-uart`, `brcm,bcm2835-aux-uart`; `reg-shift` and
 * `reg-io-width` (1 or 4, else -EINVAL); vUART data THR, status LSR reading THRE|TEMT.
 *
 * @module
 */

import type { DeviceDesc } from "./device.ts";
import { dtIsCompatible, readU32 } from "./device_tree.ts";
import { uartDtInit } from "./serial.ts";

/** `UART_THR`. */
const UART_THR = 0x00;
/** `UART_LSR`. */
const UART_LSR = 0x05;
/** `UART_LSR_THRE | UART_LSR_TEMT`. */
const LSR_READY = 0x20 | 0x40;

/** The NS16550 entry. */
export const ns16550Device: DeviceDesc = {
  name: "ns16550",
  desc: "NS16550 UART",
  class: "DEVICE_SERIAL",
  compatible: ["ns16550", "ns16550a", "snps,dw-apb-uart", "brcm,bcm2835-aux-uart"],
  init: (ctx) => {
    let shift = readU32(ctx.node, "reg-shift") ?? 0;
    const width = readU32(ctx.node, "reg-io-width") ?? 1;
    if (width !== 1 && width !== 4) return -22;
    if (dtIsCompatible(ctx.node, "brcm,bcm2835-aux-uart")) shift = 2;
    return uartDtInit(ctx, "ns16550", (base, size) => ({
      baseAddr: base,
      size,
      dataOff: UART_THR << shift,
      statusOff: UART_LSR << shift,
      status: LSR_READY,
    }));
  },
};
