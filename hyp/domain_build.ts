/**
 * dom0 construction as Xen 4.17 does it (xen/arch/arm/domain_build.c): `construct_dom0`,
 * `allocate_memory_11` + `insert_11_bank`, `find_gnttab_region`, `prepare_dtb_hwdom` with the
 * recursive `handle_node` (each early return names why a node is skipped), `handle_device`,
 * `map_range_to_domain`, `map_irq_to_domain`, `write_properties`, the generated nodes
 * (`make_gic_node`, `make_timer_node`, `make_hypervisor_node` with the extended regions,
 * `make_psci_node`, `make_cpus_node`, `make_memory_node`), `evtchn_allocate`, and
 * `construct_domain` (kernel, initrd, DTB). The device registry's `.map` hook and the policy
 * decide the p2m type of each node's regions; every mapping records its rule.
 *
 * @module
 */

import { InputError } from "../errors.ts";
import { deviceGetAddress } from "../dt/address.ts";
import { fdt_path_offset, fdt_setprop_inplace } from "../dt/fdt_wip.ts";
import type { Node } from "../dt/tree.ts";
import { type BootModule, findCmdline, findModule, type MemBank } from "./bootfdt.ts";
import { XENLOG_ERR, XENLOG_INFO, XENLOG_WARNING } from "./console.ts";
import { dtDeviceForPassthrough, type MapDecision } from "./device.ts";
import {
  dtChildNAddrCells,
  dtChildNSizeCells,
  dtIsCompatible,
  dtNAddrCells,
  dtNSizeCells,
  dtPathIs,
  dtTypeIs,
  numToCells,
  readU32,
} from "./device_tree.ts";
import { type Domain, PSR_GUEST64_INIT, vcpuidToVaffinity } from "./domain.ts";
import { type FdtWriter, LibfdtSw } from "./fdt_writer.ts";
import { gicv2MakeHwdomDtNode, v2mMappingLine } from "./gic_v2.ts";
import {
  dom0RdistRegions,
  GICV3_GICR_SIZE,
  gicv3MakeHwdomDtNode,
  platformGetIrq,
} from "./gic_v3.ts";
import {
  kernelDecompress,
  kernelProbeImage,
  kernelZimagePlace,
  placeModules,
  type ZImage,
} from "./kernel.ts";
import { getOrderFromBytes, MAX_ORDER, PAGE_SIZE } from "./page_alloc.ts";
import { xenPanic } from "./panic.ts";
import { Rangeset } from "./rangeset.ts";
import { xsprintf } from "./vsprintf.ts";
import type { XenCore } from "./xen_core.ts";

const MB = 2 ** 20;
/** `DOM0_FDT_EXTRA_SIZE` = 128 + sizeof(struct fdt_reserve_entry). */
export const DOM0_FDT_EXTRA_SIZE = 128 + 16;
/** `NR_MEM_BANKS`. */
const NR_MEM_BANKS = 256;
/** `PSCI_cpu_off` / `PSCI_cpu_on` (public/arch-arm.h, PSCI 0.1 function IDs Xen uses). */
export const PSCI_CPU_OFF = 1;
/** `PSCI_cpu_on`. */
export const PSCI_CPU_ON = 2;
/** `DT_IRQ_TYPE_LEVEL_LOW`. */
const DT_IRQ_TYPE_LEVEL_LOW = 8;
/** `HVM_PARAM_CALLBACK_IRQ`. */
export const HVM_PARAM_CALLBACK_IRQ = 0;
/** `XEN_VERSION_STRING` of the modelled release. */
export const XEN_VERSION_STRING = "4.17";

/** Why a host node was skipped by `handle_node` (for reports). */
export interface NodeOutcome {
  /** Node path. */
  path: string;
  /** What happened. */
  action: "copied" | "skipped" | "replaced" | "passthrough";
  /** The branch of `handle_node` that decided it. */
  reason: string;
}

/** `struct kernel_info`, the parts this model needs. */
export interface KernelInfo {
  /** Memory still to allocate. */
  unassignedMem: number;
  /** dom0's RAM banks. */
  mem: { start: number; size: number }[];
  /** Grant-table region. */
  gnttabStart: number;
  /** Grant-table size. */
  gnttabSize: number;
  /** Module command line (`kinfo->cmdline`). */
  cmdline?: string;
  /** The kernel module. */
  kernel?: BootModule;
  /** The ramdisk module. */
  initrd?: BootModule;
  /** Probed image. */
  zimage?: ZImage;
  /** The finished DTB. */
  fdt?: Uint8Array;
  /** DTB load address. */
  dtbPaddr: number;
  /** Initrd load address. */
  initrdPaddr: number;
  /** Entry point. */
  entry: number;
  /** GIC phandle for `interrupt-parent`. */
  phandleGic: number;
  /** Extended regions found. */
  extRegions: { start: number; size: number }[];
}

/** What `construct_dom0` produced. */
export interface Dom0Build {
  /** The kernel info. */
  kinfo: KernelInfo;
  /** What happened to each host node. */
  nodes: NodeOutcome[];
  /** The DTB bytes written into dom0's RAM. */
  dtb: Uint8Array;
}

class BuildError extends Error {}

/**
 * `get_allocation_size(size)`: the largest order with 2^order pages ≤ size.
 */
export function getAllocationSize(size: number): number {
  // unsigned int: a size below one page gives 0 - 1 = UINT_MAX, as in C.
  return (getOrderFromBytes(size + 1) - 1) >>> 0;
}

/** `unassigned_mem -= size` on a `paddr_t` (u64): a remainder below a page wraps around. */
function u64Sub(a: number, b: number): number {
  const r = a - b;
  return r < 0 ? r + 2 ** 64 : r;
}

