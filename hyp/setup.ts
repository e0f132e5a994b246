/**
 * Xen 4.17's early setup on arm64 (xen/arch/arm/setup.c `start_xen`, `setup_mm`,
 * `populate_boot_allocator`; mm.c `setup_frametable_mappings`; gic.c `gic_dt_preinit`; time.c;
 * arm-uart.c `dt_uart_init`; passthrough/arm/iommu.c `iommu_hardware_setup`): which host
 * devices Xen claims (GIC, timer, console UART, IOMMUs), and the state of its heap when dom0 is
 * built — boot modules, the host DTB, `/memreserve/` and `/reserved-memory` kept out, page tables
 * and the frametable carved from the top of RAM, every free range handed to the buddy heap, and
 * Xen's own boot-time allocations taken from the highest zone.
 *
 * @module
 */

import { InputError } from "../errors.ts";
import type { Node } from "../dt/tree.ts";
import type { BootInfo } from "./bootfdt.ts";
import type { XenOptions } from "./cmdline.ts";
import type { DeviceInitContext, DeviceRegistry } from "./device.ts";
import { dtIsCompatible, readU32, type XenDeviceTree } from "./device_tree.ts";
import type { GicV2Info } from "./gic_v2.ts";
import { type GicV3Info, platformGetIrq } from "./gic_v3.ts";
import { PAGE_SIZE, PageAllocator } from "./page_alloc.ts";
import type { UartInfo } from "./serial.ts";

/** The host GIC (either version). */
export type GicInfo = GicV2Info | GicV3Info;

/** `enum timer_ppi` order: physical secure, physical non-secure, virtual, hypervisor. */
export type TimerIrqs = [number, number, number, number];

/** The generic timer as Xen found it. */
export interface TimerInfo {
  /** The timer node. */
  node: Node;
  /** INTIDs in `enum timer_ppi` order. */
  irqs: TimerIrqs;
  /** `clock-frequency` when present. */
  clockFrequency?: number;
  /** `cpu_khz`. */
  khz: number;
}

/** What Xen discovered and claimed on the host. */
export interface HostPlatform {
  /** Xen's view of the host tree. */
  dt: XenDeviceTree;
  /** The device registry in use. */
  registry: DeviceRegistry;
  /** Nodes `dt_device_used_by(node) == DOMID_XEN`. */
  usedByXen: Set<Node>;
  /** The primary GIC. */
  gic: GicInfo;
  /** `gic_number_lines()`. */
  gicLines: number;
  /** The generic timer. */
  timer: TimerInfo;
  /** Xen's console UART, when one was initialised. */
  uart?: UartInfo;
  /** IOMMU nodes whose driver initialised. */
  iommus: Node[];
  /** `iommu_enabled`. */
  iommuEnabled: boolean;
  /** Early messages (printed before the console is up). */
  early: string[];
}

/** `CNTFRQ_EL0` of QEMU's virt board (62.5 MHz), used when the timer node has no frequency. */
export const QEMU_CNTFRQ = 62_500_000;

function initCtx(
  node: Node,
  dt: XenDeviceTree,
  used: Set<Node>,
  early: string[],
  data?: string,
): DeviceInitContext {
  return {
    node,
    dt,
    data,
    setUsedByXen: () => used.add(node),
    log: (l) => early.push(l),
  };
}

/** Options for {@link discoverHost}. */
export interface DiscoverOptions {
  /** `gic_number_lines()` (GICD_TYPER) when the machine does not model the GIC registers. */
  gicLines?: number;
  /** `CNTFRQ_EL0` in Hz. */
  cntfrq?: number;
  /** `iommu=` disabled. */
  noIommu?: boolean;
}

/**
 * `gic_preinit` + `preinit_xen_time` + `dt_uart_init` + `iommu_hardware_setup`.
 *
 * @throws {InputError} when Xen would panic: no usable GIC, no timer, a timer without four IRQs.
 */
