/**
 * The device-tree platform bus of Linux 6.1 (drivers/of/platform.c, drivers/base/platform.c,
 * drivers/amba/bus.c, drivers/base/dd.c):
 *
 * - `of_platform_default_populate`: every child of the root with a `compatible`, except
 *   `operating-points-v2` tables and nodes already populated (the interrupt controller, fixed
 *   clocks), becomes a device if `of_device_is_available`; `arm,primecell` nodes become AMBA
 *   devices (their first `reg` inserted into iomem at once, named after the node); children of
 *   `simple-bus`/`simple-mfd`/`isa`/`arm,amba-bus` nodes are populated recursively.
 * - Names from `of_device_make_bus_id`: `<translated reg address in hex>.<node name>`, or the
 *   node names up to the first translatable ancestor joined with ':'.
 * - Resources from `of_address_to_resource` (named after `reg-names` or the node's full name),
 *   interrupts through the GIC (`of_irq_get`).
 * - Driver binding: `of_match_device` on `compatible` (first driver entry in table order that
 *   matches any string, as `of_match_node` ranks by the device's string order), AMBA by peripheral
 *   ID (read from the device's last 32 bytes, or `arm,primecell-periphid`). A probe error other
 *   than -ENODEV/-ENXIO prints `<drv>: probe of <dev> failed with error <n>`.
 *
 * @module
 */

import { deviceGetAddress } from "../dt/address.ts";
import { deviceGetRawIrq, gicIrqXlate } from "../dt/interrupts.ts";
import type { Node } from "../dt/tree.ts";
import type { Kernel } from "./kernel.ts";
import { ioremap, iounmap } from "./ioremap.ts";
import { readl_relaxed } from "./io.ts";
import { KERN_INFO, KERN_WARNING } from "./printk.ts";
import { IORESOURCE_MEM, Resource } from "./resource.ts";

/** `-ENODEV`. */
export const ENODEV = -19;
/** `-ENXIO`. */
export const ENXIO = -6;
/** `-EINVAL`. */
export const EINVAL = -22;
/** `-EBUSY`. */
export const EBUSY = -16;
/** `-ENOMEM`. */
export const ENOMEM = -12;
/** `-EPERM`. */
export const EPERM = -1;
/** `-EFAULT`. */
export const EFAULT = -14;
/** `-EPROBE_DEFER`. */
export const EPROBE_DEFER = -517;

/** A device on the platform or AMBA bus. */
export interface Device {
  /** `dev_name()`. */
  name: string;
  /** The DT node. */
  node: Node;
  /** Bus. */
  bus: "platform" | "amba";
  /** Memory resources (`platform_get_resource(IORESOURCE_MEM, i)`); AMBA: its one `res`. */
  resources: Resource[];
  /** Interrupt IDs (GIC INTIDs) of the node, in order; -1 for ones that did not resolve. */
  irqs: number[];
  /** Bound driver. */
  driver: Driver | null;
  /** Driver data (`platform_set_drvdata`). */
  drvdata: unknown;
  /** AMBA peripheral ID (0 when unknown). */
  periphid: number;
  /** Probe result of the last attempt (0 = bound). */
  probeResult?: number;
}

/** A driver. `probe` returns 0 or a negative errno. */
export interface Driver {
  /** `driver.name`. */
  name: string;
  /** Bus it registers on. */
  bus: "platform" | "amba";
  /** `of_match_table` compatibles (platform). */
  compatible?: string[];
  /** AMBA ID table (`id & mask`). */
  ambaIds?: { id: number; mask: number }[];
  /** The probe function. */
  probe(kern: Kernel, dev: Device): number;
  /** The remove function. */
  remove?(kern: Kernel, dev: Device): void;
}

/** The platform and AMBA buses of one kernel. */
export class PlatformBus {
  /** Devices in creation order. */
  readonly devices: Device[] = [];
  /** Registered drivers in registration order. */
  readonly drivers: Driver[] = [];
  /** Nodes already populated by early code (`OF_POPULATED`). */
  readonly populated = new Set<Node>();
  private readonly kern: Kernel;

  /** The bus of `kern`. */
  constructor(kern: Kernel) {
    this.kern = kern;
  }

  /** `of_platform_default_populate(NULL, NULL, NULL)`. */
  populate(root: Node): void {
    for (const child of root.children) this.busCreate(child, true);
  }

  private busCreate(bus: Node, strict: boolean): void {
    if (strict && !bus.has("compatible")) return;
    if (bus.isCompatible("operating-points-v2")) return;
    if (this.populated.has(bus)) return;
    if (bus.isCompatible("arm,primecell")) {
      this.ambaDeviceCreate(bus);
      return;
    }
    const dev = this.platformDeviceCreate(bus);
    if (!dev) return;
    if (!bus.isCompatible("simple-bus", "simple-mfd", "isa", "arm,amba-bus")) return;
    for (const c of bus.children) this.busCreate(c, strict);
  }

