/**
 * Probe-only models of the built-in Linux 6.1 drivers that bind on common boards (the Debian
 * arm64 config: these are `=y`; virtio-mmio, fw-cfg, gpio-keys, physmap flash are modules and
 * stay unbound). Each claims its region and touches its registers as its probe does, and prints
 * its probe line:
 *
 * - `pl061_gpio` (drivers/gpio/gpio-pl061.c, AMBA 0x00041061): `devm_ioremap_resource`, GPIOIE
 *   cleared, "PL061 GPIO chip registered".
 * - `rtc-pl031` (drivers/rtc/rtc-pl031.c, AMBA 0x00041031): `amba_request_regions`,
 *   `devm_ioremap`, RTC_CR enable, RTC_DR read: "registered as rtc0", "setting system clock to".
 * - `uart-pl011` (drivers/tty/serial/amba-pl011.c, AMBA 0x00041011): "ttyAMA%d at MMIO ...".
 * - `pci-host-generic` (drivers/pci/controller/pci-host-generic.c, `pci-host-ecam-generic`):
 *   the ranges lines, the "PCI ECAM" claim, the bridge windows named after the node, root bus
 *   lines, and a vendor-ID read of bus 0's 32 device slots (no enumeration beyond that).
 *
 * @module
 */

import { busRanges } from "../../dt/address.ts";
import { devm_ioremap, devm_ioremap_resource, devm_request_mem_region } from "../devm.ts";
import { readl, readl_relaxed, writeb, writel } from "../io.ts";
import { ioremap_np } from "../ioremap.ts";
import type { Kernel } from "../kernel.ts";
import { dev_err, dev_info, type Device, type Driver, EBUSY, ENOMEM } from "../platform.ts";
import { KERN_INFO } from "../printk.ts";
import { IORESOURCE_MEM, Resource } from "../resource.ts";

/** `pl061_gpio`. */
export const pl061Driver: Driver = {
  name: "pl061_gpio",
  bus: "amba",
  ambaIds: [{ id: 0x00041061, mask: 0x000fffff }],
  probe(kern: Kernel, dev: Device): number {
    const k = kern.cpu;
    k.enter("pl061_probe");
    const r = devm_ioremap_resource(kern, dev, dev.resources[0]);
    if (!r.ok) {
      k.leave();
      return r.err;
    }
    writeb(k, 0, r.va + 0x410); // GPIOIE: disable irqs
    dev_info(kern, dev, "PL061 GPIO chip registered");
    k.leave();
    return 0;
  },
};

let rtcCount = 0;

/** `rtc-pl031`. */
export const pl031Driver: Driver = {
  name: "rtc-pl031",
  bus: "amba",
  ambaIds: [{ id: 0x00041031, mask: 0x000fffff }],
  probe(kern: Kernel, dev: Device): number {
    const k = kern.cpu;
    const res = dev.resources[0];
    k.enter("pl031_probe");
    // amba_request_regions(adev, NULL): the driver's name.
    if (!devm_request_mem_region(kern, dev, res.start, res.size, "rtc-pl031")) {
      k.leave();
      return EBUSY;
    }
    const base = devm_ioremap(kern, dev, res.start, res.size);
    if (!base) {
      k.leave();
      return ENOMEM;
    }
    const cr = readl(k, base + 0x0c);
    if (!(cr & 1)) writel(k, cr | 1, base + 0x0c);
    const secs = readl(k, base + 0x00);
    const n = rtcCount++;
    dev_info(kern, dev, `registered as rtc${n}`);
    const d = new Date(secs * 1000).toISOString().slice(0, 19);
    dev_info(kern, dev, `setting system clock to ${d} UTC (${secs})`);
    k.leave();
    return 0;
  },
};

let ttyCount = 0;

