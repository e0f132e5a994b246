/**
 * The Cadence UART console driver's registry entry (xen/drivers/char/cadence-uart.c, used on
 * ZynqMP): `cdns,uart-r1p8`, `cdns,uart-r1p12`; vUART data at R_UART_RX/TX (0x30), status
 * R_UART_SR (0x2c) reading TEMPTY.
 *
 * @module
 */

import type { DeviceDesc } from "./device.ts";
import { uartDtInit } from "./serial.ts";

/** `R_UART_RX`/`R_UART_TX`. */
const R_UART_RX = 0x30;
/** `R_UART_SR`. */
const R_UART_SR = 0x2c;
/** `UART_SR_INTR_TEMPTY`. */
const UART_SR_INTR_TEMPTY = 0x08;

/** The Cadence UART entry. */
export const cadenceUartDevice: DeviceDesc = {
  name: "cuart",
  desc: "Cadence UART",
  class: "DEVICE_SERIAL",
  compatible: ["cdns,uart-r1p8", "cdns,uart-r1p12"],
  init: (ctx) =>
    uartDtInit(ctx, "cadence", (base, size) => ({
      baseAddr: base,
      size,
      dataOff: R_UART_RX,
      statusOff: R_UART_SR,
      status: UART_SR_INTR_TEMPTY,
    })),
};
