/**
 * Linux 6.1's GICv3 driver init (drivers/irqchip/irq-gic-v3.c `gic_of_init` → `gic_init_bases`,
 * irq-gic-common.c `gic_dist_config`/`gic_cpu_config`), issuing exactly its MMIO accesses in
 * order, so that Xen's vGIC sees (and logs) what it sees from real Linux:
 *
 * - claim "GICD"/"GICR" regions (`gic_request_region`) and map them with `of_iomap` (ioremap);
 * - `GICD_PIDR2` arch check; `GICD_TYPER`, `GICD_IIDR`, `GICD_TYPER2` reads;
 * - `gic_update_rdist_properties`: per redistributor frame `GICR_TYPER` (64-bit) and `GICR_CTLR`;
 * - `gic_dist_init`: CTLR = 0 + RWP wait, IGROUPR ~0, ICFGR 0, IPRIORITYR 0xa0a0a0a0,
 *   ICACTIVER/ICENABLER ~0 pairs (`gic_dist_config`), CTLR = ARE_NS|G1A|G1 + RWP wait, IROUTER of
 *   every SPI to the boot CPU (64-bit writes);
 * - `gic_cpu_init` (per CPU): find the redistributor by affinity (`GICR_PIDR2`, `GICR_TYPER`),
 *   wake it (`GICR_WAKER`), SGI frame IGROUPR0 ~0, ICACTIVER0/ICENABLER0 ~0, IPRIORITYR, RWP wait.
 *
 * System-register accesses (ICC_*) are not issued: under Xen they reach the virtual CPU interface
 * without a trap (the port models ICC_SRE/CTLR/PMR/BPR1/IGRPEN1 with their ICV values, not the
 * APRs `gic_cpu_sys_reg_init` also clears).
 *
 * @module
 */

import type { VA } from "../../arch/arm64/port.ts";
import { deviceGetAddress } from "../../dt/address.ts";
import type { Node } from "../../dt/tree.ts";
import type { KernelCpu } from "../access.ts";
import { readl_relaxed, readq_relaxed, writel_relaxed, writeq_relaxed } from "../io.ts";
import { ioremap } from "../ioremap.ts";
import type { Kernel } from "../kernel.ts";
import { KERN_ERR, KERN_INFO } from "../printk.ts";

// GICD registers (include/linux/irqchip/arm-gic-v3.h, arm-gic-common.h)
const GICD_CTLR = 0x0000;
const GICD_TYPER = 0x0004;
const GICD_IIDR = 0x0008;
const GICD_TYPER2 = 0x000c;
const GICD_IGROUPR = 0x0080;
const GIC_DIST_ENABLE_CLEAR = 0x0180;
const GIC_DIST_ACTIVE_CLEAR = 0x0380;
const GIC_DIST_PRI = 0x0400;
const GIC_DIST_CONFIG = 0x0c00;
const GICD_IROUTER = 0x6000;
const GICD_PIDR2 = 0xffe8;
const GICD_CTLR_RWP = 0x80000000;
const GICD_CTLR_ARE_NS = 1 << 4;
const GICD_CTLR_ENABLE_G1A = 1 << 1;
const GICD_CTLR_ENABLE_G1 = 1 << 0;
const GICD_CTLR_nASSGIreq = 1 << 8;
const GICD_TYPER_LPIS = 1 << 17;
const GICD_TYPER_RSS = 1 << 26;
const GICD_TYPER_ESPI = 1 << 8;
const GICD_TYPER2_nASSGIcap = 1 << 8;
const GIC_PIDR2_ARCH_MASK = 0xf0;
const GIC_PIDR2_ARCH_GICv3 = 0x30;
const GIC_PIDR2_ARCH_GICv4 = 0x40;
/** `GICD_INT_EN_CLR_X32`. */
export const GICD_INT_EN_CLR_X32 = 0xffffffff;
/** `GICD_INT_DEF_PRI_X4`. */
export const GICD_INT_DEF_PRI_X4 = 0xa0a0a0a0;
const GICD_INT_ACTLOW_LVLTRIG = 0;
// GICR
const GICR_CTLR = 0x0000;
const GICR_TYPER = 0x0008;
const GICR_WAKER = 0x0014;
const GICR_PIDR2 = 0xffe8;
const GICR_CTLR_RWP = 1 << 3;
const GICR_WAKER_ProcessorSleep = 1 << 1;
const GICR_WAKER_ChildrenAsleep = 1 << 2;
const GICR_TYPER_LAST = 1n << 4n;
const GICR_TYPER_VLPIS = 1n << 1n;
const GICR_TYPER_DirectLPIS = 1n << 3n;
const GICR_TYPER_RVPEID = 1n << 7n;
const SZ_64K = 0x10000;

