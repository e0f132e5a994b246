/**
 * Xen's public ABI as dom0 sees it on arm64 (xen/include/public/, 4.17): hypercall numbers, the
 * HVC tag, sub-op numbers, struct layouts (byte offsets, little-endian, guest handles 64 bits
 * wide on Arm), error codes (public/errno.h), PSCI and SMCCC function IDs. The dom0 model builds
 * the same structs in its RAM; both sides name every constant after these headers.
 *
 * @module
 */

/** `XEN_HYPERCALL_TAG` (public/arch-arm.h): the HVC immediate of Xen hypercalls. */
export const XEN_HYPERCALL_TAG = 0xea1;

/** Hypercall numbers (public/xen.h `__HYPERVISOR_*`). */
export const HYPERVISOR = {
  memory_op: 12,
  xen_version: 17,
  console_io: 18,
  grant_table_op: 20,
  vcpu_op: 24,
  sched_op: 29,
  event_channel_op: 32,
  physdev_op: 33,
  hvm_op: 34,
  sysctl: 35,
  domctl: 36,
} as const;

/** Xen errno values (public/errno.h); hypercalls return their negation. */
export const XEN_ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EIO: 5,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ENOSPC: 28,
  EDOM: 33,
  ERANGE: 34,
  ENOSYS: 38,
  EILSEQ: 84,
  EOPNOTSUPP: 95,
} as const;

/** `DOMID_SELF` (public/xen.h). */
export const DOMID_SELF = 0x7ff0;
/** `DOMID_FIRST_RESERVED`. */
export const DOMID_FIRST_RESERVED = 0x7ff0;
/** `DOMID_XEN`. */
export const DOMID_XEN = 0x7ff2;
/** `DOMID_IO`. */
export const DOMID_IO = 0x7ff1;
/** `DOMID_INVALID`. */
export const DOMID_INVALID = 0x7ff4;

/** memory_op sub-ops (public/memory.h). */
export const XENMEM = {
  add_to_physmap: 7,
  add_to_physmap_batch: 23,
  remove_from_physmap: 15,
} as const;
/** `MEMOP_EXTENT_SHIFT`: the continuation index in the upper bits of `cmd`. */
export const MEMOP_EXTENT_SHIFT = 6;
/** `MEMOP_CMD_MASK`. */
export const MEMOP_CMD_MASK = (1 << MEMOP_EXTENT_SHIFT) - 1;

/** `XENMAPSPACE_*`. */
export const XENMAPSPACE = {
  shared_info: 0,
  grant_table: 1,
  gmfn: 2,
  gmfn_range: 3,
  gmfn_foreign: 4,
  dev_mmio: 5,
} as const;

/**
 * `struct xen_add_to_physmap_batch` (32 bytes): domid u16 @0, space u16 @2, size u16 @4,
 * `u` (foreign_domid / res0) u16 @6, idxs handle @8, gpfns handle @16, errs handle @24.
 */
export const XATPB = {
  domid: 0,
  space: 2,
  size: 4,
  res0: 6,
  idxs: 8,
  gpfns: 16,
  errs: 24,
  SIZE: 32,
};
/** `struct xen_add_to_physmap` (24 bytes): domid u16 @0, size u16 @2, space u32 @4, idx u64 @8, gpfn u64 @16. */
export const XATP = { domid: 0, size: 2, space: 4, idx: 8, gpfn: 16, SIZE: 24 };

/** `XEN_DOMCTL_INTERFACE_VERSION` of 4.17. */
export const XEN_DOMCTL_INTERFACE_VERSION = 0x15;
/** domctl sub-ops. */
export const XEN_DOMCTL = { irq_permission: 19, iomem_permission: 20, memory_mapping: 39 } as const;
/**
 * `struct xen_domctl` header (16 bytes) + union at 16: cmd u32 @0, interface_version u32 @4,
 * domain u16 @8. Union members: memory_mapping {first_gfn u64 @16, first_mfn u64 @24, nr_mfns
 * u64 @32, add_mapping u32 @40}; iomem_permission {first_mfn u64 @16, nr_mfns u64 @24,
 * allow_access u8 @32}; irq_permission {pirq u32 @16, allow_access u8 @20}. Total 144 bytes.
 */
