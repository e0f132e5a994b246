/**
 * The PL011 console driver's registry entry (xen/drivers/char/pl011.c): `DT_DEVICE_START(pl011,
 * "PL011 UART", DEVICE_SERIAL)` matching `arm,pl011`; its vUART window is the node's whole
 * `reg[0]`, data register DR (0x000), status FR (0x018) reading 0 (TXFF clear).
 *
 * @module
 */

import type { DeviceDesc } from "./device.ts";
import { uartDtInit } from "./serial.ts";

/** PL011 `DR`. */
const DR = 0x00;
/** PL011 `FR`. */
const FR = 0x18;

/** The PL011 entry. */
export const pl011Device: DeviceDesc = {
  name: "pl011",
  desc: "PL011 UART",
  class: "DEVICE_SERIAL",
  compatible: ["arm,pl011"],
  init: (ctx) =>
    uartDtInit(ctx, "pl011", (base, size) => ({
      baseAddr: base,
      size,
      dataOff: DR,
      statusOff: FR,
      status: 0,
    })),
};