/** `gic_dist_config(base, gic_irqs, sync)` (irq-gic-common.c). */
export function gicDistConfig(k: KernelCpu, base: VA, gicIrqs: number, sync?: () => void): void {
  for (let i = 32; i < gicIrqs; i += 16) {
    writel_relaxed(k, GICD_INT_ACTLOW_LVLTRIG, base + GIC_DIST_CONFIG + i / 4);
  }
  for (let i = 32; i < gicIrqs; i += 4) {
    writel_relaxed(k, GICD_INT_DEF_PRI_X4, base + GIC_DIST_PRI + i);
  }
  for (let i = 32; i < gicIrqs; i += 32) {
    writel_relaxed(k, GICD_INT_EN_CLR_X32, base + GIC_DIST_ACTIVE_CLEAR + i / 8);
    writel_relaxed(k, GICD_INT_EN_CLR_X32, base + GIC_DIST_ENABLE_CLEAR + i / 8);
  }
  sync?.();
}

/** `gic_cpu_config(base, nr, sync)` (6.1: no SGI enable write). */
export function gicCpuConfig(k: KernelCpu, base: VA, nr: number, sync?: () => void): void {
  for (let i = 0; i < nr; i += 32) {
    writel_relaxed(k, GICD_INT_EN_CLR_X32, base + GIC_DIST_ACTIVE_CLEAR + i / 8);
    writel_relaxed(k, GICD_INT_EN_CLR_X32, base + GIC_DIST_ENABLE_CLEAR + i / 8);
  }
  for (let i = 0; i < nr; i += 4) writel_relaxed(k, GICD_INT_DEF_PRI_X4, base + GIC_DIST_PRI + i);
  sync?.();
}

interface RedistRegion {
  base: VA;
  phys: number;
}

/** The GICv3 driver state (`gic_data`). */
export class GicV3 {
  /** Distributor VA. */
  distBase: VA = 0;
  /** Number of lines (`GIC_LINE_NR`). */
  lineNr = 0;
  /** Extended SPIs (`GIC_ESPI_NR`). */
  espiNr = 0;
  /** `GICD_TYPER2`. */
  typer2 = 0;
  /** PPIs per redistributor. */
  ppiNr = 16;
  /** Redistributor regions. */
  readonly regions: RedistRegion[] = [];
  /** `redistributor-stride` (0 = natural). */
  stride = 0;
  private readonly kern: Kernel;

  /** The driver for `kern`. */
  constructor(kern: Kernel) {
    this.kern = kern;
  }

  private iomap(node: Node, idx: number, name: string): VA | null {
    const r = deviceGetAddress(node, idx, { flavor: "linux", strict: false });
    if (!r.ok) return null;
    const start = Number(r.address), size = Number(r.size);
    this.kern.iomem.requestRegion(start, size, name); // gic_request_region: failure is not fatal
    const va = ioremap(this.kern, start, size, { driver: "gic-v3", node: node.path });
    if (!va) return null;
    if (idx > 0) this.regions.push({ base: va, phys: start });
    return va;
  }

  private waitForRwp(k: KernelCpu, base: VA, bit: number): void {
    // gic_do_wait_for_rwp: poll until RWP clears (bounded like the 1 s timeout).
    for (let n = 0; n < 1000; n++) if ((readl_relaxed(k, base) & bit) === 0) return;
    this.kern.log.log(KERN_ERR, "GICv3: RWP timeout, gone fishing");
  }