export function discoverHost(
  dt: XenDeviceTree,
  registry: DeviceRegistry,
  opts: XenOptions,
  d: DiscoverOptions = {},
  file = "host.dtb",
): HostPlatform {
  const used = new Set<Node>();
  const early: string[] = [];
  // gic_dt_preinit: first node with interrupt-controller (and a parent) a GIC driver accepts.
  let gic: GicInfo | undefined;
  for (const n of dt.tree.root.walk()) {
    if (!n.has("interrupt-controller") || !n.parent) continue;
    const ctx = initCtx(n, dt, used, early);
    if (registry.init(ctx, "DEVICE_GIC") === 0) {
      gic = ctx.result as GicInfo;
      break;
    }
  }
  if (!gic) {
    // Name the board's primary controller (the root's interrupt-parent) to say what it has.
    const ip = dt.tree.root.prop("interrupt-parent");
    const primary = ip && ip.length === 4
      ? [...dt.tree.root.walk()].find((n) => n.phandle === ip.u32())
      : [...dt.tree.root.walk()].find((n) => n.parent && n.has("interrupt-controller"));
    const c = primary?.compatible()[0];
    throw new InputError(
      file,
      "Xen panic: Unable to find compatible GIC in the device tree" +
        (c
          ? ` (Xen 4.17 drives arm,gic-400, arm,cortex-a15-gic, arm,cortex-a7-gic and ` +
            `arm,gic-v3; the board's interrupt controller is ${c})`
          : ""),
    );
  }
  if (gic.initError) {
    // gicv2_dt_init reads GICD, GICC, GICH, GICV as reg entries 0-3: a GIC-400 described for
    // Linux alone (GICD and GICC) has the hardware but not the description Xen needs.
    const n = dt.numberOfAddress(gic.node);
    const hint = /hypervisor|virtual CPU/.test(gic.initError)
      ? `: the GIC node's reg has ${n} entr${n === 1 ? "y" : "ies"}; Xen needs the hypervisor ` +
        "interface (GICH) and the virtual CPU interface (GICV) as entries 3 and 4 — add them " +
        "(a GIC-400 has both; see the SoC manual for their addresses)"
      : "";
    throw new InputError(gic.node.path, `Xen panic: ${gic.initError}${hint}`);
  }
  dt.intc = gic.node;
  used.add(gic.node);
  // Resolve the GIC's own maintenance IRQ now that the translator is known.
  if (gic.maintenanceIrq < 0) gic.maintenanceIrq = platformGetIrq(dt, gic.node, 0);

  // preinit_dt_xen_time
  let tnode: Node | undefined;
  for (const n of dt.tree.root.walk()) {
    if (dtIsCompatible(n, "arm,armv7-timer") || dtIsCompatible(n, "arm,armv8-timer")) {
      tnode = n;
      break;
    }
  }
  if (!tnode) throw new InputError(file, "Unable to find a compatible timer in the device tree");
  used.add(tnode);
  const irqs: number[] = [];
  for (let i = 0; i < 4; i++) {
    const irq = platformGetIrq(dt, tnode, i);
    if (irq < 0) {
      throw new InputError(tnode.path, `Timer: Unable to retrieve IRQ ${i} from the device tree`);
    }
    irqs.push(irq);
  }
  const cf = readU32(tnode, "clock-frequency");
  const timer: TimerInfo = {
    node: tnode,
    irqs: irqs as TimerIrqs,
    clockFrequency: cf,
    khz: Math.floor((cf ?? d.cntfrq ?? QEMU_CNTFRQ) / 1000),
  };

  // dt_uart_init
  let uart: UartInfo | undefined;
  const consoles = opts.console.split(",");
  if (consoles.includes("dtuart")) {
    let spec = opts.dtuart;
    if (spec === "") {
      const so = dt.tree.root.child("chosen")?.prop("stdout-path");
      if (so) {
        early.push("Taking dtuart configuration from /chosen/stdout-path");
        spec = so.str();
      }
    }
    if (spec === "") early.push("No dtuart path configured");
    else {
      const colon = spec.indexOf(":");
      const path = colon < 0 ? spec : spec.slice(0, colon);
      const options = colon < 0 ? "" : spec.slice(colon + 1);
      early.push(`Looking for dtuart at "${path}", options "${options}"`);
      const node = path.startsWith("/") ? findByPath(dt, path) : findByAlias(dt, path);
      if (!node) early.push(`Unable to find device "${path}"`);
      else {
        const ctx = initCtx(node, dt, used, early, options);
        const rc = registry.init(ctx, "DEVICE_SERIAL");
        if (rc) early.push(`Unable to initialize dtuart: ${rc}`);
        else uart = ctx.result as UartInfo;
      }
    }
  }

  // iommu_hardware_setup
  const iommus: Node[] = [];
  if (!d.noIommu) {
    for (const n of dt.tree.root.walk()) {
      if (registry.getClass(n) !== "DEVICE_IOMMU") continue;
      const ctx = initCtx(n, dt, used, early);
      if (registry.init(ctx, "DEVICE_IOMMU") === 0) iommus.push(n);
    }
  }

  return {
    dt,
    registry,
    usedByXen: used,
    gic,
    gicLines: d.gicLines ?? (gic.version === 3 ? 256 : 288),
    timer,
    uart,
    iommus,
    iommuEnabled: iommus.length > 0,
    early,
  };
}