/** `insert_11_bank`: merge or insert sorted; false when rejected (pages freed by the caller). */
function insert11Bank(kinfo: KernelInfo, start: number, size: number): boolean {
  const banks = kinfo.mem;
  if (banks.length > 0 && size < 128 * MB && start + size < banks[0].start) return false;
  if (banks.length === 0) {
    banks.push({ start, size });
    return true;
  }
  let i = 0;
  for (; i < banks.length; i++) {
    const b = banks[i];
    if (b.start === start + size) {
      b.start = start;
      b.size += size;
      return true;
    }
    if (start === b.start + b.size) {
      b.size += size;
      return true;
    }
    if (start + size < b.start && banks.length < NR_MEM_BANKS) {
      banks.splice(i, 0, { start, size });
      return true;
    }
  }
  if (banks.length < NR_MEM_BANKS) {
    banks.push({ start, size });
    return true;
  }
  return false;
}

/** `allocate_memory_11`: dom0's 1:1 banks from the buddy heap (see facts §3.2). */
export function allocateMemory11(x: XenCore, d: Domain, kinfo: KernelInfo): void {
  const c = x.console;
  const requested = kinfo.unassignedMem;
  const minLowOrder = getOrderFromBytes(Math.min(kinfo.unassignedMem, 128 * MB));
  const minOrder = getOrderFromBytes(4 * MB);
  let order = getAllocationSize(kinfo.unassignedMem);
  let lowmem = true;
  const lowmemBits = Math.min(32, x.opts.dmaBits || 32);
  c.printk(
    "Allocating 1:1 mappings totalling %ldMB for dom0:\n",
    Math.floor(kinfo.unassignedMem / MB),
  );
  kinfo.mem = [];
  const insert = (mfn: number, ord: number): boolean => {
    const start = mfn * PAGE_SIZE;
    const size = 2 ** ord * PAGE_SIZE;
    if (!insert11Bank(kinfo, start, size)) {
      x.alloc.freeDomheapPages(mfn, ord, "insert_11_bank reject");
      return false;
    }
    // guest_physmap_add_page: 1:1 p2m_ram_rw
    const rc = d.mapRegion(mfn, 2 ** ord, mfn, {
      type: "p2m_ram_rw",
      rule: "allocate_memory_11 → guest_physmap_add_page (1:1 RAM)",
    }, "dom0 RAM");
    if (rc) xenPanic(c, `Failed map pages to DOM0: ${rc}`);
    d.ownedPages.add(mfn, mfn + 2 ** ord - 1);
    kinfo.unassignedMem = u64Sub(kinfo.unassignedMem, size);
    return true;
  };
  let got = false;
  outer: while (order >= minLowOrder) {
    // Orders above lowmem_bitsize try no zone at all: skip them at once (a dom0_mem below one
    // page starts this loop at UINT_MAX).
    if (order > lowmemBits) order = lowmemBits;
    for (let bits = order; bits <= lowmemBits; bits++) {
      const pg = x.alloc.allocDomheapPages(order, { bits }, "dom0 bank 0");
      if (pg >= 0) {
        if (!insert(pg, order)) throw new Error("insert_11_bank cannot fail for the first bank");
        got = true;
        break outer;
      }
    }
    if (order === 0 && minLowOrder === 0) {
      // `order--` wraps to UINT_MAX and `order >= 0` holds forever: Xen 4.17 never leaves
      // this loop when no page at all is free below lowmem_bitsize.
      throw new InputError(
        "dom0_mem",
        "Xen 4.17 hangs in allocate_memory_11: dom0_mem is below one page and no page is free " +
          "below the low-memory limit, so the unsigned order wraps around forever",
      );
    }
    order--;
  }
  if (!got) {
    c.printk(XENLOG_INFO + "No bank has been allocated below %u-bit.\n", lowmemBits);
    lowmem = false;
  }
  order = getAllocationSize(kinfo.unassignedMem);
  while (kinfo.unassignedMem > 0 && kinfo.mem.length < NR_MEM_BANKS) {
    // alloc_heap_pages refuses orders above MAX_ORDER: skip the ones that only count down.
    if (order > MAX_ORDER + 1) order = MAX_ORDER + 1;
    const pg = x.alloc.allocDomheapPages(order, { bits: lowmem ? lowmemBits : 0 }, "dom0 bank");
    if (pg < 0) {
      order--;
      if (lowmem && order < minLowOrder) {
        order = getAllocationSize(kinfo.unassignedMem);
        lowmem = false;
        continue;
      }
      if (order >= minOrder) continue;
      break;
    }
    if (!insert(pg, order)) {
      if (kinfo.mem.length === NR_MEM_BANKS) break;
      if (lowmem) {
        order = getAllocationSize(kinfo.unassignedMem);
        lowmem = false;
        continue;
      }
      break;
    }
    order = getAllocationSize(kinfo.unassignedMem);
  }
  if (kinfo.unassignedMem > 0) {
    xenPanic(
      c,
      `Failed to allocate requested dom0 memory. ${
        Math.floor(kinfo.unassignedMem / MB)
      }MB unallocated`,
      "dom0_mem",
      `dom0 asked for ${Math.floor(requested / MB)} MiB of 1:1 RAM; the board has ${
        Math.floor(x.bi.mem.reduce((t, b) => t + b.size, 0) / MB)
      } MiB in all, part of it taken by Xen, its heap and the boot modules; ask for less ` +
        "with dom0_mem (--dom0-mem)",
    );
  }
  kinfo.mem.forEach((b, i) => {
    c.printkTagged(
      "bank",
      "BANK[%d] %#016lx-%#016lx (%ldMB)\n",
      i,
      b.start,
      b.start + b.size,
      Math.floor(b.size / MB),
    );
  });
  d.banks = kinfo.mem.map((b) => ({ ...b }));
}

/** `add_ext_regions` for one inclusive range. */
function addExtRegion(out: { start: number; size: number }[], s: number, e: number): void {
  if (out.length >= NR_MEM_BANKS) return;
  const start = Math.ceil(s / (2 * MB)) * (2 * MB);
  if (start > e) return;
  const size = Math.floor((e + 1 - start) / (2 * MB)) * (2 * MB);
  if (size < 64 * MB) return;
  out.push({ start, size });
}

