/**
 * Xen 4.17's IOMMU drivers as registry entries (xen/drivers/passthrough/arm/smmu.c,
 * smmu-v3.c, ipmmu-vmsa.c): `DEVICE_IOMMU`. Xen skips every IOMMU node when building dom0's tree
 * (even one it does not drive), strips `iommus`/`iommu-map` from devices behind one it drives,
 * and with an IOMMU in use computes extended regions from the address-space holes
 * (`find_memory_holes`). The drivers' hardware probes are not modelled: an available node is
 * taken to probe successfully (`init` returns 0 and Xen owns the node).
 *
 * @module
 */

import type { DeviceDesc } from "./device.ts";

function iommu(name: string, desc: string, compatible: string[]): DeviceDesc {
  return {
    name,
    desc,
    class: "DEVICE_IOMMU",
    compatible,
    init: (ctx) => {
      ctx.setUsedByXen();
      ctx.result = { node: ctx.node, driver: name };
      return 0;
    },
  };
}

/** SMMUv1/v2 (`arm_smmu_of_match`). */
export const smmuDevice: DeviceDesc = iommu("smmu", "ARM SMMU", [
  "arm,smmu-v1",
  "arm,smmu-v2",
  "arm,mmu-400",
  "arm,mmu-401",
  "arm,mmu-500",
]);

/** SMMUv3. */
export const smmuv3Device: DeviceDesc = iommu("smmuv3", "ARM SMMU V3", ["arm,smmu-v3"]);

/** Renesas IPMMU-VMSA. */
export const ipmmuDevice: DeviceDesc = iommu("ipmmu", "Renesas IPMMU-VMSA", [
  "renesas,ipmmu-r8a7795",
  "renesas,ipmmu-r8a77965",
  "renesas,ipmmu-r8a7796",
  "renesas,ipmmu-r8a77961",
  "renesas,ipmmu-r8a779f0",
]);