/** `uart-pl011`. */
export const pl011Driver: Driver = {
  name: "uart-pl011",
  bus: "amba",
  ambaIds: [{ id: 0x00041011, mask: 0x000fffff }],
  probe(kern: Kernel, dev: Device): number {
    const k = kern.cpu;
    k.enter("pl011_probe");
    const r = devm_ioremap_resource(kern, dev, dev.resources[0]);
    if (!r.ok) {
      k.leave();
      return r.err;
    }
    const irq = dev.irqs[0] ?? 0;
    kern.log.log(
      KERN_INFO,
      `${dev.name}: ttyAMA${ttyCount++} at MMIO 0x${
        dev.resources[0].start.toString(16)
      } (irq = ${irq}, base_baud = 0) is a PL011 rev1`,
    );
    k.leave();
    return 0;
  },
};

function hx(v: bigint, w: number): string {
  return "0x" + v.toString(16).padStart(w, "0");
}

/** `pci-host-generic` for `pci-host-ecam-generic`. */
export const pciHostGenericDriver: Driver = {
  name: "pci-host-generic",
  bus: "platform",
  compatible: ["pci-host-ecam-generic", "pci-host-cam-generic"],
  probe(kern: Kernel, dev: Device): number {
    const k = kern.cpu;
    k.enter("pci_host_common_probe");
    dev_info(kern, dev, `host bridge ${dev.node.path} ranges:`);
    const ranges = busRanges(dev.node, { flavor: "linux", strict: false });
    const windows: Resource[] = [];
    if (Array.isArray(ranges)) {
      for (const r of ranges) {
        if (!r.cpu.ok) continue;
        const io = (r.flags & 0x100) !== 0;
        const kind = io ? "      IO" : "     MEM";
        const cpu = r.cpu.address;
        const end = cpu + r.size - 1n;
        const child = r.childCells.length >= 3
          ? (BigInt(r.childCells[1]) << 32n) | BigInt(r.childCells[2])
          : BigInt(r.childCells[r.childCells.length - 1] ?? 0);
        dev_info(kern, dev, `${kind} ${hx(cpu, 10)}..${hx(end, 10)} -> ${hx(child, 10)}`);
        if (!io) {
          windows.push(new Resource(dev.node.name, Number(cpu), Number(end), IORESOURCE_MEM));
          if (r.size > 0x100000000n && !(r.flags & 0x2000)) {
            dev_info(kern, dev, "Memory resource size exceeds max for 32 bits");
          }
        }
      }
    }
    const cfg = dev.resources[0];
    if (!cfg) {
      dev_err(kern, dev, 'missing "reg" property');
      k.leave();
      return -22;
    }
    const busRange = dev.node.prop("bus-range")?.cells() ?? [0, 255];
    const [b0, b1] = busRange;
    const ecam = new Resource("PCI ECAM", cfg.start, cfg.end, IORESOURCE_MEM);
    if (kern.iomem.request(kern.iomem.root, ecam)) {
      dev_err(kern, dev, `can't claim ECAM area ${ecam}`);
      k.leave();
      return EBUSY;
    }
    const bx = (v: number) => v.toString(16).padStart(2, "0");
    dev_info(kern, dev, `ECAM at ${ecam} for [bus ${bx(b0)}-${bx(b1)}]`);
    for (const w of windows) kern.iomem.insert(kern.iomem.root, w);
    dev_info(kern, dev, `PCI host bridge to bus 0000:${bx(b0)}`);
    // pci_ecam_create: the whole window with pci_remap_cfgspace (ioremap_np); then
    // pci_scan_child_bus reads the vendor/device ID of each slot's function 0 on the root bus.
    const map = ioremap_np(kern, cfg.start, cfg.size, {
      driver: "pci-host-generic",
      node: dev.node.path,
      device: dev.name,
    });
    if (map) {
      for (let devfn = 0; devfn < 256; devfn += 8) readl_relaxed(k, map + (devfn << 12));
    }
    k.leave();
    return 0;
  },
};
