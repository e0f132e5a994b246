/**
 * dom0sim: a firmware model of Xen 4.17 on ARMv8-A.
 *
 * Boot a board's device tree end to end — Xen builds dom0, dom0 Linux boots from the DTB Xen
 * wrote, every memory access goes through the ARM rules — and get both consoles, dom0's memory
 * map with the stage-1 and stage-2 attributes and the effective type, the faults explained, and
 * the cost per device.
 *
 * @example
 * ```ts ignore
 * import { readFileSync } from "node:fs";
 * import { renderBootText, runBoard } from "./mod.ts";
 * const bytes = new Uint8Array(readFileSync("boards/qemu-virt-sram.dts"));
 * const { run, summary } = runBoard("qemu-virt-sram.dts", bytes, {
 *   policy: "xen-4.7",
 *   workload: "sram-memset",
 * });
 * console.log(renderBootText(run, summary));
 * ```
 *
 * The layers are available as namespaces: {@link dt} (device-tree toolchain: cpp, DTS, DTB,
 * printer, addresses), {@link arm64} (the architecture), {@link drivers} (bus and device models),
 * {@link hyp} (the Xen 4.17 model) and {@link dom0} (the Linux 6.1 guest model).
 *
 * @module
 */

export { InputError } from "./errors.ts";
export { VERSION, XEN_VERSION } from "./version.ts";
export {
  bootBoard,
  type BootBoardOptions,
  type BootRun,
  type FirmwareInfo,
  imageSizeFor,
  qemuDtbAddress,
} from "./sim/boot.ts";
export { runBoard, type RunOptions } from "./sim/run.ts";
export {
  type BootSummary,
  type DeviceCost,
  type FaultReport,
  type FixSuggestion,
  type MemoryMapRow,
  type Stage1View,
  summarize,
  type TrappedRegion,
} from "./sim/summary.ts";
export { renderBootText, renderSummaryText } from "./sim/render_text.ts";
export { type BootJson, bootJson } from "./sim/json.ts";
export { buildMachine, type Machine, type MachineOptions } from "./sim/machine.ts";

export * as dt from "./dt/mod.ts";
export * as arm64 from "./arch/arm64/mod.ts";
export * as drivers from "./drivers/mod.ts";
export * as hyp from "./hyp/mod.ts";
export * as dom0 from "./dom0/mod.ts";

// Types the API above refers to, exported so that they are documented with it.
export { DeviceTree, Node, Property } from "./dt/tree.ts";
export type { CheckMessage } from "./dt/checks.ts";
export type { CostCounters, CostModel, LatencyTable } from "./drivers/cost.ts";
export type { ModelOptions } from "./drivers/registry.ts";
export type { Bus } from "./drivers/bus.ts";
export type { PhysicalMemory } from "./drivers/physical_memory.ts";
export type { Pl011 } from "./drivers/pl011.ts";
export type { Cpu, CpuEvent } from "./arch/arm64/cpu.ts";
export type { Dom0Result } from "./dom0/boot.ts";
export type { RoutineStats } from "./dom0/access.ts";
export type { Scenario, WorkloadResult } from "./dom0/workload.ts";
export type { XenInstance } from "./hyp/xen.ts";
export type { PlacedNode } from "./sim/machine.ts";
export type { TextOptions } from "./sim/render_text.ts";
export type { SummarizeOptions, Variation } from "./sim/summary.ts";

// Names that exist in two layers, exported under the layer's name.
export type { MappingRecord as Stage2MappingRecord } from "./hyp/domain.ts";
export type { MapApi, MappingRecord as Stage1MappingRecord } from "./dom0/kernel.ts";
export type { PhandleArgs as XenPhandleArgs, RawIrq as XenRawIrq } from "./hyp/device_tree.ts";
export type { PhandleArgs, RawIrq } from "./dt/interrupts.ts";