/** `dt_find_node_by_path` (case-insensitive full path). */
export function findByPath(dt: XenDeviceTree, path: string): Node | undefined {
  const lc = path.toLowerCase();
  for (const n of dt.tree.root.walk()) if (n.path.toLowerCase() === lc) return n;
  return undefined;
}

/** `dt_find_node_by_alias` (aliases scanned from `/aliases`). */
export function findByAlias(dt: XenDeviceTree, alias: string): Node | undefined {
  const a = dt.tree.root.child("aliases")?.prop(alias);
  if (!a) return undefined;
  return findByPath(dt, a.str());
}

/** A region of RAM with the reason it is not free (for explanations). */
export interface ReservedRange {
  /** Start. */
  start: number;
  /** End (exclusive). */
  end: number;
  /** Why. */
  what: string;
}

/** `sizeof(struct page_info)` on arm64 (asm/mm.h: list_head, count_info, u, v, tlbflush, pad). */
export const PAGE_INFO_SIZE = 56;

/** Options of the memory model. */
export interface MemoryModelOptions {
  /** CPUs brought up (per-CPU allocations). */
  cpus: number;
  /** The boot CPU needs the `ARM64_WORKAROUND_AT_SPECULATE` empty root (Cortex-A57/A72). */
  atSpeculate: boolean;
  /** p2m root order (from the PARange). */
  p2mRootOrder: number;
  /**
   * Dirty pages the secondary CPUs' idle-loop scrubber cleans before dom0's RAM is allocated
   * (default {@link SCRUB_BEFORE_DOM0}).
   */
  scrubPages?: number;
}

/**
 * Pages scrubbed in the background between CPU bring-up and dom0's allocation (1 GiB). The
 * recordings on QEMU show zone 19 ([1 GiB, 2 GiB)) clean and zone 20 still dirty when dom0's
 * banks are allocated (`dom0_mem=768M` on 2 GiB gives one bank 0x50000000-0x80000000: the clean
 * order-16 chunk in zone 19 is taken in get_free_buddy's first pass). With one CPU nothing is
 * scrubbed. The real amount depends on timing.
 */
export const SCRUB_BEFORE_DOM0 = 262144;

/**
 * Xen's own heap use between `end_boot_allocator` and dom0's memory, in allocation order
 * (an approximation: per-CPU stacks and areas, the console ring, and a block of pages standing for
 * the many small xmalloc users). All are xenheap allocations (`MEMF_no_scrub`, so no free list is
 * rotated) and come from the top zone; they only shape the free chunks near the top of RAM.
 */
export function xenBootHeapPlan(cpus: number): { order: number; who: string }[] {
  const plan: { order: number; who: string }[] = [{ order: 2, who: "console ring" }];
  for (let c = 0; c < cpus; c++) {
    plan.push({ order: 3, who: `cpu${c} stack` });
    plan.push({ order: 1, who: `cpu${c} per-cpu area` });
  }
  for (let i = 0; i < 256; i++) {
    plan.push({ order: 0, who: "xmalloc pools, domain and vCPU structs" });
  }
  return plan;
}

/**
 * `setup_mm` (arm64) + `end_boot_allocator` + Xen's boot-time heap use: returns the heap as it is
 * when `construct_dom0` starts, with the ranges that are not free and why.
 */
