/**
 * The mmio-sram device (`compatible = "mmio-sram"`, Linux
 * Documentation/devicetree/bindings/sram/sram.yaml): on-chip SRAM described as an MMIO region.
 * Xen 4.17 has no entry for it — its regions get the hardware domain's default like any device.
 * This entry is the seed's: a `.map` hook that applies the active policy's SRAM mode, the way the
 * 2016 RFC proposed (`device_desc` with a `.map` method and a `DEVICE_MEMORY` class) and the way
 * Xen 4.8.0's `dev_map_attrs` table decided it. Children inherit the decision (Xen 4.8.0
 * `9eed361acd`: `handle_node` passes the parent's p2m type down).
 *
 * @module
 */

import type { DeviceDesc, MapContext, MapDecision } from "./device.ts";

function map(ctx: MapContext): MapDecision | undefined {
  switch (ctx.policy.sram) {
    case "inherit":
      return undefined;
    case "nc-unless-no-memory-wc":
      return ctx.node.has("no-memory-wc")
        ? {
          type: "p2m_mmio_direct_dev",
          rule:
            "Xen 4.8.0 dev_map_attrs: mmio-sram with no-memory-wc → p2m_mmio_direct_dev (1e75ed8b64)",
        }
        : {
          type: "p2m_mmio_direct_nc",
          rule: "Xen 4.8.0 dev_map_attrs: mmio-sram → p2m_mmio_direct_nc, Normal NC (1e75ed8b64)",
        };
    case "wb-rwx":
      return {
        type: "p2m_mmio_direct_c",
        override: { xn: false },
        rule: "RFC 2016 mmio-sram .map: Normal WB, RWX (proposed, not in Xen)",
        proposed: true,
      };
  }
}

/** The mmio-sram entry (dom0sim/seed; `DEVICE_MEMORY` is the RFC's proposed class). */
export const mmioSramDevice: DeviceDesc = {
  name: "mmio_sram",
  desc: "On-chip SRAM (mmio-sram)",
  class: "DEVICE_MEMORY",
  compatible: ["mmio-sram"],
  map,
  notInXen: true,
};
