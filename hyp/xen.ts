/**
 * Booting the modelled Xen 4.17 on a machine: `start_xen` up to dom0 (boot info, command line,
 * memory, host devices, `setup_virt_paging`, `create_dom0` + `construct_dom0`,
 * `discard_initial_modules`, end-of-boot messages), returning a {@link XenInstance} the sim layer
 * drives: dom0's vCPU state, the console, the mapping records, an `El2Handler` per vCPU, and the
 * explain/lookup API.
 *
 * @module
 */

import { InputError } from "../errors.ts";
import { readDtb } from "../dt/dtb_read.ts";
import type { DeviceTree, Node } from "../dt/tree.ts";
import { bootFdtCmdline, bootFdtInfo, type BootInfo } from "./bootfdt.ts";
import { parseXenCmdline } from "./cmdline.ts";
import { XenConsole, XENLOG_INFO, XENLOG_WARNING } from "./console.ts";
import type { DeviceDesc } from "./device.ts";
import { dtTypeIs, XenDeviceTree } from "./device_tree.ts";
import { Domain, type MappingRecord } from "./domain.ts";
import { constructDom0, type Dom0Build } from "./domain_build.ts";
import { gicv2BootLines, type V2mFrame } from "./gic_v2.ts";
import { xenPanic } from "./panic.ts";
import { gicv3BootLines } from "./gic_v3.ts";
import { IrqTable } from "./irq.ts";
import { CORTEX_A57_FEATURES, type CpuFeatures, type HostMemory } from "./machine.ts";
import { P2m, type P2mType, setupVirtPaging } from "./p2m.ts";
import { s2MemAttrName } from "../arch/arm64/stage2_descriptor.ts";
import { BootMemoryExhausted, PAGE_SIZE } from "./page_alloc.ts";
import { DEFAULT_POLICY, findPolicy, type Policy, type PolicyName } from "./policy.ts";
import { defaultRegistry } from "./registry.ts";
import { discoverHost, setupMemory } from "./setup.ts";
import { dom0RdistRegions, GICV3_GICR_SIZE, platformGetIrq } from "./gic_v3.ts";
import { MmioHandlers } from "./io.ts";
import { XenTraps } from "./traps.ts";
import { Vgic } from "./vgic.ts";
import { VgicV2 } from "./vgic_v2.ts";
import { type RdistRegion, VGICD_CTLR_DEFAULT, VgicV3 } from "./vgic_v3.ts";
import { Vuart } from "./vuart.ts";
import type { XenCore } from "./xen_core.ts";

const MB = 2 ** 20;

/** Xen's image as QEMU loads Debian's `xen-4.17-arm64` (Image header `image_size`). */
export const DEBIAN_XEN_IMAGE_SIZE = 0x1360c8;
/** Approximate `_etext - _stext` of that image (only its page count ≥ 64 matters: grant table). */
export const DEBIAN_XEN_TEXT_SIZE = 0xa0000;

/** The machine the sim layer hands to Xen. */
export interface XenMachine {
  /** Physical memory (RAM with the boot modules and the host DTB already in place). */
  mem: HostMemory;
  /** Boot-CPU features (default: QEMU's Cortex-A57). */
  cpu?: CpuFeatures;
  /** Number of physical CPUs Xen brings up (default: `/cpus` children of type "cpu"). */
  cpus?: number;
  /** Stage-2 TLB invalidation for a VMID (wire to every CPU's `tlbiStage2`). */
  tlbFlush?: (vmid: number) => void;
  /** Bytes Xen writes to its console UART (the PL011 through the bus, or a collector). */
  uart?: (bytes: Uint8Array) => void;
  /** `GICD_TYPER`-derived line count, when the machine models the distributor. */
  gicLines?: number;
  /** `CNTFRQ_EL0` in Hz. */
  cntfrq?: number;
}

