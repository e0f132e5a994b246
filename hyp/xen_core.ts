/**
 * The hypervisor-wide state every mechanism shares (Xen's globals: `bootinfo`, the heap, the
 * host devices, the console, the IRQ descriptors, the domain list), gathered in one object that
 * is passed explicitly instead of living in module globals.
 *
 * @module
 */

import type { BootInfo } from "./bootfdt.ts";
import type { XenOptions } from "./cmdline.ts";
import type { XenConsole } from "./console.ts";
import type { DeviceRegistry } from "./device.ts";
import type { Domain } from "./domain.ts";
import type { IrqTable } from "./irq.ts";
import type { HypercallRecord } from "./hypercall.ts";
import type { HostMemory } from "./machine.ts";
import type { P2mGeometry } from "./p2m.ts";
import type { PageAllocator } from "./page_alloc.ts";
import type { Policy } from "./policy.ts";
import type { HostPlatform, ReservedRange } from "./setup.ts";

/** Xen's shared state. */
export interface XenCore {
  /** The console. */
  console: XenConsole;
  /** Parsed command-line options. */
  opts: XenOptions;
  /** The attribute policy. */
  policy: Policy;
  /** The device registry. */
  registry: DeviceRegistry;
  /** Host devices Xen found and claimed. */
  host: HostPlatform;
  /** `bootinfo`. */
  bi: BootInfo;
  /** Machine memory. */
  mem: HostMemory;
  /** The heap. */
  alloc: PageAllocator;
  /** Ranges that were not free when the heap was set up, and why. */
  reserved: ReservedRange[];
  /** p2m geometry (`setup_virt_paging`). */
  geo: P2mGeometry;
  /** Physical IRQ descriptors. */
  irqs: IrqTable;
  /** `fdt_totalsize` of the host DTB Xen booted from. */
  hostFdtSize: number;
  /** Physical address of Xen's `_stext` (= its load address on arm64). */
  xenStext: number;
  /** `_etext - _stext`. */
  xenTextSize: number;
  /** CPUs Xen brought up (cpupool0). */
  cpus: number;
  /** Domains by ID. */
  domains: Map<number, Domain>;
  /** Next VMID to hand out (`p2m_alloc_vmid`, 0 is INVALID_VMID). */
  nextVmid: number;
  /** TLB maintenance for a VMID (wired to the CPU models by the sim layer). */
  tlbFlush(vmid: number): void;
  /** The source file name of the host tree, for error locations. */
  file: string;
  /** Deviations from 4.17 the caller asked for (later Xen fixes). */
  quirks: { fixIomemOffByOne: boolean };
  /**
   * Observer called after every hypercall returns (not a Xen mechanism: the hook invariant
   * checkers and fuzzers use, e.g. `sim/invariants.ts`).
   */
  afterHypercall?: (record: HypercallRecord) => void;
}