  /** `gic_of_init`: 0 or a negative errno. */
  init(node: Node): number {
    const kern = this.kern, k = kern.cpu, log = kern.log;
    k.enter("gic_of_init");
    const dist = this.iomap(node, 0, "GICD");
    if (dist === null) {
      log.log(KERN_ERR, `GICv3: ${node.path}: unable to map gic dist registers`);
      k.leave();
      return -12;
    }
    this.distBase = dist;
    const pidr2 = readl_relaxed(k, dist + GICD_PIDR2) & GIC_PIDR2_ARCH_MASK;
    if (pidr2 !== GIC_PIDR2_ARCH_GICv3 && pidr2 !== GIC_PIDR2_ARCH_GICv4) {
      log.log(KERN_ERR, `GICv3: ${node.path}: no distributor detected, giving up`);
      k.leave();
      return -19;
    }
    const nr = node.prop("#redistributor-regions")?.u32() ?? 1;
    for (let i = 0; i < nr; i++) {
      if (this.iomap(node, 1 + i, "GICR") === null) {
        log.log(KERN_ERR, `GICv3: ${node.path}: couldn't map region ${i}`);
        k.leave();
        return -19;
      }
    }
    const st = node.prop("redistributor-stride");
    this.stride = st ? Number(st.length >= 8 ? st.cellsAt(0, 2) : st.u32()) : 0;
    this.initBases(k);
    k.leave();
    return 0;
  }

  private initBases(k: KernelCpu): void {
    const log = this.kern.log;
    k.enter("gic_init_bases");
    const typer = readl_relaxed(k, this.distBase + GICD_TYPER);
    readl_relaxed(k, this.distBase + GICD_IIDR); // gic_enable_quirks
    this.lineNr = Math.min(((typer & 0x1f) + 1) * 32, 1020);
    this.espiNr = typer & GICD_TYPER_ESPI ? (((typer >>> 27) & 0x1f) + 1) * 32 : 0;
    log.log(KERN_INFO, `GICv3: ${this.lineNr - 32} SPIs implemented`);
    log.log(KERN_INFO, `GICv3: ${this.espiNr} Extended SPIs implemented`);
    this.typer2 = readl_relaxed(k, this.distBase + GICD_TYPER2);
    const hasRss = (typer & GICD_TYPER_RSS) !== 0;
    log.log(KERN_INFO, "Root IRQ handler: gic_handle_irq");
    // gic_update_rdist_properties
    let ppi = Infinity;
    let vlpis = true, rvpeid = true, direct = true;
    this.iterateRdists(k, (ptr) => {
      const t = readq_relaxed(k, ptr + GICR_TYPER);
      readl_relaxed(k, ptr + GICR_CTLR);
      vlpis &&= (t & GICR_TYPER_VLPIS) !== 0n;
      rvpeid &&= (t & GICR_TYPER_RVPEID) !== 0n;
      direct &&= (t & GICR_TYPER_DirectLPIS) !== 0n || rvpeid;
      const ppinum = Number((t >> 27n) & 0x1fn);
      ppi = Math.min(ppi, 16 + (ppinum === 1 || ppinum === 2 ? ppinum * 32 : 0));
      return false;
    });
    this.ppiNr = ppi === Infinity ? 0 : ppi;
    log.log(
      KERN_INFO,
      `GICv3: GICv3 features: ${this.ppiNr} PPIs${hasRss ? ", RSS" : ""}${
        direct ? ", DirectLPI" : ""
      }`,
    );
    if (vlpis) {
      log.log(
        KERN_INFO,
        `GICv3: GICv4 features: ${direct ? "DirectLPI " : ""}${rvpeid ? "RVPEID " : ""}`,
      );
    }
    this.distInit(k);
    this.cpuInit(k);
    readl_relaxed(k, this.distBase + GICD_TYPER); // gic_dist_supports_lpis
    k.leave();
    if (typer & GICD_TYPER_LPIS) {
      log.log(KERN_INFO, "GICv3: ITS not modelled by dom0sim; LPIs unused");
    }
  }

  /** `gic_iterate_rdists`: calls `fn(frame)` until it returns true or the Last frame. */
  private iterateRdists(k: KernelCpu, fn: (ptr: VA, region: number) => boolean): boolean {
    for (let i = 0; i < this.regions.length; i++) {
      let ptr = this.regions[i].base;
      const reg = readl_relaxed(k, ptr + GICR_PIDR2) & GIC_PIDR2_ARCH_MASK;
      if (reg !== GIC_PIDR2_ARCH_GICv3 && reg !== GIC_PIDR2_ARCH_GICv4) {
        this.kern.log.log(KERN_ERR, `GICv3: No redistributor present @${ptr}`);
        break;
      }
      for (let guard = 0; guard < 4096; guard++) {
        const typer = readq_relaxed(k, ptr + GICR_TYPER);
        if (fn(ptr, i)) return true;
        if (this.stride) ptr += this.stride;
        else {
          ptr += 2 * SZ_64K;
          if (typer & GICR_TYPER_VLPIS) ptr += 2 * SZ_64K;
        }
        if (typer & GICR_TYPER_LAST) break;
      }
    }
    return false;
  }

