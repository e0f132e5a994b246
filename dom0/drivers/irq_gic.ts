/**
 * Linux 6.1's GICv2 driver init (drivers/irqchip/irq-gic.c `gic_of_init` → `gic_of_setup`,
 * `__gic_init_bases`, `gic_init_bases`, `gic_dist_init`, `gic_cpu_init`, `gic_cpu_if_up`) as
 * its MMIO accesses: distributor and CPU interface mapped with `of_iomap` (no iomem claim),
 * `GIC_DIST_CTR` for the line count, CTRL = 0, CPU mask from ITARGETSR0..7, every SPI targeted
 * at this CPU, `gic_dist_config`, CTRL = 1; per CPU: mask again, `gic_cpu_config` of the banked
 * 32 interrupts, GICC_PMR = 0xf0, APRs cleared on a GICv2 CPU interface, GICC_CTLR enable.
 * Under Xen the CPU interface region is the virtual one (GICV), mapped by Xen at GICC's address.
 *
 * @module
 */

import type { VA } from "../../arch/arm64/port.ts";
import { deviceGetAddress } from "../../dt/address.ts";
import type { Node } from "../../dt/tree.ts";
import type { KernelCpu } from "../access.ts";
import { readl, readl_relaxed, writel_relaxed } from "../io.ts";
import { ioremap } from "../ioremap.ts";
import type { Kernel } from "../kernel.ts";
import { KERN_CRIT, KERN_INFO } from "../printk.ts";
import { gicCpuConfig, gicDistConfig } from "./irq_gic_v3.ts";

const GIC_DIST_CTRL = 0x000;
const GIC_DIST_CTR = 0x004;
const GIC_DIST_TARGET = 0x800;
const GIC_CPU_CTRL = 0x00;
const GIC_CPU_PRIMASK = 0x04;
const GIC_CPU_ACTIVEPRIO = 0xd0;
const GIC_CPU_IDENT = 0xfc;
const GICC_INT_PRI_THRESHOLD = 0xf0;
const GICC_ENABLE = 0x1;
const GICC_DIS_BYPASS_MASK = 0x1e0;
const GICD_ENABLE = 0x1;
const GICD_DISABLE = 0x0;

/** The GICv2 driver state (`gic_data[0]`). */
export class GicV2 {
  /** Distributor VA. */
  distBase: VA = 0;
  /** CPU interface VA. */
  cpuBase: VA = 0;
  /** `gic_irqs`. */
  gicIrqs = 0;
  private readonly kern: Kernel;

  /** The driver for `kern`. */
  constructor(kern: Kernel) {
    this.kern = kern;
  }

  private iomap(node: Node, idx: number): VA {
    const r = deviceGetAddress(node, idx, { flavor: "linux", strict: false });
    if (!r.ok) return 0;
    return ioremap(this.kern, Number(r.address), Number(r.size), {
      driver: "gic",
      node: node.path,
    });
  }

  private getCpumask(k: KernelCpu): number {
    let mask = 0;
    for (let i = 0; i < 32; i += 4) {
      mask = readl_relaxed(k, this.distBase + GIC_DIST_TARGET + i);
      mask |= mask >>> 16;
      mask |= mask >>> 8;
      if (mask) break;
    }
    if (!mask && this.kern.cpus.length > 1) {
      this.kern.log.log(KERN_CRIT, "GIC CPU mask not found - kernel will fail to boot.");
    }
    return mask & 0xff;
  }

  /** `gic_of_init`: 0 or a negative errno. */
  init(node: Node): number {
    const k = this.kern.cpu;
    k.enter("gic_of_init");
    this.distBase = this.iomap(node, 0);
    if (!this.distBase) {
      this.kern.log.log(KERN_CRIT, "unable to map gic dist registers");
      k.leave();
      return -12;
    }
    this.cpuBase = this.iomap(node, 1);
    if (!this.cpuBase) {
      this.kern.log.log(KERN_CRIT, "unable to map gic cpu registers");
      k.leave();
      return -12;
    }
    this.kern.log.log(KERN_INFO, "Root IRQ handler: gic_handle_irq");
    k.enter("gic_init_bases");
    const ctr = readl_relaxed(k, this.distBase + GIC_DIST_CTR) & 0x1f;
    this.gicIrqs = Math.min((ctr + 1) * 32, 1020);
    // gic_dist_init
    const base = this.distBase;
    writel_relaxed(k, GICD_DISABLE, base + GIC_DIST_CTRL);
    let cpumask = this.getCpumask(k);
    cpumask |= cpumask << 8;
    cpumask |= cpumask << 16;
    for (let i = 32; i < this.gicIrqs; i += 4) {
      writel_relaxed(k, cpumask >>> 0, base + GIC_DIST_TARGET + i);
    }
    gicDistConfig(k, base, this.gicIrqs);
    writel_relaxed(k, GICD_ENABLE, base + GIC_DIST_CTRL);
    this.cpuInit(k);
    k.leave();
    k.leave();
    return 0;
  }

  /** `gic_cpu_init` + `gic_cpu_if_up` on CPU `k`. */
  cpuInit(k: KernelCpu): void {
    k.enter("gic_cpu_init");
    this.getCpumask(k);
    gicCpuConfig(k, this.distBase, 32);
    writel_relaxed(k, GICC_INT_PRI_THRESHOLD, this.cpuBase + GIC_CPU_PRIMASK);
    // gic_cpu_if_up
    const ident = readl_relaxed(k, this.cpuBase + GIC_CPU_IDENT);
    if ((ident & 0xff0fff) === 0x02043b) {
      for (let i = 0; i < 4; i++) writel_relaxed(k, 0, this.cpuBase + GIC_CPU_ACTIVEPRIO + i * 4);
    }
    const bypass = readl(k, this.cpuBase + GIC_CPU_CTRL) & GICC_DIS_BYPASS_MASK;
    writel_relaxed(k, bypass | GICC_ENABLE, this.cpuBase + GIC_CPU_CTRL);
    k.leave();
  }
}

/** `IRQCHIP_DECLARE` compatibles of irq-gic.c. */
export const GIC_V2_COMPATIBLES = [
  "arm,gic-400",
  "arm,arm11mp-gic",
  "arm,arm1176jzf-devchip-gic",
  "arm,cortex-a15-gic",
  "arm,cortex-a9-gic",
  "arm,cortex-a7-gic",
  "qcom,msm-8660-qgic",
  "qcom,msm-qgic2",
  "arm,pl390",
];
