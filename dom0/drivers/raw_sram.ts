/**
 * `raw-sram`: a model of the seed's custom driver (the 2016 xen-devel thread: a vendor driver
 * that treats on-chip SRAM as ordinary memory). It maps an SRAM region and then uses the plain
 * kernel string routines and atomics on it — `memcpy`, `memset`, `atomic_add` — instead of the
 * `_io` accessors. This is the driver whose behaviour depends on the attributes:
 *
 * | mapping option | Linux API | stage-1 type |
 * |---|---|---|
 * | `wb` (default) | `memremap(MEMREMAP_WB)` (→ `ioremap_cache` off the linear map) | Normal-WB |
 * | `cache` | `ioremap_cache` | Normal-WB |
 * | `wc` | `ioremap_wc` | Normal-NC |
 * | `device` | `ioremap` | Device-nGnRE |
 * | `device-np` | `ioremap_np` | Device-nGnRnE |
 *
 * It binds to nodes compatible with `dom0sim,raw-sram`, or is attached to any node by a
 * workload (as a module the workload loads). Being our own driver, its messages are ours. It
 * does not claim the region (a `memremap` never does), so it can share a node with `sram`.
 *
 * @module
 */

import type { PA, VA } from "../../arch/arm64/port.ts";
import { deviceGetAddress } from "../../dt/address.ts";
import type { Node } from "../../dt/tree.ts";
import type { KernelCpu } from "../access.ts";
import {
  ioremap,
  ioremap_cache,
  ioremap_np,
  ioremap_wc,
  type MapOwner,
  memremap,
} from "../ioremap.ts";
import type { Kernel, MapApi } from "../kernel.ts";
import { type Device, type Driver, EINVAL, ENOMEM } from "../platform.ts";
import { KERN_ERR, KERN_INFO } from "../printk.ts";

/** The raw driver's mapping choices. */
export type RawMapping = "wb" | "cache" | "wc" | "device" | "device-np";

/** All mapping option names. */
export const RAW_MAPPINGS: readonly RawMapping[] = ["wb", "cache", "wc", "device", "device-np"];

/** An attached raw-sram instance. */
export interface RawSram {
  /** Device name used in messages. */
  name: string;
  /** The node. */
  node: Node;
  /** Physical base. */
  phys: PA;
  /** Size. */
  size: number;
  /** Mapped VA. */
  va: VA;
  /** Mapping option and the API it used. */
  mapping: RawMapping;
  /** Linux API. */
  api: MapApi;
}

const API: Record<RawMapping, MapApi> = {
  wb: "memremap(MEMREMAP_WB)",
  cache: "ioremap_cache",
  wc: "ioremap_wc",
  device: "ioremap",
  "device-np": "ioremap_np",
};

/** Map `node`'s first region for raw use. Returns the instance or a negative errno. */
export function rawSramAttach(
  kern: Kernel,
  node: Node,
  mapping: RawMapping,
  name: string,
): RawSram | number {
  const r = deviceGetAddress(node, 0, { flavor: "linux", strict: false });
  if (!r.ok) {
    kern.log.log(KERN_ERR, `raw-sram ${name}: no usable reg: ${r.message}`);
    return EINVAL;
  }
  const phys = Number(r.address), size = Number(r.size);
  const owner: MapOwner = { driver: "raw-sram", node: node.path, device: name };
  let va: VA;
  switch (mapping) {
    case "wb":
      va = memremap(kern, phys, size, "MEMREMAP_WB", owner);
      break;
    case "cache":
      va = ioremap_cache(kern, phys, size, owner);
      break;
    case "wc":
      va = ioremap_wc(kern, phys, size, owner);
      break;
    case "device":
      va = ioremap(kern, phys, size, owner);
      break;
    case "device-np":
      va = ioremap_np(kern, phys, size, owner);
      break;
  }
  const end = (phys + size - 1).toString(16).padStart(8, "0");
  if (!va) {
    kern.log.log(
      KERN_ERR,
      `raw-sram ${name}: ${API[mapping]} of [mem 0x${
        phys.toString(16).padStart(8, "0")
      }-0x${end}] failed`,
    );
    return ENOMEM;
  }
  const m = kern.mappings[kern.mappings.length - 1];
  kern.log.log(
    KERN_INFO,
    `raw-sram ${name}: mapped [mem 0x${phys.toString(16).padStart(8, "0")}-0x${end}] as ${
      m?.s1Type ?? "?"
    } with ${API[mapping]}`,
  );
  return { name, node, phys, size, va, mapping, api: API[mapping] };
}

/** Whether the CPU implements FEAT_LSE (by MIDR: Cortex-A53/A57/A72/A73 do not). */
export function cpuHasLse(k: KernelCpu): boolean {
  const midr = Number(k.mrs("MIDR_EL1") & 0xffffffffn);
  const impl = (midr >>> 24) & 0xff, part = (midr >>> 4) & 0xfff;
  if (impl !== 0x41) return true;
  return ![0xd03, 0xd04, 0xd07, 0xd08, 0xd09].includes(part);
}

const XB = new Uint8Array(8);
const XV = new DataView(XB.buffer);

/**
 * `atomic_add(i, v)` / `atomic64_add` as arm64 6.1 emits it: with LSE, one `stadd` (an LSE
 * atomic); without, the LL/SC loop `ldxr; add; stxr; cbnz` (`__ll_sc_atomic_add`).
 * Returns the new value.
 */
export function atomic_add(k: KernelCpu, va: VA, value: bigint, size: 4 | 8): bigint {
  const mask = (1n << BigInt(8 * size)) - 1n;
  if (cpuHasLse(k)) {
    k.enter("atomic_add");
    const old = k.atomic("ldadd", va, size, value);
    k.leave();
    return (old + value) & mask;
  }
  k.enter("__ll_sc_atomic_add");
  for (let tries = 0; tries < 1000; tries++) {
    k.ldxr(va, size, XB, 0);
    const old = size === 8 ? XV.getBigUint64(0, true) : BigInt(XV.getUint32(0, true));
    const nv = (old + value) & mask;
    if (size === 8) XV.setBigUint64(0, nv, true);
    else XV.setUint32(0, Number(nv), true);
    if (k.stxr(va, size, XB, 0) === 0) {
      k.leave();
      return nv;
    }
  }
  k.leave();
  throw new Error("stxr never succeeded (exclusive monitor keeps failing)");
}

/** The `raw-sram` platform driver for `dom0sim,raw-sram` nodes (maps WB, like the seed). */
export const rawSramDriver: Driver = {
  name: "raw-sram",
  bus: "platform",
  compatible: ["dom0sim,raw-sram"],
  probe(kern: Kernel, dev: Device): number {
    const opt = dev.node.prop("dom0sim,mapping")?.str() as RawMapping | undefined;
    const r = rawSramAttach(
      kern,
      dev.node,
      opt && RAW_MAPPINGS.includes(opt) ? opt : "wb",
      dev.name,
    );
    if (typeof r === "number") return r;
    dev.drvdata = r;
    return 0;
  },
};
