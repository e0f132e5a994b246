/**
 * The device-model registry: which model stands behind a device-tree node, chosen by its
 * `compatible` (or `device_type = "memory"`), and how its `reg` entries become bus devices. The
 * sim layer builds the host machine from a board's tree with it. Entries are declarative, one
 * per model (like Xen's `DT_DEVICE_START ... DT_DEVICE_END`):
 *
 * - memory nodes → {@link Ram} (one per `reg` entry);
 * - `mmio-sram` → {@link Sram};
 * - `arm,pl011`, `arm,sbsa-uart` → {@link Pl011};
 * - `arm,gic-v3` → {@link Gicv3Distributor} + {@link Gicv3Redistributors} (+ GICv2-compatible
 *   CPU/hyp/virtual interfaces when listed);
 * - `arm,cortex-a15-gic`, `arm,gic-400`, ... → GICv2 distributor, CPU interface, GICH, GICV;
 * - anything else with `reg` → {@link RegisterBlock} (RAZ/WI, counted).
 *
 * @module
 */

import type { Bus, BusRegion } from "./bus.ts";
import type { BusDevice } from "./device.ts";
import {
  Gicv2CpuInterface,
  Gicv2Distributor,
  Gicv2HypInterface,
  type Gicv2Options,
} from "./gic_v2.ts";
import { Gicv3Distributor, type Gicv3Options, Gicv3Redistributors, virtMpidr } from "./gic_v3.ts";
import { Pl011 } from "./pl011.ts";
import { Ram, type RamOptions } from "./ram.ts";
import { RegisterBlock, type RegisterBlockOptions } from "./register_block.ts";
import { Sram, type SramOptions } from "./sram.ts";

/** The models the registry knows. */
export type ModelName = "ram" | "sram" | "pl011" | "gicv3" | "gicv2" | "regblock";

/** What the registry needs to know about a device-tree node (absolute, translated addresses). */
export interface DeviceNodeInfo {
  /** Full node path, e.g. "/pl011@9000000". */
  path: string;
  /** The `compatible` strings, most specific first. */
  compatible: readonly string[];
  /** `device_type`, if any ("memory" selects RAM). */
  deviceType?: string;
  /** `reg` entries translated to CPU physical addresses. */
  reg: readonly { address: number; size: number }[];
  /** GICv3 `#redistributor-regions` (default 1). */
  redistributorRegions?: number;
  /**
   * For an interrupt controller: the highest interrupt ID + 1 the tree wires to it. A GIC
   * model reports at least that many lines (rounded up to 32), since the board's GIC has them.
   */
  interruptLines?: number;
  /**
   * Fixed register values (word offset → value) of a node modelled as a register block, for
   * identification registers the tree implies (e.g. a GICv2m frame's `MSI_TYPER`).
   */
  registers?: Record<number, number>;
}

/** Lines a GIC model reports: its default, or more when the board wires higher SPIs. */
function gicLines(node: DeviceNodeInfo, dflt: number, configured?: number): number {
  if (configured !== undefined) return configured;
  const need = Math.ceil((node.interruptLines ?? 0) / 32) * 32;
  return Math.min(1024, Math.max(dflt, need));
}

/** Per-model options, plus per-path overrides. */
export interface ModelOptions {
  /** Number of CPUs (GIC banking and redistributor frames; default 1). */
  cpus?: number;
  /** MPIDR of each CPU (default QEMU virt's: 16 CPUs per Aff1 cluster). */
  mpidrs?: bigint[];
  /** RAM options. */
  ram?: RamOptions;
  /** SRAM options. */
  sram?: SramOptions;
  /** GICv3 options. */
  gicv3?: Gicv3Options;
  /** GICv2 options (currentCpu is filled in from the bus). */
  gicv2?: Gicv2Options;
  /** Register block options. */
  regblock?: RegisterBlockOptions;
  /** Overrides for one node path: a different model and/or options. */
  byPath?: Record<string, Omit<ModelOptions, "byPath" | "cpus" | "mpidrs"> & { model?: ModelName }>;
}

/** One registry entry. */
export interface RegistryEntry {
  /** The model. */
  model: ModelName;
  /** Compatible strings it matches. */
  compatible: readonly string[];
  /** One line saying what it models. */
  description: string;
}

/** The registry, in match order. */
export const DEVICE_MODELS: readonly RegistryEntry[] = [
  {
    model: "sram",
    compatible: ["mmio-sram"],
    description: "on-chip SRAM (sizes, bursts, exclusives per options)",
  },
  {
    model: "pl011",
    compatible: ["arm,pl011", "arm,sbsa-uart"],
    description: "PrimeCell UART PL011 console",
  },
  {
    model: "gicv3",
    compatible: ["arm,gic-v3"],
    description: "GICv3 distributor and redistributors",
  },
  {
    model: "gicv2",
    compatible: [
      "arm,cortex-a15-gic",
      "arm,gic-400",
      "arm,cortex-a9-gic",
      "arm,cortex-a7-gic",
      "arm,arm1176jzf-devchip-gic",
      "qcom,msm-qgic2",
    ],
    description: "GICv2 distributor, CPU interface, GICH and GICV",
  },
];

