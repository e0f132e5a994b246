/**
 * A ready-made machine for tests and benchmarks: RAM on a bus, one or more CPUs with Xen 4.17's
 * stage-2 setup on QEMU virt (VTCR_EL2 0x80043594, 44-bit IPA, 4 levels, HCR_EL2 as Xen sets it
 * for a guest) and Linux 6.1's stage-1 setup (MAIR_EL1 0x000000040044ffff, 48-bit VA TCR_EL1,
 * SCTLR_EL1 M/C/I), with table builders for both stages. The EL2 handler is a recorder whose
 * answer the test chooses.
 *
 * @module
 */

import { Bus } from "../../drivers/bus.ts";
import type { BusDevice } from "../../drivers/device.ts";
import { Ram } from "../../drivers/ram.ts";
import { CostModel } from "../../drivers/cost.ts";
import { Cpu } from "./cpu.ts";
import { LINUX_MAIR_EL1, LINUX_MT } from "./mair.ts";
import type {
  CpuPort,
  El2Handler,
  HypercallTrap,
  Stage2Abort,
  SysTrap,
  TrapResult,
} from "./port.ts";
import { MATTR_DEV, MATTR_MEM, MATTR_MEM_NC } from "./stage2_descriptor.ts";
import { SCTLR, SCTLR_EL1_RESET, XEN_GUEST_HCR } from "./system_registers.ts";
import { pageAllocator, type S1Attrs, type S2Attrs, TableBuilder } from "./table_builder.ts";
import { linuxTcrEl1 } from "./tcr.ts";
import { xenVtcr } from "./vtcr.ts";

/** Stage-2 leaf attributes of Xen 4.17's p2m types (p2m.c `mfn_to_p2m_entry`). */
export const XEN_P2M: Readonly<Record<string, S2Attrs>> = {
  p2m_ram_rw: { memAttr: MATTR_MEM, s2ap: 3, sh: 3, af: true, xn: 0, software: 1 },
  p2m_ram_ro: { memAttr: MATTR_MEM, s2ap: 1, sh: 3, af: true, xn: 0, software: 2 },
  p2m_mmio_direct_dev: { memAttr: MATTR_DEV, s2ap: 3, sh: 2, af: true, xn: 2, software: 3 },
  p2m_mmio_direct_nc: { memAttr: MATTR_MEM_NC, s2ap: 3, sh: 2, af: true, xn: 2, software: 4 },
  p2m_mmio_direct_c: { memAttr: MATTR_MEM, s2ap: 3, sh: 2, af: true, xn: 2, software: 5 },
};

/** Stage-1 leaf attributes of Linux 6.1's protections (asm/pgtable-prot.h). */
export const LINUX_PROT: Readonly<Record<string, S1Attrs>> = {
  /** PAGE_KERNEL: Normal WB, RW, PXN/UXN. */
  PAGE_KERNEL: { attrIndx: LINUX_MT.MT_NORMAL, ap: 0, sh: 3, af: true, pxn: true, uxn: true },
  /** PAGE_KERNEL_RO. */
  PAGE_KERNEL_RO: { attrIndx: LINUX_MT.MT_NORMAL, ap: 2, sh: 3, af: true, pxn: true, uxn: true },
  /** PAGE_KERNEL_EXEC. */
  PAGE_KERNEL_EXEC: { attrIndx: LINUX_MT.MT_NORMAL, ap: 0, sh: 3, af: true, uxn: true },
  /** ioremap: PROT_DEVICE_nGnRE. */
  PROT_DEVICE_nGnRE: {
    attrIndx: LINUX_MT.MT_DEVICE_nGnRE,
    ap: 0,
    sh: 3,
    af: true,
    pxn: true,
    uxn: true,
  },
  /** ioremap_np: PROT_DEVICE_nGnRnE. */
  PROT_DEVICE_nGnRnE: {
    attrIndx: LINUX_MT.MT_DEVICE_nGnRnE,
    ap: 0,
    sh: 3,
    af: true,
    pxn: true,
    uxn: true,
  },
  /** ioremap_wc: PROT_NORMAL_NC. */
  PROT_NORMAL_NC: { attrIndx: LINUX_MT.MT_NORMAL_NC, ap: 0, sh: 3, af: true, pxn: true, uxn: true },
  /** PAGE_SHARED (user RW). */
  PAGE_SHARED: {
    attrIndx: LINUX_MT.MT_NORMAL,
    ap: 1,
    sh: 3,
    af: true,
    ng: true,
    pxn: true,
    uxn: true,
  },
};

/** What the recorder answers for a stage-2 abort. */
export type AbortPolicy = (abort: Stage2Abort, cpu: CpuPort) => TrapResult;

/** An EL2 handler that records everything and answers with a policy. */
export class RecordingHypervisor implements El2Handler {
  /** Stage-2 aborts seen. */
  readonly aborts: Stage2Abort[] = [];
  /** Hypercalls seen. */
  readonly calls: HypercallTrap[] = [];
  /** The answer (default: inject a data abort with ISS = 0, as Xen 4.17 does for unhandled FSCs). */
  policy: AbortPolicy = (a) => ({ action: "inject", esr: 0x96000000, far: a.far });

