/**
 * Attribute policies: which stage-2 type Xen gives each class of region, as data. The 2016
 * xen-devel debate (should on-chip SRAM reach dom0 as Device or Normal memory?) had different
 * answers across Xen releases; each answer is a preset here. Devices with a `.map` hook (e.g.
 * mmio-sram) read the policy's `sram` mode; everything else uses the policy's rules. No code
 * branches on a preset's name.
 *
 * History (facts: shared/facts/xen.md §7):
 * - `xen-4.7`: `map_mmio_regions` with `MATTR_DEV` — every dom0 DT MMIO region Device-nGnRE;
 *   `XENMAPSPACE_dev_mmio` documented Device-nGnRE (`8b3d6858ec`).
 * - `xen-4.8.0`: default `p2m_mmio_direct_dev`; mmio-sram `p2m_mmio_direct_nc` (Normal NC) unless
 *   `no-memory-wc` (`1e75ed8b64`, Edgar Iglesias, Sept 2016); reverted in 4.8.1/4.9.0.
 * - `xen-4.17` (default): hardware-domain MMIO `p2m_mmio_direct_c` (`18d500642f`), mmio-sram
 *   special case gone (`a24021e664`), dev_mmio `_c` (`5a44ff111d`), passthrough `_dev`.
 * - `rfc-2016` — proposed, not in Xen: the RFC "[RFC for-4.8 0/6] xen/arm: Add support for
 *   mapping mmio-sram nodes into dom0" (May 2016): mmio-sram Normal WB cached, RWX, through a
 *   `.map` hook in the device descriptor; other MMIO as in 4.7.
 * - `device-gre` — proposed, not in Xen: Julien Grall's reply to that RFC suggested Device-GRE
 *   at stage 2 for all MMIO except the GIC (Xen has no stage-2 Device-GRE encoding).
 *
 * @module
 */

import type { AttrOverride, P2mType } from "./p2m.ts";

/** Preset names. */
export type PolicyName = "xen-4.17" | "xen-4.7" | "xen-4.8.0" | "rfc-2016" | "device-gre";

/** One rule: a p2m type, optional attribute overrides, and the reason. */
export interface MapRule {
  /** The p2m type. */
  type: P2mType;
  /** Attribute bits beyond what the type gives (proposals only). */
  override?: AttrOverride;
  /** Why (Xen function and commit, or the proposal). */
  rule: string;
  /** A proposal that never was in Xen. */
  proposed?: boolean;
}

/** How the mmio-sram device's `.map` hook treats mmio-sram nodes. */
export type SramMode =
  /** No special case: the node inherits the default (Xen ≥ 4.8.1). */
  | "inherit"
  /** Normal NC, or Device-nGnRE with `no-memory-wc` (Xen 4.8.0 `dev_map_attrs`). */
  | "nc-unless-no-memory-wc"
  /** Normal WB, executable (the 2016 RFC). */
  | "wb-rwx";

/** An attribute policy. */
export interface Policy {
  /** Preset name. */
  name: PolicyName;
  /** One-line description for `--help`. */
  summary: string;
  /** Xen history behind it (commit hashes with titles), or the proposal. */
  history: readonly string[];
  /** True for proposals that never were in Xen ("proposed, not in Xen"). */
  proposed: boolean;
  /** Default for dom0 DT device regions (`prepare_dtb_hwdom`'s `default_p2mt`). */
  dom0Mmio: MapRule;
  /** `XEN_DOMCTL_memory_mapping`, domU `iomem=`/`xen,passthrough` (`map_mmio_regions`). */
  passthrough: MapRule;
  /** `XENMAPSPACE_dev_mmio` (`map_dev_mmio_page`). */
  devMmio: MapRule;
  /** Mappings Xen itself adds for the GIC (GICv2 GICV, v2m frames): always `_dev`. */
  gicExtra: MapRule;
  /** mmio-sram handling by the device's `.map` hook. */
  sram: SramMode;
}

const DEV_4_17: MapRule = {
  type: "p2m_mmio_direct_dev",
  rule: "map_mmio_regions → p2m_mmio_direct_dev (Device-nGnRE)",
};

