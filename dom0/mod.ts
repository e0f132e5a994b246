/**
 * dom0: the simulated Linux 6.1 guest kernel that Xen boots.
 *
 * It learns everything from what Xen put in its memory and registers (the DTB at x0, the initrd
 * Xen loaded, `/chosen/bootargs`), from hypercalls (HVC #0xEA1 with Xen's numbers and structs in
 * its own RAM; SMCCC/PSCI over HVC #0) and from the CPU/bus: every memory access — page-table
 * writes, the DTB read, MMIO to the GIC and devices, the string and I/O routines of the drivers —
 * goes through the architectural CPU port with the access sequence arm64 Linux 6.1 issues.
 *
 * The sim layer calls {@link bootLinux} once Xen has built dom0 and gets a {@link Dom0Result}:
 * console lines (also written to Xen with console_io), `/proc/iomem`, every stage-1 mapping with
 * the API and type, the faults as Linux reported them, the workload's result, and access counts
 * per kernel routine. Workloads travel in the initrd ({@link encodeInitrd}); the schema is in
 * `dom0/WORKLOADS.md`.
 *
 * @example
 * ```ts ignore
 * import { bootLinux, encodeInitrd } from "./dom0/mod.ts";
 * const initrd = encodeInitrd("sram-memset"); // give to Xen as the ramdisk module
 * // ... Xen builds dom0, loads the initrd, then:
 * const r = bootLinux(cpus, { pc: 0x60000000, x0: 0x68000000 });
 * console.log(r.outcome, r.faults.map((f) => f.message));
 * ```
 *
 * @module
 */

export {
  type BootEntry,
  bootLinux,
  type BootOptions,
  type DeviceInfo,
  type Dom0Result,
} from "./boot.ts";
export type { InsnClass, RoutineStats } from "./access.ts";
export type { FaultOutcome, FaultRecord } from "./fault.ts";
export { esrClassString, faultName, memAbortDecode } from "./fault.ts";
export type { MapApi, MappingRecord } from "./kernel.ts";
export { UTS_RELEASE } from "./kernel.ts";
export type { ConsoleLine } from "./printk.ts";
export {
  classifyInitrd,
  decodeInitrdWorkload,
  encodeInitrd,
  type InitrdWorkload,
  WORKLOAD_SHEBANG,
} from "./initrd.ts";
export {
  BUILTIN_WORKLOADS,
  type OpName,
  type OpResult,
  parseScenario,
  type Scenario,
  type ScenarioOp,
  type Via,
  WORKLOAD_NAMES,
  type WorkloadResult,
} from "./workload.ts";
export { RAW_MAPPINGS, type RawMapping } from "./drivers/raw_sram.ts";
export {
  ARM64_IMAGE_MAGIC,
  DEFAULT_IMAGE_SIZE,
  type ImageHeaderOptions,
  makeImageHeader,
} from "./image.ts";
/** The CPU port contract dom0 programs against (re-exported from arch/arm64/port.ts). */
export type {
  AccessOptions,
  AccessSize,
  AtomicOp,
  CpuPort,
  DcOp,
  El,
  IPA,
  PA,
  PairSize,
  SysReg,
  VA,
} from "../arch/arm64/port.ts";
