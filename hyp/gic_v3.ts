/**
 * The host GICv3 as Xen 4.17 sees it (xen/arch/arm/gic-v3.c): the `DT_DEVICE_START(gicv3, …)`
 * registry entry, the device-tree probe (distributor, redistributor regions and stride,
 * maintenance IRQ), the boot-log lines, the number of redistributor regions dom0 gets
 * (vgic-v3.c `vgic_v3_domain_init`), and dom0's GIC node (`gicv3_make_hwdom_dt_node`).
 *
 * @module
 */

import type { Node } from "../dt/tree.ts";
import type { DeviceDesc, DeviceInitContext } from "./device.ts";
import type { XenDeviceTree } from "./device_tree.ts";
import { readU32 } from "./device_tree.ts";
import type { FdtWriter } from "./fdt_writer.ts";
import { xsprintf } from "./vsprintf.ts";

/** `GICV3_GICR_SIZE`: one redistributor (RD_base + SGI_base frames, no VLPI). */
export const GICV3_GICR_SIZE = 0x20000;

/** What the GICv3 probe found. */
export interface GicV3Info {
  /** Version tag. */
  version: 3;
  /** The GIC node (`dt_interrupt_controller`). */
  node: Node;
  /** Distributor base and size. */
  dbase: number;
  /** Distributor size from `reg`. */
  dsize: number;
  /** Redistributor regions [base, size]. */
  rdist: [number, number][];
  /** `redistributor-stride` (0 when absent). */
  rdistStride: number;
  /** Maintenance interrupt. */
  maintenanceIrq: number;
  /** Set when `gicv3_dt_init` panics on this node (the message). */
  initError?: string;
}

function probe(ctx: DeviceInitContext): number {
  const n = ctx.node;
  // gicv3_dt_preinit accepts any node with the compatible; gicv3_dt_init panics on what is
  // missing.
  const fail = (initError: string): number => {
    const info: GicV3Info = {
      version: 3,
      node: n,
      dbase: 0,
      dsize: 0,
      rdist: [],
      rdistStride: 0,
      maintenanceIrq: 0,
      initError,
    };
    ctx.result = info;
    ctx.setUsedByXen();
    return 0;
  };
  const d = ctx.dt.getAddress(n, 0);
  if (!d) return fail("GICv3: Cannot find a valid distributor address");
  const nr = readU32(n, "#redistributor-regions") ?? 1;
  const rdist: [number, number][] = [];
  for (let i = 0; i < nr; i++) {
    const r = ctx.dt.getAddress(n, 1 + i);
    if (!r) return fail(`GICv3: No rdist base found for region ${i}`);
    rdist.push(r);
  }
  const irq = platformGetIrq(ctx.dt, n, 0);
  if (irq < 0) return fail("GICv3: Cannot find the maintenance IRQ");
  const info: GicV3Info = {
    version: 3,
    node: n,
    dbase: d[0],
    dsize: d[1],
    rdist,
    rdistStride: readU32(n, "redistributor-stride") ?? 0,
    maintenanceIrq: irq,
  };
  ctx.result = info;
  ctx.setUsedByXen();
  return 0;
}

/**
 * `platform_get_irq(node, index)` with the GIC translator (`gic_irq_xlate`): the INTID, or -1.
 * Only valid once `dt.intc` is known; for the GIC itself the walk ends at the node.
 */
export function platformGetIrq(dt: XenDeviceTree, node: Node, index: number): number {
  const raw = dt.getRawIrq(node, index);
  if (typeof raw === "number") return -1;
  if (dt.intc && raw.controller !== dt.intc) return -1;
  if (raw.spec.length < 3) return -1;
  return raw.spec[1] + 16 + (raw.spec[0] ? 0 : 16);
}

/** `DT_DEVICE_START(gicv3, "GICv3", DEVICE_GIC)` with `DT_MATCH_GIC_V3`. */
export const gicv3Device: DeviceDesc = {
  name: "gicv3",
  desc: "GICv3",
  class: "DEVICE_GIC",
  compatible: ["arm,gic-v3"],
  init: probe,
};

/** The boot-log lines of `gicv3_dt_init`/`gicv3_init`/`gicv3_cpu_init` for the boot CPU. */
export function gicv3BootLines(g: GicV3Info, lines: number, cpus: number): string[] {
  const out = [
    "GICv3 initialization:",
    xsprintf("      gic_dist_addr=%#016lx", g.dbase),
    xsprintf("      gic_maintenance_irq=%u", g.maintenanceIrq),
    xsprintf("      gic_rdist_stride=%#x", g.rdistStride),
    xsprintf("      gic_rdist_regions=%d", g.rdist.length),
    "      redistributor regions:",
  ];
  g.rdist.forEach(([b, s], i) =>
    out.push(xsprintf("        - region %u: %#016lx - %#016lx", i, b, b + s))
  );
  out.push(xsprintf("GICv3: %d lines, (IID %08x).", lines, 0x43b));
  void cpus;
  return out;
}

/**
 * `vgic_v3_domain_init` for a domain using the host layout: how many host redistributor regions
 * cover `maxVcpus` redistributors of 128 KiB (one more than the host has when they do not).
 */
export function dom0RdistRegions(g: GicV3Info, maxVcpus: number): number {
  let firstCpu = 0;
  let i = 0;
  for (; i < g.rdist.length; i++) {
    firstCpu += Math.floor(g.rdist[i][1] / GICV3_GICR_SIZE);
    if (firstCpu >= maxVcpus) break;
  }
  return i + 1;
}

/**
 * `gicv3_make_hwdom_dt_node`: `compatible` copied, `#redistributor-regions`, and `reg` = the
 * first 1 + nr_regions host entries. Returns 0 or a negative (libfdt/Xen) error; -ERANGE when
 * the host `reg` is too short.
 */
export function gicv3MakeHwdomDtNode(
  gic: Node,
  fdt: FdtWriter,
  nrRegions: number,
  ac: number,
  sc: number,
): number {
  const compat = gic.prop("compatible");
  if (!compat) return -2;
  let r = fdt.property("compatible", compat.value);
  if (r) return r;
  r = fdt.propertyU32("#redistributor-regions", nrRegions);
  if (r) return r;
  const newLen = (ac + sc) * 4 * (nrRegions + 1);
  const reg = gic.prop("reg");
  if (!reg) return -2;
  if (newLen > reg.length) return -34;
  return fdt.property("reg", reg.value.subarray(0, newLen));
}