// --- types reachable from the API (generated) ---
export type { Translation } from "./arch/arm64/cpu.ts";
export type {
  AccessOptions,
  AccessSize,
  AtomicOp,
  AttrProvenance,
  CpuPort,
  DcOp,
  El,
  El2Handler,
  HypercallTrap,
  IPA,
  PA,
  PairSize,
  Stage2Abort,
  Syndrome,
  SysReg,
  SysTrap,
  TrapResult,
  VA,
} from "./arch/arm64/port.ts";
export type { InsnClass } from "./dom0/access.ts";
export type { DeviceInfo } from "./dom0/boot.ts";
export type { RawMapping } from "./dom0/drivers/raw_sram.ts";
export type { FaultOutcome, FaultRecord } from "./dom0/fault.ts";
export type { OpName, OpResult, ScenarioOp, Via } from "./dom0/workload.ts";
export type { BusOptions, BusRegion } from "./drivers/bus.ts";
export type { SetAssocCache } from "./drivers/cache_model.ts";
export type {
  CostOptions,
  CostSnapshot,
  CostTarget,
  CpuCost,
  DeviceNamer,
} from "./drivers/cost.ts";
export type { BusDevice, DirectMemory, ExclusiveSupport } from "./drivers/device.ts";
export type { Gicv2Options } from "./drivers/gic_v2.ts";
export type { Gicv3Options } from "./drivers/gic_v3.ts";
export type { MmioDevice } from "./drivers/mmio_device.ts";
export type { RamOptions } from "./drivers/ram.ts";
export type { RegisterBlockOptions } from "./drivers/register_block.ts";
export type { ModelName } from "./drivers/registry.ts";
export type { SramOptions } from "./drivers/sram.ts";
export type { Marker, MarkerKind, ReserveEntry, SourcePos } from "./dt/tree.ts";
export type {
  BootCmdline,
  BootInfo,
  BootModule,
  BootModuleKind,
  MemBank,
  MemBankType,
} from "./hyp/bootfdt.ts";
export type { XenOptions } from "./hyp/cmdline.ts";
export type { ConsoleEvent, XenConsole, XenLogLevel } from "./hyp/console.ts";
export type {
  DeviceClass,
  DeviceDesc,
  DeviceInitContext,
  DeviceRegistry,
  MapContext,
  MapDecision,
  MapDomain,
} from "./hyp/device.ts";
export type { XenDeviceTree } from "./hyp/device_tree.ts";
export type { Domain, VcpuState } from "./hyp/domain.ts";
export type { Dom0Build, KernelInfo, NodeOutcome } from "./hyp/domain_build.ts";
export type { DomUBuild } from "./hyp/domu.ts";
export type { GicV2Info, V2mFrame } from "./hyp/gic_v2.ts";
export type { GicV3Info } from "./hyp/gic_v3.ts";
export type { HypercallOptions, HypercallRecord } from "./hyp/hypercall.ts";
export type { DabtSize, MmioHandler, MmioHandlers, MmioInfo } from "./hyp/io.ts";
export type { IrqOwner, IrqTable } from "./hyp/irq.ts";
export type { ZImage } from "./hyp/kernel.ts";
export type { HostMemory } from "./hyp/machine.ts";
export type { MemoryOpOptions } from "./hyp/memory_op.ts";
export type {
  AttrOverride,
  P2m,
  P2mAccess,
  P2mEntry,
  P2mGeometry,
  P2mLookup,
  P2mStats,
  P2mType,
} from "./hyp/p2m.ts";
export type { AllocEvent, AllocFlags, PageAllocator } from "./hyp/page_alloc.ts";
export type { MapRule, Policy, PolicyName, SramMode } from "./hyp/policy.ts";
export type { Range, Rangeset } from "./hyp/rangeset.ts";
export type { UartInfo, VuartInfo } from "./hyp/serial.ts";
export type { GicInfo, HostPlatform, ReservedRange, TimerInfo, TimerIrqs } from "./hyp/setup.ts";
export type { TrapEvent, XenTraps } from "./hyp/traps.ts";
export type { Vgic, VgicRank } from "./hyp/vgic.ts";
export type { VgicV2 } from "./hyp/vgic_v2.ts";
export type { RdistRegion, VgicV3 } from "./hyp/vgic_v3.ts";
export type { ShutdownReason, SmcEffect } from "./hyp/vsmc.ts";
export type { PrintfArg } from "./hyp/vsprintf.ts";
export type { Vuart } from "./hyp/vuart.ts";
export type { DomainRuntime, IpaInfo } from "./hyp/xen.ts";
export type { XenCore } from "./hyp/xen_core.ts";
export type { DomUSummary } from "./sim/summary.ts";