/** `find_unallocated_memory`: host RAM minus dom0 banks, reserved memory and the grant table. */
export function findUnallocatedMemory(
  x: XenCore,
  kinfo: KernelInfo,
): { start: number; size: number }[] {
  const rs = new Rangeset();
  for (const b of x.bi.mem) rs.add(b.start, b.start + b.size - 1);
  for (const b of kinfo.mem) rs.remove(b.start, b.start + b.size - 1);
  for (const b of x.bi.reservedMem) rs.remove(b.start, b.start + b.size - 1);
  rs.remove(kinfo.gnttabStart, kinfo.gnttabStart + kinfo.gnttabSize - 1);
  const out: { start: number; size: number }[] = [];
  rs.report(0, 2 ** x.geo.ipaBits - 1, (s, e) => {
    addExtRegion(out, s, e);
    return 0;
  });
  return out;
}

/** `find_memory_holes`: the IPA space minus every `reg` and PCI `ranges` (with an IOMMU). */
export function findMemoryHoles(x: XenCore): { start: number; size: number }[] | undefined {
  const rs = new Rangeset();
  const top = 2 ** x.geo.ipaBits - 1;
  rs.add(0, top);
  const dt = x.host.dt;
  for (const np of dt.tree.root.walk()) {
    const naddr = dt.numberOfAddress(np);
    for (let i = 0; i < naddr; i++) {
      const a = dt.getAddress(np, i);
      if (!a) {
        x.console.printk(XENLOG_ERR + "Unable to retrieve address %u for %s\n", i, np.path);
        return undefined;
      }
      const start = Math.floor(a[0] / PAGE_SIZE) * PAGE_SIZE;
      const end = Math.ceil((a[0] + a[1]) / PAGE_SIZE) * PAGE_SIZE;
      rs.remove(start, end - 1);
    }
    if (dtTypeIs(np, "pci")) {
      if (!np.has("ranges")) continue;
      dt.forEachRange(np, (addr, len) => {
        const start = Math.floor(addr / PAGE_SIZE) * PAGE_SIZE;
        const end = Math.ceil((addr + len) / PAGE_SIZE) * PAGE_SIZE;
        rs.remove(start, end - 1);
      });
    }
  }
  const out: { start: number; size: number }[] = [];
  rs.report(0, top, (s, e) => {
    addExtRegion(out, s, e);
    return 0;
  });
  return out;
}

const SKIP_COMPATIBLES = [
  "xen,xen",
  "xen,multiboot-module",
  "multiboot,module",
  "arm,psci",
  "arm,psci-0.2",
  "arm,psci-1.0",
  "arm,cortex-a7-pmu",
  "arm,cortex-a15-pmu",
  "arm,cortex-a53-edac",
  "arm,armv8-pmuv3",
  "arm,armv7-timer-mem",
];

/** `handle_node`'s skip list: the reason, or undefined when the node is not on it. */
function skipMatch(node: Node): string | undefined {
  for (const c of SKIP_COMPATIBLES) {
    if (dtIsCompatible(node, c)) return `skip list: compatible "${c}"`;
  }
  if (dtPathIs(node, "/cpus")) return "skip list: path /cpus (regenerated)";
  if (dtTypeIs(node, "memory")) return 'skip list: device_type "memory" (regenerated)';
  return undefined;
}

function isTimer(node: Node): boolean {
  return dtIsCompatible(node, "arm,armv7-timer") || dtIsCompatible(node, "arm,armv8-timer");
}

/** `set_interrupt(irq, cpumask, level)`: one GIC 3-cell specifier for a PPI or SPI. */
function gicInterrupt(irq: number, cpumask: number, level: number): number[] {
  if (irq < 16) throw new Error("set_interrupt: SGI");
  const ppi = irq < 32;
  return [ppi ? 1 : 0, irq - (ppi ? 16 : 32), (cpumask << 8) | level];
}

function cellsBytes(cells: number[]): Uint8Array {
  const b = new Uint8Array(cells.length * 4);
  const dv = new DataView(b.buffer);
  cells.forEach((c, i) => dv.setUint32(i * 4, c >>> 0));
  return b;
}

/** The dom0 builder: one instance per `construct_dom0`. */
class Dom0Builder {
  readonly nodes: NodeOutcome[] = [];
  private fdt!: FdtWriter;

  constructor(readonly x: XenCore, readonly d: Domain, readonly kinfo: KernelInfo) {}

  private chk(rc: number): void {
    if (rc) throw new BuildError(`fdt ${rc}`);
  }

  /** `map_irq_to_domain`. */
  private mapIrq(irq: number, needMapping: boolean, devname: string, path = devname): number {
    const x = this.x;
    const d = this.d;
    d.irqCaps.add(irq, irq);
    if (needMapping) {
      d.reserveVirq(irq);
      const res = x.irqs.route(d.domid, d.numIrqs, irq, irq);
      for (const m of x.irqs.messages.splice(0)) x.console.printk(XENLOG_ERR + "%s\n", m);
      if (res < 0) {
        x.console.printk(XENLOG_ERR + "Unable to map IRQ%d to dom%d\n", irq, d.domid);
        const owner = x.irqs.ownerOf(irq);
        if (owner?.kind === "xen" && !this.panicHint) {
          const u = x.host.uart;
          const mine = u && u.irq === irq ? `${owner.what} ${u.node.path}` : owner.what;
          this.panicHint = `IRQ${irq} is Xen's (${mine}) and ${path} shares it; ` +
            "Xen 4.17 never shares an IRQ between itself and a domain (route_irq_to_guest: " +
            `"IRQ ${irq} is already used by Xen") — use another UART for Xen's console ` +
            "(dtuart=), or mark the sharing node xen,passthrough (no IRQ routing)";
        }
        return res;
      }
      d.routedIrqs.set(irq, irq);
    }
    void devname;
    return 0;
  }

