/**
 * The physical machine a board's device tree describes: RAM from the memory nodes, a device model
 * for every node with `reg` (chosen by `compatible` in `drivers/registry.ts`), one bus, the cost
 * model and the console UART. This is the hardware Xen boots on; nothing here knows about Xen or
 * Linux.
 *
 * Overlaps are resolved the way the hardware would be wired: specific models (SRAM, UART, GIC)
 * are placed first, RAM fills the memory banks around them (so an `mmio-sram` node carved out of
 * RAM, as in the recorded QEMU `--sram` run, is SRAM), and generic register blocks take whatever
 * is still free.
 *
 * @module
 */

import { deviceAddresses } from "../dt/address.ts";
import type { DeviceTree, Node } from "../dt/tree.ts";
import { Bus } from "../drivers/bus.ts";
import { CostModel, type LatencyTable } from "../drivers/cost.ts";
import type { BusDevice } from "../drivers/device.ts";
import { PhysicalMemory } from "../drivers/physical_memory.ts";
import { Pl011 } from "../drivers/pl011.ts";
import { Ram } from "../drivers/ram.ts";
import {
  chooseModel,
  createDevices,
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

/** Subtract occupied ranges from [base, end): the free pieces. */
function freePieces(
  base: number,
  end: number,
  taken: { base: number; end: number }[],
): { base: number; end: number }[] {
  let pieces = [{ base, end }];
  for (const t of taken) {
    const next: { base: number; end: number }[] = [];
    for (const p of pieces) {
      if (t.end <= p.base || t.base >= p.end) {
        next.push(p);
        continue;
      }
      if (t.base > p.base) next.push({ base: p.base, end: t.base });
      if (t.end < p.end) next.push({ base: t.end, end: p.end });
    }
    pieces = next;
  }
  return pieces;
}

const PRIORITY: Record<ModelName, number> = {
  sram: 0,
  pl011: 0,
  gicv3: 0,
  gicv2: 0,
  ram: 1,
  regblock: 2,
};

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
  const bus = new Bus();
  const cpusNode = tree.root.child("cpus");
  const cpus = Math.max(
    1,
    cpusNode?.children.filter((c) => c.prop("device_type")?.str() === "cpu").length ?? 1,
  );
  const models: ModelOptions = { cpus, ...opts.models };
  const cost = new CostModel({ latencies: opts.latencies });

  interface Candidate {
    info: DeviceNodeInfo;
    model: ModelName;
    order: number;
  }
  const candidates: Candidate[] = [];
  const nodes: PlacedNode[] = [];
  const visit = (n: Node) => {
    if (n.parent && skipSubtree(n)) return;
    if (n.parent && n.has("reg")) {
      const regs = physRegs(n);
      if (typeof regs === "string") {
        nodes.push({ path: n.path, model: "regblock", ranges: [], note: regs });
      } else if (regs.length > 0) {
        const info: DeviceNodeInfo = {
          path: n.path,
          compatible: n.compatible(),
          deviceType: n.prop("device_type")?.str(),
          reg: regs,
          redistributorRegions: n.prop("#redistributor-regions")?.u32(),
        };
        candidates.push({ info, model: chooseModel(info, models), order: candidates.length });
      }
    }
    // Children of a memory node or of an SRAM describe parts of it, not more hardware.
    if (isMemoryNode(n) || n.isCompatible("mmio-sram")) return;
    for (const c of n.children) visit(c);
  };
  visit(tree.root);
  candidates.sort((a, b) => PRIORITY[a.model] - PRIORITY[b.model] || a.order - b.order);

  const taken: { base: number; end: number }[] = [];
  const ram: { start: number; end: number }[] = [];
  const uarts = new Map<string, Pl011>();
  for (const c of candidates) {
    const placed: PlacedNode = { path: c.info.path, model: c.model, ranges: [] };
    nodes.push(placed);
    const attach = (base: number, device: BusDevice) => {
      bus.attach(base, device);
      const r = { base, end: base + device.size };
      taken.push(r);
      placed.ranges.push({ ...r, device: device.name });
    };
    if (c.model === "ram") {
      for (const r of c.info.reg) {
        ram.push({ start: r.address, end: r.address + r.size });
        for (const p of freePieces(r.address, r.address + r.size, taken)) {
          attach(p.base, new Ram(p.end - p.base, { name: c.info.path }));
        }
      }
      continue;
    }
    if (c.model === "regblock") {
      // A generic block takes only the free parts of its window.
      const clipped: DeviceNodeInfo = {
        ...c.info,
        reg: c.info.reg.flatMap((r) =>
          freePieces(r.address, r.address + r.size, taken).map((p) => ({
            address: p.base,
            size: p.end - p.base,
          }))
        ),
      };
      if (clipped.reg.length === 0) placed.note = "shares its window with another device";
      for (const d of createDevices(clipped, models, bus)) attach(d.base, d.device);
      continue;
    }
    const overlap = c.info.reg.some((r) =>
      taken.some((t) => r.address < t.end && t.base < r.address + r.size)
    );
    if (overlap) {
      placed.note = "overlaps a device placed earlier; not modelled";
      continue;
    }
    for (const d of createDevices(c.info, models, bus)) {
      attach(d.base, d.device);
      if (d.device instanceof Pl011) uarts.set(c.info.path, d.device);
    }
  }
  ram.sort((a, b) => a.start - b.start);
  return { bus, mem: new PhysicalMemory(bus), cost, ram, nodes, cpus, uarts };
}