/** Boot options. */
export interface XenBootOptions {
  /** The host DTB bytes as the firmware passed them. */
  hostDtb: Uint8Array;
  /** Name used in error locations. */
  hostDtbFile?: string;
  /** Where the DTB sits in RAM (default: QEMU's rule, RAM base + min(RAM/2, 128 MiB)). */
  hostDtbAddress?: number;
  /** Attribute policy (default `xen-4.17`). */
  policy?: PolicyName | Policy;
  /** Xen's command line, replacing what the tree gives (`xen,xen-bootargs`/`bootargs`). */
  xenCmdline?: string;
  /** Extra options appended to Xen's command line. */
  extraXenArgs?: string;
  /** Xen's load address (default: first RAM bank + 2 MiB, as QEMU loads a zero-text_offset Image). */
  xenLoadAddress?: number;
  /** `_end - _start` (default {@link DEBIAN_XEN_IMAGE_SIZE}). */
  xenImageSize?: number;
  /** `_etext - _stext` (default {@link DEBIAN_XEN_TEXT_SIZE}). */
  xenTextSize?: number;
  /** Extra device registry entries (appended after Xen's). */
  devices?: readonly DeviceDesc[];
  /**
   * Apply the later fix of `map_range_to_domain`'s off-by-one iomem permission (9568ceb287,
   * Xen 4.21) instead of Xen 4.17's behaviour. Default false (faithful to 4.17).
   */
  fixIomemOffByOne?: boolean;
  /** Dirty pages the idle scrubber cleans before dom0's RAM is allocated (see setup.ts). */
  scrubPagesBeforeDom0?: number;
}

/** The per-domain emulation state: MMIO handlers, vGIC, vUART and the EL2 handler. */
export interface DomainRuntime {
  /** The domain. */
  domain: Domain;
  /** Emulated MMIO regions. */
  mmio: MmioHandlers;
  /** vGIC state. */
  vgic: Vgic;
  /** GICv3 emulation (when the host GIC is v3). */
  vgicV3?: VgicV3;
  /** GICv2 emulation (when the host GIC is v2). */
  vgicV2?: VgicV2;
  /** The hardware domain's vUART. */
  vuart?: Vuart;
  /** The EL2 handler for the domain's vCPUs. */
  traps: XenTraps;
}

/** What {@link XenInstance.lookup} reports for one IPA. */
export interface IpaInfo {
  /** Domain. */
  domid: number;
  /** The IPA asked about. */
  ipa: number;
  /** The PA it maps to, or null when not mapped. */
  pa: number | null;
  /** The p2m type (`p2m_invalid` when not mapped). */
  type: P2mType;
  /** Level of the leaf (or where the walk stopped). */
  level: number;
  /** Stage-2 MemAttr[3:0]. */
  memAttr?: number;
  /** Its name (`Device-nGnRE`, `Normal-WB`, …). */
  memAttrName?: string;
  /** S2AP as "RW", "R-", … */
  s2ap?: string;
  /** Shareability. */
  sh?: string;
  /** Execute-never. */
  xn?: boolean;
  /** The mapping record that created the leaf. */
  mapping?: MappingRecord;
  /** When not mapped: the MMIO handler that emulates the address, if any. */
  emulatedBy?: string;
}

/** A booted Xen with dom0 constructed. */
export class XenInstance {
  /** Shared hypervisor state. */
  readonly core: XenCore;
  /** dom0. */
  readonly dom0: Domain;
  /** What `construct_dom0` produced (kernel info, node outcomes, DTB bytes). */
  readonly build: Dom0Build;
  /** The parsed host tree. */
  readonly hostTree: DeviceTree;

  /** Per-domain runtimes. */
  readonly runtimes: Map<number, DomainRuntime>;

  /** Wrap a booted state (use {@link bootXen}). */
  constructor(
    core: XenCore,
    dom0: Domain,
    build: Dom0Build,
    hostTree: DeviceTree,
    runtimes: Map<number, DomainRuntime>,
  ) {
    this.core = core;
    this.dom0 = dom0;
    this.build = build;
    this.hostTree = hostTree;
    this.runtimes = runtimes;
  }

  /**
   * What an IPA of a domain maps to, from the real stage-2 tables: PA, p2m type, stage-2
   * attributes, the mapping record (node and rule) that created it, or the emulation that answers
   * it when it is not mapped.
   */
  lookup(ipa: number, domid = 0): IpaInfo {
    const d = this.core.domains.get(domid);
    if (!d) throw new RangeError(`no domain ${domid}`);
    const l = d.p2m.lookup(Math.floor(ipa / PAGE_SIZE));
    const mapping = [...d.mappings].reverse().find((m) =>
      !m.removed && m.ipa <= ipa && ipa < m.ipa + m.size
    );
    if (l.mfn < 0 || !l.entry) {
      const h = this.runtimes.get(domid)?.mmio.find(ipa);
      return { domid, ipa, pa: null, type: "p2m_invalid", level: l.level, emulatedBy: h?.name };
    }
    const e = l.entry;
    return {
      domid,
      ipa,
      pa: l.mfn * PAGE_SIZE + (ipa % PAGE_SIZE),
      type: l.type,
      level: l.level,
      memAttr: e.memAttr,
      memAttrName: s2MemAttrName(e.memAttr),
      s2ap: (e.read ? "R" : "-") + (e.write ? "W" : "-"),
      sh: ["Non-shareable", "reserved", "Outer", "Inner"][e.sh],
      xn: e.xn,
      mapping,
    };
  }

