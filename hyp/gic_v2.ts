/**
 * The host GICv2 as Xen 4.17 sees it (xen/arch/arm/gic-v2.c): the `DT_DEVICE_START(gicv2, …)`
 * entry with `DT_MATCH_GIC_V2`, the DT probe (GICD, GICC, GICH, GICV, maintenance IRQ, GICv2m
 * frames from `arm,gic-v2m-frame` children), the boot-log lines, dom0's GIC node
 * (`gicv2_make_hwdom_dt_node`: the first two `reg` entries, plus `ranges` and one child per v2m
 * frame), and the v2m frames Xen maps into dom0 before building its tree
 * (`gicv2_map_hwdom_extra_mappings`: `map_mmio_regions` → `p2m_mmio_direct_dev`, MSI SPIs routed).
 *
 * @module
 */

import type { Node } from "../dt/tree.ts";
import type { DeviceDesc, DeviceInitContext } from "./device.ts";
import { dtIsCompatible, dtName, readU32 } from "./device_tree.ts";
import type { FdtWriter } from "./fdt_writer.ts";
import { platformGetIrq } from "./gic_v3.ts";
import { xsprintf } from "./vsprintf.ts";

/** A GICv2m MSI frame (`struct v2m_data`). */
export interface V2mFrame {
  /** The frame's DT node. */
  node: Node;
  /** Frame base. */
  addr: number;
  /** Frame size. */
  size: number;
  /** First SPI. */
  spiStart: number;
  /** Number of SPIs. */
  nrSpis: number;
  /** Whether the DT overrode the hardware values. */
  dtOverride: boolean;
}

/** What the GICv2 probe found. */
export interface GicV2Info {
  /** Version tag. */
  version: 2;
  /** The GIC node. */
  node: Node;
  /** Distributor base. */
  dbase: number;
  /** Distributor size. */
  dsize: number;
  /** CPU interface base. */
  cbase: number;
  /** CPU interface size. */
  csize: number;
  /** Hypervisor interface base. */
  hbase: number;
  /** Virtual CPU interface base. */
  vbase: number;
  /** Virtual CPU interface size. */
  vsize: number;
  /** Maintenance IRQ. */
  maintenanceIrq: number;
  /**
   * `aliased_offset`: 0xf000 when the 128 KiB CPU interface is aliased every 4 KiB within each
   * 64 KiB (GIC-400 on 64 KiB-aligned frames), else 0. `gicv2_is_aliased` compares GICC_IIDR at
   * +0 and +0xf000; with no host GICC registers modelled here, a 128 KiB GICC is taken as aliased
   * (what GIC-400 boards have).
   */
  aliasedOffset: number;
  /** v2m frames. */
  v2m: V2mFrame[];
  /** Set when `gicv2_dt_init` panics on this node (the message). */
  initError?: string;
}

/** A GICv2 that `gicv2_dt_preinit` accepted but `gicv2_dt_init` will panic on. */
function stubV2(node: Node, initError: string): GicV2Info {
  return {
    version: 2,
    node,
    dbase: 0,
    dsize: 0,
    cbase: 0,
    csize: 0,
    hbase: 0,
    vbase: 0,
    vsize: 0,
    maintenanceIrq: 0,
    aliasedOffset: 0,
    v2m: [],
    initError,
  };
}

/**
 * GICv2m `MSI_TYPER` as QEMU's virt board reports it when the DT does not override it
 * (base SPI 80, 64 SPIs — the values of the recorded run). A machine with a GICv2m model may
 * supply others through {@link GicV2ProbeOptions}.
 */
export const QEMU_V2M_TYPER = { spiStart: 80, nrSpis: 64 };

function probe(ctx: DeviceInitContext): number {
  const n = ctx.node;
  // gicv2_dt_preinit accepts any node with a matching compatible; gicv2_dt_init then panics
  // on what is missing (a GIC-400 described without GICH/GICV, e.g., cannot host Xen).
  const d = ctx.dt.getAddress(n, 0);
  const c = ctx.dt.getAddress(n, 1);
  const h = ctx.dt.getAddress(n, 2);
  const v = ctx.dt.getAddress(n, 3);
  const irq = d && c && h && v ? platformGetIrq(ctx.dt, n, 0) : -1;
  const initError = !d
    ? "GICv2: Cannot find a valid address for the distributor"
    : !c
    ? "GICv2: Cannot find a valid address for the CPU"
    : !h
    ? "GICv2: Cannot find a valid address for the hypervisor"
    : !v
    ? "GICv2: Cannot find a valid address for the virtual CPU"
    : irq < 0
    ? "GICv2: Cannot find the maintenance IRQ"
    : undefined;
  if (initError || !d || !c || !h || !v) {
    ctx.result = stubV2(n, initError ?? "");
    ctx.setUsedByXen();
    return 0;
  }
  const v2m: V2mFrame[] = [];
  for (const ch of n.children) {
    if (!dtIsCompatible(ch, "arm,gic-v2m-frame")) continue;
    const a = ctx.dt.getAddress(ch, 0);
    if (!a) return -22;
    const base = readU32(ch, "arm,msi-base-spi");
    const num = readU32(ch, "arm,msi-num-spis");
    const over = base !== undefined && num !== undefined;
    if (over) {
      ctx.log(xsprintf("GICv2: DT overriding v2m hardware setting (base:%u, num:%u)", base, num));
    }
    v2m.push({
      node: ch,
      addr: a[0],
      size: a[1],
      spiStart: over ? base! : QEMU_V2M_TYPER.spiStart,
      nrSpis: over ? num! : QEMU_V2M_TYPER.nrSpis,
      dtOverride: over,
    });
  }
  const info: GicV2Info = {
    version: 2,
    node: n,
    dbase: d[0],
    dsize: d[1],
    cbase: c[0],
    csize: c[1],
    hbase: h[0],
    vbase: v[0],
    vsize: v[1],
    maintenanceIrq: irq,
    aliasedOffset: c[1] === 0x20000 ? 0xf000 : 0,
    v2m,
  };
  ctx.result = info;
  ctx.setUsedByXen();
  return 0;
}