  /** `map_range_to_domain`. */
  private mapRange(
    node: Node,
    addr: number,
    len: number,
    dec: MapDecision,
    skipMapping: boolean,
  ): number {
    const d = this.d;
    if (!node.path.toLowerCase().startsWith("/reserved-memory/")) {
      const s = Math.floor(addr / PAGE_SIZE);
      // paddr_to_pfn(PAGE_ALIGN(addr + len - 1)): one page too many when the region ends on a
      // page boundary (an inclusive end rounded up); fixed by 9568ceb287 after 4.17.
      const e = this.x.quirks.fixIomemOffByOne
        ? Math.floor((addr + len - 1) / PAGE_SIZE)
        : Math.ceil((addr + len - 1) / PAGE_SIZE);
      if (d.iomemCaps.add(s, e)) {
        this.x.console.printk(
          XENLOG_ERR + "Unable to permit to dom%d access to 0x%lx - 0x%lx\n",
          d.domid,
          Math.floor(addr / PAGE_SIZE) * PAGE_SIZE,
          Math.ceil((addr + len) / PAGE_SIZE) * PAGE_SIZE - 1,
        );
        return -22;
      }
    }
    if (!skipMapping) {
      const gfn = Math.floor(addr / PAGE_SIZE);
      const nr = Math.ceil(len / PAGE_SIZE);
      const rc = d.mapRegion(gfn, nr, gfn, dec, node.path);
      if (rc < 0) {
        this.x.console.printk(
          XENLOG_ERR + "Unable to map 0x%lx - 0x%lx in domain %d\n",
          Math.floor(addr / PAGE_SIZE) * PAGE_SIZE,
          Math.ceil((addr + len) / PAGE_SIZE) * PAGE_SIZE - 1,
          d.domid,
        );
        return rc;
      }
      this.x.console.addition(
        "mapping",
        xsprintf(
          "Mapping %s %#lx-%#lx %s%s (rule: %s)",
          node.path,
          gfn * PAGE_SIZE,
          (gfn + nr) * PAGE_SIZE,
          dec.type,
          dec.override ? " +override" : "",
          dec.rule,
        ),
      );
    }
    return 0;
  }

  /** `handle_device(d, dev, p2mt)`. */
  private handleDevice(node: Node, dec: MapDecision): number {
    const x = this.x;
    const dt = x.host.dt;
    const own = !dtDeviceForPassthrough(node);
    const skipMapping = !own ||
      (x.opts.pciPassthrough && x.registry.getClass(node) === "DEVICE_PCI_HOSTBRIDGE");
    const naddr = dt.numberOfAddress(node);
    // handle_device_interrupts
    const nirq = dt.numberOfIrq(node);
    for (let i = 0; i < nirq; i++) {
      const raw = dt.getRawIrq(node, i);
      if (typeof raw === "number") {
        x.console.printk(XENLOG_ERR + "Unable to retrieve irq %u for %s\n", i, node.path);
        return raw;
      }
      if (raw.controller !== dt.intc) continue;
      const irq = this.platformGetIrq(node, i);
      if (irq < 0) {
        x.console.printk(XENLOG_ERR + "Unable to get irq %u for %s\n", i, node.path);
        const r = x.irqs.lastRefusal;
        if (r) {
          const first = this.irqTypeSetBy.get(r.irq) ?? x.irqs.setBy.get(r.irq);
          this.panicHint = `IRQ${r.irq} is ${irqTypeName(r.wanted)} here but ${irqTypeName(r.was)}${
            first ? ` for ${first}` : ""
          } earlier; Xen 4.17 keeps the first trigger type (irq_set_type → -EBUSY)`;
        }
        return irq;
      }
      const rc = this.mapIrq(irq, own, node.baseName, node.path);
      if (rc) return rc;
    }
    for (let i = 0; i < naddr; i++) {
      const a = dt.getAddress(node, i);
      if (!a) {
        x.console.printk(XENLOG_ERR + "Unable to retrieve address %u for %s\n", i, node.path);
        const why = deviceGetAddress(node, i, { flavor: "xen", strict: false });
        if (!why.ok) this.panicHint = why.message.replace(/\.$/, "");
        return -22;
      }
      const rc = this.mapRange(node, a[0], a[1], dec, skipMapping);
      if (rc) return rc;
    }
    // map_device_children
    if (dtTypeIs(node, "pci")) {
      let rc = dt.forEachIrqMap(node, (raw) => {
        const irq = raw.spec.length >= 3 ? raw.spec[1] + 16 + (raw.spec[0] ? 0 : 16) : -1;
        if (irq < 32) {
          x.console.printk(XENLOG_ERR + "%s: IRQ%d is not a SPI\n", node.baseName, irq);
          return -22;
        }
        const t = x.irqs.setType(irq, raw.spec[2] ?? 0);
        if (t) {
          x.console.printk(
            XENLOG_ERR + "%s: Unable to setup IRQ%d to dom%d\n",
            node.baseName,
            irq,
            this.d.domid,
          );
          return t;
        }
        this.mapIrq(irq, !skipMapping, node.baseName, node.path);
        return 0;
      });
      if (rc < 0) return rc;
      let rr = 0;
      const ok = dt.forEachRange(node, (addr, len) => {
        if (rr) return;
        rr = this.mapRange(node, addr, len, dec, skipMapping);
      });
      rc = ok ? rr : -22;
      if (rc) return rc;
    }
    return 0;
  }

  /** `platform_get_irq` including `irq_set_type` (which may refuse a type change). */
  private platformGetIrq(node: Node, i: number): number {
    const dt = this.x.host.dt;
    const irq = platformGetIrq(dt, node, i);
    if (irq < 0) return -1;
    const raw = dt.getRawIrq(node, i);
    const type = typeof raw === "number" ? 0 : raw.spec[2] ?? 0;
    if (this.x.irqs.setType(irq, type)) return -1;
    if (!this.irqTypeSetBy.has(irq)) this.irqTypeSetBy.set(irq, node.path);
    return irq;
  }