  /** `of_device_make_bus_id`. */
  static makeBusId(node: Node): string {
    let name = "";
    let n: Node | null = node;
    while (n && n.parent) {
      if (n.has("reg")) {
        const r = deviceGetAddress(n, 0, { flavor: "linux", strict: false });
        if (r.ok) {
          const mask = n.prop("mask");
          const head = mask && mask.length >= 4
            ? `${r.address.toString(16)}.${ffs(mask.u32()) - 1}.${n.baseName}`
            : `${r.address.toString(16)}.${n.baseName}`;
          return name ? `${head}:${name}` : head;
        }
      }
      name = name ? `${n.name}:${name}` : n.name;
      n = n.parent;
    }
    return name;
  }

  private resourcesOf(node: Node): Resource[] {
    const out: Resource[] = [];
    const names = node.prop("reg-names")?.strings() ?? [];
    // Bounded by the cells of `reg` (a parent with #address-cells = #size-cells = 0 would
    // otherwise resolve every index).
    const max = Math.floor((node.prop("reg")?.length ?? 0) / 4) + 1;
    for (let i = 0; i < max; i++) {
      const r = deviceGetAddress(node, i, { flavor: "linux", strict: false });
      if (!r.ok) break;
      const start = Number(r.address);
      out.push(
        new Resource(names[i] ?? node.name, start, start + Number(r.size) - 1, IORESOURCE_MEM),
      );
    }
    return out;
  }

  private irqsOf(node: Node): number[] {
    const out: number[] = [];
    let n = 0;
    // of_irq_count resolves indices until one fails; with a parent whose #interrupt-cells is 0
    // every index resolves (Linux 6.1 would loop forever): bound it by the specifier cells.
    const cells = Math.floor(
      ((node.prop("interrupts")?.length ?? 0) + (node.prop("interrupts-extended")?.length ?? 0)) /
        4,
    );
    try {
      n = Math.min(cells, numberOfIrqBounded(node, cells));
    } catch {
      return out;
    }
    for (let i = 0; i < n; i++) {
      const r = deviceGetRawIrq(node, i, { flavor: "linux", strict: false });
      if (!r.ok) {
        out.push(-1);
        continue;
      }
      const x = gicIrqXlate(r.irq.specifier, "linux");
      out.push(x.ok ? x.irq : -1);
    }
    return out;
  }

  private platformDeviceCreate(node: Node): Device | null {
    if (!node.isAvailable()) return null;
    this.populated.add(node);
    const dev: Device = {
      name: PlatformBus.makeBusId(node),
      node,
      bus: "platform",
      resources: this.resourcesOf(node),
      irqs: this.irqsOf(node),
      driver: null,
      drvdata: null,
      periphid: 0,
    };
    this.devices.push(dev);
    this.attachToDrivers(dev);
    return dev;
  }

  private ambaDeviceCreate(node: Node): void {
    if (!node.isAvailable()) return;
    this.populated.add(node);
    const res = this.resourcesOf(node).slice(0, 1);
    const dev: Device = {
      name: PlatformBus.makeBusId(node),
      node,
      bus: "amba",
      resources: res,
      irqs: this.irqsOf(node),
      driver: null,
      drvdata: null,
      periphid: node.prop("arm,primecell-periphid")?.u32() ?? 0,
    };
    // amba_device_add: request_resource(&iomem_resource, &dev->res)
    if (res.length) {
      const conflict = this.kern.iomem.request(this.kern.iomem.root, res[0]);
      if (conflict) {
        this.kern.log.log(
          KERN_WARNING,
          `amba ${dev.name}: can't request region for resource ${res[0]}`,
        );
        return;
      }
    }
    this.devices.push(dev);
    this.attachToDrivers(dev);
  }

  /** `amba_read_periphid`: map the device, read PID/CID from its last 32 bytes. */
  private readPeriphid(dev: Device): void {
    if (dev.periphid || !dev.resources.length) return;
    const clocks = dev.node.prop("clock-names")?.strings() ?? [];
    if (!clocks.includes("apb_pclk")) return; // amba_get_enable_pclk fails
    const r = dev.resources[0];
    const k = this.kern.cpu;
    k.enter("amba_read_periphid");
    const base = ioremap(this.kern, r.start, r.size, {
      driver: "amba",
      node: dev.node.path,
      device: dev.name,
    });
    if (!base) {
      k.leave();
      return;
    }
    let pid = 0, cid = 0;
    for (let i = 0; i < 4; i++) {
      pid |= (readl_relaxed(k, base + r.size - 0x20 + 4 * i) & 255) << (i * 8);
    }
    for (let i = 0; i < 4; i++) {
      cid |= (readl_relaxed(k, base + r.size - 0x10 + 4 * i) & 255) << (i * 8);
    }
    iounmap(this.kern, base);
    k.leave();
    if ((cid >>> 0) === 0xb105f00d || (cid >>> 0) === 0xb105900d) dev.periphid = pid >>> 0;
  }