  /** {@link lookup} as one sentence for reports and `explain` commands. */
  explain(ipa: number, domid = 0): string {
    const i = this.lookup(ipa, domid);
    const h = (v: number) => "0x" + v.toString(16);
    if (i.pa === null) {
      return i.emulatedBy
        ? `d${domid} IPA ${
          h(ipa)
        } is not mapped at stage 2: accesses trap to Xen and are emulated by ${i.emulatedBy}`
        : `d${domid} IPA ${
          h(ipa)
        } is not mapped at stage 2 and nothing emulates it: Xen 4.17 injects a data abort (ESR 0x96000000 from the kernel)`;
    }
    const src = i.mapping
      ? ` from ${i.mapping.source} (rule: ${i.mapping.rule}${
        i.mapping.proposed ? "; proposed, not in Xen" : ""
      })`
      : "";
    return `d${domid} IPA ${h(ipa)} → PA ${
      h(i.pa)
    }: ${i.type}, stage-2 ${i.memAttrName}, ${i.sh} shareable, ${i.s2ap}${
      i.xn ? ", XN" : ", executable"
    }, level ${i.level}${src}`;
  }

  /** The `El2Handler` to attach to every vCPU of domain `domid` (default dom0). */
  el2Handler(domid = 0): XenTraps {
    const r = this.runtimes.get(domid);
    if (!r) throw new RangeError(`no domain ${domid}`);
    return r.traps;
  }

  /** The console. */
  get console(): XenConsole {
    return this.core.console;
  }

  /** Boot information Xen collected. */
  get bootinfo(): BootInfo {
    return this.core.bi;
  }
}

function resolvePolicy(p: PolicyName | Policy | undefined): Policy {
  if (!p) return findPolicy(DEFAULT_POLICY)!;
  if (typeof p !== "string") return p;
  const found = findPolicy(p);
  if (!found) throw new InputError("--policy", `Unknown policy '${p}'`);
  return found;
}

/**
 * Where the loader puts Xen: QEMU's rule (first RAM bank + 2 MiB) unless that overlaps a
 * `/reserved-memory` region or a `/memreserve/` entry (firmware, secure monitor, ROM copies a
 * bootloader never overwrites), then the next 2 MiB-aligned place in RAM after them.
 */
function freeLoadAddress(
  first: number,
  size: number,
  mem: { start: number; size: number }[],
  bi: BootInfo,
): number {
  const busy = [...bi.reservedMem, ...bi.memreserve].map((r) => ({
    s: r.start,
    e: r.start + r.size,
  }));
  const clash = (a: number) => busy.find((r) => a < r.e && r.s < a + size);
  const inRam = (a: number) => mem.some((b) => a >= b.start && a + size <= b.start + b.size);
  let a = first;
  for (let i = 0; i < 4096; i++) {
    const c = clash(a);
    if (!c && inRam(a)) return a;
    const next = c ? Math.ceil(c.e / (2 * MB)) * (2 * MB) : a + 2 * MB;
    const bank = mem.find((b) => b.start + b.size > next);
    if (!bank) break;
    a = Math.max(next, Math.ceil(bank.start / (2 * MB)) * (2 * MB));
  }
  return first;
}

/** `GICD_TYPER` (GICv2 and GICv3: distributor offset 0x4). */
const GICD_TYPER = 0x4;
/** `GICD_TYPE_LINES` (ITLinesNumber, bits [4:0]). */
const GICD_TYPE_LINES = 0x1f;

/**
 * `gic_number_lines()` as `gicv2_dist_init`/`gicv3_dist_init` compute it: 32·(ITLinesNumber + 1)
 * read from the distributor (GICv3 caps it at 1020). Undefined when the machine has no
 * distributor there (the read faults) or reports no SPIs at all (a bare RAM test machine), in
 * which case the caller keeps its default.
 */
