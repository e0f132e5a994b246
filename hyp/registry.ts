/**
 * The default device registry: Xen 4.17's DT drivers in link order (GICs, console UARTs,
 * IOMMUs) followed by the entries dom0sim adds (mmio-sram with its `.map` hook).
 *
 * @module
 */

import { cadenceUartDevice } from "./cadence_uart.ts";
import { type DeviceDesc, DeviceRegistry } from "./device.ts";
import { gicv2Device } from "./gic_v2.ts";
import { gicv3Device } from "./gic_v3.ts";
import { mmioSramDevice } from "./mmio_sram.ts";
import { ns16550Device } from "./ns16550.ts";
import { otherUartDevices } from "./other_uarts.ts";
import { pl011Device } from "./pl011.ts";
import { ipmmuDevice, smmuDevice, smmuv3Device } from "./smmu.ts";

/** Every entry, in registry order. */
export const DEFAULT_DEVICES: readonly DeviceDesc[] = [
  gicv2Device,
  gicv3Device,
  cadenceUartDevice,
  ns16550Device,
  pl011Device,
  ...otherUartDevices,
  ipmmuDevice,
  smmuv3Device,
  smmuDevice,
  mmioSramDevice,
];

/** A registry with {@link DEFAULT_DEVICES} plus `extra` entries (appended). */
export function defaultRegistry(extra: readonly DeviceDesc[] = []): DeviceRegistry {
  return new DeviceRegistry([...DEFAULT_DEVICES, ...extra]);
}