  /** Optional system-instruction trap hook (tests set it). */
  sysTrap?: (cpu: CpuPort, trap: SysTrap) => TrapResult;

  /** Record and answer a stage-2 abort. */
  stage2Abort(cpu: CpuPort, abort: Stage2Abort): TrapResult {
    this.aborts.push(abort);
    return this.policy(abort, cpu);
  }

  /** Record a hypercall; x0 = 0 on return. */
  hypercall(cpu: CpuPort, call: HypercallTrap): void {
    this.calls.push(call);
    cpu.regs[0] = 0n;
  }
}

/** Options of {@link sampleMachine}. */
export interface SampleMachineOptions {
  /** RAM base (default 0x40000000). */
  ramBase?: number;
  /** RAM size (default 1 GiB). */
  ramSize?: number;
  /** Number of CPUs (default 1). */
  cpus?: number;
  /** Attach a cost model (default true). */
  cost?: boolean;
  /** VMID (default 1). */
  vmid?: number;
  /** Extra devices to attach: [base, device]. */
  devices?: [number, BusDevice][];
  /** Combined TLB entries per CPU (default the CPU's). */
  tlbEntries?: number;
  /** Combined TLB ways (default the CPU's). */
  tlbWays?: number;
}

/** The machine {@link sampleMachine} builds. */
export interface SampleMachine {
  /** The bus. */
  bus: Bus;
  /** The RAM device. */
  ram: Ram;
  /** The CPUs (all at EL1 with stage 1 and stage 2 on). */
  cpus: Cpu[];
  /** The first CPU. */
  cpu: Cpu;
  /** The cost model, if any. */
  cost: CostModel | null;
  /** The EL2 handler. */
  hyp: RecordingHypervisor;
  /** Stage-2 table builder (IPA → PA). */
  s2: TableBuilder;
  /** Stage-1 table builder (VA → IPA); tables live in RAM mapped 1:1 at stage 2. */
  s1: TableBuilder;
  /** Map IPA → PA with a Xen p2m type. */
  mapS2(ipa: number, pa: number, size: number, type: keyof typeof XEN_P2M | S2Attrs): void;
  /** Map VA → IPA with a Linux protection. */
  mapS1(va: number, ipa: number, size: number, prot: keyof typeof LINUX_PROT | S1Attrs): void;
}

/**
 * Build the sample machine. RAM's top 16 MiB hold the page tables; RAM is mapped 1:1 at stage
 * 2 as `p2m_ram_rw` (2 MiB blocks) so stage-1 tables are reachable.
 */
export function sampleMachine(opts: SampleMachineOptions = {}): SampleMachine {
  const ramBase = opts.ramBase ?? 0x4000_0000;
  const ramSize = opts.ramSize ?? 0x4000_0000;
  const bus = new Bus();
  const ram = new Ram(ramSize, { name: "/memory@40000000" });
  bus.attach(ramBase, ram);
  for (const [b, d] of opts.devices ?? []) bus.attach(b, d);
  const alloc = pageAllocator(ramBase + ramSize - 0x100_0000, 0x100_0000);
  const s2 = new TableBuilder(bus, { stage: 2, startLevel: 0, allocPages: alloc });
  const s1 = new TableBuilder(bus, { stage: 1, startLevel: 0, allocPages: alloc });
  const cost = opts.cost === false ? null : new CostModel();
  const hyp = new RecordingHypervisor();
  const vmid = opts.vmid ?? 1;
  const cpus: Cpu[] = [];
  for (let i = 0; i < (opts.cpus ?? 1); i++) {
    const cpu = new Cpu(bus, {
      vcpuId: i,
      cost,
      el2: hyp,
      tlbEntries: opts.tlbEntries,
      tlbWays: opts.tlbWays,
    });
    cpu.msr("VTCR_EL2", xenVtcr(4));
    cpu.msr("VTTBR_EL2", (BigInt(vmid) << 48n) | BigInt(s2.root));
    cpu.msr("HCR_EL2", XEN_GUEST_HCR);
    cpu.msr("MAIR_EL1", LINUX_MAIR_EL1);
    cpu.msr("TCR_EL1", linuxTcrEl1(4));
    cpu.msr("TTBR0_EL1", 0n);
    cpu.msr("TTBR1_EL1", BigInt(s1.root));
    cpu.msr("SCTLR_EL1", SCTLR_EL1_RESET | BigInt(SCTLR.M | SCTLR.C | SCTLR.I));
    cpu.el = 1;
    cpus.push(cpu);
  }
  const m: SampleMachine = {
    bus,
    ram,
    cpus,
    cpu: cpus[0],
    cost,
    hyp,
    s2,
    s1,
    mapS2(ipa, pa, size, type) {
      s2.map(ipa, pa, size, typeof type === "string" ? XEN_P2M[type] : type);
    },
    mapS1(va, ipa, size, prot) {
      s1.map(va, ipa, size, typeof prot === "string" ? LINUX_PROT[prot] : prot);
    },
  };
  m.mapS2(ramBase, ramBase, ramSize, "p2m_ram_rw");
  return m;
}
