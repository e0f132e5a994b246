/**
 * The lint rules of `dom0sim lint`: id, the highest severity a rule reports, what it checks, why
 * it matters (with the Xen, Linux or ARM ARM source) and the usual fix. `docs/LINT.md` documents
 * the same rules for users; `dom0sim lint --list-rules` prints this table.
 *
 * @module
 */

/** How bad a finding is: `error` makes `dom0sim lint` exit 1; `warning` and `info` do not. */
export type Severity = "error" | "warning" | "info";

/** Severities from worst to mildest. */
export const SEVERITIES: readonly Severity[] = ["error", "warning", "info"];

/** Rule identifiers. */
export type RuleId =
  | "sram-device-memory"
  | "sram-pool-device"
  | "subpage-mmio"
  | "reg-overlap"
  | "reg-outside-ranges"
  | "reg-untranslatable"
  | "ppi-hidden"
  | "xen-keeps"
  | "passthrough-no-iommu"
  | "ipa-size"
  | "xen-boot";

/** One rule's documentation. */
export interface LintRule {
  /** Identifier, as printed in findings. */
  id: RuleId;
  /** The severities the rule reports (the worst first). */
  severities: readonly Severity[];
  /** What it checks, one line. */
  title: string;
  /** Why it matters. */
  rationale: string;
  /** Where the behaviour comes from (Xen/Linux function, ARM ARM section). */
  source: string;
  /** How to model it: the real Xen model (`model`) or the tree alone (`static`). */
  method: "model" | "static";
}