function readGicdLines(mem: HostMemory, dbase: number): number | undefined {
  let typer: number;
  try {
    typer = mem.readU32(dbase + GICD_TYPER);
  } catch {
    return undefined;
  }
  const n = typer & GICD_TYPE_LINES;
  if (n === 0) return undefined;
  return Math.min(32 * (n + 1), 1020);
}

/** GICv2m `V2M_MSI_TYPER` offset and fields (gic-v2.c). */
const V2M_MSI_TYPER = 0x008;
/** `V2M_MIN_SPI` (gic-v2.c). */
const V2M_MIN_SPI = 32;
/** `V2M_MAX_SPI` (gic-v2.c). */
const V2M_MAX_SPI = 1019;

/**
 * `gicv2_add_v2m_frame_to_list`: a frame the DT does not override reads its base SPI and count
 * from `MSI_TYPER`. A machine without a frame model there (the read faults or reads 0) keeps
 * QEMU virt's values the probe assumed.
 */
function readV2mTypers(mem: HostMemory, frames: V2mFrame[]): void {
  for (const f of frames) {
    if (f.dtOverride) continue;
    let typer = 0;
    try {
      typer = mem.readU32(f.addr + V2M_MSI_TYPER);
    } catch {
      continue;
    }
    if (typer === 0) continue;
    f.spiStart = (typer >>> 16) & 0x3ff;
    f.nrSpis = typer & 0x3ff;
  }
}

/** The panic `gicv2_add_v2m_frame_to_list` raises for a frame's SPI range, or "". */
function v2mRangeError(f: V2mFrame): string {
  if (f.spiStart < V2M_MIN_SPI) return `GICv2: Invalid v2m base SPI:${f.spiStart}`;
  if (f.nrSpis === 0 || f.spiStart + f.nrSpis > V2M_MAX_SPI) {
    return `GICv2: Number of v2m SPIs (${f.nrSpis}) exceed maximum (${
      V2M_MAX_SPI - V2M_MIN_SPI + 1
    })`;
  }
  return "";
}

/**
 * Boot Xen 4.17 (the model) on `machine` and construct dom0.
 *
 * @throws {InputError} for host trees, command lines or modules Xen would reject (one line).
 */
export function bootXen(machine: XenMachine, o: XenBootOptions): XenInstance {
  try {
    return bootXenInner(machine, o);
  } catch (e) {
    // Xen touched machine memory that is not there: the host tree calls RAM what the machine
    // has no RAM for (a device placed inside a memory bank without a no-map reservation, say).
    // Real Xen would corrupt a device or take an external abort; report the inconsistency.
    if (e instanceof BootMemoryExhausted) {
      // BUG() in alloc_boot_pages: Xen prints "Xen BUG at page_alloc.c:440" and dies.
      throw new InputError(
        o.hostDtbFile ?? "host.dtb",
        `Xen BUG at page_alloc.c:440: ${e.message}: the memory banks minus /reserved-memory, ` +
          "/memreserve/, the boot modules and Xen's image leave too little free RAM",
      );
    }
    if (e instanceof Error && e.name === "BusError" && "pa" in e) {
      const pa = Number((e as Error & { pa: number }).pa);
      throw new InputError(
        o.hostDtbFile ?? "host.dtb",
        `Xen used 0x${pa.toString(16)} as RAM (a memory bank of the host tree covers it) but the ` +
          `machine has no RAM there: a device node's reg overlaps the memory node without a ` +
          `no-map /reserved-memory carve-out (${e.message})`,
      );
    }
    throw e;
  }
}