  /** The node whose interrupt first set each IRQ's type (for explaining a refusal). */
  private readonly irqTypeSetBy = new Map<number, string>();
  /** dom0sim's explanation of the failure that makes Xen panic, when it has one. */
  panicHint = "";

  /** `write_properties(d, kinfo, node)`. */
  private writeProperties(node: Node): void {
    const k = this.kinfo;
    const fdt = this.fdt;
    const x = this.x;
    let bootargs: Uint8Array | undefined = k.cmdline ? latin1z(k.cmdline) : undefined;
    let hadDom0Bootargs = false;
    let status: Uint8Array | undefined;
    const isChosen = dtPathIs(node, "/chosen");
    let iommuNode: Node | undefined;
    const ip = node.prop("iommus");
    if (ip && ip.length >= 4) {
      const n = x.host.dt.byPhandle(ip.u32(0));
      if (n && x.registry.getClass(n) === "DEVICE_IOMMU") iommuNode = n;
    }
    for (const p of node.props) {
      if (isChosen) {
        if (
          [
            "xen,xen-bootargs",
            "linux,initrd-start",
            "linux,initrd-end",
            "stdout-path",
            "linux,uefi-system-table",
            "linux,uefi-mmap-start",
            "linux,uefi-mmap-size",
            "linux,uefi-mmap-desc-size",
            "linux,uefi-mmap-desc-ver",
          ].includes(p.name)
        ) continue;
        if (p.name === "xen,dom0-bootargs") {
          hadDom0Bootargs = true;
          bootargs = p.value;
          continue;
        }
        if (p.name === "bootargs") {
          if (!bootargs && !hadDom0Bootargs) bootargs = p.value;
          continue;
        }
      }
      if (p.name === "xen,passthrough") continue;
      if (p.name === "status") {
        status = p.value;
        continue;
      }
      if (
        iommuNode && (p.name === "iommus" || p.name === "iommu-map" || p.name === "iommu-map-mask")
      ) continue;
      this.chk(fdt.property(p.name, p.value));
    }
    if (dtDeviceForPassthrough(node)) this.chk(fdt.propertyString("status", "disabled"));
    else if (status) this.chk(fdt.property("status", status));
    if (isChosen) {
      if (bootargs) {
        let n = bootargs.indexOf(0);
        if (n < 0) n = bootargs.length;
        const v = new Uint8Array(n + 1);
        v.set(bootargs.subarray(0, n));
        this.chk(fdt.property("bootargs", v));
      }
      if (k.initrd && k.initrd.size) {
        this.chk(fdt.property("linux,initrd-start", new Uint8Array(8)));
        this.chk(fdt.property("linux,initrd-end", new Uint8Array(8)));
      }
    }
  }

  /** `make_gic_node`. */
  private makeGicNode(node: Node): void {
    const x = this.x;
    const gic = x.host.gic;
    if (node !== x.host.dt.intc) {
      this.nodes.push({
        path: node.path,
        action: "skipped",
        reason: "secondary GIC (make_gic_node)",
      });
      return;
    }
    const fdt = this.fdt;
    this.chk(fdt.beginNode("interrupt-controller"));
    const ph = x.host.dt.phandleOf(gic.node);
    if (ph) this.chk(fdt.propertyU32("phandle", ph));
    const ac = gic.node.prop("#address-cells");
    if (ac) this.chk(fdt.property("#address-cells", ac.value));
    const sc = gic.node.prop("#size-cells");
    if (sc) this.chk(fdt.property("#size-cells", sc.value));
    this.chk(fdt.propertyU32("#interrupt-cells", 3));
    this.chk(fdt.property("interrupt-controller", new Uint8Array(0)));
    const nac = dtNAddrCells(gic.node);
    const nsc = dtNSizeCells(gic.node);
    if (gic.version === 3) {
      this.chk(
        gicv3MakeHwdomDtNode(gic.node, fdt, dom0RdistRegions(gic, this.d.vcpus.length), nac, nsc),
      );
    } else {
      this.chk(
        gicv2MakeHwdomDtNode(gic, fdt, this.d.domid, nac, nsc, (l) => x.console.printk("%s\n", l)),
      );
    }
    this.chk(fdt.endNode());
    this.nodes.push({
      path: node.path,
      action: "replaced",
      reason: "interrupt controller → make_gic_node",
    });
  }

  /** `make_timer_node`. */
  private makeTimerNode(node: Node): void {
    const x = this.x;
    const fdt = this.fdt;
    const t = x.host.timer;
    this.chk(fdt.beginNode("timer"));
    this.chk(fdt.propertyString("compatible", "arm,armv8-timer"));
    const cells = [
      ...gicInterrupt(t.irqs[0], 0xf, DT_IRQ_TYPE_LEVEL_LOW),
      ...gicInterrupt(t.irqs[1], 0xf, DT_IRQ_TYPE_LEVEL_LOW),
      ...gicInterrupt(t.irqs[2], 0xf, DT_IRQ_TYPE_LEVEL_LOW),
    ];
    this.chk(fdt.property("interrupts", cellsBytes(cells)));
    this.chk(fdt.propertyU32("interrupt-parent", this.kinfo.phandleGic));
    const cf = readU32(t.node, "clock-frequency");
    if (cf !== undefined) this.chk(fdt.propertyU32("clock-frequency", cf));
    this.chk(fdt.endNode());
    this.nodes.push({ path: node.path, action: "replaced", reason: "timer → make_timer_node" });
  }

  /** `evtchn_allocate`. */
  private evtchnAllocate(): void {
    const d = this.d;
    const irq = d.allocateVirq(false);
    if (irq < 0) {
      xenPanic(this.x.console, "Unable to allocate a PPI for the event channel interrupt");
    }
    d.evtchnIrq = irq;
    this.x.console.printk("Allocating PPI %u for event channel interrupt\n", irq);
    // HVM_PARAM_CALLBACK_TYPE_PPI (2) in [63:56], FLAG_LOW_LEVEL (2) in [15:8], the PPI in [7:0].
    d.hvmParams.set(HVM_PARAM_CALLBACK_IRQ, (2n << 56n) | (2n << 8n) | BigInt(irq));
  }

