/**
 * The hypervisor: Xen 4.17 on Arm64 as a model — boot information, command line, Xen's heap,
 * host devices, stage-2 tables (p2m) with real descriptors in machine RAM, the device registry
 * with the seed's `.map` hook, attribute policies, dom0 construction (`domain_build`), the dom0
 * device tree, hypercalls, the vGIC, trap handling, domU passthrough and an isolation checker.
 *
 * ## For the sim layer
 *
 * ```ts
 * import { bootXen } from "./hyp/mod.ts";
 * import { PhysicalMemory } from "./drivers/physical_memory.ts";
 *
 * // The machine: RAM on the bus holds the boot modules (dom0's kernel Image at its module
 * // address, the ramdisk) and the host DTB; Xen reads and writes it through `mem`.
 * const xen = bootXen(
 *   { mem: new PhysicalMemory(bus), tlbFlush: (vmid) => cpus.forEach((c) => c.tlbiStage2(vmid)),
 *     uart: (bytes) => pl011.receiveFromXen(bytes) },
 *   { hostDtb, hostDtbFile: "board.dtb", policy: "xen-4.17" },
 * );
 * // Every dom0 vCPU: stage 2 from Xen, EL2 handler from Xen, entry state from Xen.
 * for (const cpu of cpus) {
 *   cpu.msr("VTCR_EL2", BigInt(xen.core.geo.vtcr));
 *   cpu.msr("VTTBR_EL2", xen.dom0.p2m.vttbr);
 *   cpu.attachEl2(xen.el2Handler(0));
 * }
 * const v0 = xen.dom0.vcpus[0]; // pc = kernel entry, x[0] = DTB address, cpsr = EL1h
 * xen.el2Handler(0).onCpuOn = (vcpu, entry, ctx) => startSecondary(vcpu, entry, ctx);
 * ```
 *
 * - {@link bootXen} → {@link XenInstance}: `console` (lines and structured events; printed lines
 *   also go to `machine.uart`), `dom0` (p2m, banks, vCPU boot state, iomem/IRQ permissions,
 *   `mappings`: IPA, PA, size, node, p2m type, S2 MemAttr, S2AP, XN, rule), `build` (kernel info,
 *   every host node's outcome, the DTB bytes written), `el2Handler(domid)`, `lookup()` and
 *   `explain()`.
 * - Bad input (host tree, command line, modules) → {@link InputError} after Xen's panic banner.
 * - {@link checkIsolation} after any step; {@link createDomU} for a passthrough domU.
 * - {@link POLICIES} / {@link describePolicies} for `--policy` and `--help`.
 *
 * @module
 */

export { InputError } from "../errors.ts";
export {
  bootXen,
  type DomainRuntime,
  type IpaInfo,
  type XenBootOptions,
  XenInstance,
  type XenMachine,
} from "./xen.ts";
export type { XenCore } from "./xen_core.ts";
export { type ConsoleEvent, XenConsole, type XenLogLevel } from "./console.ts";
export type { Domain, MappingRecord, VcpuState } from "./domain.ts";
export type { Dom0Build, KernelInfo, NodeOutcome } from "./domain_build.ts";
export {
  DEFAULT_POLICY,
  describePolicies,
  findPolicy,
  type MapRule,
  POLICIES,
  type Policy,
  type PolicyName,
  type SramMode,
} from "./policy.ts";
export {
  type DeviceClass,
  type DeviceDesc,
  DeviceRegistry,
  type MapContext,
  type MapDecision,
} from "./device.ts";
export { DEFAULT_DEVICES, defaultRegistry } from "./registry.ts";
export { mmioSramDevice } from "./mmio_sram.ts";
export {
  decodeP2mEntry,
  mfnToP2mEntry,
  P2m,
  P2M_TYPE_VALUE,
  type P2mAccess,
  type P2mEntry,
  type P2mGeometry,
  type P2mLookup,
  type P2mType,
  setupVirtPaging,
} from "./p2m.ts";
export { checkIsolation, KNOWN_IOMEM_OFF_BY_ONE, type Violation } from "./isolation.ts";
export { createDomU, type DomUBuild, type DomUConfig, parseDomUConfig } from "./domu.ts";
export { type TrapEvent, XenTraps } from "./traps.ts";
export type { HypercallRecord } from "./hypercall.ts";
export { CORTEX_A57_FEATURES, type CpuFeatures, type HostMemory, SparseMemory } from "./machine.ts";
export * as xenPublic from "./xen_public.ts";

// Types reachable from the public surface (fields of XenInstance/XenCore/Domain, hook contexts).
// (dt/ and arch/arm64/ types — Node, DeviceTree, El2Handler, CpuPort, Stage2Abort, TrapResult,
// HypercallTrap — are exported by dt/mod.ts and arch/arm64/mod.ts.)
export type { PrintfArg } from "./vsprintf.ts";
export type { PhandleArgs, RawIrq, XenDeviceTree } from "./device_tree.ts";
export type { DabtSize, MmioHandler, MmioInfo } from "./io.ts";
export type { DeviceInitContext, MapDomain } from "./device.ts";
export type { MemBank, MemBankType } from "./bootfdt.ts";
export type { AttrOverride, P2mStats } from "./p2m.ts";
export type { AllocEvent, AllocFlags, PageAllocator } from "./page_alloc.ts";
export type { BootCmdline, BootInfo, BootModule, BootModuleKind } from "./bootfdt.ts";
export type { ZImage } from "./kernel.ts";
export type { ShutdownReason, SmcEffect } from "./vsmc.ts";
export type { MmioHandlers } from "./io.ts";
export type { MemoryOpOptions } from "./memory_op.ts";
export type { HypercallOptions } from "./hypercall.ts";
export type { Vgic } from "./vgic.ts";
export type { VgicV3 } from "./vgic_v3.ts";
export type { VgicV2 } from "./vgic_v2.ts";
export type { Vuart } from "./vuart.ts";
export type { XenOptions } from "./cmdline.ts";
export type { HostPlatform, ReservedRange } from "./setup.ts";
export type { IrqOwner, IrqTable } from "./irq.ts";
export type { VgicRank } from "./vgic.ts";
export type { RdistRegion } from "./vgic_v3.ts";
export type { UartInfo, VuartInfo } from "./serial.ts";
export type { GicInfo, TimerInfo, TimerIrqs } from "./setup.ts";
export type { GicV2Info, V2mFrame } from "./gic_v2.ts";
export type { GicV3Info } from "./gic_v3.ts";