/** The presets, in `--help` order. */
export const POLICIES: readonly Policy[] = [
  {
    name: "xen-4.17",
    summary:
      "Xen 4.17 (default): dom0 MMIO Normal WB at stage 2 (p2m_mmio_direct_c), passthrough Device-nGnRE",
    history: [
      "18d500642f xen/arm: dt: Relax hw domain mapping attributes to p2m_mmio_direct_c (4.9.0, 4.8.1)",
      'a24021e664 Revert "xen/arm: Map mmio-sram nodes as un-cached memory" (4.9.0, 4.8.1)',
      "5a44ff111d xen/arm: acpi: Relax hw domain mapping attributes to p2m_mmio_direct_c (4.9.0)",
    ],
    proposed: false,
    dom0Mmio: {
      type: "p2m_mmio_direct_c",
      rule: "prepare_dtb_hwdom default_p2mt = p2m_mmio_direct_c (18d500642f)",
    },
    passthrough: DEV_4_17,
    devMmio: {
      type: "p2m_mmio_direct_c",
      rule: "XENMAPSPACE_dev_mmio → map_dev_mmio_page, p2m_mmio_direct_c (5a44ff111d)",
    },
    gicExtra: DEV_4_17,
    sram: "inherit",
  },
  {
    name: "xen-4.7",
    summary: "Xen 4.7: every MMIO region Device-nGnRE at stage 2 (p2m_mmio_direct, MATTR_DEV)",
    history: [
      "102984bb19 arm: Add a hypercall for device mmio mapping (4.7.0)",
      "8b3d6858ec xen/arm: Document the behavior of XENMAPSPACE_dev_mmio (4.7.0)",
    ],
    proposed: false,
    dom0Mmio: {
      type: "p2m_mmio_direct_dev",
      rule: "Xen 4.7 map_mmio_regions: p2m_mmio_direct with MATTR_DEV (Device-nGnRE)",
    },
    passthrough: {
      type: "p2m_mmio_direct_dev",
      rule: "Xen 4.7 map_mmio_regions: p2m_mmio_direct with MATTR_DEV (Device-nGnRE)",
    },
    devMmio: {
      type: "p2m_mmio_direct_dev",
      rule: "Xen 4.7 XENMAPSPACE_dev_mmio: Device-nGnRE (8b3d6858ec)",
    },
    gicExtra: DEV_4_17,
    sram: "inherit",
  },
  {
    name: "xen-4.8.0",
    summary: "Xen 4.8.0: MMIO Device-nGnRE, mmio-sram Normal-NC unless no-memory-wc",
    history: [
      "9eed361acd xen/arm: domain_build: Plumb for different mapping attributes (4.8.0)",
      "1e75ed8b64 xen/arm: Map mmio-sram nodes as un-cached memory (4.8.0 only)",
    ],
    proposed: false,
    dom0Mmio: {
      type: "p2m_mmio_direct_dev",
      rule: "Xen 4.8.0 prepare_dtb default p2m_mmio_direct_dev (9eed361acd)",
    },
    passthrough: DEV_4_17,
    devMmio: {
      type: "p2m_mmio_direct_dev",
      rule: "Xen 4.8.0 XENMAPSPACE_dev_mmio: Device-nGnRE",
    },
    gicExtra: DEV_4_17,
    sram: "nc-unless-no-memory-wc",
  },
  {
    name: "rfc-2016",
    summary:
      "proposed, not in Xen: the 2016 RFC — mmio-sram Normal WB cached, RWX, via the device's .map",
    history: [
      "xen-devel May 2016: [RFC for-4.8 0/6] xen/arm: Add support for mapping mmio-sram nodes into dom0 (Edgar E. Iglesias); not merged",
    ],
    proposed: true,
    dom0Mmio: {
      type: "p2m_mmio_direct_dev",
      rule: "Xen 4.7 baseline of the RFC: MMIO Device-nGnRE",
    },
    passthrough: DEV_4_17,
    devMmio: {
      type: "p2m_mmio_direct_dev",
      rule: "Xen 4.7 baseline of the RFC: XENMAPSPACE_dev_mmio Device-nGnRE",
    },
    gicExtra: DEV_4_17,
    sram: "wb-rwx",
  },
  {
    name: "device-gre",
    summary:
      "proposed, not in Xen: Device-GRE at stage 2 for all MMIO but the GIC (Julien Grall's 2016 suggestion)",
    history: [
      "xen-devel May 2016: Julien Grall's reply to the mmio-sram RFC (Device_GRE for all MMIO except the GIC); never implemented",
    ],
    proposed: true,
    dom0Mmio: {
      type: "p2m_mmio_direct_dev",
      override: { memAttr: 0x3 },
      rule: "proposal: Device-GRE (S2 MemAttr 0b0011) for dom0 MMIO except the GIC",
      proposed: true,
    },
    passthrough: {
      type: "p2m_mmio_direct_dev",
      override: { memAttr: 0x3 },
      rule: "proposal: Device-GRE (S2 MemAttr 0b0011) for passthrough MMIO",
      proposed: true,
    },
    devMmio: {
      type: "p2m_mmio_direct_dev",
      override: { memAttr: 0x3 },
      rule: "proposal: Device-GRE (S2 MemAttr 0b0011) for XENMAPSPACE_dev_mmio",
      proposed: true,
    },
    gicExtra: DEV_4_17,
    sram: "inherit",
  },
];

/** The default preset name. */
export const DEFAULT_POLICY: PolicyName = "xen-4.17";

/** Look a preset up by name (undefined when unknown). */
export function findPolicy(name: string): Policy | undefined {
  return POLICIES.find((p) => p.name === name);
}

/** One line per preset for `--help` and reports (proposals marked). */
export function describePolicies(): string[] {
  return POLICIES.map((p) => `${p.name.padEnd(11)} ${p.summary}`);
}
