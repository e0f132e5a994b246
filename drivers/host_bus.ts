/**
 * Build the host's physical bus from device-tree node descriptions: memory nodes become RAM,
 * every other node with `reg` becomes its registry model ({@link createDevices}). A device that
 * lies inside RAM (for example an `mmio-sram` carved out of the last MiB of RAM with a `no-map`
 * reserved-memory region, as the reference QEMU board does) splits the RAM around it; a node
 * without `compatible` inside RAM (a `/reserved-memory` child) describes RAM and adds nothing.
 * Devices with a model (SRAM, UART, GIC) are placed first, in node order; a modelled device that
 * overlaps one already placed is skipped, with the reason; generic register blocks then take
 * only the parts of their windows that are still free (a parent's window around its children's).
 *
 * @module
 */

import { Bus, type BusOptions, type BusRegion } from "./bus.ts";
import type { BusDevice } from "./device.ts";
import { Ram } from "./ram.ts";
import { chooseModel, createDevices, type DeviceNodeInfo, type ModelOptions } from "./registry.ts";

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
  // Two memory nodes may describe the same RAM (a board error Xen reports): the hardware has
  // it once, so overlapping ranges become their union, named after the first.
  ram.sort((a, b) => a.base - b.base);
  ram = ram.reduce<Range[]>((out, r) => {
    const last = out[out.length - 1];
    if (last && r.base < last.end) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
    return out;
  }, []);
  const inRam = (b: number, e: number) => ram.some((r) => b >= r.base && e <= r.end);
  const placed: { base: number; end: number; device: BusDevice; path: string }[] = [];
  const place = (n: DeviceNodeInfo) => {
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
  };
  const generic: DeviceNodeInfo[] = [];
  for (const n of nodes) {
    if (n.deviceType === "memory") continue;
    if (n.compatible.length === 0 && n.reg.every((r) => inRam(r.address, r.address + r.size))) {
      if (n.reg.length > 0) skipped.push({ path: n.path, reason: "describes RAM (no compatible)" });
      continue;
    }
    if (chooseModel(n, opts) === "regblock") generic.push(n);
    else place(n);
  }
  for (const n of generic) {
    const reg: { address: number; size: number }[] = [];
    for (const r of n.reg.filter((x) => x.size > 0)) {
      const free = freeParts(r.address, r.address + r.size, placed);
      if (free.length === 0) {
        const clash = placed.find((q) => r.address < q.end && q.base < r.address + r.size)!;
        skipped.push({
          path: n.path,
          reason: `0x${r.address.toString(16)}-0x${
            (r.address + r.size - 1).toString(16)
          } overlaps ${clash.path}`,
        });
      }
      for (const f of free) reg.push({ address: f.base, size: f.end - f.base });
    }
    if (reg.length > 0) place({ ...n, reg });
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

/** The parts of [base, end) that no placed device covers. */
function freeParts(
  base: number,
  end: number,
  taken: readonly { base: number; end: number }[],
): { base: number; end: number }[] {
  let pieces = [{ base, end }];
  for (const t of taken) {
    pieces = pieces.flatMap((p) => {
      if (t.end <= p.base || t.base >= p.end) return [p];
      const out: { base: number; end: number }[] = [];
      if (t.base > p.base) out.push({ base: p.base, end: t.base });
      if (t.end < p.end) out.push({ base: t.end, end: p.end });
      return out;
    });
  }
  return pieces;
}
