/**
 * What Xen's console UART drivers share (xen/drivers/char/serial.c, `struct vuart_info`): the
 * register window dom0's early console may poke, which Xen emulates with its small vUART
 * (xen/arch/arm/vuart.c) because the real UART is Xen's. Each driver's registry entry lives in its
 * own file (`pl011.ts`, `ns16550.ts`, `cadence_uart.ts`, `other_uarts.ts`).
 *
 * @module
 */

import type { Node } from "../dt/tree.ts";
import type { DeviceInitContext } from "./device.ts";
import { platformGetIrq } from "./gic_v3.ts";

/** `struct vuart_info`: where the vUART answers and what it returns. */
export interface VuartInfo {
  /** Base of the UART's MMIO window (`reg[0]`). */
  baseAddr: number;
  /** Size of the window (`reg[0]` size). */
  size: number;
  /** Offset of the data register (writes print a character). */
  dataOff: number;
  /** Offset of the status register. */
  statusOff: number;
  /** Value the status register reads as ("ready to send"). */
  status: number;
}

/** What a UART driver's init found. */
export interface UartInfo {
  /** The UART node. */
  node: Node;
  /** Driver name (`pl011`, `ns16550`, ...). */
  driver: string;
  /** The vUART window, when the driver provides one. */
  vuart?: VuartInfo;
  /** The UART's interrupt (INTID), or -1. */
  irq: number;
  /** Options after ':' in `dtuart=`. */
  options: string;
}

/**
 * Common body of the DT UART inits: `reg[0]`, IRQ 0, vUART offsets; marks the node used by Xen.
 * Returns 0 or a negative errno.
 */
export function uartDtInit(
  ctx: DeviceInitContext,
  driver: string,
  vuart: ((base: number, size: number) => VuartInfo) | undefined,
): number {
  const a = ctx.dt.getAddress(ctx.node, 0);
  if (!a) return -22;
  const irq = platformGetIrq(ctx.dt, ctx.node, 0);
  const info: UartInfo = {
    node: ctx.node,
    driver,
    vuart: vuart?.(a[0], a[1]),
    irq,
    options: ctx.data ?? "",
  };
  ctx.result = info;
  ctx.setUsedByXen();
  return 0;
}
