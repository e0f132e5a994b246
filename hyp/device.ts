/**
 * The device registry: Xen's `struct device_desc` (xen/arch/arm/include/asm/device.h in 4.17:
 * `name`, `class`, `dt_match`, `init`) with `device_init` and `device_get_class`
 * (xen/arch/arm/device.c), plus the seed's optional **`.map` hook** — a per-device function
 * that decides the p2m type and permissions of a node's regions for a domain, so that mapping
 * rules live with the device instead of in domain_build (the May 2016 RFC's idea; Xen never
 * merged it, and in Xen 4.17 no entry has a `.map`).
 *
 * Entries are declared one per device kind, in that device's file (`gic_v3.ts`, `pl011.ts`,
 * `mmio_sram.ts`, …) and collected in registry order in {@link DEVICE_REGISTRY}'s caller
 * (`registry.ts`), mirroring the linker section `.dev.info`.
 *
 * @module
 */

import type { Node } from "../dt/tree.ts";
import type { XenDeviceTree } from "./device_tree.ts";
import { dtIsCompatible } from "./device_tree.ts";
import type { AttrOverride, P2mAccess, P2mType } from "./p2m.ts";
import type { Policy } from "./policy.ts";

/**
 * `enum device_class` as Xen 4.17 spells it (`DEVICE_GIC` was renamed
 * `DEVICE_INTERRUPT_CONTROLLER` in 4.19). `DEVICE_MEMORY` is the RFC's proposed class
 * (not in Xen), used only by the seed's mmio-sram entry.
 */
export type DeviceClass =
  | "DEVICE_SERIAL"
  | "DEVICE_IOMMU"
  | "DEVICE_GIC"
  | "DEVICE_PCI_HOSTBRIDGE"
  | "DEVICE_MEMORY"
  | "DEVICE_UNKNOWN";

/** What a driver's `init` gets (`device_init(dev, class, data)`). */
export interface DeviceInitContext {
  /** The node being initialised. */
  node: Node;
  /** Xen's view of the host tree. */
  dt: XenDeviceTree;
  /** Driver-specific data (`data` argument: the dtuart options string for serials). */
  data?: string;
  /** Record that Xen owns the node (`dt_device_set_used_by(dev, DOMID_XEN)`). */
  setUsedByXen(): void;
  /** The driver's result, read back by the caller (GIC, UART, IOMMU state). */
  result?: unknown;
  /** Messages the driver prints (`printk`). */
  log(line: string): void;
}

/** The domain a mapping is for, as far as a `.map` hook needs to know. */
export interface MapDomain {
  /** Domain ID. */
  domid: number;
  /** `is_hardware_domain(d)`. */
  hardware: boolean;
}

/** Input of a `.map` hook: one node, the domain, the active policy and the inherited rule. */
export interface MapContext {
  /** The DT node whose regions are being mapped. */
  node: Node;
  /** The domain. */
  domain: MapDomain;
  /** The active attribute policy. */
  policy: Policy;
  /** What the node would get without the hook (the parent's / the default decision). */
  inherited: MapDecision;
}

/** A mapping decision: the p2m type and access for a node's regions, with the rule that decided. */
export interface MapDecision {
  /** The p2m type. */
  type: P2mType;
  /** The `p2m_access_t` (default rwx). */
  access?: P2mAccess;
  /** Attribute bits Xen cannot express with a p2m type (proposed policies only). */
  override?: AttrOverride;
  /** Why: rule text naming the Xen code or commit (or the proposal) that decides it. */
  rule: string;
  /** True when the decision is a proposal that never was in Xen. */
  proposed?: boolean;
}

/** `struct device_desc` plus the optional `.map` hook. */
export interface DeviceDesc {
  /** `DT_DEVICE_START(name, …)`: the identifier. */
  name: string;
  /** The description string ("PL011 UART"). */
  desc: string;
  /** The class. */
  class: DeviceClass;
  /** `dt_match`: compatible strings (`DT_MATCH_COMPATIBLE`). */
  compatible: readonly string[];
  /** `init(dev, data)`: 0 or a negative errno (`-EAGAIN` defers). Absent → the entry only classifies. */
  init?: (ctx: DeviceInitContext) => number;
  /**
   * The seed's hook: the p2m type/permissions of this node's regions for a domain, or undefined
   * to keep the inherited decision. Not part of Xen's `device_desc`.
   */
  map?: (ctx: MapContext) => MapDecision | undefined;
  /** True for entries dom0sim adds that Xen 4.17 does not have (e.g. mmio-sram). */
  notInXen?: boolean;
}

/** `-ENODEV`. */
export const ENODEV = -19;
/** `-EBADF`. */
export const EBADF = -9;

/** `dt_match_node` on a desc's compatible list. */
export function descMatches(desc: DeviceDesc, node: Node): boolean {
  for (const c of desc.compatible) if (dtIsCompatible(node, c)) return true;
  return false;
}

/** `dt_device_is_available`: `status` absent, "okay" or "ok". */
export function dtDeviceIsAvailable(node: Node): boolean {
  const p = node.prop("status");
  if (!p) return true;
  if (p.length === 0) return false;
  const s = p.str();
  return s === "okay" || s === "ok";
}

/** `dt_device_for_passthrough`: the node has `xen,passthrough`. */
export function dtDeviceForPassthrough(node: Node): boolean {
  return node.has("xen,passthrough");
}

/** A registry: an ordered list of device descriptions. */
export class DeviceRegistry {
  /** Entries in registry (link) order. */
  readonly entries: readonly DeviceDesc[];
  private readonly classCache = new Map<Node, DeviceDesc | null>();

  /** Make a registry from entries in order. */
  constructor(entries: readonly DeviceDesc[]) {
    this.entries = entries;
  }

  /** The first entry matching the node, whatever its class (cached per node). */
  descFor(node: Node): DeviceDesc | undefined {
    let d = this.classCache.get(node);
    if (d === undefined) {
      d = this.entries.find((e) => descMatches(e, node)) ?? null;
      this.classCache.set(node, d);
    }
    return d ?? undefined;
  }

  /** `device_get_class`: the class of the first matching entry, else `DEVICE_UNKNOWN`. */
  getClass(node: Node): DeviceClass {
    return this.descFor(node)?.class ?? "DEVICE_UNKNOWN";
  }

  /**
   * `device_init(dev, class, data)`: refuse unavailable and passthrough nodes (-ENODEV), run the
   * first entry of `cls` that matches, or -EBADF when none does.
   */
  init(ctx: DeviceInitContext, cls: DeviceClass): number {
    if (!dtDeviceIsAvailable(ctx.node) || dtDeviceForPassthrough(ctx.node)) return ENODEV;
    for (const e of this.entries) {
      if (e.class !== cls) continue;
      if (!descMatches(e, ctx.node)) continue;
      return e.init ? e.init(ctx) : EBADF;
    }
    return EBADF;
  }

  /** The `.map` decision for a node (its entry's hook), or undefined. */
  map(ctx: MapContext): MapDecision | undefined {
    return this.descFor(ctx.node)?.map?.(ctx);
  }
}