/** The model for a node (memory nodes → RAM; no match → register block). */
export function chooseModel(node: DeviceNodeInfo, opts: ModelOptions = {}): ModelName {
  const forced = opts.byPath?.[node.path]?.model;
  if (forced !== undefined) return forced;
  if (node.deviceType === "memory") return "ram";
  for (const c of node.compatible) {
    for (const e of DEVICE_MODELS) if (e.compatible.includes(c)) return e.model;
  }
  return "regblock";
}

/** A device to attach at a base. */
export interface PlacedDevice {
  /** Physical base. */
  base: number;
  /** The device. */
  device: BusDevice;
}

/**
 * The bus devices for `node` (nothing for a node without `reg`). `bus` supplies the current CPU
 * for GICv2 banking.
 */
export function createDevices(
  node: DeviceNodeInfo,
  opts: ModelOptions = {},
  bus?: Bus,
): PlacedDevice[] {
  const o = { ...opts, ...(opts.byPath?.[node.path] ?? {}) };
  const model = chooseModel(node, opts);
  const reg = node.reg.filter((r) => r.size > 0);
  const name = (i: number, role?: string) =>
    role ? `${node.path} (${role})` : reg.length > 1 ? `${node.path}#${i}` : node.path;
  const cpus = opts.cpus ?? 1;
  const mpidrs = opts.mpidrs ?? Array.from({ length: cpus }, (_, i) => virtMpidr(i));
  const current = bus ? () => bus.currentCpu : () => 0;
  const rb = node.registers
    ? { ...o.regblock, readValues: { ...o.regblock?.readValues, ...node.registers } }
    : o.regblock;
  const blocks = (from: number) =>
    reg.slice(from).map((r, i) => ({
      base: r.address,
      device: new RegisterBlock(name(from + i), r.size, rb) as BusDevice,
    }));
  switch (model) {
    case "ram":
      return reg.map((r, i) => ({
        base: r.address,
        device: new Ram(r.size, { ...o.ram, name: name(i) }),
      }));
    case "sram":
      return reg.map((r, i) => ({
        base: r.address,
        device: new Sram(r.size, { ...o.sram, name: name(i) }),
      }));
    case "pl011":
      return [
        { base: reg[0].address, device: new Pl011(name(0), reg[0].size) },
        ...blocks(1),
      ];
    case "regblock":
      return blocks(0);
    case "gicv3": {
      if (reg.length === 0) return [];
      const g3 = { ...o.gicv3, lines: gicLines(node, 256, o.gicv3?.lines) };
      const out: PlacedDevice[] = [
        { base: reg[0].address, device: new Gicv3Distributor(name(0, "GICD"), g3) },
      ];
      const nRegions = Math.min(node.redistributorRegions ?? 1, reg.length - 1);
      let next = 0;
      for (let i = 0; i < nRegions; i++) {
        const r = reg[1 + i];
        const fit = Math.floor(r.size / 0x20000);
        const mine = mpidrs.slice(next, next + fit).map((mpidr) => ({ mpidr }));
        out.push({
          base: r.address,
          device: new Gicv3Redistributors(name(1 + i, `GICR region ${i}`), r.size, mine, {
            ...g3,
            firstProcessor: next,
          }),
        });
        next += mine.length;
      }
      const rest = reg.slice(1 + nRegions);
      const roles = ["GICC", "GICH", "GICV"];
      rest.forEach((r, i) => {
        const g2 = { ...o.gicv2, cpus, currentCpu: current };
        const role = roles[i] ?? `reg ${1 + nRegions + i}`;
        const dev = i === 0
          ? new Gicv2CpuInterface(name(0, role), { ...g2, size: r.size })
          : i === 1
          ? new Gicv2HypInterface(name(0, role), g2)
          : i === 2
          ? new Gicv2CpuInterface(name(0, role), { ...g2, virtual: true, size: r.size })
          : new RegisterBlock(name(0, role), r.size, o.regblock);
        out.push({ base: r.address, device: dev });
      });
      return out;
    }
    case "gicv2": {
      const g2 = {
        ...o.gicv2,
        cpus: Math.min(cpus, 8),
        currentCpu: current,
        lines: gicLines(node, 288, o.gicv2?.lines),
      };
      const roles = ["GICD", "GICC", "GICH", "GICV"];
      return reg.map((r, i) => {
        const role = roles[i] ?? `reg ${i}`;
        const device: BusDevice = i === 0
          ? new Gicv2Distributor(name(0, role), g2)
          : i === 1
          ? new Gicv2CpuInterface(name(0, role), { ...g2, size: r.size })
          : i === 2
          ? new Gicv2HypInterface(name(0, role), g2)
          : i === 3
          ? new Gicv2CpuInterface(name(0, role), { ...g2, virtual: true, size: r.size })
          : new RegisterBlock(name(0, role), r.size, o.regblock);
        return { base: r.address, device };
      });
    }
  }
}

/** Create the devices of `node` and attach them to `bus`; returns their regions. */
export function attachNode(bus: Bus, node: DeviceNodeInfo, opts: ModelOptions = {}): BusRegion[] {
  return createDevices(node, opts, bus).map((p) => bus.attach(p.base, p.device));
}
