/**
 * The physical machine a board's device tree describes: RAM from the memory nodes, a device model
 * for every node with `reg` (chosen by `compatible` in `drivers/registry.ts`), one bus, the cost
 * model and the console UART. This is the hardware Xen boots on; nothing here knows about Xen or
 * Linux.
 *
 * Placement (`drivers/host_bus.ts`) resolves overlaps the way the hardware would be wired:
 * specific models (SRAM, UART, GIC) first, generic register blocks on what is still free, RAM
 * around them (so an `mmio-sram` node carved out of RAM, as in the recorded QEMU `--sram` run, is
 * SRAM).
 *
 * @module
 */

import { deviceAddresses } from "../dt/address.ts";
import type { DeviceTree, Node } from "../dt/tree.ts";
import type { Bus } from "../drivers/bus.ts";
import { CostModel, type LatencyTable } from "../drivers/cost.ts";
import { buildHostBus } from "../drivers/host_bus.ts";
import { gicHardware } from "./gic_hardware.ts";
import { PhysicalMemory } from "../drivers/physical_memory.ts";
import { primecellIdRegisters, primecellPeriphid } from "../drivers/primecell.ts";
import { Pl011 } from "../drivers/pl011.ts";
import {
  chooseModel,
  type DeviceNodeInfo,
  type ModelName,
  type ModelOptions,
} from "../drivers/registry.ts";

/** One device-tree node's place on the bus. */
export interface PlacedNode {
  /** Node path. */
  path: string;
  /** The model chosen for it. */
  model: ModelName;
  /** Physical ranges attached for it ([base, end)). */
  ranges: { base: number; end: number; device: string }[];
  /** Why (part of) the node is not on the bus, when it is not. */
  note?: string;
}

/** Options of {@link buildMachine}. */
export interface MachineOptions {
  /** Per-model options and per-path overrides for the device models. */
  models?: ModelOptions;
  /** Overrides of the cost model's latency table. */
  latencies?: Partial<LatencyTable>;
  /** The CPU's own PARange encoding (default 4: 44 bits). */
  minPaRange?: number;
}

/** A machine: bus, memory view, cost model, console UART and the placement record. */
export interface Machine {
  /** The physical bus. */
  bus: Bus;
  /** Physical memory helpers over the bus (what firmware and Xen use). */
  mem: PhysicalMemory;
  /** The cost model shared by every CPU. */
  cost: CostModel;
  /** RAM banks from the memory nodes, [start, end). */
  ram: { start: number; end: number }[];
  /** Placement of every node with `reg`. */
  nodes: PlacedNode[];
  /** Number of CPUs under `/cpus`. */
  cpus: number;
  /** The PL011 UARTs by node path (the console is one of them when the board has one). */
  uarts: Map<string, Pl011>;
  /**
   * `ID_AA64MMFR0_EL1.PARange` of the board's CPUs: the core's own (`minPaRange`, default 44
   * bits as QEMU's Cortex-A57, the reference), raised when the board puts RAM or devices higher
   * — silicon always decodes its own address map (ThunderX, for one, has its GIC at
   * 0x8010_0000_0000).
   */
  paRange: number;
}

/** PARange encoding 0b0100 = 44 bits (ARM ARM D19.2.64), QEMU's Cortex-A57. */
const PARANGE_44 = 4;
/** Physical address bits of each PARange encoding (ARM ARM D19.2.64). */
const PA_BITS = [32, 36, 40, 42, 44, 48, 52];

/**
 * The smallest PARange encoding, at least `min`, whose address space holds `top` (one past the
 * highest address the board decodes): silicon always decodes its own address map.
 */
export function paRangeCovering(top: number, min: number): number {
  let r = min;
  while (r < PA_BITS.length - 1 && top > 2 ** PA_BITS[r]) r++;
  return r;
}

/** Nodes that describe no hardware on the bus. */
function skipSubtree(n: Node): boolean {
  const p = n.path;
  return p === "/chosen" || p === "/cpus" || p === "/aliases" || p === "/__symbols__" ||
    p === "/__fixups__" || p === "/__local_fixups__" || p === "/reserved-memory" ||
    p === "/hypervisor";
}

function isMemoryNode(n: Node): boolean {
  return n.prop("device_type")?.str() === "memory";
}

/**
 * Registers a device reports that the tree implies: the GIC's (from `gic_hardware.ts`), and an
 * `arm,primecell` device's peripheral and cell ID at the top of its first window (QEMU's values,
 * `drivers/primecell.ts`) — what Linux's AMBA bus reads to bind `rtc-pl031`, `pl061`, ...
 */