  /** `make_hypervisor_node`. */
  private makeHypervisorNode(ac: number, sc: number): void {
    const x = this.x;
    const d = this.d;
    const k = this.kinfo;
    const fdt = this.fdt;
    if ((ac !== 1 && ac !== 2) || (sc !== 1 && sc !== 2)) {
      xenPanic(x.console, "Cannot cope with this size");
    }
    this.chk(fdt.beginNode("hypervisor"));
    this.chk(fdt.property("compatible", latin1z(`xen,xen-${XEN_VERSION_STRING}\0xen,xen`)));
    let regions: { start: number; size: number }[] = [];
    if (!x.opts.extRegions) {
      x.console.printk(XENLOG_INFO + "%s: extended regions support is disabled\n", d.name);
    } else {
      const r = x.host.iommuEnabled ? findMemoryHoles(x) : findUnallocatedMemory(x, k);
      if (!r || r.length === 0) {
        x.console.printk(XENLOG_WARNING + "%s: failed to allocate extended regions\n", d.name);
      }
      regions = r ?? [];
    }
    k.extRegions = regions;
    const cells: number[] = [...numToCells(k.gnttabStart, ac), ...numToCells(k.gnttabSize, sc)];
    regions.forEach((r, i) => {
      x.console.printkTagged(
        "ext-region",
        "%s: extended region %d: %#llx->%#llx\n",
        d.name,
        i,
        r.start,
        r.start + r.size,
      );
      cells.push(...numToCells(r.start, ac), ...numToCells(r.size, sc));
    });
    this.chk(fdt.property("reg", cellsBytes(cells)));
    this.chk(
      fdt.property("interrupts", cellsBytes(gicInterrupt(d.evtchnIrq, 0xf, DT_IRQ_TYPE_LEVEL_LOW))),
    );
    this.chk(fdt.propertyU32("interrupt-parent", k.phandleGic));
    this.chk(fdt.endNode());
  }

  /** `make_psci_node`. */
  private makePsciNode(): void {
    const fdt = this.fdt;
    this.chk(fdt.beginNode("psci"));
    this.chk(fdt.property("compatible", latin1z("arm,psci-1.0\0arm,psci-0.2\0arm,psci")));
    this.chk(fdt.propertyString("method", "hvc"));
    this.chk(fdt.propertyU32("cpu_off", PSCI_CPU_OFF));
    this.chk(fdt.propertyU32("cpu_on", PSCI_CPU_ON));
    this.chk(fdt.endNode());
  }

  /** `make_cpus_node`. */
  private makeCpusNode(): void {
    const x = this.x;
    const fdt = this.fdt;
    const cpus = x.host.dt.tree.root.children.find((c) => c.name.toLowerCase() === "cpus");
    if (!cpus) throw new BuildError("Missing /cpus node in the device tree?");
    let compatible: Uint8Array | undefined;
    let clock: number | undefined;
    for (const c of cpus.children) {
      if (dtTypeIs(c, "cpu")) {
        compatible = c.prop("compatible")?.value;
        clock = readU32(c, "clock-frequency");
        break;
      }
    }
    if (!compatible) throw new BuildError("Can't find cpu in the device tree?");
    this.chk(fdt.beginNode("cpus"));
    this.chk(fdt.propertyU32("#address-cells", 1));
    this.chk(fdt.propertyU32("#size-cells", 0));
    for (let cpu = 0; cpu < this.d.vcpus.length; cpu++) {
      const aff = vcpuidToVaffinity(cpu);
      this.chk(fdt.beginNode(`cpu@${aff.toString(16)}`));
      this.chk(fdt.property("compatible", compatible));
      this.chk(fdt.propertyString("device_type", "cpu"));
      this.chk(fdt.propertyU32("reg", aff));
      if (clock !== undefined) this.chk(fdt.propertyU32("clock-frequency", clock));
      this.chk(fdt.propertyString("enable-method", "psci"));
      this.chk(fdt.endNode());
    }
    this.chk(fdt.endNode());
  }

  /** `make_memory_node`. */
  private makeMemoryNode(
    ac: number,
    sc: number,
    banks: (Pick<MemBank, "start" | "size"> & { type?: MemBank["type"] })[],
  ): void {
    const fdt = this.fdt;
    if (banks.length === 0) throw new BuildError("make_memory_node: no banks");
    let i = 0;
    while (i < banks.length && (banks[i].type ?? "default") !== "default") i++;
    if (i === banks.length) return;
    this.chk(fdt.beginNode(`memory@${banks[i].start.toString(16)}`));
    this.chk(fdt.propertyString("device_type", "memory"));
    const cells: number[] = [];
    for (; i < banks.length; i++) {
      if (banks[i].type === "static_domain") continue;
      cells.push(...numToCells(banks[i].start, ac), ...numToCells(banks[i].size, sc));
    }
    this.chk(fdt.property("reg", cellsBytes(cells)));
    this.chk(fdt.endNode());
  }