/** Probe options (reserved for machines with a GICv2m register model). */
export interface GicV2ProbeOptions {
  /** MSI_TYPER values per frame address. */
  v2mTyper?: Map<number, { spiStart: number; nrSpis: number }>;
}

/** `DT_DEVICE_START(gicv2, "GICv2", DEVICE_GIC)`. */
export const gicv2Device: DeviceDesc = {
  name: "gicv2",
  desc: "GICv2",
  class: "DEVICE_GIC",
  compatible: ["arm,cortex-a15-gic", "arm,cortex-a7-gic", "arm,gic-400"],
  init: probe,
};

/** The boot-log lines of the GICv2 probe and init. */
export function gicv2BootLines(g: GicV2Info, lines: number, cpus: number): string[] {
  const out: string[] = [];
  for (const f of g.v2m) {
    out.push(
      "GICv2m extension register frame:",
      xsprintf("        gic_v2m_addr=%016lx", f.addr),
      xsprintf("        gic_v2m_size=%016lx", f.size),
      xsprintf("        gic_v2m_spi_base=%u", f.spiStart),
      xsprintf("        gic_v2m_num_spis=%u", f.nrSpis),
    );
  }
  out.push(
    "GICv2 initialization:",
    xsprintf("        gic_dist_addr=%016lx", g.dbase),
    xsprintf("        gic_cpu_addr=%016lx", g.cbase),
    xsprintf("        gic_hyp_addr=%016lx", g.hbase),
    xsprintf("        gic_vcpu_addr=%016lx", g.vbase),
    xsprintf("        gic_maintenance_irq=%u", g.maintenanceIrq),
    ...(g.aliasedOffset
      ? [xsprintf("GICv2: Adjusting CPU interface base to %#lx", g.cbase + g.aliasedOffset)]
      : []),
    xsprintf(
      "GICv2: %d lines, %d cpu%s%s (IID %8.8x).",
      lines,
      cpus,
      cpus === 1 ? "" : "s",
      "",
      0x43b,
    ),
  );
  return out;
}

/** `GICv2: Mapping v2m frame to d%d: …` (printed by `gicv2_map_hwdom_extra_mappings`). */
export function v2mMappingLine(domid: number, f: V2mFrame): string {
  return xsprintf(
    "GICv2: Mapping v2m frame to d%d: addr=0x%016lx size=0x%016lx spi_base=%u num_spis=%u",
    domid,
    f.addr,
    f.size,
    f.spiStart,
    f.nrSpis,
  );
}

/**
 * `gicv2_make_hwdom_dt_node` (+ `gicv2m_make_dt_node`): compatible, the first two `reg` entries,
 * then `ranges` and the v2m children. Returns 0 or a negative error; `log` receives the
 * "Creating v2m DT node" lines.
 */
export function gicv2MakeHwdomDtNode(
  g: GicV2Info,
  fdt: FdtWriter,
  domid: number,
  ac: number,
  sc: number,
  log: (line: string) => void,
): number {
  const compat = g.node.prop("compatible");
  if (!compat) return -2;
  let r = fdt.property("compatible", compat.value);
  if (r) return r;
  const reg = g.node.prop("reg");
  if (!reg) return -2;
  r = fdt.property("reg", reg.value.subarray(0, (ac + sc) * 4 * 2));
  if (r) return r;
  if (g.v2m.length === 0) return 0;
  const ranges = g.node.prop("ranges");
  if (!ranges) return -2;
  r = fdt.property("ranges", ranges.value);
  if (r) return r;
  for (const f of g.v2m) {
    log(
      xsprintf(
        "GICv2: Creating v2m DT node for d%d: addr=0x%016lx size=0x%016lx spi_base=%u num_spis=%u",
        domid,
        f.addr,
        f.size,
        f.spiStart,
        f.nrSpis,
      ),
    );
    r = fdt.beginNode(dtName(f.node));
    if (r) return r;
    r = fdt.propertyString("compatible", "arm,gic-v2m-frame");
    if (r) return r;
    r = fdt.property("msi-controller", new Uint8Array(0));
    if (r) return r;
    const ph = f.node.prop("phandle") ?? f.node.prop("linux,phandle");
    if (ph && ph.length >= 4 && ph.u32(0)) {
      r = fdt.propertyU32("phandle", ph.u32(0));
      if (r) return r;
    }
    const freg = f.node.prop("reg");
    if (!freg) return -2;
    r = fdt.property("reg", freg.value);
    if (r) return r;
    r = fdt.propertyU32("arm,msi-base-spi", f.spiStart);
    if (r) return r;
    r = fdt.propertyU32("arm,msi-num-spis", f.nrSpis);
    if (r) return r;
    fdt.endNode();
  }
  return 0;
}