  private distInit(k: KernelCpu): void {
    k.enter("gic_dist_init");
    const base = this.distBase;
    writel_relaxed(k, 0, base + GICD_CTLR);
    this.waitForRwp(k, base + GICD_CTLR, GICD_CTLR_RWP);
    for (let i = 32; i < this.lineNr; i += 32) {
      writel_relaxed(k, 0xffffffff, base + GICD_IGROUPR + i / 8);
    }
    gicDistConfig(k, base, this.lineNr, () => this.waitForRwp(k, base + GICD_CTLR, GICD_CTLR_RWP));
    let val = GICD_CTLR_ARE_NS | GICD_CTLR_ENABLE_G1A | GICD_CTLR_ENABLE_G1;
    if (this.typer2 & GICD_TYPER2_nASSGIcap) {
      this.kern.log.log(KERN_INFO, "GICv3: Enabling SGIs without active state");
      val |= GICD_CTLR_nASSGIreq;
    }
    writel_relaxed(k, val, base + GICD_CTLR);
    this.waitForRwp(k, base + GICD_CTLR, GICD_CTLR_RWP);
    const aff = mpidrToAffinity(k.mrs("MPIDR_EL1"));
    for (let i = 32; i < this.lineNr; i++) writeq_relaxed(k, aff, base + GICD_IROUTER + i * 8);
    k.leave();
  }

  /** `gic_cpu_init` on CPU `k` (boot CPU or `gic_starting_cpu`). */
  cpuInit(k: KernelCpu): void {
    k.enter("gic_cpu_init");
    const mpidr = k.mrs("MPIDR_EL1") & 0xff00ffffffn;
    const aff = Number(
      ((mpidr >> 32n) & 0xffn) << 24n | ((mpidr >> 16n) & 0xffn) << 16n |
        ((mpidr >> 8n) & 0xffn) << 8n | (mpidr & 0xffn),
    );
    let rd: VA = 0;
    this.iterateRdists(k, (ptr, region) => {
      const typer = readq_relaxed(k, ptr + GICR_TYPER);
      if (Number(typer >> 32n) === aff) {
        rd = ptr;
        const phys = this.regions[region].phys + (ptr - this.regions[region].base);
        this.kern.log.log(
          KERN_INFO,
          `GICv3: CPU${k.id}: found redistributor ${mpidr.toString(16)} region ${region}:0x${
            phys.toString(16).padStart(16, "0")
          }`,
        );
        return true;
      }
      return false;
    });
    if (!rd) {
      this.kern.log.log(
        KERN_ERR,
        `GICv3: CPU${k.id}: mpidr ${mpidr.toString(16)} has no re-distributor!`,
      );
      k.leave();
      return;
    }
    // gic_enable_redist(true)
    let w = readl_relaxed(k, rd + GICR_WAKER);
    w &= ~GICR_WAKER_ProcessorSleep;
    writel_relaxed(k, w >>> 0, rd + GICR_WAKER);
    for (let n = 0; n < 1000; n++) {
      if ((readl_relaxed(k, rd + GICR_WAKER) & GICR_WAKER_ChildrenAsleep) === 0) break;
    }
    const sgi = rd + SZ_64K;
    for (let i = 0; i < this.ppiNr + 16; i += 32) {
      writel_relaxed(k, 0xffffffff, sgi + GICD_IGROUPR + i / 8);
    }
    gicCpuConfig(k, sgi, this.ppiNr + 16, () => this.waitForRwp(k, rd + GICR_CTLR, GICR_CTLR_RWP));
    k.leave();
  }
}

function mpidrToAffinity(mpidr: bigint): bigint {
  return ((mpidr >> 32n) & 0xffn) << 32n | ((mpidr >> 16n) & 0xffn) << 16n |
    ((mpidr >> 8n) & 0xffn) << 8n | (mpidr & 0xffn);
}