function idRegisters(
  n: Node,
  size: number,
  gic: Record<number, number> | undefined,
): Record<number, number> | undefined {
  const id = n.isCompatible("arm,primecell") ? primecellPeriphid(n.compatible()) : undefined;
  // A window smaller than the 32 bytes of ID registers has none where the AMBA bus reads them.
  if (id === undefined || size < 0x20) return gic;
  return { ...gic, ...primecellIdRegisters(id, size) };
}

/** The `reg` ranges of `n` translated to CPU physical addresses, or why they cannot be. */
function physRegs(n: Node): { address: number; size: number }[] | string {
  const out: { address: number; size: number }[] = [];
  let i = 0;
  for (const r of deviceAddresses(n, { flavor: "linux" })) {
    if (!r.ok) return `reg entry ${i}: ${r.message}`;
    const address = Number(r.address);
    const size = Number(r.size);
    if (!Number.isSafeInteger(address + size) || address + size > 2 ** 52) {
      return `reg entry ${i} is above the 52-bit physical address space`;
    }
    out.push({ address, size });
    i++;
  }
  return out;
}

/**
 * Build the machine a host device tree describes.
 *
 * @example
 * ```ts ignore
 * const m = buildMachine(tree);
 * m.mem.write(0x48000000, dtbBytes);
 * ```
 */
export function buildMachine(tree: DeviceTree, opts: MachineOptions = {}): Machine {
  const cpusNode = tree.root.child("cpus");
  const cpus = Math.max(
    1,
    cpusNode?.children.filter((c) => c.prop("device_type")?.str() === "cpu").length ?? 1,
  );
  const models: ModelOptions = { cpus, ...opts.models };
  const cost = new CostModel({ latencies: opts.latencies });

  const infos: DeviceNodeInfo[] = [];
  const nodes: PlacedNode[] = [];
  const gicHw = gicHardware(tree);
  const visit = (n: Node) => {
    if (n.parent && skipSubtree(n)) return;
    if (n.parent && n.has("reg")) {
      const regs = physRegs(n);
      if (typeof regs === "string") {
        nodes.push({ path: n.path, model: "regblock", ranges: [], note: regs });
      } else if (regs.length > 0) {
        infos.push({
          path: n.path,
          compatible: n.compatible(),
          deviceType: n.prop("device_type")?.str(),
          reg: regs,
          redistributorRegions: n.prop("#redistributor-regions")?.length === 4
            ? n.prop("#redistributor-regions")!.u32()
            : undefined,
          interruptLines: gicHw.lines.get(n),
          registers: idRegisters(n, regs[0].size, gicHw.registers.get(n)),
        });
      }
    }
    // Children of a memory node or of an SRAM describe parts of it, not more hardware.
    if (isMemoryNode(n) || n.isCompatible("mmio-sram")) return;
    for (const c of n.children) visit(c);
  };
  visit(tree.root);

  const host = buildHostBus(infos, models);
  const uarts = new Map<string, Pl011>();
  for (const info of infos) {
    const placed: PlacedNode = { path: info.path, model: chooseModel(info, models), ranges: [] };
    nodes.push(placed);
  }
  const byPath = new Map(nodes.map((n) => [n.path, n]));
  for (const r of host.regions) {
    // Device names are the node path, plus " (role)" or " (part N)" for multi-region nodes.
    const path = r.device.name.replace(/ \(.*\)$/, "").replace(/#\d+$/, "");
    const placed = byPath.get(path);
    placed?.ranges.push({ base: r.base, end: r.end, device: r.device.name });
    if (r.device instanceof Pl011) uarts.set(path, r.device);
  }
  for (const s of host.skipped) {
    const placed = byPath.get(s.path);
    if (placed) placed.note = s.reason;
  }
  const ram = infos.filter((i) => i.deviceType === "memory").flatMap((i) =>
    i.reg.filter((r) => r.size > 0).map((r) => ({ start: r.address, end: r.address + r.size }))
  ).sort((a, b) => a.start - b.start);
  const top = host.regions.reduce((m, r) => Math.max(m, r.end), 0);
  const paRange = paRangeCovering(top, opts.minPaRange ?? PARANGE_44);
  return {
    bus: host.bus,
    mem: new PhysicalMemory(host.bus),
    cost,
    ram,
    nodes,
    cpus,
    uarts,
    paRange,
  };
}
