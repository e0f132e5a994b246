/**
 * Build the host's physical bus from device-tree node descriptions: memory nodes become RAM,
 * every other node with `reg` becomes its registry model ({@link createDevices}). A device that
 * lies inside RAM (for example an `mmio-sram` carved out of the last MiB of RAM with a `no-map`
 * reserved-memory region, as the reference QEMU board does) splits the RAM around it; a node
 * without `compatible` inside RAM (a `/reserved-memory` child) describes RAM and adds nothing;
 * a node overlapping a device already placed is skipped, with the reason.
 *
 * @module
 */

import { Bus, type BusOptions, type BusRegion } from "./bus.ts";
import type { BusDevice } from "./device.ts";
import { Ram } from "./ram.ts";
import { createDevices, type DeviceNodeInfo, type ModelOptions } from "./registry.ts";

/** The result of {@link buildHostBus}. */
export interface HostBus {
  /** The bus with every device attached. */
  bus: Bus;
  /** The attached regions, by address. */
  regions: readonly BusRegion[];
  /** Nodes (or parts) that were not attached, and why. */
  skipped: { path: string; reason: string }[];
}

interface Range {
  base: number;
  end: number;
  name: string;
}

/** Attach every node's devices; RAM is split around devices placed inside it. */
export function buildHostBus(
  nodes: readonly DeviceNodeInfo[],
  opts: ModelOptions & BusOptions = {},
): HostBus {
  const bus = new Bus(opts);
  const skipped: { path: string; reason: string }[] = [];
  let ram: Range[] = [];
  for (const n of nodes) {
    if (n.deviceType !== "memory") continue;
    n.reg.filter((r) => r.size > 0).forEach((r, i, all) => {
      ram.push({
        base: r.address,
        end: r.address + r.size,
        name: all.length > 1 ? `${n.path}#${i}` : n.path,
      });
    });
  }
  const inRam = (b: number, e: number) => ram.some((r) => b >= r.base && e <= r.end);
  const placed: { base: number; end: number; device: BusDevice; path: string }[] = [];
  for (const n of nodes) {
    if (n.deviceType === "memory") continue;
    if (n.compatible.length === 0 && n.reg.every((r) => inRam(r.address, r.address + r.size))) {
      if (n.reg.length > 0) skipped.push({ path: n.path, reason: "describes RAM (no compatible)" });
      continue;
    }
    for (const p of createDevices(n, opts, bus)) {
      const end = p.base + p.device.size;
      const clash = placed.find((q) => p.base < q.end && q.base < end);
      if (clash) {
        skipped.push({
          path: n.path,
          reason: `0x${p.base.toString(16)}-0x${(end - 1).toString(16)} overlaps ${clash.path}`,
        });
        continue;
      }
      placed.push({ base: p.base, end, device: p.device, path: n.path });
      // Carve the device out of RAM.
      ram = ram.flatMap((r) => {
        if (end <= r.base || p.base >= r.end) return [r];
        const out: Range[] = [];
        if (r.base < p.base) out.push({ base: r.base, end: p.base, name: r.name });
        if (end < r.end) out.push({ base: end, end: r.end, name: r.name });
        return out;
      });
    }
  }
  const counts = new Map<string, number>();
  for (const r of ram) counts.set(r.name, (counts.get(r.name) ?? 0) + 1);
  const seen = new Map<string, number>();
  for (const r of ram) {
    const k = seen.get(r.name) ?? 0;
    seen.set(r.name, k + 1);
    const name = (counts.get(r.name) ?? 1) > 1 ? `${r.name} (part ${k})` : r.name;
    bus.attach(r.base, new Ram(r.end - r.base, { ...opts.ram, name }));
  }
  for (const p of placed) bus.attach(p.base, p.device);
  return { bus, regions: bus.list(), skipped };
}