  private matches(drv: Driver, dev: Device): boolean {
    if (drv.bus !== dev.bus) return false;
    if (dev.bus === "platform") {
      return !!drv.compatible && dev.node.compatible().some((c) => drv.compatible!.includes(c));
    }
    this.readPeriphid(dev);
    if (!dev.periphid) return false;
    return !!drv.ambaIds?.some((id) => ((dev.periphid & id.mask) >>> 0) === id.id);
  }

  private attachToDrivers(dev: Device): void {
    for (const drv of this.drivers) {
      if (dev.driver) return;
      if (this.matches(drv, dev)) this.probe(drv, dev);
    }
  }

  /** `really_probe`. */
  probe(drv: Driver, dev: Device): number {
    const k = this.kern.cpu;
    const depth = k.stack.length;
    k.enter("really_probe");
    dev.driver = drv;
    const ret = drv.probe(this.kern, dev);
    k.unwindTo(depth);
    dev.probeResult = ret;
    if (ret !== 0) {
      releaseDevres(this.kern, dev); // really_probe → devres_release_all
      dev.driver = null;
      dev.drvdata = null;
      if (ret !== ENODEV && ret !== ENXIO && ret !== EPROBE_DEFER) {
        this.kern.log.log(
          KERN_WARNING,
          `${drv.name}: probe of ${dev.name} failed with error ${ret}`,
        );
      }
    }
    return ret;
  }

  /** `driver_register`: add the driver and bind it to every matching unbound device. */
  register(drv: Driver): void {
    this.drivers.push(drv);
    for (const dev of this.devices) {
      if (!dev.driver && this.matches(drv, dev)) this.probe(drv, dev);
    }
  }

  /** `device_release_driver` (the sysfs `unbind`). */
  unbind(dev: Device): void {
    if (!dev.driver) return;
    dev.driver.remove?.(this.kern, dev);
    releaseDevres(this.kern, dev);
    dev.driver = null;
    dev.drvdata = null;
  }

  /** Find a device by name or node path. */
  find(nameOrPath: string): Device | undefined {
    return this.devices.find((d) => d.name === nameOrPath || d.node.path === nameOrPath);
  }
}

function ffs(v: number): number {
  if (v === 0) return 0;
  let i = 1;
  while ((v & 1) === 0) {
    v >>>= 1;
    i++;
  }
  return i;
}

/** Managed resources of a device (devres): regions requested and mappings made by devm_*. */
export interface Devres {
  /** Regions from `devm_request_mem_region`. */
  regions: Resource[];
  /** VAs from `devm_ioremap*`. */
  maps: number[];
}

const DEVRES = new WeakMap<Device, Devres>();

/** The devres list of `dev`. */
export function devres(dev: Device): Devres {
  let d = DEVRES.get(dev);
  if (!d) {
    d = { regions: [], maps: [] };
    DEVRES.set(dev, d);
  }
  return d;
}

/** `devres_release_all`: unmap and release in reverse order. */
export function releaseDevres(kern: Kernel, dev: Device): void {
  const d = devres(dev);
  for (const va of d.maps.reverse()) iounmap(kern, va);
  for (const r of d.regions.reverse()) kern.iomem.release(r);
  d.maps.length = 0;
  d.regions.length = 0;
}

/** `dev_info` etc.: `<driver or bus> <dev>: msg`. */
export function devPrintk(kern: Kernel, level: 3 | 4 | 6, dev: Device, msg: string): void {
  const who = dev.driver ? dev.driver.name : dev.bus;
  kern.log.log(level, `${who} ${dev.name}: ${msg}`);
}

/** `dev_info`. */
export function dev_info(kern: Kernel, dev: Device, msg: string): void {
  devPrintk(kern, KERN_INFO, dev, msg);
}

/** `dev_err`. */
export function dev_err(kern: Kernel, dev: Device, msg: string): void {
  devPrintk(kern, 3, dev, msg);
}

/** `of_irq_count`, stopping after `max` interrupts. */
function numberOfIrqBounded(node: Node, max: number): number {
  let n = 0;
  while (n < max && deviceGetRawIrq(node, n, { flavor: "linux", strict: false }).ok) n++;
  return n;
}