/** Every rule, in report order. */
export const LINT_RULES: readonly LintRule[] = [
  {
    id: "sram-device-memory",
    severities: ["error"],
    title:
      "Memory-like node (mmio-sram, *-sram, *,ocm*, shmem) is Device memory for a driver that uses plain memcpy/memset",
    rationale:
      "Under the policy, the effective memory type of the region (stage 2 from Xen x stage 1 " +
      "of a driver that maps it cacheable, memremap(MEMREMAP_WB)) is Device. Plain memcpy uses " +
      "unaligned LDP/STP and memset uses DC ZVA; both take an alignment fault on any Device " +
      "type. When the Device type comes from stage 2, the fault goes to Xen, which does not " +
      "handle DFSC 0x21 and injects an abort with ISS = 0. Checked by booting the board with " +
      "the raw driver mapping the node, then running memset on it.",
    source: "ARM ARM DDI 0487 D8.2.10 (alignment of Device accesses, per stage) and DC ZVA; Xen " +
      "traps.c do_trap_stage2_abort_guest; Linux arch/arm64/lib/memset.S, memcpy.S",
    method: "model",
  },
  {
    id: "sram-pool-device",
    severities: ["warning"],
    title:
      "mmio-sram with no-memory-wc and pool users: the Linux sram driver hands out Device memory",
    rationale:
      "With no-memory-wc, drivers/misc/sram.c maps the SRAM with ioremap (Device-nGnRE at " +
      "stage 1), and every gen_pool_alloc() user gets addresses inside that mapping. A user " +
      "that calls memcpy/memset (not memcpy_toio/memset_io) on them faults under every Xen " +
      "policy. Checked from the sram driver's mapping in the booted dom0.",
    source: "Linux 6.1 drivers/misc/sram.c sram_probe (no-memory-wc → devm_ioremap_resource)",
    method: "model",
  },
  {
    id: "subpage-mmio",
    severities: ["error", "warning", "info"],
    title: "MMIO region smaller than a 4 KiB page shares its page with another device",
    rationale:
      "Xen maps dom0's MMIO in whole 4 KiB pages, so dom0 can reach every register in the " +
      "page of a sub-page region. Error when dom0's stage-2 mapping (read from Xen's p2m " +
      "records) covers registers of a device Xen keeps (its console UART, an SMMU, the GIC's " +
      "hypervisor interface); warning when it covers a device Xen hid from dom0 or marked " +
      "xen,passthrough; info when the neighbours all belong to dom0.",
    source:
      "Xen domain_build.c map_range_to_domain (paddr_to_pfn, PFN_UP); ARM ARM D8 (4 KB granule)",
    method: "model",
  },
  {
    id: "reg-overlap",
    severities: ["error", "warning", "info"],
    title: "reg overlaps another node, RAM, or reserved-memory",
    rationale:
      "Two devices decoding the same addresses cannot both work. A device inside RAM that no " +
      "no-map reserved-memory region carves out is also RAM to Xen and Linux: Xen may give the " +
      "pages to dom0 as RAM and Linux maps them in its linear map as Normal WB, a cacheable " +
      "alias of the device (mismatched memory attributes). Overlapping reserved-memory " +
      "regions, and a device wholly inside another device's registers (a sub-block such as " +
      "an MDIO bus in an Ethernet MAC: fine in dom0, a leak once one is passed through), are " +
      "warnings. Registers shared by design (two nodes with the same reg, or a " +
      "device inside a simple-bus/simple-mfd/syscon container's reg) are info.",
    source:
      "Xen bootfdt.c / domain_build.c allocate_memory_11; Linux of_reserved_mem.c (no-map); " +
      "ARM ARM B2.8 (mismatched memory attributes)",
    method: "static",
  },
  {
    id: "reg-outside-ranges",
    severities: ["error"],
    title: "reg not covered by the parent's ranges",
    rationale:
      "A reg entry whose bus address no ranges entry of the parent covers (or that runs past " +
      "the end of the window) cannot be translated to a CPU address. Xen's handle_device " +
      "fails ('Unable to retrieve address') and dom0 is not built; Linux drops the resource.",
    source: "Xen device_tree.c dt_device_get_address / __dt_translate_address; Linux of/address.c",
    method: "static",
  },
  {
    id: "reg-untranslatable",
    severities: ["info"],
    title: "reg under a parent without ranges (not CPU-addressable)",
    rationale:
      "The parent has no ranges property, so the reg is an address on a local bus (flash " +
      "partitions, a controller's private space). Neither Xen nor Linux maps it; if the node " +
      "was meant to be MMIO, the parent needs ranges.",
    source: "Xen device_tree.c dt_match_bus (not a bus without ranges); Linux of_translate_one",
    method: "static",
  },
  {
    id: "ppi-hidden",
    severities: ["warning"],
    title: "Node uses a PPI, so Xen hides it from dom0",
    rationale:
      "handle_node skips any node with an interrupt in 16-31 on the primary GIC (other than the " +
      "timer and the GIC, which Xen rewrites): the vGIC cannot route a hardware PPI to a " +
      "guest. The node is missing from dom0's tree and its driver never probes.",
    source: "Xen 4.17 domain_build.c handle_node (the PPI rule)",
    method: "model",
  },
  {
    id: "xen-keeps",
    severities: ["info"],
    title: "Device Xen keeps for itself, and what dom0 loses",
    rationale:
      "Xen removes the devices it drives from dom0's tree: its console UART (dom0 gets hvc0 " +
      "instead) and IOMMUs (SMMU, IPMMU; Xen strips the iommus property from dom0's devices " +
      "and programs the IOMMU with dom0's stage-2 tables itself).",
    source: "Xen 4.17 domain_build.c handle_node (dt_device_used_by == DOMID_XEN, DEVICE_IOMMU), " +
      "write_properties (iommus dropped)",
    method: "model",
  },
  {
    id: "passthrough-no-iommu",
    severities: ["warning"],
    title: "xen,passthrough node without iommus",
    rationale:
      "A device marked for passthrough is meant for a domU. Without an iommus property it is " +
      "not protected by an IOMMU: iommu_assign_dt_device returns -EINVAL and the assignment " +
      "fails, unless the domU's partial device tree says xen,force-assign-without-iommu (which " +
      "lets the device DMA anywhere).",
    source: "Xen 4.17 drivers/passthrough/device_tree.c iommu_assign_dt_device; " +
      "docs/misc/arm/passthrough.txt, passthrough-noiommu.txt",
    method: "static",
  },
  {
    id: "ipa-size",
    severities: ["error"],
    title: "Region above the IPA size Xen configures",
    rationale:
      "Xen sizes the stage-2 input range from the CPU's PARange ('P2M: 44-bit IPA with 44-bit " +
      "PA'). dom0 is direct-mapped (IPA = PA), so a region at or above 2^IPA bits is outside " +
      "VTCR_EL2.T0SZ's range: dom0's accesses take a stage-2 translation fault and the CPU " +
      "cannot address it physically either.",
    source: "Xen p2m.c setup_virt_paging, p2m_get_root_pointer; ARM ARM D8 (VTCR_EL2.T0SZ)",
    method: "static",
  },
  {
    id: "xen-boot",
    severities: ["error"],
    title: "Xen (the model) refuses the board",
    rationale:
      "Xen panics while building dom0 from this tree; the message is Xen's. Model-based rules " +
      "are skipped for the policy.",
    source: "Xen 4.17 setup.c start_xen, domain_build.c construct_dom0",
    method: "model",
  },
];

/** The rule with id `id`. */
export function lintRule(id: RuleId): LintRule {
  const r = LINT_RULES.find((x) => x.id === id);
  if (!r) throw new RangeError(`no lint rule ${id}`);
  return r;
}