  /** `handle_node(d, kinfo, node, p2mt)`. */
  private handleNode(node: Node, inherited: MapDecision, isRoot: boolean): void {
    const x = this.x;
    const dt = x.host.dt;
    const skip = skipMatch(node);
    if (skip) {
      this.nodes.push({ path: node.path, action: "skipped", reason: skip });
      return;
    }
    const cls = x.registry.getClass(node);
    if (cls === "DEVICE_GIC") return this.makeGicNode(node);
    if (isTimer(node)) return this.makeTimerNode(node);
    if (x.host.usedByXen.has(node)) {
      this.nodes.push({
        path: node.path,
        action: "skipped",
        reason: "used by Xen (dt_device_used_by == DOMID_XEN)",
      });
      return;
    }
    if (cls === "DEVICE_IOMMU") {
      this.nodes.push({
        path: node.path,
        action: "skipped",
        reason: "IOMMU (never passed to dom0)",
      });
      return;
    }
    const nirq = dt.numberOfIrq(node);
    for (let i = 0; i < nirq; i++) {
      const irq = this.platformGetIrq(node, i);
      if (irq >= 16 && irq < 32) {
        this.nodes.push({
          path: node.path,
          action: "skipped",
          reason: `uses PPI ${irq} (the vGIC cannot route hardware PPIs)`,
        });
        return;
      }
    }
    if (dtPathIs(node, "/psci") || dtPathIs(node, "/memory") || dtPathIs(node, "/hypervisor")) {
      x.console.printk(
        XENLOG_WARNING + "WARNING: Path %s is reserved, skip the node as we may re-use the path.\n",
        node.path,
      );
    }
    // The seed's .map hook (Xen 4.8.0's lookup_map_attr in spirit): the node's decision, inherited
    // by its children.
    const dec = x.registry.map({
      node,
      domain: { domid: this.d.domid, hardware: this.d.hardware },
      policy: x.policy,
      inherited,
    }) ?? inherited;
    const rc = this.handleDevice(node, dec);
    if (rc) throw new BuildError(`handle_device ${node.path}: ${rc}`);
    this.nodes.push({
      path: node.path,
      action: dtDeviceForPassthrough(node) ? "passthrough" : "copied",
      reason: dtDeviceForPassthrough(node)
        ? "xen,passthrough: copied disabled, permissions only"
        : "copied",
    });
    this.chk(this.fdt.beginNode(isRoot ? "" : node.name));
    this.writeProperties(node);
    for (const c of node.children) this.handleNode(c, dec, false);
    if (isRoot) {
      const ac = dtChildNAddrCells(node);
      const sc = dtChildNSizeCells(node);
      this.evtchnAllocate();
      this.makeHypervisorNode(ac, sc);
      this.makePsciNode();
      this.makeCpusNode();
      this.makeMemoryNode(ac, sc, this.kinfo.mem);
      if (x.bi.reservedMem.length > 0) this.makeMemoryNode(ac, sc, x.bi.reservedMem);
    }
    this.chk(this.fdt.endNode());
  }

  /** `prepare_dtb_hwdom`. */
  prepareDtb(): void {
    const x = this.x;
    this.kinfo.phandleGic = x.host.dt.phandleOf(x.host.gic.node);
    this.fdt = new LibfdtSw(x.hostFdtSize + DOM0_FDT_EXTRA_SIZE);
    try {
      this.handleNode(x.host.dt.tree.root, { ...x.policy.dom0Mmio }, true);
      const out = this.fdt.finish();
      if (typeof out === "number") throw new BuildError(`fdt_finish ${out}`);
      this.kinfo.fdt = out;
    } catch (e) {
      if (!(e instanceof BuildError)) throw e;
      const m = /(-?\d+)$/.exec(e.message);
      const rc = m ? Number(m[1]) : -22;
      x.console.printk("Device tree generation failed (%d).\n", rc);
      if (!m) x.console.printk(XENLOG_ERR + "%s\n", e.message);
      if (rc === -3 && !this.panicHint) {
        // -FDT_ERR_NOSPACE: prepare_dtb_hwdom sizes dom0's tree as fdt_totalsize(host) +
        // DOM0_FDT_EXTRA_SIZE, which the nodes Xen adds (one per vCPU in /cpus) can outgrow.
        this.panicHint = `Device tree generation failed (-3, FDT_ERR_NOSPACE): Xen 4.17 gives ` +
          `dom0's tree ${DOM0_FDT_EXTRA_SIZE} bytes more than the host DTB's total size, too ` +
          `little for what it adds here (${this.d.vcpus.length} vCPUs in /cpus); lower ` +
          "dom0_max_vcpus or pad the host DTB (dtc -p, U-Boot 'fdt resize')";
      }
      const gic = x.host.gic;
      if (rc === -34 && gic.version === 3 && !this.panicHint) {
        // gicv3_make_hwdom_dt_node: dom0's reg takes 1 + nr_regions host entries, and
        // vgic_v3_domain_init asks one region more than the host has when they run out.
        const have = gic.rdist.reduce((n, r) => n + Math.floor(r[1] / GICV3_GICR_SIZE), 0);
        this.panicHint = `Device tree generation failed (-34): ${this.d.vcpus.length} vCPUs ` +
          `need ${this.d.vcpus.length} GICv3 redistributors; the host's regions hold ${have} ` +
          "(lower dom0_max_vcpus)";
      }
      xenPanic(x.console, "Could not set up DOM0 guest OS", x.file, this.panicHint);
    }
  }
}

/** `IRQ_TYPE_*` as words. */
function irqTypeName(t: number): string {
  return ({
    0: "type-none",
    1: "edge-rising",
    2: "edge-falling",
    3: "edge-both",
    4: "level-high",
    8: "level-low",
  } as Record<number, string>)[t] ?? `type ${t}`;
}

function latin1z(s: string): Uint8Array {
  const b = new Uint8Array(s.length + 1);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}

/** A big-endian 64-bit value (`dt_set_cell(&cellp, 2, v)`). */
function be64(v: number): Uint8Array {
  const b = new Uint8Array(8);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, Math.floor(v / 0x100000000));
  dv.setUint32(4, v % 0x100000000);
  return b;
}

/**
 * `construct_dom0(d)` for a device-tree boot: memory, grant table, GIC extra mappings, the DTB,
 * kernel/initrd/DTB placement and copies, vCPU0 state.
 *
 * @throws {InputError} (after Xen's panic banner) when Xen would panic.
 */
