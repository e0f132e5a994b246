/**
 * The calls dom0 makes to the hypervisor, with Xen's and Arm's numbers:
 *
 * - Xen hypercalls (arch/arm64/xen/hypercall.S): `x16` = hypercall number, arguments in x0..x4,
 *   `hvc #0xEA1` (XEN_IMM), result in x0 (a negative errno on failure). Numbers from Xen's
 *   public `xen.h`; sub-commands from `version.h`, `xen.h` (CONSOLEIO_*), `features.h`.
 * - SMCCC calls over the `hvc` conduit (`arm_smccc_1_1_hvc`): function ID in x0, arguments in
 *   x1..x3, `hvc #0`, results in x0..x3. IDs from include/linux/arm-smccc.h, psci.h.
 *
 * @module
 */

import type { KernelCpu } from "./access.ts";

/** `XEN_HYPERCALL_TAG`: the HVC immediate of Xen hypercalls on Arm. */
export const XEN_HYPERCALL_TAG = 0xea1;
/** `__HYPERVISOR_memory_op`. */
export const __HYPERVISOR_memory_op = 12;
/** `__HYPERVISOR_xen_version`. */
export const __HYPERVISOR_xen_version = 17;
/** `__HYPERVISOR_console_io`. */
export const __HYPERVISOR_console_io = 18;
/** `__HYPERVISOR_vcpu_op`. */
export const __HYPERVISOR_vcpu_op = 24;
/** `__HYPERVISOR_sched_op`. */
export const __HYPERVISOR_sched_op = 29;

/** `CONSOLEIO_write`. */
export const CONSOLEIO_write = 0;
/** `XENVER_version`: returns (major << 16) | minor. */
export const XENVER_version = 0;
/** `XENVER_get_features`: fills `struct xen_feature_info { u32 submap_idx; u32 submap; }`. */
export const XENVER_get_features = 6;
/** `XENFEAT_dom0`: the guest is the hardware domain. */
export const XENFEAT_dom0 = 11;
/** `SCHEDOP_shutdown`. */
export const SCHEDOP_shutdown = 2;

/** `PSCI_0_2_FN_PSCI_VERSION`. */
export const PSCI_0_2_FN_PSCI_VERSION = 0x84000000;
/** `PSCI_0_2_FN64_CPU_ON`. */
export const PSCI_0_2_FN64_CPU_ON = 0xc4000003;
/** `PSCI_0_2_FN_MIGRATE_INFO_TYPE`. */
export const PSCI_0_2_FN_MIGRATE_INFO_TYPE = 0x84000006;
/** `PSCI_0_2_FN_SYSTEM_OFF`. */
export const PSCI_0_2_FN_SYSTEM_OFF = 0x84000008;
/** `PSCI_1_0_FN_PSCI_FEATURES`. */
export const PSCI_1_0_FN_PSCI_FEATURES = 0x8400000a;
/** `PSCI_0_2_FN64_CPU_SUSPEND`. */
export const PSCI_0_2_FN64_CPU_SUSPEND = 0xc4000001;
/** `PSCI_1_0_FN64_SYSTEM_SUSPEND`. */
export const PSCI_1_0_FN64_SYSTEM_SUSPEND = 0xc400000e;
/** `ARM_SMCCC_VERSION_FUNC_ID`. */
export const ARM_SMCCC_VERSION_FUNC_ID = 0x80000000;
/** `ARM_SMCCC_TRNG_VERSION` (probed by `smccc_probe_trng`; Xen 4.17 logs it as unhandled). */
export const ARM_SMCCC_TRNG_VERSION = 0x84000050;
/** `ARM_SMCCC_VENDOR_HYP_CALL_UID_FUNC_ID` (probed by `kvm_init_hyp_services`). */
export const ARM_SMCCC_VENDOR_HYP_CALL_UID_FUNC_ID = 0x8600ff01;
/** `SMCCC_RET_NOT_SUPPORTED` / `PSCI_RET_NOT_SUPPORTED` (-1 as u64). */
export const SMCCC_RET_NOT_SUPPORTED = -1n;
/** `PSCI_RET_SUCCESS`. */
export const PSCI_RET_SUCCESS = 0n;

/** Issue a Xen hypercall; returns x0 as a signed 64-bit value. */
export function xenHypercall(
  k: KernelCpu,
  nr: number,
  a0: bigint | number = 0,
  a1: bigint | number = 0,
  a2: bigint | number = 0,
  a3: bigint | number = 0,
  a4: bigint | number = 0,
): bigint {
  const r = k.port.regs;
  r[16] = BigInt(nr);
  r[0] = BigInt.asUintN(64, BigInt(a0));
  r[1] = BigInt.asUintN(64, BigInt(a1));
  r[2] = BigInt.asUintN(64, BigInt(a2));
  r[3] = BigInt.asUintN(64, BigInt(a3));
  r[4] = BigInt.asUintN(64, BigInt(a4));
  k.hvc(XEN_HYPERCALL_TAG);
  return BigInt.asIntN(64, r[0]);
}

/** `arm_smccc_1_1_hvc(fn, a1, a2, a3)`; returns [x0, x1, x2, x3] (x0 signed). */
export function smcccHvc(
  k: KernelCpu,
  fn: number,
  a1: bigint | number = 0,
  a2: bigint | number = 0,
  a3: bigint | number = 0,
): [bigint, bigint, bigint, bigint] {
  const r = k.port.regs;
  r[0] = BigInt(fn >>> 0);
  r[1] = BigInt.asUintN(64, BigInt(a1));
  r[2] = BigInt.asUintN(64, BigInt(a2));
  r[3] = BigInt.asUintN(64, BigInt(a3));
  k.hvc(0);
  return [BigInt.asIntN(64, r[0]), r[1], r[2], r[3]];
}
