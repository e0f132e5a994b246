/**
 * Xen 4.17's remaining DT console drivers (xen/drivers/char/): registry entries that claim the
 * UART for Xen (so dom0 loses the node, as on real hardware). Their vUART windows are not
 * modelled: dom0's early-console accesses there get what an unmapped address gets.
 *
 * @module
 */

import type { DeviceDesc } from "./device.ts";
import { uartDtInit } from "./serial.ts";

function entry(name: string, desc: string, compatible: string[]): DeviceDesc {
  return {
    name,
    desc,
    class: "DEVICE_SERIAL",
    compatible,
    init: (ctx) => uartDtInit(ctx, name, undefined),
  };
}

/** exynos4210-uart.c, imx-lpuart.c, meson-uart.c, mvebu-uart.c, omap-uart.c, scif-uart.c. */
export const otherUartDevices: readonly DeviceDesc[] = [
  entry("exynos4210", "Exynos 4210 UART", ["samsung,exynos4210-uart"]),
  entry("imx_lpuart", "i.MX LPUART", ["fsl,imx8qm-lpuart"]),
  entry("meson", "Amlogic UART", [
    "amlogic,meson-uart",
    "amlogic,meson6-uart",
    "amlogic,meson8-uart",
    "amlogic,meson8b-uart",
    "amlogic,meson-gx-uart",
  ]),
  entry("mvebu", "Marvell Armada-3700 UART", ["marvell,armada-3700-uart"]),
  entry("omap_uart", "OMAP UART", ["ti,omap4-uart"]),
  entry("scif_uart", "SCIF UART", ["renesas,scif", "renesas,scifa", "renesas,hscif"]),
];