export function setupMemory(
  bi: BootInfo,
  opts: XenOptions,
  mm: MemoryModelOptions,
): { alloc: PageAllocator; reserved: ReservedRange[] } {
  const alloc = new PageAllocator(bi.mem);
  alloc.bootScrubIdle = opts.bootscrub === "idle";
  const reserved: ReservedRange[] = [];
  for (const m of bi.modules) {
    if (m.size) {
      reserved.push({ start: m.start, end: m.start + m.size, what: `boot module (${m.kind})` });
    }
  }
  for (const r of bi.memreserve) {
    reserved.push({ start: r.start, end: r.start + r.size, what: "/memreserve/" });
  }
  for (const r of bi.reservedMem) {
    reserved.push({
      start: r.start,
      end: r.start + r.size,
      what: `reserved-memory ${r.node ?? ""}`.trim(),
    });
  }

  // populate_boot_allocator (no static heap)
  const nr = bi.memreserve.length;
  const unreserved = (s: number, e: number, first: number): void => {
    let i = first;
    for (; i < nr; i++) {
      const rs = bi.memreserve[i].start;
      const re = rs + bi.memreserve[i].size;
      if (s < re && rs < e) {
        unreserved(re, e, i + 1);
        unreserved(s, rs, i + 1);
        return;
      }
    }
    for (; i - nr < bi.reservedMem.length; i++) {
      const rs = bi.reservedMem[i - nr].start;
      const re = rs + bi.reservedMem[i - nr].size;
      if (s < re && rs < e) {
        unreserved(re, e, i + 1);
        unreserved(s, rs, i + 1);
        return;
      }
    }
    alloc.initBootPages(s, e);
  };
  const nextModule = (s: number, end: { v: number }): number => {
    let lowest = Number.POSITIVE_INFINITY;
    for (const m of bi.modules) {
      const ms = m.start;
      const me = ms + m.size;
      if (!m.size) continue;
      if (ms < s) continue;
      if (ms > lowest) continue;
      if (ms > end.v) continue;
      lowest = ms;
      end.v = Math.min(end.v, me);
    }
    return lowest;
  };
  for (const bank of bi.mem) {
    const bankEnd = bank.start + bank.size;
    let s = bank.start;
    while (s < bankEnd) {
      const n = { v: bankEnd };
      let e = nextModule(s, n);
      if (e === Number.POSITIVE_INFINITY) e = n.v = bankEnd;
      if (e > bankEnd) e = bankEnd;
      unreserved(s, e, 0);
      s = n.v;
    }
  }

  // setup_mm: directmap mappings (page-table pages from the boot allocator), then the frametable.
  const ramStart = bi.mem[0].start;
  const ramEnd = Math.max(...bi.mem.map((b) => b.start + b.size));
  for (const bank of bi.mem) {
    // One table page for the bank's first-level slot, plus one for each end not 1 GiB aligned.
    let tables = 1;
    if (bank.start % 0x40000000) tables++;
    if ((bank.start + bank.size) % 0x40000000) tables++;
    for (let i = 0; i < tables; i++) alloc.allocBootPages(1, 1, "directmap page table");
  }
  const nrPdxs = Math.floor((ramEnd - ramStart) / PAGE_SIZE);
  let ftSize = nrPdxs * PAGE_INFO_SIZE;
  const mapping = ftSize < 32 * 2 ** 20 ? 2 * 2 ** 20 : 32 * 2 ** 20;
  ftSize = Math.ceil(ftSize / mapping) * mapping;
  const ft = alloc.allocBootPages(ftSize / PAGE_SIZE, (32 << 20) / PAGE_SIZE, "frametable");
  reserved.push({ start: ft * PAGE_SIZE, end: ft * PAGE_SIZE + ftSize, what: "Xen frametable" });
  const ftTables = Math.max(1, Math.ceil(ftSize / 0x40000000));
  for (let i = 0; i < ftTables; i++) alloc.allocBootPages(1, 1, "frametable page table");

  alloc.endBootAllocator();

  // Xen's own heap use before dom0 (from the highest zone, MEMF_no_scrub).
  for (const a of xenBootHeapPlan(mm.cpus)) alloc.allocXenheapPages(a.order, a.who);
  if (mm.atSpeculate) {
    alloc.allocDomheapPages(mm.p2mRootOrder, {}, "ARM64_WORKAROUND_AT_SPECULATE root");
  }
  // Secondary CPUs idle from "Brought up N CPUs" on and scrub (bootscrub=idle only).
  if (mm.cpus > 1 && opts.bootscrub === "idle") {
    alloc.scrubBackground(mm.scrubPages ?? SCRUB_BEFORE_DOM0);
  }
  return { alloc, reserved };
}