export function constructDom0(x: XenCore, d: Domain): Dom0Build {
  const c = x.console;
  c.printk("*** LOADING DOMAIN 0 ***\n");
  let dom0Mem = x.opts.dom0Mem ?? 0;
  if (dom0Mem <= 0) dom0Mem = 512 * MB;
  const kinfo: KernelInfo = {
    unassignedMem: dom0Mem,
    mem: [],
    gnttabStart: 0,
    gnttabSize: 0,
    dtbPaddr: 0,
    initrdPaddr: 0,
    entry: 0,
    phandleGic: 0,
    extRegions: [],
  };

  // kernel_probe
  const kmod = findModule(x.bi, "kernel");
  kinfo.kernel = kmod;
  kinfo.initrd = findModule(x.bi, "ramdisk");
  const cmd = findCmdline(x.bi, "kernel");
  if (cmd) kinfo.cmdline = cmd.cmdline;
  if (!kmod || !kmod.size) {
    c.printk(XENLOG_ERR + "Missing kernel boot module?\n");
    xenPanic(c, "Could not set up DOM0 guest OS", x.file);
  }
  c.printk("Loading %pd kernel from boot module @ %016lx\n", d.name, kmod.start);
  if (kinfo.initrd) c.printk("Loading ramdisk from boot module @ %016lx\n", kinfo.initrd.start);
  const dec = kernelDecompress(kmod, x.mem, x.alloc);
  if (dec < 0 && dec !== -22) xenPanic(c, "Could not set up DOM0 guest OS", kmod.node ?? x.file);
  const z = kernelProbeImage(kmod.start, kmod.size, x.mem);
  if (!z) {
    c.printk(XENLOG_ERR + "%s: no arm64 Image, uImage or zImage header\n", kmod.node ?? "kernel");
    xenPanic(c, "Could not set up DOM0 guest OS", kmod.node ?? x.file);
  }
  z.decompressed = dec === 1;
  kinfo.zimage = z;

  allocateMemory11(x, d, kinfo);

  // find_gnttab_region
  kinfo.gnttabStart = x.xenStext;
  kinfo.gnttabSize = Math.min(x.opts.gnttabMaxFrames, Math.floor(x.xenTextSize / PAGE_SIZE)) *
    PAGE_SIZE;
  c.printk(
    "Grant table range: %#016lx-%#016lx\n",
    kinfo.gnttabStart,
    kinfo.gnttabStart + kinfo.gnttabSize,
  );

  // gic_map_hwdom_extra_mappings (GICv2m frames)
  const gic = x.host.gic;
  if (gic.version === 2) {
    for (const f of gic.v2m) {
      c.printk("%s\n", v2mMappingLine(d.domid, f));
      const rc = d.mapRegion(
        Math.floor(f.addr / PAGE_SIZE),
        Math.ceil(f.size / PAGE_SIZE),
        Math.floor(f.addr / PAGE_SIZE),
        {
          ...x.policy.gicExtra,
          rule: "gicv2_map_hwdom_extra_mappings: v2m frame → map_mmio_regions, p2m_mmio_direct_dev",
        },
        f.node.path,
      );
      if (rc) xenPanic(c, "Could not set up DOM0 guest OS");
      for (let spi = f.spiStart; spi < f.spiStart + f.nrSpis; spi++) {
        x.irqs.setType(spi, 1); // IRQ_TYPE_EDGE_RISING
        if (x.irqs.route(d.domid, d.numIrqs, spi, spi) < 0 || !d.reserveVirq(spi)) {
          for (const m of x.irqs.messages.splice(0)) c.printk(XENLOG_ERR + "%s\n", m);
          xenPanic(c, "Could not set up DOM0 guest OS");
        }
        d.routedIrqs.set(spi, spi);
      }
    }
  }

  const b = new Dom0Builder(x, d, kinfo);
  b.prepareDtb();
  const fdt = kinfo.fdt!;

  // construct_domain → kernel_load
  const bank0 = kinfo.mem[0];
  const load = kernelZimagePlace(z, bank0);
  kinfo.entry = load;
  const pm = placeModules(bank0, load, load + z.len, fdt.length, kinfo.initrd?.size ?? 0);
  if (typeof pm === "string") xenPanic(c, pm);
  kinfo.dtbPaddr = pm.dtbPaddr;
  kinfo.initrdPaddr = pm.initrdPaddr;
  c.printkTagged(
    "kernel",
    "Loading zImage from %016lx to %016lx-%016lx\n",
    z.kernelAddr,
    load,
    load + z.len,
  );
  x.mem.copy(load, z.kernelAddr, z.len);

  // initrd_load
  const ird = kinfo.initrd;
  if (ird && ird.size) {
    c.printkTagged(
      "initrd",
      "Loading %pd initrd from %016lx to 0x%016lx-0x%016lx\n",
      d.name,
      ird.start,
      kinfo.initrdPaddr,
      kinfo.initrdPaddr + ird.size,
    );
    const node = fdt_path_offset(fdt, "/chosen");
    if (node < 0) xenPanic(c, "Cannot find the /chosen node");
    if (fdt_setprop_inplace(fdt, node, "linux,initrd-start", be64(kinfo.initrdPaddr))) {
      xenPanic(c, 'Cannot fix up "linux,initrd-start" property');
    }
    if (fdt_setprop_inplace(fdt, node, "linux,initrd-end", be64(kinfo.initrdPaddr + ird.size))) {
      xenPanic(c, 'Cannot fix up "linux,initrd-end" property');
    }
    x.mem.copy(kinfo.initrdPaddr, ird.start, ird.size);
  }

  // dtb_load
  c.printkTagged(
    "dtb",
    "Loading %pd DTB to 0x%016lx-0x%016lx\n",
    d.name,
    kinfo.dtbPaddr,
    kinfo.dtbPaddr + fdt.length,
  );
  x.mem.write(kinfo.dtbPaddr, fdt);

  // vCPU0: pc = entry, x0 = DTB, x1..x3 = 0, PSR_GUEST64_INIT.
  const v0 = d.vcpus[0];
  v0.pc = kinfo.entry;
  v0.x = [kinfo.dtbPaddr, 0, 0, 0];
  v0.cpsr = PSR_GUEST64_INIT;
  v0.online = true;
  return { kinfo, nodes: b.nodes, dtb: fdt.slice() };
}