export const DOMCTL = {
  cmd: 0,
  interface_version: 4,
  domain: 8,
  U: 16,
  SIZE: 144,
} as const;

/** console_io sub-ops (public/xen.h). */
export const CONSOLEIO = { write: 0, read: 1 } as const;

/** xen_version sub-ops (public/version.h). */
export const XENVER = {
  version: 0,
  extraversion: 1,
  compile_info: 2,
  capabilities: 3,
  changeset: 4,
  platform_parameters: 5,
  get_features: 6,
  pagesize: 7,
  guest_handle: 8,
  commandline: 9,
  build_id: 10,
} as const;

/** hvm_op sub-ops (public/hvm/hvm_op.h) and `struct xen_hvm_param` (domid @0, index @4, value @8). */
export const HVMOP = { set_param: 0, get_param: 1 } as const;
/** `HVM_NR_PARAMS` (public/hvm/params.h). */
export const HVM_NR_PARAMS = 40;

/** sched_op sub-ops (public/sched.h) and shutdown reasons. */
export const SCHEDOP = { yield: 0, block: 1, shutdown: 2 } as const;
/** `SHUTDOWN_*`. */
export const SHUTDOWN = { poweroff: 0, reboot: 1, suspend: 2, crash: 3, watchdog: 4 } as const;

/** PSCI function IDs (asm/psci.h) Xen's vPSCI answers. */
export const PSCI = {
  cpu_off_0_1: 1,
  cpu_on_0_1: 2,
  VERSION: 0x84000000,
  CPU_SUSPEND32: 0x84000001,
  CPU_SUSPEND64: 0xc4000001,
  CPU_OFF: 0x84000002,
  CPU_ON32: 0x84000003,
  CPU_ON64: 0xc4000003,
  AFFINITY_INFO32: 0x84000004,
  AFFINITY_INFO64: 0xc4000004,
  MIGRATE_INFO_TYPE: 0x84000006,
  SYSTEM_OFF: 0x84000008,
  SYSTEM_RESET: 0x84000009,
  FEATURES: 0x8400000a,
} as const;

/** PSCI return codes. */
export const PSCI_RET = {
  SUCCESS: 0,
  NOT_SUPPORTED: -1,
  INVALID_PARAMETERS: -2,
  DENIED: -3,
  ALREADY_ON: -4,
  ON_PENDING: -5,
  INTERNAL_FAILURE: -6,
  NOT_PRESENT: -7,
  DISABLED: -8,
  INVALID_ADDRESS: -9,
} as const;

/** SMCCC function IDs and results (asm/smccc.h). */
export const SMCCC = {
  VERSION: 0x80000000,
  ARCH_FEATURES: 0x80000001,
  ARCH_WORKAROUND_1: 0x80008000,
  ARCH_WORKAROUND_2: 0x80007fff,
  ARCH_WORKAROUND_3: 0x80003fff,
  VERSION_1_1: 0x10001,
  NOT_SUPPORTED: -1,
  NOT_REQUIRED: -2,
  ERR_UNKNOWN_FUNCTION: -1,
} as const;

/**
 * The seed's proposed extension (not in Xen): a memory attribute for `XENMAPSPACE_dev_mmio` in
 * `xen_add_to_physmap_batch.u.res0`, which Xen reserved for this in `a38c4d7edc` but never
 * defined. Only honoured when the extension is enabled; Xen 4.17 returns -EOPNOTSUPP for any
 * non-zero `res0`.
 */
export const DEV_MMIO_ATTR_PROPOSED = {
  /** Device-nGnRE (`p2m_mmio_direct_dev`). */
  DEVICE_nGnRE: 1,
  /** Normal non-cacheable (`p2m_mmio_direct_nc`). */
  NORMAL_NC: 2,
  /** Normal write-back (`p2m_mmio_direct_c`). */
  NORMAL_WB: 3,
  /** Device-GRE (no Xen p2m type: MemAttr 0b0011). */
  DEVICE_GRE: 4,
} as const;