function bootXenInner(machine: XenMachine, o: XenBootOptions): XenInstance {
  const file = o.hostDtbFile ?? "host.dtb";
  const policy = resolvePolicy(o.policy);
  const tree = readDtb(o.hostDtb, file);
  // fdt_totalsize(): the blob's size as Xen sees it (boot_fdt_info, prepare_dtb_hwdom), which
  // counts the free space a loader left after the blocks (QEMU's -dtb, U-Boot's fdt resize).
  const fdtTotalsize = new DataView(o.hostDtb.buffer, o.hostDtb.byteOffset).getUint32(4);
  const cpuf = machine.cpu ?? CORTEX_A57_FEATURES;

  // Boot images: Xen and the DTB are boot modules known to the loader, not to the tree.
  const bi = bootFdtInfo(tree, (mem, info) => {
    const ramBase = mem[0].start;
    const ramSize = mem.reduce((t, b) => t + b.size, 0);
    const xenSize = o.xenImageSize ?? DEBIAN_XEN_IMAGE_SIZE;
    return {
      xenStart: o.xenLoadAddress ?? freeLoadAddress(ramBase + 2 * MB, xenSize, mem, info),
      xenSize: o.xenImageSize ?? DEBIAN_XEN_IMAGE_SIZE,
      fdtStart: o.hostDtbAddress ??
        Math.ceil((ramBase + Math.min(Math.floor(ramSize / 2), 128 * MB)) / (2 * MB)) * (2 * MB),
      fdtSize: fdtTotalsize,
    };
  }, file);
  const xenStart = bi.modules[0].start;

  let cmdline = o.xenCmdline ?? bootFdtCmdline(tree, bi) ?? "";
  if (o.extraXenArgs) cmdline = (cmdline ? cmdline + " " : "") + o.extraXenArgs;
  const { options: opts, messages } = parseXenCmdline(cmdline);
  const console = new XenConsole({ sink: machine.uart });
  const early: string[] = [`Command line: ${cmdline}`, ...messages.map((m) => m.text)];
  if (!console.setLoglvl(opts.loglvl)) {
    early.push(`parameter "loglvl" has invalid value "${opts.loglvl}", rc=-22!`);
  }
  if (!console.setGuestLoglvl(opts.guestLoglvl)) {
    early.push(`parameter "guest_loglvl" has invalid value "${opts.guestLoglvl}", rc=-22!`);
  }

  const dt = new XenDeviceTree(tree);
  const registry = defaultRegistry(o.devices ?? []);
  const host = discoverHost(dt, registry, opts, {
    gicLines: machine.gicLines,
    cntfrq: machine.cntfrq,
  }, file);
  if (machine.gicLines === undefined) {
    const lines = readGicdLines(machine.mem, host.gic.dbase);
    if (lines !== undefined) host.gicLines = lines;
  }
  if (host.gic.version === 2) readV2mTypers(machine.mem, host.gic.v2m);
  early.push(...host.early);
  const cpus = machine.cpus ??
    Math.max(1, tree.root.child("cpus")?.children.filter((c) => dtTypeIs(c, "cpu")).length ?? 1);

  const geo = setupVirtPaging(cpuf.paRange, cpuf.vmid16);
  const atSpeculate = ((cpuf.midr >>> 4) & 0xfff) === 0xd07 ||
    ((cpuf.midr >>> 4) & 0xfff) === 0xd08;
  const { alloc, reserved } = setupMemory(bi, opts, {
    cpus,
    atSpeculate,
    p2mRootOrder: geo.rootOrder,
  });
  alloc.dmaBitsize = opts.dmaBits;

  const irqs = new IrqTable(host.gicLines);
  const core: XenCore = {
    console,
    opts,
    policy,
    registry,
    host,
    bi,
    mem: machine.mem,
    alloc,
    reserved,
    geo,
    irqs,
    hostFdtSize: fdtTotalsize,
    xenStext: xenStart,
    xenTextSize: o.xenTextSize ?? DEBIAN_XEN_TEXT_SIZE,
    cpus,
    domains: new Map(),
    nextVmid: 1,
    tlbFlush: machine.tlbFlush ?? (() => {}),
    file,
    quirks: { fixIomemOffByOne: !!o.fixIomemOffByOne },
  };
  // Xen's own IRQs: the console UART's SPI, the maintenance and timer PPIs.
  if (host.uart && host.uart.irq >= 32) irqs.claimForXen(host.uart.irq, "console UART");
  // The trigger types Xen configures before dom0 exists, each through platform_get_irq →
  // irq_set_type, in start_xen's order: the console UART's SPI (console_init_preirq), the four
  // timer PPIs (init_xen_time), the GIC maintenance PPI (gic_init). The first type set wins, so a
  // dom0 node that gives one of them another trigger type is refused later (irq_validate_new_type).
  const setXenType = (node: Node, i: number, by: string) => {
    const raw = host.dt.getRawIrq(node, i);
    if (typeof raw === "number" || raw.controller !== host.dt.intc) return;
    const irq = platformGetIrq(host.dt, node, i);
    if (irq >= 0) irqs.setType(irq, raw.spec[2] ?? 0, by);
  };
  if (host.uart && host.uart.irq >= 0) {
    setXenType(host.uart.node, 0, `${host.uart.node.path} (Xen's console)`);
  }
  for (let i = 0; i < 4; i++) {
    setXenType(host.timer.node, i, `${host.timer.node.path} (Xen's timer)`);
  }
  setXenType(host.gic.node, 0, `${host.gic.node.path} (the GIC maintenance interrupt)`);

  // The early messages reach the console ring only; the serial line starts here.
  for (const l of early) {
    console.events.push({
      seq: console.events.length,
      text: l,
      level: 1,
      guest: false,
      printed: false,
      kind: "early",
    });
  }
  console.addition("banner", "Xen 4.17.7 modelled by dom0sim (no real Xen binary runs)");
  console.printk(XENLOG_INFO + "SMP: Allowing %u CPUs\n", cpus);
  const t = host.timer;
  console.printk(
    "Generic Timer IRQ: phys=%u hyp=%u virt=%u Freq: %lu KHz\n",
    t.irqs[1],
    t.irqs[3],
    t.irqs[2],
    t.khz,
  );
  const g = host.gic;
  if (g.version === 2) {
    for (const f of g.v2m) {
      const e = v2mRangeError(f);
      if (e) xenPanic(console, e, f.node.path);
    }
  }
  for (
    const l of g.version === 3
      ? gicv3BootLines(g, host.gicLines, cpus)
      : gicv2BootLines(g, host.gicLines, cpus)
  ) {
    console.printk("%s\n", l);
  }
  console.printk("Brought up %ld CPUs\n", cpus);
  console.printk("I/O virtualisation %s\n", host.iommuEnabled ? "enabled" : "disabled");
  console.printk(
    "P2M: %d-bit IPA with %d-bit PA and %d-bit VMID\n",
    geo.ipaBits,
    geo.paBits,
    geo.vmidBits,
  );
  console.printk(
    "P2M: %d levels with order-%d root, VTCR 0x%016lx\n",
    4 - geo.rootLevel,
    geo.rootOrder,
    geo.vtcr,
  );

  // create_dom0
  const runtimes = new Map<number, DomainRuntime>();
  const dom0 = createDomain(core, 0, {
    hardware: true,
    directMap: true,
    nrSpis: Math.min(host.gicLines, 992) - 32,
    maxVcpus: Math.min(opts.dom0MaxVcpus || cpus, 128),
  }, runtimes);
  const build = constructDom0(core, dom0);
  for (let i = 1; i < dom0.vcpus.length; i++) dom0.vcpus[i].online = false;

  // discard_initial_modules: every module but Xen back to the heap.
  for (const m of bi.modules) {
    if (m.kind === "xen") continue;
    const s = m.start;
    const e = s + Math.ceil(m.size / PAGE_SIZE) * PAGE_SIZE;
    if (!alloc.mfnValid(Math.floor(s / PAGE_SIZE)) || !alloc.mfnValid(Math.floor(e / PAGE_SIZE))) {
      continue;
    }
    alloc.initDomheapPages(s, e);
  }
  alloc.active = true;
  console.printk("Scrubbing Free RAM in background\n");
  if (!opts.dom0MemSet) {
    console.printk("***************************************************\n");
    console.printk(XENLOG_WARNING + "PLEASE SPECIFY dom0_mem PARAMETER - USING 512M FOR NOW\n");
    console.printk("***************************************************\n");
  }
  console.printk("*** Serial input to DOM0 (type 'CTRL-a' three times to switch input)\n");
  return new XenInstance(core, dom0, build, tree, runtimes);
}

/** `domain_create` + `vcpu_create` for the parts this model keeps (p2m root, VMID, vGIC). */
export function createDomain(
  x: XenCore,
  domid: number,
  o: { hardware: boolean; directMap: boolean; nrSpis: number; maxVcpus: number },
  runtimes?: Map<number, DomainRuntime>,
  intidBits = 16,
): Domain {
  const vmid = x.nextVmid++;
  const p2m = new P2m(x.mem, x.alloc, x.geo, vmid, { tlbFlush: (v) => x.tlbFlush(v) });
  const d = new Domain(domid, p2m, o);
  // domain_vtimer_init: the hardware domain gets the host timer PPIs reserved.
  const t = x.host.timer.irqs;
  if (o.hardware) {
    d.reserveVirq(t[0]);
    d.reserveVirq(t[1]);
    d.reserveVirq(t[2]);
  } else {
    d.reserveVirq(29);
    d.reserveVirq(30);
    d.reserveVirq(27);
  }
  // vgic_v2_domain_init (4.17): the guest's GICC is backed by GICV, p2m_mmio_direct_dev — the
  // whole host GICC for the hardware domain, 8 KiB (GICV + aliased_offset) for others, at the
  // host address when direct-mapped, at GUEST_GICC_BASE otherwise.
  const g = x.host.gic;
  if (g.version === 2) {
    const cbase = o.hardware || o.directMap ? g.cbase : GUEST_GICC_BASE;
    const csize = o.hardware ? g.csize : GUEST_GICC_SIZE;
    const vbase = o.hardware ? g.vbase : g.vbase + g.aliasedOffset;
    const rc = d.mapRegion(
      Math.floor(cbase / PAGE_SIZE),
      Math.floor(csize / PAGE_SIZE),
      Math.floor(vbase / PAGE_SIZE),
      {
        ...x.policy.gicExtra,
        rule: "vgic_v2_domain_init: GICC backed by GICV → map_mmio_regions, p2m_mmio_direct_dev",
      },
      `${g.node.path} (GICC→GICV)`,
    );
    if (rc) throw new Error(`vgic_v2_domain_init: ${rc}`);
  }
  x.domains.set(domid, d);
  // vgic_init → vgic_vX_domain_init: handlers at the host layout for a direct-mapped domain,
  // the guest layout (GUEST_GICD_BASE …) otherwise; domain_vuart_init for the hardware domain.
  const mmio = new MmioHandlers();
  let rt: DomainRuntime;
  if (g.version === 3) {
    const regions: RdistRegion[] = [];
    if (o.directMap) {
      const n = dom0RdistRegions(g, o.maxVcpus);
      let first = 0;
      for (let i = 0; i < Math.min(n, g.rdist.length); i++) {
        regions.push({ base: g.rdist[i][0], size: g.rdist[i][1], firstCpu: first });
        first += Math.floor(g.rdist[i][1] / GICV3_GICR_SIZE);
      }
    } else {regions.push({
        base: GUEST_GICV3_GICR0_BASE,
        size: GUEST_GICV3_GICR0_SIZE,
        firstCpu: 0,
      });}
    const st = new Vgic(
      3,
      d,
      o.directMap ? g.dbase : GUEST_GICV3_GICD_BASE,
      x.console,
      VGICD_CTLR_DEFAULT,
    );
    const v3 = new VgicV3(st, regions, o.directMap ? intidBits : 10);
    for (const h of v3.handlers()) mmio.register(h);
    rt = { domain: d, mmio, vgic: st, vgicV3: v3, traps: new XenTraps(x, d, mmio) };
  } else {
    const st = new Vgic(2, d, o.directMap ? g.dbase : GUEST_GICD_BASE, x.console, 0);
    const v2 = new VgicV2(st);
    for (const h of v2.handlers()) mmio.register(h);
    rt = { domain: d, mmio, vgic: st, vgicV2: v2, traps: new XenTraps(x, d, mmio) };
  }
  if (o.hardware && x.host.uart?.vuart) {
    rt.vuart = new Vuart(x.host.uart.vuart, domid, x.console);
    mmio.register(rt.vuart.handler());
  }
  runtimes?.set(domid, rt);
  return d;
}

/** `GUEST_GICD_BASE` (public/arch-arm.h): a domU's GICv2 distributor. */
export const GUEST_GICD_BASE = 0x03001000;
/** `GUEST_GICC_BASE`: a domU's GICv2 CPU interface (backed by GICV). */
export const GUEST_GICC_BASE = 0x03002000;
/** `GUEST_GICC_SIZE`. */
export const GUEST_GICC_SIZE = 0x2000;
/** `GUEST_GICV3_GICD_BASE`. */
export const GUEST_GICV3_GICD_BASE = 0x03001000;
/** `GUEST_GICV3_GICR0_BASE`. */
export const GUEST_GICV3_GICR0_BASE = 0x03020000;
/** `GUEST_GICV3_GICR0_SIZE` (255 redistributors). */
export const GUEST_GICV3_GICR0_SIZE = 0x01000000;
