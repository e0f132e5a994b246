/**
 * The CPU memory port (`CpuPort`, port.ts): one processing element running at EL2 (Xen) or at
 * EL1/EL0 under stage 2 (dom0), making instruction-class memory accesses through stage-1 and
 * stage-2 translation, attribute combining, the access checks in architectural priority, the
 * bus and the cost model. Faults are values: stage-1 faults throw {@link GuestException} (or
 * {@link El2Exception} in the EL2 regime); stage-2 faults call the attached EL2 handler
 * synchronously and act on its {@link TrapResult}.
 *
 * Hot path: a hit in the last-translation micro-TLB on a RAM page with the needed permission
 * and natural alignment copies the bytes directly from the page and counts the cost; nothing
 * is allocated. Everything else takes the slow path, which follows the ARM ARM step by step.
 *
 * @module
 */

import type { Bus } from "../../drivers/bus.ts";
import {
  ALL_SIZES,
  type BusDevice,
  type ExclusiveSupport,
  RESP_DECERR,
  RESP_OKAY,
  RESP_SLVERR,
  sizeBit,
} from "../../drivers/device.ts";
import { SparseMemory } from "../../drivers/sparse_memory.ts";
import type { CostModel, CpuCost } from "../../drivers/cost.ts";
import { MAX_DOMAINS } from "../../drivers/cost.ts";
import {
  type AccessOptions,
  type AccessSize,
  type AtomicOp,
  type AttrProvenance,
  type CpuPort,
  type DcOp,
  type El,
  El2Exception,
  type El2Handler,
  GuestException,
  GuestLivelock,
  type IPA,
  type PA,
  type PairSize,
  type Stage2Abort,
  type Syndrome,
  type SysReg,
  type TrapResult,
  type VA,
} from "./port.ts";
import {
  A_ACQREL,
  A_ATOMIC,
  A_DC,
  A_DCZVA,
  A_EXCL,
  A_FETCH,
  A_PAIR,
  A_READ,
  A_SIMD,
  A_UNPRIV,
  A_WRITE,
  alignmentBeforeTranslation,
  hasInstructionSyndrome,
  typeAlignmentFault,
} from "./access_check.ts";
import {
  BY_MMU_OFF,
  BY_STAGE1,
  CombinedAttr,
  combineInto,
  provenance,
  RULE,
  s2IsDevice,
} from "./attr_combine.ts";
import { ERG_BYTES, GlobalMonitor } from "./exclusive_monitor.ts";
import {
  ATTR_DEVICE_nGnRnE,
  ATTR_NORMAL_NC,
  ATTR_NORMAL_WB,
  isDevice,
  isNormalInnerOuterWB,
  memClass,
  memTypeName,
} from "./memory_type.ts";
import { mairAttr } from "./mair.ts";
import { effectiveShareability } from "./shareability.ts";
import { s2ExecPermission, s2MemAttrName } from "./stage2_descriptor.ts";
import {
  dcTrapIss,
  EC,
  encodeDataAbortIss,
  encodeEsr,
  encodeHpfar,
  encodeInstructionAbortIss,
  type FaultKind,
  fscFor,
  fscName,
  makeSyndrome,
  SERROR_ESR,
} from "./syndrome.ts";
import { boardPfr0, type CpuModel, DEFAULT_CPU_MODEL } from "./cpu_models.ts";
import {
  CNTFRQ_QEMU_VIRT,
  CORE_HZ,
  DCZID_DZP,
  dczvaBlockSize,
  HCR,
  ICC,
  paRange,
  SCTLR,
  SCTLR_EL1_RESET,
  SCTLR_EL2_RESET,
} from "./system_registers.ts";
import { decodeTcrEl1, decodeTcrEl2, ipsBits } from "./tcr.ts";
import {
  P_ALL,
  P_R0,
  P_R1,
  P_W0,
  P_W1,
  P_X0,
  P_X1,
  REGIME_EL10,
  REGIME_EL2,
  S2Tlb,
  Tlb,
  type TlbEntry,
} from "./tlb.ts";
import { stage2Geometry } from "./vtcr.ts";
import {
  F_NONE,
  fillS2,
  S1Config,
  S2Config,
  S2WalkResult,
  WALK_FAULT_KIND,
  Walker,
  WalkResult,
} from "./walker.ts";

/** Something the CPU reports to an observer (only built when an observer is attached). */
export type CpuEvent =
  | {
    type: "fault";
    /** Stage whose rule faulted (1 also for pre-translation alignment and external aborts). */
    stage: 1 | 2;
    /** EL the exception is taken to. */
    targetEl: 1 | 2;
    insn: string;
    va: VA;
    ipa?: IPA;
    esr: number;
    fsc: number;
    /** Linux's name of the fault status code. */
    name: string;
  }
  | {
    type: "trap";
    what: "stage2Abort" | "hvc" | "smc" | "sysTrap" | "serror";
    insn: string;
    va?: VA;
    ipa?: IPA;
    action?: TrapResult["action"];
    esr?: number;
  }
  | {
    type: "tlb-fill";
    va: VA;
    ipa: IPA;
    pa: PA;
    memType: string;
    s1Level: number;
    s2Level: number;
  }
  | {
    type: "external-abort";
    insn: string;
    va: VA;
    pa: PA;
    resp: "SLVERR" | "DECERR";
    /** Synchronous abort (true) or SError (false). */
    sync: boolean;
  };

/** The translation of a VA as the model sees it (like AT S12E1R plus attribute provenance). */
export interface Translation {
  /** The VA. */
  va: VA;
  /** Stage-1 output. */
  ipa: IPA;
  /** Physical address. */
  pa: PA;
  /** Stage-1 memory type (after SCTLR.C), e.g. "Device-nGnRE". */
  s1Type: string;
  /** Stage-2 MemAttr, or -1 without stage 2. */
  s2MemAttr: number;
  /** Stage-2 type name ("" without stage 2). */
  s2Type: string;
  /** Effective memory type. */
  type: string;
  /** Effective attribute byte. */
  attr: number;
  /** Effective shareability code. */
  sh: number;
  /** Which stage and rule decided. */
  provenance: AttrProvenance;
  /** Stage-1 leaf level (−1 with the MMU off). */
  s1Level: number;
  /** Stage-2 leaf level (−1 without stage 2). */
  s2Level: number;
  /** Permission letters at EL1 and EL0 after both stages, e.g. "rw-/---". */
  permissions: string;
}

/** Options of a CPU. */
export interface CpuOptions {
  /** The virtual CPU number within its domain (MPIDR affinity, d0v0 → 0). Default 0. */
  vcpuId?: number;
  /** Index of this PE among the CPUs on the bus (monitors, cost, banked registers). */
  index?: number;
  /** The cost model (shared by the CPUs of a machine), or null. */
  cost?: CostModel | null;
  /**
   * The core (`cpu_models.ts`, e.g. `cpuModelFor("arm,cortex-a53")`): MIDR, ID registers and
   * DCZID from its table entry. Default Cortex-A57; the options below override single fields.
   */
  model?: CpuModel;
  /** MIDR_EL1 (default the model's; Cortex-A57 as QEMU reports it). */
  midr?: bigint;
  /** ID_AA64MMFR0_EL1 (default the model's; Cortex-A57: 0x1124, 44-bit PA). */
  mmfr0?: bigint;
  /**
   * ID_AA64PFR0_EL1 (default the model's as QEMU's `virt` presents it: no EL3, GICv3 system
   * registers; Cortex-A57: 0x1000222 as in the reference recordings).
   */
  pfr0?: bigint;
  /** DCZID_EL0.BS (default the model's: 4, 64-byte DC ZVA blocks). */
  dczidBs?: number;
  /** CNTFRQ_EL0 in Hz (default 62.5 MHz, QEMU `virt`). */
  cntfrq?: number;
  /** Core clock the counter is derived from, in Hz (default 2 GHz; see CNTVCT_EL0). */
  coreHz?: number;
  /** FEAT_XNX (stage-2 XN[0] distinguishes EL1 and EL0). Default false. */
  featXnx?: boolean;
  /** Replays of a stage-2 abort the hypervisor answers with "retry" before GuestLivelock. */
  maxReplays?: number;
  /** Combined TLB entries (power of two, default 4096). */
  tlbEntries?: number;
  /** Combined TLB ways per set (power of two, default 4). */
  tlbWays?: number;
  /**
   * Issue an aligned LDP/STP of X registers to Device-GRE or Normal-NC memory as one 16-byte
   * transaction (gathering permitted), so a slave that refuses 16-byte transfers sees it.
   * Default true.
   */
  mergePairs?: boolean;
  /** The EL2 handler (the hypervisor). */
  el2?: El2Handler | null;
}

/** Copy `n` (1, 2, 4, 8, 16) bytes; unrolled for the common sizes. */
function copyBytes(from: Uint8Array, fo: number, to: Uint8Array, o: number, n: number): void {
  if (n === 8) {
    to[o] = from[fo];
    to[o + 1] = from[fo + 1];
    to[o + 2] = from[fo + 2];
    to[o + 3] = from[fo + 3];
    to[o + 4] = from[fo + 4];
    to[o + 5] = from[fo + 5];
    to[o + 6] = from[fo + 6];
    to[o + 7] = from[fo + 7];
  } else if (n === 4) {
    to[o] = from[fo];
    to[o + 1] = from[fo + 1];
    to[o + 2] = from[fo + 2];
    to[o + 3] = from[fo + 3];
  } else {
    for (let i = 0; i < n; i++) to[o + i] = from[fo + i];
  }
}

/** P_X1/P_X0 bits stage-2 XN[1:0] allows (D8.4.3; {@link s2ExecPermission}). */
function s2ExecBits(xn: number, featXnx: boolean): number {
  if (!featXnx) return (xn & 2) === 0 ? P_X1 | P_X0 : 0;
  const x = s2ExecPermission(xn, true);
  return (x.el1 ? P_X1 : 0) | (x.el0 ? P_X0 : 0);
}

/** State shared by the CPUs on one bus: the global monitor and TLB broadcast. */
class Cluster {
  readonly cpus: Cpu[] = [];
  readonly monitor = new GlobalMonitor();
}
const clusters = new WeakMap<Bus, Cluster>();

const SYSREGS: readonly SysReg[] = [
  "SCTLR_EL1",
  "TCR_EL1",
  "MAIR_EL1",
  "TTBR0_EL1",
  "TTBR1_EL1",
  "ESR_EL1",
  "FAR_EL1",
  "VBAR_EL1",
  "CONTEXTIDR_EL1",
  "DCZID_EL0",
  "MIDR_EL1",
  "MPIDR_EL1",
  "ID_AA64MMFR0_EL1",
  "SCTLR_EL2",
  "HCR_EL2",
  "VTCR_EL2",
  "VTTBR_EL2",
  "TCR_EL2",
  "TTBR0_EL2",
  "MAIR_EL2",
  "ESR_EL2",
  "FAR_EL2",
  "HPFAR_EL2",
  "PAR_EL1",
  "ID_AA64PFR0_EL1",
  "ID_AA64ISAR0_EL1",
  "ID_AA64MMFR1_EL1",
  "CNTFRQ_EL0",
  "CNTVCT_EL0",
  "CNTPCT_EL0",
  "CNTVOFF_EL2",
  "ICC_SRE_EL1",
  "ICC_CTLR_EL1",
  "ICC_PMR_EL1",
  "ICC_BPR1_EL1",
  "ICC_IGRPEN1_EL1",
];
const READ_ONLY = new Set<SysReg>([
  "DCZID_EL0",
  "MIDR_EL1",
  "MPIDR_EL1",
  "ID_AA64MMFR0_EL1",
  "ID_AA64MMFR1_EL1",
  "ID_AA64PFR0_EL1",
  "ID_AA64ISAR0_EL1",
  "CNTFRQ_EL0",
  "CNTVCT_EL0",
  "CNTPCT_EL0",
]);
/**
 * Registers that hold state but configure no translation: a write stores the value (masked to
 * its implemented bits) without recomputing the walk configuration or touching the TLB.
 */
const PLAIN = new Set<SysReg>([
  "ESR_EL1",
  "FAR_EL1",
  "VBAR_EL1",
  "CONTEXTIDR_EL1",
  "ESR_EL2",
  "FAR_EL2",
  "HPFAR_EL2",
  "PAR_EL1",
  "CNTVOFF_EL2",
  "ICC_SRE_EL1",
  "ICC_CTLR_EL1",
  "ICC_PMR_EL1",
  "ICC_BPR1_EL1",
  "ICC_IGRPEN1_EL1",
]);
const FLUSHING = new Set<SysReg>([
  "SCTLR_EL1",
  "TCR_EL1",
  "MAIR_EL1",
  "SCTLR_EL2",
  "HCR_EL2",
  "VTCR_EL2",
  "TCR_EL2",
  "MAIR_EL2",
]);

/** A plain register's value after a write: implemented bits only (GICv3 ICV_* rules). */
function plainValue(reg: SysReg, v: bigint): bigint {
  switch (reg) {
    case "ICC_SRE_EL1":
      return ICC.SRE_EL1_VALUE; // RAO/WI
    case "ICC_CTLR_EL1":
      return ICC.CTLR_EL1_RO | (v & ICC.CTLR_EL1_RW);
    case "ICC_PMR_EL1":
      return v & ICC.PMR_MASK;
    case "ICC_BPR1_EL1": {
      const b = v & 7n;
      return b < ICC.BPR1_MIN ? ICC.BPR1_MIN : b;
    }
    case "ICC_IGRPEN1_EL1":
      return v & ICC.IGRPEN1_MASK;
    default:
      return v;
  }
}

/** Result codes of one attempt at an access. */
const DONE = 0;
const RETRY = 1;

const MASK64 = (1n << 64n) - 1n;

/** Bytes mapped by a leaf descriptor at each level (4 KiB granule). */
const LEAF_SIZE = [2 ** 39, 2 ** 30, 2 ** 21, 2 ** 12];

/** What a load of a never-written direct-memory page reads (never written, never cached). */
const ZERO_PAGE = new Uint8Array(4096);

/** An ARMv8-A processing element implementing the CPU memory port. */
export class Cpu implements CpuPort {
  /** The virtual CPU number within its domain. */
  readonly vcpuId: number;
  /** Index of this PE on the bus. */
  readonly index: number;
  /** General-purpose registers x0..x30. */
  readonly regs: BigUint64Array = new BigUint64Array(31);
  /** The physical bus. */
  readonly bus: Bus;
  /** The attached EL2 handler (the hypervisor), or null. */
  el2Handler: El2Handler | null;
  /** Observer of faults, traps, TLB fills and external aborts; null = free. */
  observer: ((e: CpuEvent) => void) | null = null;
  /** Replays of one stage-2 abort answered "retry" before GuestLivelock. */
  maxReplays: number;
  /** Merge aligned X-register pairs into one 16-byte transaction on gathering types. */
  mergePairs: boolean;

  private readonly featXnx: boolean;
  private readonly paMax: number;
  private readonly dczidBs: number;
  private readonly cntfrq: number;
  // ESR_EL2, FAR_EL2 and HPFAR_EL2 as the model sets them on a trap: numbers (HPFAR as the
  // faulting IPA), turned into register values only when read; an MSR takes over again.
  private esr2 = 0;
  private far2 = 0;
  private hpfar2 = 0;
  private numEsr2 = false;
  private numFar2 = false;
  private numHpfar2 = false;
  private readonly cyclesPerTick: number;
  private readonly sys = new Map<SysReg, bigint>();
  private readonly cluster: Cluster;
  private readonly tlb: Tlb;
  private readonly s2tlb = new S2Tlb();
  private readonly walker: Walker;
  private readonly walk = new WalkResult();
  private readonly s2walk = new S2WalkResult();
  private readonly comb = new CombinedAttr();
  private readonly cost: CpuCost | null;
  private readonly scratch = new Uint8Array(16);
  private readonly scratchView = new DataView(this.scratch.buffer);

  // Derived configuration.
  private readonly s1el1 = new S1Config();
  private readonly s1el2 = new S1Config();
  private readonly s2 = new S2Config();
  private readonly s2off = new S2Config();
  private mair1: number[] = [0, 0, 0, 0, 0, 0, 0, 0];
  private mair2: number[] = [0, 0, 0, 0, 0, 0, 0, 0];
  private sctlr1 = 0;
  private sctlr2 = 0;
  private hcr = 0n;
  /** HCR_EL2.TDZ (DC ZVA from EL0/EL1 traps to EL2). */
  private tdz = false;
  private tcrA1 = false;
  private asidBits = 8;
  private asid0 = 0;
  private asid1 = 0;
  private vmid = 0;

  // Current context.
  private _el: El = 1;
  private regime = REGIME_EL10;
  private ctxVmid = 0;
  private ctxAsid = 0;
  private domain = 0;
  private needR = P_R1;
  private needW = P_W1;
  // Micro-TLBs: the last entry used by a load (uPage/uEntry) and by a store (wPage/wEntry),
  // so a copy loop hits on both its source and its destination page. They only point at
  // valid main-TLB entries: reset on every invalidation, context change and eviction.
  private uPage = NaN;
  private uEntry: TlbEntry | null = null;
  private wPage = NaN;
  private wEntry: TlbEntry | null = null;

  // Local exclusive monitor.
  private exclGranule = NaN;
  private exclSize = 0;

  /** The last stage-2 abort handed to the hypervisor (for GuestLivelock). */
  private lastAbort: Stage2Abort | null = null;
  /** Outcome of a stage-2 trap in checked(): DONE or RETRY. */
  private trapCode = DONE;
  // Pending stage-1 facts for a stage-2 fault on the output address.
  private pS1perm = 0;
  private pS1dev = false;
  private pS1Level = 0;

  /** Make a CPU on `bus`. */
  constructor(bus: Bus, opts: CpuOptions = {}) {
    this.bus = bus;
    let cl = clusters.get(bus);
    if (cl === undefined) {
      cl = new Cluster();
      clusters.set(bus, cl);
    }
    this.cluster = cl;
    this.index = opts.index ?? cl.cpus.length;
    cl.cpus.push(this);
    this.vcpuId = opts.vcpuId ?? 0;
    this.el2Handler = opts.el2 ?? null;
    this.maxReplays = opts.maxReplays ?? 16;
    this.mergePairs = opts.mergePairs ?? true;
    this.featXnx = opts.featXnx ?? false;
    const model = opts.model ?? DEFAULT_CPU_MODEL;
    this.dczidBs = opts.dczidBs ?? model.dczidBs;
    this.tlb = new Tlb(opts.tlbEntries ?? 4096, opts.tlbWays ?? Math.min(4, opts.tlbEntries ?? 4));
    this.walker = new Walker(bus, this.s2tlb);
    this.cost = opts.cost ? opts.cost.forCpu(this.index) : null;
    if (this.cost !== null) {
      const c = this.cost;
      this.walker.onRead = (devId: number) => c.walkRead(devId, this.domain);
    }
    const mmfr0 = opts.mmfr0 ?? model.mmfr0;
    this.paMax = [32, 36, 40, 42, 44, 48, 52][paRange(mmfr0)] ?? 48;
    for (const r of SYSREGS) this.sys.set(r, 0n);
    this.sys.set("SCTLR_EL1", SCTLR_EL1_RESET);
    this.sys.set("SCTLR_EL2", SCTLR_EL2_RESET);
    this.sys.set("MIDR_EL1", opts.midr ?? model.midr);
    this.sys.set(
      "MPIDR_EL1",
      (1n << 31n) | (BigInt(this.vcpuId >> 4) << 8n) | BigInt(this.vcpuId & 15),
    );
    this.sys.set("ID_AA64MMFR0_EL1", mmfr0);
    this.sys.set("ID_AA64MMFR1_EL1", model.mmfr1);
    this.sys.set("ID_AA64PFR0_EL1", opts.pfr0 ?? boardPfr0(model, { el3: false, gicv3: true }));
    this.sys.set("ID_AA64ISAR0_EL1", model.isar0);
    this.cntfrq = opts.cntfrq ?? CNTFRQ_QEMU_VIRT;
    this.cyclesPerTick = (opts.coreHz ?? CORE_HZ) / this.cntfrq;
    this.sys.set("CNTFRQ_EL0", BigInt(this.cntfrq));
    this.sys.set("ICC_SRE_EL1", ICC.SRE_EL1_VALUE);
    this.sys.set("ICC_CTLR_EL1", ICC.CTLR_EL1_RO);
    this.sys.set("ICC_BPR1_EL1", ICC.BPR1_MIN);
    this.s2off.enabled = false;
    this.recompute();
  }

  // ---------------------------------------------------------------- context and registers

  /** Current exception level of the code making accesses. */
  get el(): El {
    return this._el;
  }
  set el(v: El) {
    if (v !== 0 && v !== 1 && v !== 2) throw new RangeError(`bad exception level ${v}`);
    this._el = v;
    this.updateContext();
  }

  /** Attach the EL2 handler (the hypervisor). */
  attachEl2(handler: El2Handler | null): void {
    this.el2Handler = handler;
  }

  /** Write a system register. */
  msr(reg: SysReg, value: bigint): void {
    if (!this.sys.has(reg)) throw new RangeError(`unknown system register ${reg}`);
    if (READ_ONLY.has(reg)) throw new RangeError(`${reg} is read-only`);
    const v = BigInt.asUintN(64, value);
    if (PLAIN.has(reg)) {
      if (reg === "ESR_EL2") this.numEsr2 = false;
      else if (reg === "FAR_EL2") this.numFar2 = false;
      else if (reg === "HPFAR_EL2") this.numHpfar2 = false;
      this.sys.set(reg, plainValue(reg, v));
      return;
    }
    // Rewriting a register with its value changes no translation state: no recompute, and no
    // flush of the translation registers' TLB entries (they cache nothing that could change).
    if (this.sys.get(reg) === v) return;
    this.sys.set(reg, v);
    this.recompute();
    if (FLUSHING.has(reg)) {
      this.tlb.flush();
      this.s2tlb.flush();
    }
  }

  /** ESR_EL2 of a trap. */
  private setEsr2(esr: number): void {
    this.esr2 = esr >>> 0;
    this.numEsr2 = true;
  }

  /** FAR_EL2 of a trap (a VA in signed-number form). */
  private setFar2(va: VA): void {
    this.far2 = va;
    this.numFar2 = true;
  }

  /** Read a system register. */
  mrs(reg: SysReg): bigint {
    if (reg === "ESR_EL2" && this.numEsr2) return BigInt(this.esr2);
    if (reg === "FAR_EL2" && this.numFar2) return BigInt.asUintN(64, BigInt(this.far2));
    if (reg === "HPFAR_EL2" && this.numHpfar2) return encodeHpfar(this.hpfar2);
    if (reg === "DCZID_EL0") return BigInt(this.dczid());
    if (reg === "CNTPCT_EL0") return BigInt(this.counter());
    if (reg === "CNTVCT_EL0") {
      return BigInt.asUintN(64, BigInt(this.counter()) - this.sys.get("CNTVOFF_EL2")!);
    }
    const v = this.sys.get(reg);
    if (v === undefined) throw new RangeError(`unknown system register ${reg}`);
    return v;
  }

  /**
   * The system counter (CNTPCT_EL0), deterministic: the cycles the cost model has charged so
   * far — every access of every CPU on the bus, by the latency table — at the core clock (`coreHz`),
   * in ticks of CNTFRQ_EL0: ⌊cycles / (coreHz / CNTFRQ)⌋ (32 cycles per tick at 2 GHz and
   * 62.5 MHz). CNTVCT_EL0 = CNTPCT_EL0 − CNTVOFF_EL2. Without a cost model the count stays 0.
   * Same machine, same accesses, same counts.
   */
  private counter(): number {
    const c = this.cost;
    return c === null ? 0 : Math.floor(c.model.totalCycles() / this.cyclesPerTick);
  }

  /** DCZID_EL0 as the current EL reads it: DZP = 1 when DC ZVA would trap (D19.2 DCZID_EL0). */
  private dczid(): number {
    let dzp = false;
    if (this._el === 0 && (this.sctlr1 & SCTLR.DZE) === 0) dzp = true;
    if (this._el < 2 && (this.hcr & HCR.TDZ) !== 0n) dzp = true;
    return (this.dczidBs & 15) | (dzp ? DCZID_DZP : 0);
  }

  /** Recompute the walk configuration from the system registers. */
  private recompute(): void {
    const g = (r: SysReg) => this.sys.get(r)!;
    this.sctlr1 = Number(g("SCTLR_EL1") & 0xffffffffn);
    this.sctlr2 = Number(g("SCTLR_EL2") & 0xffffffffn);
    this.hcr = g("HCR_EL2");
    this.tdz = (this.hcr & HCR.TDZ) !== 0n;
    // EL1&0 stage 1 (TCR_EL1, TTBR0/1_EL1, MAIR_EL1).
    const t = decodeTcrEl1(g("TCR_EL1"));
    const c1 = this.s1el1;
    c1.enabled = (this.sctlr1 & SCTLR.M) !== 0;
    c1.el2 = false;
    c1.inputSize0 = 64 - Math.min(Math.max(t.t0sz, 16), 39);
    c1.inputSize1 = 64 - Math.min(Math.max(t.t1sz, 16), 39);
    c1.epd0 = t.epd0;
    c1.epd1 = t.epd1;
    c1.hpd0 = t.hpd0;
    c1.hpd1 = t.hpd1;
    c1.ha = t.ha;
    c1.oaBits = ipsBits(t.ips, this.paMax);
    c1.invalid = t.tg0 !== 0 || t.tg1 !== 2
      ? "TCR_EL1 selects a translation granule other than 4 KiB (not modelled)"
      : "";
    const ttbr0 = g("TTBR0_EL1");
    const ttbr1 = g("TTBR1_EL1");
    c1.base0 = Number(ttbr0 & 0x0000fffffffffffen);
    c1.base1 = Number(ttbr1 & 0x0000fffffffffffen);
    this.asidBits = t.as ? 16 : 8;
    const am = (1n << BigInt(this.asidBits)) - 1n;
    this.asid0 = Number((ttbr0 >> 48n) & am);
    this.asid1 = Number((ttbr1 >> 48n) & am);
    this.tcrA1 = t.a1;
    const m1 = g("MAIR_EL1");
    for (let i = 0; i < 8; i++) this.mair1[i] = mairAttr(m1, i);
    // EL2 stage 1 (TCR_EL2, TTBR0_EL2, MAIR_EL2).
    const t2 = decodeTcrEl2(g("TCR_EL2"));
    const c2 = this.s1el2;
    c2.enabled = (this.sctlr2 & SCTLR.M) !== 0;
    c2.el2 = true;
    c2.inputSize0 = 64 - Math.min(Math.max(t2.t0sz, 16), 39);
    c2.hpd0 = t2.hpd;
    c2.ha = t2.ha;
    c2.oaBits = ipsBits(t2.ps, this.paMax);
    c2.base0 = Number(g("TTBR0_EL2") & 0x0000fffffffffffen);
    c2.invalid = t2.tg0 !== 0
      ? "TCR_EL2 selects a translation granule other than 4 KiB (not modelled)"
      : "";
    const m2 = g("MAIR_EL2");
    for (let i = 0; i < 8; i++) this.mair2[i] = mairAttr(m2, i);
    // Stage 2 (HCR_EL2, VTCR_EL2, VTTBR_EL2).
    const vtcr = g("VTCR_EL2");
    const geo = stage2Geometry(vtcr, this.paMax);
    const s2 = this.s2;
    s2.enabled = (this.hcr & HCR.VM) !== 0n;
    s2.ptw = (this.hcr & HCR.PTW) !== 0n;
    s2.fwb = (this.hcr & HCR.FWB) !== 0n;
    s2.startLevel = geo.startLevel;
    s2.rootEntries = geo.rootEntries;
    s2.ipaBits = geo.ipaBits;
    s2.paBits = geo.paBits;
    s2.ha = ((vtcr >> 21n) & 1n) === 1n;
    s2.invalid = geo.invalid ?? "";
    const vttbr = g("VTTBR_EL2");
    s2.base = Number(vttbr & 0x0000fffffffffffen);
    const vs = ((vtcr >> 19n) & 1n) === 1n;
    this.vmid = Number((vttbr >> 48n) & (vs ? 0xffffn : 0xffn));
    s2.vmid = this.vmid;
    this.updateContext();
  }

  /** Recompute the TLB tag and permission masks of the current context. */
  private updateContext(): void {
    if (this._el === 2) {
      this.regime = REGIME_EL2;
      this.ctxVmid = 0;
      this.ctxAsid = 0;
      this.domain = 0;
      this.needR = P_R1;
      this.needW = P_W1;
    } else {
      this.regime = REGIME_EL10;
      this.ctxVmid = this.vmid;
      this.ctxAsid = this.tcrA1 ? this.asid1 : this.asid0;
      this.domain = (this.hcr & HCR.VM) !== 0n ? Math.min(this.vmid + 1, MAX_DOMAINS - 1) : 0;
      this.needR = this._el === 0 ? P_R0 : P_R1;
      this.needW = this._el === 0 ? P_W0 : P_W1;
    }
    this.uPage = NaN;
    this.uEntry = null;
    this.wPage = NaN;
    this.wEntry = null;
  }

  // ---------------------------------------------------------------- TLB

  /** The TLB entry for `page` in the current context, or null (load micro-TLB updated on a hit). */
  private lookup(page: number): TlbEntry | null {
    const e = this.tlb.lookup(page, this.regime, this.ctxVmid, this.ctxAsid);
    if (e !== null && !e.s2pending) {
      this.uPage = page;
      this.uEntry = e;
    }
    return e;
  }

  /** The TLB entry for `page` for a store, or null (store micro-TLB updated on a hit). */
  private lookupW(page: number): TlbEntry | null {
    const e = this.tlb.lookup(page, this.regime, this.ctxVmid, this.ctxAsid);
    if (e !== null && !e.s2pending) {
      this.wPage = page;
      this.wEntry = e;
    }
    return e;
  }

  /**
   * Translate `page` (walks on a miss). Returns the entry, or null with `this.walk` describing
   * the fault (stage 1, stage 2 on the walk, or stage 2 on the output with the stage-1 facts in
   * pS1*). A stage-2 fault on the output address leaves a stage-1-only entry behind
   * ({@link TlbEntry.s2pending}): the next attempt (the hypervisor's replay, or the next
   * emulated MMIO access to the page) walks stage 2 only.
   */
  private translate(page: number): TlbEntry | null {
    if (page === this.uPage) return this.uEntry;
    if (page === this.wPage) return this.wEntry;
    const hit = this.lookup(page);
    if (hit !== null && !hit.s2pending) return hit;
    if (hit === null) {
      const b = this.tlb.findBlock(page, this.regime, this.ctxVmid, this.ctxAsid);
      if (b !== null) {
        const e = this.victim(page);
        Tlb.fromBlock(e, b, page);
        return this.finishFill(e);
      }
    }
    const w = this.walk;
    let s1attr: number;
    let s1sh: number;
    let s1perm: number;
    let s1Level: number;
    let ipaPage: number;
    let global = true;
    const el2 = this.regime === REGIME_EL2;
    const cfg = el2 ? this.s1el2 : this.s1el1;
    const s2 = el2 ? this.s2off : this.s2;
    const sctlr = el2 ? this.sctlr2 : this.sctlr1;
    if (hit !== null) {
      // The stage-1 part of a translation whose stage 2 faulted last time.
      ipaPage = hit.ipaPage;
      s1attr = hit.s1attr;
      s1sh = hit.s1sh;
      s1perm = hit.s1perm;
      s1Level = hit.s1Level;
      global = hit.global;
    } else if (!cfg.enabled) {
      // Stage 1 disabled: IPA = VA; data is Device-nGnRnE unless HCR_EL2.DC (D8.2.x).
      if (page < 0 || page >= 2 ** this.paMax) {
        w.fault = 4; // address size
        w.stage = 1;
        w.level = 0;
        w.s1ptw = false;
        return null;
      }
      ipaPage = page;
      s1attr = !el2 && (this.hcr & HCR.DC) !== 0n ? ATTR_NORMAL_WB : ATTR_DEVICE_nGnRnE;
      s1sh = 2;
      s1perm = P_ALL;
      s1Level = -1;
    } else {
      this.walker.walkS1(page, cfg, s2, w);
      if (w.fault !== F_NONE) return null;
      ipaPage = w.ipaPage;
      s1Level = w.s1Level;
      global = !w.ng || el2;
      const wxn = (sctlr & SCTLR.WXN) !== 0;
      const ap = w.ap;
      if (el2) {
        const wr = (ap & 2) === 0;
        s1perm = P_R1 | (wr ? P_W1 : 0) | (!w.uxn && !(wxn && wr) ? P_X1 : 0);
      } else {
        // AP[2:1] (D8.4.1): EL0-writable memory is never executable at EL1.
        const w1 = (ap & 2) === 0;
        const r0 = (ap & 1) !== 0;
        const w0 = ap === 1;
        s1perm = P_R1 | (w1 ? P_W1 : 0) | (r0 ? P_R0 : 0) | (w0 ? P_W0 : 0) |
          (!w.pxn && !w0 && !(wxn && w1) ? P_X1 : 0) | (!w.uxn && !(wxn && w0) ? P_X0 : 0);
      }
      s1attr = (el2 ? this.mair2 : this.mair1)[w.attrIndx];
      // SCTLR_ELx.C = 0: stage-1 Normal data accesses are Non-cacheable (D19.2 SCTLR_EL1.C).
      if ((sctlr & SCTLR.C) === 0 && !isDevice(s1attr)) s1attr = ATTR_NORMAL_NC;
      s1sh = w.sh;
    }
    this.pS1perm = s1perm;
    this.pS1dev = isDevice(s1attr);
    this.pS1Level = s1Level;
    let paPage = ipaPage;
    let s2perm = P_ALL;
    let s2memAttr = -1;
    let s2sh = 0;
    let s2Level = -1;
    const comb = this.comb;
    if (s2.enabled) {
      let e2 = this.s2tlb.lookup(ipaPage, s2.vmid);
      if (e2 === null) {
        const r = this.s2walk;
        this.walker.walkS2(ipaPage, s2, r);
        if (r.fault !== F_NONE) {
          w.fault = r.fault;
          w.stage = 2;
          w.level = r.level;
          w.s1ptw = false;
          w.faultIpa = ipaPage;
          if (hit === null && cfg.enabled) {
            this.fillStage1Only(page, global, ipaPage, s1attr, s1sh, s1perm, s1Level);
          }
          return null;
        }
        e2 = fillS2(this.s2tlb, ipaPage, s2.vmid, r);
      }
      paPage = e2.paPage;
      s2memAttr = e2.memAttr;
      s2sh = e2.sh;
      s2Level = e2.level;
      s2perm = ((e2.s2ap & 1) !== 0 ? P_R1 | P_R0 : 0) | ((e2.s2ap & 2) !== 0 ? P_W1 | P_W0 : 0) |
        s2ExecBits(e2.xn, this.featXnx);
      combineInto(comb, s1attr, s1sh, s2memAttr, s2sh, s2.fwb, (this.hcr & HCR.CD) !== 0n);
      if (!cfg.enabled && comb.by === BY_STAGE1) comb.by = BY_MMU_OFF;
    } else {
      comb.attr = s1attr;
      comb.sh = effectiveShareability(s1attr, s1sh);
      comb.by = cfg.enabled ? BY_STAGE1 : BY_MMU_OFF;
      comb.rule = cfg.enabled ? RULE.NO_STAGE2 : RULE.MMU_OFF;
    }
    const e = hit ?? this.victim(page);
    e.s2pending = false;
    e.vpage = page;
    e.regime = this.regime;
    e.vmid = this.ctxVmid;
    e.asid = this.ctxAsid;
    e.global = global;
    e.ipaPage = ipaPage;
    e.paPage = paPage;
    e.s1perm = s1perm;
    e.s2perm = s2perm;
    e.perm = s1perm & s2perm;
    e.attr = comb.attr;
    e.sh = comb.sh;
    e.by = comb.by;
    e.rule = comb.rule;
    e.s1attr = s1attr;
    e.s1sh = s1sh;
    e.s2memAttr = s2memAttr;
    e.s2sh = s2sh;
    e.devFlags = (isDevice(s1attr) ? 1 : 0) |
      (s2memAttr >= 0 && s2IsDevice(s2memAttr, s2.fwb) ? 2 : 0);
    e.s1Level = s1Level;
    e.s2Level = s2Level;
    e.memClass = memClass(comb.attr);
    e.domain = this.domain;
    e.blockSize = 0;
    // A block at both stages: keep the whole block (of the smaller size) for later misses.
    if (s1Level === 1 || s1Level === 2) {
      const s1size = LEAF_SIZE[s1Level];
      const size = !s2.enabled
        ? s1size
        : s2Level === 1 || s2Level === 2
        ? Math.min(s1size, LEAF_SIZE[s2Level])
        : 0;
      if (size > 0) this.tlb.addBlock(e, size);
    }
    return this.finishFill(e);
  }

  /** Attach the device of a filled entry's page, make it valid and current, report the fill. */
  private finishFill(e: TlbEntry): TlbEntry {
    const paPage = e.paPage;
    const region = this.bus.find(paPage);
    if (region !== null && paPage + 4096 <= region.end) {
      e.region = region;
      e.devId = region.id;
      if (this.cost !== null) e.costRow = this.cost.model.row(region.id, this.domain);
      e.devOff = paPage - region.base;
      const d = region.device;
      const direct = d.direct !== null && d.acceptSizes === ALL_SIZES && d.acceptsBursts &&
        region.base % 4096 === 0;
      e.direct = direct ? d.direct : null;
      e.page = direct ? d.direct!.pageForRead(e.devOff) : null;
    } else {
      e.region = null;
      e.devId = -1;
      e.devOff = 0;
      e.direct = null;
      e.page = null;
    }
    e.valid = true;
    this.uPage = e.vpage;
    this.uEntry = e;
    if (this.observer !== null) {
      this.observer({
        type: "tlb-fill",
        va: e.vpage,
        ipa: e.ipaPage,
        pa: paPage,
        memType: memTypeName(e.attr),
        s1Level: e.s1Level,
        s2Level: e.s2Level,
      });
    }
    return e;
  }

  /** A TLB slot for a fill of `page` (never left in the store micro-TLB). */
  private victim(page: number): TlbEntry {
    const e = this.tlb.victim(page);
    if (e === this.wEntry) {
      this.wPage = NaN;
      this.wEntry = null;
    }
    if (e === this.uEntry) {
      this.uPage = NaN;
      this.uEntry = null;
    }
    return e;
  }

  /** Keep the stage-1 result of a translation whose stage-2 walk faulted (see translate()). */
  private fillStage1Only(
    page: number,
    global: boolean,
    ipaPage: number,
    s1attr: number,
    s1sh: number,
    s1perm: number,
    s1Level: number,
  ): void {
    const e = this.victim(page);
    e.s2pending = true;
    e.vpage = page;
    e.regime = this.regime;
    e.vmid = this.ctxVmid;
    e.asid = this.ctxAsid;
    e.global = global;
    e.ipaPage = ipaPage;
    e.paPage = 0;
    e.s1perm = s1perm;
    e.s2perm = 0;
    e.perm = 0;
    e.s1attr = s1attr;
    e.s1sh = s1sh;
    e.s1Level = s1Level;
    e.devFlags = isDevice(s1attr) ? 1 : 0;
    e.region = null;
    e.devId = -1;
    e.devOff = 0;
    e.direct = null;
    e.page = null;
    e.valid = true;
  }

  /**
   * The bytes a fast-path load of a direct-memory entry without a page reads: the page if it
   * has been allocated since the fill (cached in the entry), else the shared zero page (an
   * untouched page reads as zero; re-checked on every such load, never cached). Null when the
   * entry has no direct memory (the slow path handles it).
   */
  private readPage(e: TlbEntry): Uint8Array | null {
    const d = e.direct;
    if (d === null) return null;
    const p = d.pageForRead(e.devOff);
    if (p === null) return ZERO_PAGE;
    e.page = p;
    return p;
  }

  /** The page a fast-path store writes (allocated on first write, cached), or null. */
  private writePage(e: TlbEntry): Uint8Array | null {
    const d = e.direct;
    if (d === null) return null;
    const p = d.pageForWrite(e.devOff);
    e.page = p;
    return p;
  }

  /** Invalidate the micro-TLB of every CPU on the bus. */
  private resetMicroTlbs(): void {
    for (const c of this.cluster.cpus) {
      c.uPage = NaN;
      c.uEntry = null;
      c.wPage = NaN;
      c.wEntry = null;
    }
  }

  /**
   * TLBI VMALLE1IS / VAE1IS / VAAE1IS / ASIDE1IS for this CPU's VMID, broadcast to every CPU on
   * the bus: no argument invalidates all EL1&0 entries; `va` one page (all ASIDs, or `asid`
   * and global entries); `asid` alone the non-global entries of that ASID.
   */
  tlbiEl1(va?: VA, asid?: number): void {
    const vmid = this.vmid;
    const a = asid === undefined ? -1 : asid;
    const cpus = this.cluster.cpus;
    if (va === undefined) {
      for (let i = 0; i < cpus.length; i++) cpus[i].tlb.invalidateContext(REGIME_EL10, vmid, a);
    } else {
      const page = va - (va & 0xfff);
      for (let i = 0; i < cpus.length; i++) cpus[i].tlb.invalidateVa(page, REGIME_EL10, vmid, a);
    }
    this.resetMicroTlbs();
  }

  /**
   * TLBI VMALLS12E1IS (no `ipa`) or IPAS2E1IS (`ipa`) for `vmid`, broadcast: stage-2 entries and
   * the combined entries that used them.
   */
  tlbiStage2(vmid: number, ipa?: IPA): void {
    const page = ipa === undefined ? -1 : ipa - (ipa % 4096);
    for (const c of this.cluster.cpus) {
      c.s2tlb.invalidateIpa(vmid, page);
      c.tlb.invalidateIpa(vmid, page);
    }
    this.resetMicroTlbs();
  }

  /** TLBI ALLE2IS / VAE2IS: EL2-regime entries (all, or the page of `va`), broadcast. */
  tlbiEl2(va?: VA): void {
    for (const c of this.cluster.cpus) {
      if (va === undefined) c.tlb.invalidateContext(REGIME_EL2, 0, -1);
      else c.tlb.invalidateVa(va - (va & 0xfff), REGIME_EL2, 0, -1);
    }
    this.resetMicroTlbs();
  }

  /** Invalidate every TLB entry of every CPU on the bus. */
  tlbiAll(): void {
    for (const c of this.cluster.cpus) {
      c.tlb.flush();
      c.s2tlb.flush();
    }
    this.resetMicroTlbs();
  }

  /** Number of TLB fills (walks) this CPU made. */
  get tlbFills(): number {
    return this.tlb.fills;
  }

  // ---------------------------------------------------------------- faults

  /** Report to the observer. */
  private emit(e: CpuEvent): void {
    if (this.observer !== null) this.observer(e);
  }

  /** Take a synchronous exception to EL1 (or EL2 in the EL2 regime) and throw it. */
  private takeSync(esr: number, far: VA, insn: string, stage: 1 | 2, ipa?: IPA): never {
    this.clearLocalMonitor();
    const el2 = this.regime === REGIME_EL2;
    const s: Syndrome = makeSyndrome(esr, far);
    s.targetEl = el2 ? 2 : 1;
    if (this.observer !== null) {
      this.emit({
        type: "fault",
        stage,
        targetEl: el2 ? 2 : 1,
        insn,
        va: far,
        ipa,
        esr,
        fsc: s.fsc,
        name: s.fsc >= 0 ? fscName(s.fsc) : "",
      });
    }
    if (el2) {
      this.setEsr2(esr);
      this.setFar2(far);
      throw new El2Exception(s);
    }
    this.sys.set("ESR_EL1", BigInt(esr >>> 0));
    this.sys.set("FAR_EL1", BigInt.asUintN(64, BigInt(far)));
    throw new GuestException(s);
  }

  /** Exception class of a data or instruction abort taken to the current regime's EL. */
  private abortEc(fetch: boolean): number {
    const lower = this.regime === REGIME_EL10 && this._el === 0;
    if (fetch) return lower ? EC.IABT_LOW : EC.IABT_CUR;
    return lower ? EC.DABT_LOW : EC.DABT_CUR;
  }

  /** A stage-1 data/instruction abort (or pre-translation alignment fault, or SEA). */
  private faultS1(
    kind: FaultKind,
    level: number,
    va: VA,
    flags: number,
    insn: string,
    stage: 1 | 2 = 1,
  ): never {
    const fsc = fscFor(kind, level);
    const fetch = (flags & A_FETCH) !== 0;
    const iss = fetch ? encodeInstructionAbortIss({ ifsc: fsc }) : encodeDataAbortIss({
      dfsc: fsc,
      cm: (flags & A_DC) !== 0,
      wnr: this.wnr(flags, kind),
    });
    return this.takeSync(encodeEsr(this.abortEc(fetch), iss), va, insn, stage);
  }

  /**
   * WnR (D19.2 ESR_ELx.WnR): 1 for writes, DC ZVA and cache maintenance; for an atomic, 1 only
   * when a read of the location would not have faulted (a permission fault on the write).
   */
  private wnr(flags: number, kind: FaultKind): boolean {
    if ((flags & A_DC) !== 0) return true;
    if ((flags & A_ATOMIC) !== 0) return kind === "permission" && (flags & A_WRITE) !== 0;
    return (flags & A_WRITE) !== 0;
  }

  /**
   * A stage-2 fault: ESR_EL2/FAR_EL2/HPFAR_EL2 as the architecture sets them, handed to the
   * EL2 handler. Returns DONE (emulated; read data copied to `buf`) or RETRY, or throws the
   * injected exception.
   */
  private faultS2(
    kind: FaultKind,
    level: number,
    va: VA,
    ipa: IPA,
    s1ptw: boolean,
    flags: number,
    size: number,
    insn: string,
    opts: AccessOptions | undefined,
    buf: Uint8Array | null,
    off: number,
  ): number {
    const fsc = fscFor(kind, level);
    const fetch = (flags & A_FETCH) !== 0;
    const isv = !fetch && hasInstructionSyndrome(flags, size, s1ptw);
    const write = this.wnr(flags, kind);
    const rt = opts?.rt ?? 0;
    const iss = fetch ? encodeInstructionAbortIss({ ifsc: fsc, s1ptw }) : encodeDataAbortIss({
      isv,
      size,
      sse: opts?.signExtend ?? false,
      srt: rt,
      sf: opts?.sf ?? size === 8,
      ar: (flags & A_ACQREL) !== 0,
      cm: (flags & A_DC) !== 0,
      s1ptw,
      wnr: write,
      dfsc: fsc,
    });
    const esr = encodeEsr(fetch ? EC.IABT_LOW : EC.DABT_LOW, iss);
    // HPFAR_EL2 is valid for stage-2 Translation, Access flag and Address size faults and for
    // any stage-2 fault on a stage-1 walk; not for Permission or Alignment faults (v8.0; Linux
    // KVM __get_fault_info, Xen hpfar_is_valid).
    const hpfarValid = s1ptw || kind === "translation" || kind === "access-flag" ||
      kind === "address-size";
    this.setEsr2(esr);
    this.setFar2(va);
    if (hpfarValid) {
      this.hpfar2 = ipa;
      this.numHpfar2 = true;
    }
    const s = makeSyndrome(esr, va, hpfarValid ? ipa - (ipa % 4096) : undefined);
    s.targetEl = 2;
    if (this.observer !== null) {
      this.emit({
        type: "fault",
        stage: 2,
        targetEl: 2,
        insn,
        va,
        ipa,
        esr,
        fsc,
        name: fscName(fsc),
      });
    }
    const h = this.el2Handler;
    if (h === null) {
      this.clearLocalMonitor();
      throw new El2Exception(s);
    }
    const abort: Stage2Abort = {
      esr: s.esr,
      ec: s.ec,
      iss: s.iss,
      fsc: s.fsc,
      far: s.far,
      targetEl: 2,
      kind: fetch ? "instruction" : "data",
      ipa,
      size,
      write,
      isv,
      srt: rt,
      s1ptw,
      cm: (flags & A_DC) !== 0,
      fromEl: this._el,
      insn,
    };
    if (s.hpfar !== undefined) abort.hpfar = s.hpfar;
    if ((flags & A_WRITE) !== 0 && buf !== null && (flags & (A_DCZVA | A_DC)) === 0) {
      abort.storeData = buf.slice(off, off + size);
    }
    this.lastAbort = abort;
    const result = h.stage2Abort(this, abort);
    if (this.observer !== null) {
      this.emit({ type: "trap", what: "stage2Abort", insn, va, ipa, action: result.action, esr });
    }
    return this.actOn(result, buf, off, size, flags, insn);
  }

  /** Act on a TrapResult. */
  private actOn(
    result: TrapResult,
    buf: Uint8Array | null,
    off: number,
    size: number,
    flags: number,
    insn: string,
  ): number {
    switch (result.action) {
      case "complete":
        if ((flags & A_WRITE) === 0 && buf !== null && result.data !== undefined) {
          const n = Math.min(size, result.data.length);
          for (let i = 0; i < n; i++) buf[off + i] = result.data[i];
          for (let i = n; i < size; i++) buf[off + i] = 0;
        }
        return DONE;
      case "retry":
        return RETRY;
      case "inject": {
        this.clearLocalMonitor();
        const s = makeSyndrome(result.esr, result.far);
        s.targetEl = 1;
        this.sys.set("ESR_EL1", BigInt(result.esr >>> 0));
        this.sys.set("FAR_EL1", BigInt.asUintN(64, BigInt(result.far)));
        if (this.observer !== null) {
          this.emit({
            type: "fault",
            stage: 2,
            targetEl: 1,
            insn,
            va: result.far,
            esr: result.esr,
            fsc: s.fsc,
            name: s.fsc >= 0 ? fscName(s.fsc) : "",
          });
        }
        throw new GuestException(s);
      }
      case "serror":
        this.deliverSError(result.esr ?? SERROR_ESR, insn, false);
        return DONE;
    }
  }

  /**
   * An SError: from a guest with HCR_EL2.AMO (physical SErrors route to EL2) it goes to the EL2
   * handler's `serror` hook if any — "complete"/"retry" mean the hypervisor absorbed it and the
   * guest continues (the failed write is lost), "inject"/"serror" reach the guest — else it
   * becomes a virtual SError for the guest; in the EL2 regime it is an El2Exception.
   */
  private deliverSError(esr: number, insn: string, physical: boolean): void {
    this.clearLocalMonitor();
    if (this.regime === REGIME_EL2) {
      const s = makeSyndrome(esr, 0);
      s.targetEl = 2;
      throw new El2Exception(s, "serror");
    }
    const h = this.el2Handler;
    if (physical && h !== null && h.serror !== undefined && (this.hcr & HCR.AMO) !== 0n) {
      const r = h.serror(this, esr);
      this.emit({ type: "trap", what: "serror", insn, action: r.action, esr });
      if (r.action === "complete" || r.action === "retry") return;
      if (r.action === "inject") this.actOn(r, null, 0, 0, 0, insn);
      if (r.action === "serror") esr = r.esr ?? esr;
    }
    const g = makeSyndrome(esr, 0);
    g.targetEl = 1;
    if (this.observer !== null) {
      this.emit({
        type: "fault",
        stage: 1,
        targetEl: 1,
        insn,
        va: 0,
        esr,
        fsc: -1,
        name: "SError",
      });
    }
    throw new GuestException(g, "serror");
  }

  /** A failed bus transaction: loads take a synchronous external abort, stores an SError. */
  private busError(
    resp: number,
    va: VA,
    pa: PA,
    flags: number,
    insn: string,
    syncWrite = false,
  ): void {
    const write = (flags & A_WRITE) !== 0 && (flags & A_READ) === 0;
    const sync = !write || syncWrite || this.bus.options.postedWriteErrors === "sync";
    if (this.observer !== null) {
      this.emit({
        type: "external-abort",
        insn,
        va,
        pa,
        resp: resp === RESP_DECERR ? "DECERR" : "SLVERR",
        sync,
      });
    }
    if (!sync) {
      this.deliverSError(SERROR_ESR, insn, true);
      return; // absorbed by the hypervisor: the posted write is lost, execution goes on
    }
    this.faultS1("external", 0, va, flags, insn);
  }

  /** Raise the fault described by `this.walk` (translate() returned null). */
  private walkFault(
    va: VA,
    flags: number,
    size: number,
    aligned: boolean,
    need1: number,
    insn: string,
    opts: AccessOptions | undefined,
    buf: Uint8Array | null,
    off: number,
  ): number {
    const w = this.walk;
    const kind = WALK_FAULT_KIND[w.fault] as FaultKind;
    if (w.stage === 1) return this.faultS1(kind, w.level, va, flags, insn);
    if (!w.s1ptw) {
      // Stage-1 checks come before the stage-2 walk of the output address.
      if (typeAlignmentFault(flags, aligned, this.pS1dev)) {
        this.faultS1("alignment", 0, va, flags, insn);
      }
      if ((flags & A_FETCH) !== 0 && this.pS1dev && this.pS1Level >= 0) {
        this.faultS1("permission", Math.max(this.pS1Level, 0), va, flags, insn);
      }
      if ((this.pS1perm & need1) !== need1) {
        this.faultS1("permission", Math.max(this.pS1Level, 0), va, flags, insn);
      }
    }
    const ipa = w.s1ptw ? w.faultIpa : w.faultIpa + (va & 0xfff);
    return this.faultS2(kind, w.level, va, ipa, w.s1ptw, flags, size, insn, opts, buf, off);
  }

  // ---------------------------------------------------------------- the checked access

  /** Permission bits an access needs at stage 1 and stage 2 (into need1/need2). */
  private needs(flags: number, dcop: string): void {
    const el0 = this._el === 0 || (flags & A_UNPRIV) !== 0;
    const R = el0 ? P_R0 : P_R1;
    const W = el0 ? P_W0 : P_W1;
    if ((flags & A_FETCH) !== 0) {
      this.need1 = this.need2 = el0 ? P_X0 : P_X1;
      return;
    }
    if ((flags & A_DC) !== 0) {
      // DC IVAC needs write permission; at EL0 the other operations need read permission
      // (ASL AArch64.S1HasPermissionsFault, AccessType_DC). At stage 2 [inferred]: invalidate
      // needs write, clean needs read.
      if (dcop === "ivac") this.need1 = this.need2 = W;
      else {
        this.need1 = el0 ? R : 0;
        this.need2 = R;
      }
      return;
    }
    let n = 0;
    if ((flags & A_READ) !== 0) n |= R;
    if ((flags & A_WRITE) !== 0) n |= W;
    this.need1 = this.need2 = n;
  }
  /** Stage-1 permission bits the current access needs. */
  private need1 = 0;
  /** Stage-2 permission bits the current access needs. */
  private need2 = 0;

  /**
   * Translate and check one access that lies within one page. Returns the entry, or null when
   * a stage-2 trap finished the access (`this.trapCode` = DONE) or asked for a replay (RETRY).
   */
  private checked(
    va: VA,
    size: number,
    flags: number,
    aligned: boolean,
    insn: string,
    opts: AccessOptions | undefined,
    buf: Uint8Array | null,
    off: number,
    dcop = "",
  ): TlbEntry | null {
    const po = va & 0xfff;
    const page = va - po;
    this.needs(flags, dcop);
    const need1 = this.need1;
    const need2 = this.need2;
    const e = this.translate(page);
    if (e === null) {
      this.trapCode = this.walkFault(va, flags, size, aligned, need1, insn, opts, buf, off);
      return null;
    }
    const fetch = (flags & A_FETCH) !== 0;
    if (typeAlignmentFault(flags, aligned, (e.devFlags & 1) !== 0)) {
      this.faultS1("alignment", 0, va, flags, insn);
    }
    // With the stage-1 MMU off instruction fetches are Normal memory, not Device (D8.2.x).
    if ((e.s1perm & need1) !== need1 || (fetch && (e.devFlags & 1) !== 0 && e.s1Level >= 0)) {
      // Instruction fetch from Device memory is CONSTRAINED UNPREDICTABLE (D8.2.x, ASL
      // AArch64.InstructionDevice): the model takes the Permission fault option.
      this.faultS1("permission", Math.max(e.s1Level, 0), va, flags, insn);
    }
    if (typeAlignmentFault(flags, aligned, (e.devFlags & 2) !== 0)) {
      this.trapCode = this.faultS2(
        "alignment",
        0,
        va,
        e.ipaPage + po,
        false,
        flags,
        size,
        insn,
        opts,
        buf,
        off,
      );
      return null;
    }
    if ((e.s2perm & need2) !== need2 || (fetch && (e.devFlags & 2) !== 0)) {
      this.trapCode = this.faultS2(
        "permission",
        Math.max(e.s2Level, 0),
        va,
        e.ipaPage + po,
        false,
        flags,
        size,
        insn,
        opts,
        buf,
        off,
      );
      return null;
    }
    return e;
  }

  /** Run `attempt` until it completes, replaying up to maxReplays times. */
  private replay(attempt: () => number, va: VA, insn: string): void {
    for (let n = 0;; n++) {
      if (attempt() === DONE) return;
      if (n >= this.maxReplays) this.livelock(va, insn);
    }
  }

  /** An element access (see {@link element}) replayed until done, without a closure. */
  private replayElement(
    va: VA,
    size: number,
    buf: Uint8Array,
    off: number,
    flags: number,
    insn: string,
    opts: AccessOptions | undefined,
    aligned: boolean,
  ): void {
    for (let n = 0;; n++) {
      if (this.element(va, size, buf, off, flags, insn, opts, aligned) === DONE) return;
      if (n >= this.maxReplays) this.livelock(va, insn);
    }
  }

  /** The hypervisor kept replaying the access: throw GuestLivelock with the last abort. */
  private livelock(va: VA, insn: string): never {
    throw new GuestLivelock(
      this.lastAbort ?? {
        esr: 0,
        ec: 0,
        iss: 0,
        fsc: -1,
        far: va,
        kind: "data",
        ipa: 0,
        size: 0,
        write: false,
        isv: false,
        srt: 0,
        s1ptw: false,
        cm: false,
        fromEl: this._el,
        insn,
      },
    );
  }

  /** The bus device response for a transaction on an entry (cacheable: bursts). */
  private transact(
    e: TlbEntry,
    va: VA,
    size: number,
    buf: Uint8Array,
    off: number,
    write: boolean,
  ): number {
    const po = va & 0xfff;
    const pa = e.paPage + po;
    this.bus.currentCpu = this.index;
    const r = e.region;
    if (r === null) {
      return write ? this.bus.write(pa, size, buf, off) : this.bus.read(pa, size, buf, off);
    }
    const d = r.device;
    const cacheable = e.memClass >= 5;
    if (cacheable ? !d.acceptsBursts : (d.acceptSizes & sizeBit(size)) === 0) return RESP_SLVERR;
    if (e.direct !== null) {
      let p = e.page;
      if (p === null) {
        if (!write) {
          p = e.direct.pageForRead(e.devOff);
          if (p === null) {
            buf.fill(0, off, off + size);
            return RESP_OKAY;
          }
        } else p = e.direct.pageForWrite(e.devOff);
        e.page = p;
      }
      if (write) { for (let i = 0; i < size; i++) p[po + i] = buf[off + i]; }
      else for (let i = 0; i < size; i++) buf[off + i] = p[po + i];
      return RESP_OKAY;
    }
    return write ? d.write(e.devOff + po, size, buf, off) : d.read(e.devOff + po, size, buf, off);
  }

  /** Count an access in the cost model. */
  private account(e: TlbEntry, va: VA, size: number, write: boolean): void {
    if (this.cost !== null && e.region !== null) {
      this.cost.access(e, e.paPage + (va & 0xfff), size, write);
    }
  }

  /** One plain data element (LDR/STR/LDP element) through the slow path. */
  private element(
    va: VA,
    size: number,
    buf: Uint8Array,
    off: number,
    flags: number,
    insn: string,
    opts: AccessOptions | undefined,
    aligned: boolean,
  ): number {
    const write = (flags & A_WRITE) !== 0;
    const po = va & 0xfff;
    if (po + size > 4096) {
      // An unaligned access crossing a page: two accesses, each translated and checked.
      const first = 4096 - po;
      const r = this.element(va, first, buf, off, flags, insn, opts, false);
      if (r !== DONE) return r;
      return this.element(va + first, size - first, buf, off + first, flags, insn, opts, false);
    }
    const e = this.checked(va, size, flags, aligned, insn, opts, buf, off);
    if (e === null) return this.trapCode;
    const resp = this.transact(e, va, size, buf, off, write);
    if (resp !== RESP_OKAY) this.busError(resp, va, e.paPage + po, flags, insn);
    if (write && this.cluster.monitor.armed !== 0) {
      this.cluster.monitor.onStore(this.index, e.paPage + po, size);
    }
    this.account(e, va, size, write);
    return DONE;
  }

  /** The slow path of a single-register load/store. */
  private slowAccess(
    va: VA,
    size: number,
    buf: Uint8Array,
    off: number,
    flags: number,
    insn: string,
    opts: AccessOptions | undefined,
  ): void {
    if (opts !== undefined) {
      if (opts.acquire || opts.release) flags |= A_ACQREL;
      if (opts.unprivileged) flags |= A_UNPRIV;
    }
    if (size === 16) flags |= A_SIMD;
    const aligned = (va & (size - 1)) === 0;
    if (alignmentBeforeTranslation(flags, aligned, this.sctlrA())) {
      this.faultS1("alignment", 0, va, flags, insn);
    }
    this.replayElement(va, size, buf, off, flags, insn, opts, aligned);
  }

  /** SCTLR_ELx.A of the current regime. */
  private sctlrA(): boolean {
    return ((this.regime === REGIME_EL2 ? this.sctlr2 : this.sctlr1) & SCTLR.A) !== 0;
  }

  // ---------------------------------------------------------------- the port

  /** LDR of `size` bytes at `va` into `dst[off..off+size)`. */
  load(va: VA, size: AccessSize, dst: Uint8Array, off = 0, opts?: AccessOptions): void {
    if (opts === undefined) {
      const po = va & 0xfff;
      if ((po & (size - 1)) === 0) {
        const page = va - po;
        const e = page === this.uPage ? this.uEntry : this.lookup(page);
        if (e !== null && (e.perm & this.needR) !== 0) {
          const p = e.page ?? this.readPage(e);
          if (p !== null) {
            copyBytes(p, po, dst, off, size);
            const c = this.cost;
            if (c !== null) {
              const pa = e.paPage + po;
              const lo = pa & 63;
              if (
                pa - lo === c.lastBase && lo + size <= 64 && e.costRow === c.hitRow &&
                e.memClass === 6
              ) {
                c.hits++;
                c.hitBytes += size;
              } else c.access(e, pa, size, false);
            }
            return;
          }
        }
      }
    }
    this.slowAccess(va, size, dst, off, A_READ, opts?.acquire ? "ldar" : "ldr", opts);
  }

  /** STR of `size` bytes from `src[off..off+size)` to `va`. */
  store(va: VA, size: AccessSize, src: Uint8Array, off = 0, opts?: AccessOptions): void {
    if (opts === undefined) {
      const po = va & 0xfff;
      if ((po & (size - 1)) === 0) {
        const page = va - po;
        const e = page === this.wPage ? this.wEntry : this.lookupW(page);
        if (e !== null && (e.perm & this.needW) !== 0) {
          const p = e.page ?? this.writePage(e);
          if (p !== null) {
            copyBytes(src, off, p, po, size);
            if (this.cluster.monitor.armed !== 0) {
              this.cluster.monitor.onStore(this.index, e.paPage + po, size);
            }
            const c = this.cost;
            if (c !== null) {
              const pa = e.paPage + po;
              const lo = pa & 63;
              if (
                pa - lo === c.lastBase && lo + size <= 64 && e.costRow === c.hitRow &&
                e.memClass === 6
              ) {
                c.hits++;
                c.hitBytes += size;
                c.hitDirty = true;
              } else c.access(e, pa, size, true);
            }
            return;
          }
        }
      }
    }
    this.slowAccess(va, size, src, off, A_WRITE, opts?.release ? "stlr" : "str", opts);
  }

  /** LDP: two elements of `elem` bytes (alignment checked per element). */
  ldp(va: VA, elem: PairSize, dst: Uint8Array, off = 0): void {
    this.pair(va, elem, dst, off, A_READ | A_PAIR, "ldp");
  }

  /** STP: two elements of `elem` bytes. */
  stp(va: VA, elem: PairSize, src: Uint8Array, off = 0): void {
    this.pair(va, elem, src, off, A_WRITE | A_PAIR, "stp");
  }

  /**
   * LDP/STP: two elements, each checked and performed in order. Fast path: both elements
   * naturally aligned in one page whose TLB entry allows the access on direct memory — what the
   * slow path would do with no fault possible (aligned elements cannot take an alignment fault,
   * and the combined permission covers both stages).
   */
  private pair(
    va: VA,
    elem: number,
    buf: Uint8Array,
    off: number,
    flags: number,
    insn: string,
  ): void {
    const po = va & 0xfff;
    if ((po & (elem - 1)) === 0 && po + 2 * elem <= 4096) {
      const write = (flags & A_WRITE) !== 0;
      const page = va - po;
      const e = write
        ? (page === this.wPage ? this.wEntry : this.lookupW(page))
        : (page === this.uPage ? this.uEntry : this.lookup(page));
      if (e !== null && (e.perm & (write ? this.needW : this.needR)) !== 0) {
        const p = e.page ?? (write ? this.writePage(e) : this.readPage(e));
        if (p !== null) {
          const pa = e.paPage + po;
          const n = 2 * elem;
          if (write) copyBytes(buf, off, p, po, n);
          else copyBytes(p, po, buf, off, n);
          // Gathering types see an aligned X-register pair as one 16-byte transaction.
          const merged = this.mergePairs && elem === 8 && (va & 15) === 0 &&
            (e.memClass === 3 || e.memClass === 4);
          if (write && this.cluster.monitor.armed !== 0) {
            if (merged) this.cluster.monitor.onStore(this.index, pa, 16);
            else {
              this.cluster.monitor.onStore(this.index, pa, elem);
              this.cluster.monitor.onStore(this.index, pa + elem, elem);
            }
          }
          const c = this.cost;
          if (c !== null) {
            if (merged) c.access(e, pa, 16, write);
            else {
              c.access(e, pa, elem, write);
              c.access(e, pa + elem, elem, write);
            }
          }
          return;
        }
      }
    }
    const f = elem === 16 ? flags | A_SIMD : flags;
    const aligned = (va & (elem - 1)) === 0;
    if (alignmentBeforeTranslation(f, aligned, this.sctlrA())) {
      this.faultS1("alignment", 0, va, f, insn);
    }
    if (this.mergePairs && elem === 8 && (va & 15) === 0) {
      // Memory types that permit gathering (Device-GRE, Normal-NC) may see one 16-byte
      // transaction for an aligned LDP/STP of X registers (B2.7.2 "Gathering"); nG types and
      // cacheable types keep two accesses (cacheable memory sees line fills anyway).
      const e = this.translate(va - (va & 0xfff));
      if (e !== null && (e.memClass === 3 || e.memClass === 4)) {
        this.replayElement(va, 16, buf, off, f, insn, undefined, true);
        return;
      }
    }
    this.replayElement(va, elem, buf, off, f, insn, undefined, aligned);
    this.replayElement(va + elem, elem, buf, off + elem, f, insn, undefined, aligned);
  }

  /**
   * DC ZVA: zero the DCZID-sized block containing `va` (D7.x "DC ZVA"). Fast path: no trap
   * applies, and the TLB entry is Normal at both stages (Device at either stage is an Alignment
   * fault), writable, on direct memory.
   */
  dcZva(va: VA): void {
    const block = dczvaBlockSize(this.dczidBs);
    const el10 = this.regime === REGIME_EL10;
    if (!el10 || (!this.tdz && (this._el !== 0 || (this.sctlr1 & SCTLR.DZE) !== 0))) {
      const po = va & 0xfff;
      const page = va - po;
      const e = page === this.wPage ? this.wEntry : this.lookupW(page);
      if (e !== null && e.devFlags === 0 && (e.perm & this.needW) !== 0 && e.direct !== null) {
        const bo = po - (po % block);
        const pa = e.paPage + bo;
        const p = e.page ?? e.direct.pageForRead(e.devOff);
        if (p !== null) p.fill(0, bo, bo + block); // an untouched page already reads as zero
        if (this.cluster.monitor.armed !== 0) this.cluster.monitor.onStore(this.index, pa, block);
        if (this.cost !== null) this.cost.dcZva(e.devId, e.domain, e.memClass, pa, block);
        return;
      }
    }
    this.slowDcZva(va, block);
  }

  /** DC ZVA through the traps and the checked access. */
  private slowDcZva(va: VA, block: number): void {
    const insn = "dc zva";
    const flags = A_WRITE | A_DCZVA;
    // Traps first (DC ZVA pseudocode): EL0 with SCTLR_EL1.DZE = 0 → EL1; EL0/EL1 with
    // HCR_EL2.TDZ → EL2 (EC 0x18).
    if (this.regime === REGIME_EL10) {
      if (this._el === 0 && (this.sctlr1 & SCTLR.DZE) === 0) {
        this.takeSync(encodeEsr(EC.SYS64, dcTrapIss("zva")), va, insn, 1);
      }
      if (this.tdz) {
        this.sysTrap(insn, "zva", va);
        return;
      }
    }
    const base = va - (((va % block) + block) % block);
    for (let n = 0;; n++) {
      const e = this.checked(va, 1, flags, true, insn, undefined, null, 0);
      if (e === null) {
        if (this.trapCode === DONE) return;
      } else {
        const pa = e.paPage + (base & 0xfff);
        const resp = this.zeroBlock(e, pa, block);
        if (resp !== RESP_OKAY) this.busError(resp, va, pa, flags, insn);
        if (this.cluster.monitor.armed !== 0) this.cluster.monitor.onStore(this.index, pa, block);
        if (this.cost !== null && e.region !== null) {
          this.cost.dcZva(e.region.id, e.domain, e.memClass, pa, block);
        }
        return;
      }
      if (n >= this.maxReplays) this.livelock(va, insn);
    }
  }

  /** Zero `block` bytes at `pa` for DC ZVA (cacheable: the write-back; else one burst). */
  private zeroBlock(e: TlbEntry, pa: PA, block: number): number {
    const r = e.region ?? this.bus.find(pa);
    if (r === null || pa + block > r.end) return RESP_DECERR;
    const d = r.device;
    if (!d.acceptsBursts) return RESP_SLVERR;
    const off = pa - r.base;
    if (d.direct instanceof SparseMemory) {
      d.direct.fill(off, block, 0);
      return RESP_OKAY;
    }
    const z = this.scratch.fill(0);
    const step = (d.acceptSizes & 8) !== 0 ? 8 : (d.acceptSizes & 4) !== 0 ? 4 : 1;
    for (let o = 0; o < block; o += step) {
      const resp = d.write(off + o, step, z, 0);
      if (resp !== RESP_OKAY) return resp;
    }
    return RESP_OKAY;
  }

  /** A trapped system instruction (EC 0x18) taken to EL2. */
  private sysTrap(insn: string, op: string, va: VA): void {
    const esr = encodeEsr(EC.SYS64, dcTrapIss(op));
    this.setEsr2(esr);
    const s = makeSyndrome(esr, va);
    s.targetEl = 2;
    const h = this.el2Handler;
    if (h === null || h.sysTrap === undefined) {
      this.emit({ type: "trap", what: "sysTrap", insn, va, esr });
      // Xen injects an Undefined Instruction exception for traps it does not handle.
      this.takeSync(encodeEsr(EC.UNKNOWN, 0), va, insn, 2);
    }
    const r = h.sysTrap(this, { ...s, insn, va, fromEl: this._el });
    this.emit({ type: "trap", what: "sysTrap", insn, va, action: r.action, esr });
    if (r.action === "retry") {
      throw new GuestLivelock({
        ...s,
        kind: "data",
        ipa: 0,
        size: 0,
        write: true,
        isv: false,
        srt: 0,
        s1ptw: false,
        cm: false,
        fromEl: this._el,
        insn,
      });
    }
    this.actOn(r, null, 0, 0, A_WRITE, insn);
  }

  /** DC CIVAC/CVAC/IVAC/CVAU/CVAP on the line containing `va` (no alignment fault, any type). */
  dc(op: DcOp, va: VA): void {
    const insn = `dc ${op}`;
    let o: string = op;
    if (this.regime === REGIME_EL10) {
      if (this._el === 0) {
        if (op === "ivac") this.takeSync(encodeEsr(EC.UNKNOWN, 0), va, insn, 1); // UNDEFINED at EL0
        if ((this.sctlr1 & SCTLR.UCI) === 0) {
          this.takeSync(encodeEsr(EC.SYS64, dcTrapIss(op)), va, insn, 1);
        }
      }
      if (
        ((this.hcr & HCR.TPC) !== 0n && op !== "cvau") ||
        ((this.hcr & HCR.TPU) !== 0n && op === "cvau")
      ) {
        this.sysTrap(insn, op, va);
        return;
      }
      // DC IVAC at EL1 with HCR_EL2.{DC,VM} != 00 is performed as DC CIVAC (DC IVAC pseudocode).
      if (op === "ivac" && this._el === 1 && (this.hcr & (HCR.VM | HCR.DC)) !== 0n) o = "civac";
    }
    const flags = A_DC | (o === "ivac" ? A_WRITE : A_READ);
    this.replay(
      () => {
        const e = this.checked(va, 1, flags, true, insn, undefined, null, 0, o);
        if (e === null) return this.trapCode;
        if (this.cost !== null && e.region !== null) {
          this.cost.cacheMaintenance(o, e.region.id, e.domain, e.memClass, e.paPage + (va & 0xfff));
        }
        return DONE;
      },
      va,
      insn,
    );
  }

  /** The device's answer to an exclusive/atomic on memory that is not Normal iWB/oWB. */
  private farSupport(e: TlbEntry, atomic: boolean): ExclusiveSupport {
    const d: BusDevice | undefined = e.region?.device ?? this.bus.find(e.paPage)?.device;
    if (d === undefined) return "slverr";
    return atomic ? d.atomics : d.exclusives;
  }

  /**
   * The unsupported-exclusive/atomic fault (DFSC 0x35). [inferred] Reported at stage 2 (to
   * EL2) when stage 1 alone was Normal iWB/oWB and stage 2 made the memory something else,
   * otherwise at stage 1 — the per-stage attribution the alignment rules use.
   */
  private unsupportedExclusive(
    e: TlbEntry,
    va: VA,
    size: number,
    flags: number,
    insn: string,
    buf: Uint8Array | null,
    off: number,
  ): number {
    if (isNormalInnerOuterWB(e.s1attr) && e.s2memAttr >= 0) {
      return this.faultS2(
        "exclusive",
        0,
        va,
        e.ipaPage + (va & 0xfff),
        false,
        flags,
        size,
        insn,
        undefined,
        buf,
        off,
      );
    }
    return this.faultS1("exclusive", 0, va, flags, insn);
  }

  /** LDXR/LDAXR: exclusive load; arms the local and global monitors. */
  ldxr(va: VA, size: 1 | 2 | 4 | 8, dst: Uint8Array, off = 0, opts?: AccessOptions): void {
    const flags = A_READ | A_EXCL | (opts?.acquire ? A_ACQREL : 0);
    const insn = opts?.acquire ? "ldaxr" : "ldxr";
    const aligned = (va & (size - 1)) === 0;
    if (alignmentBeforeTranslation(flags, aligned, this.sctlrA())) {
      this.faultS1("alignment", 0, va, flags, insn);
    }
    this.replay(
      () => {
        const e = this.checked(va, size, flags, aligned, insn, opts, dst, off);
        if (e === null) return this.trapCode;
        const pa = e.paPage + (va & 0xfff);
        if (!isNormalInnerOuterWB(e.attr)) {
          const s = this.farSupport(e, false);
          if (s === "unsupported") {
            return this.unsupportedExclusive(
              e,
              va,
              size,
              flags,
              insn,
              dst,
              off,
            );
          }
          if (s === "slverr") this.busError(RESP_SLVERR, va, pa, flags, insn);
        }
        const resp = this.transact(e, va, size, dst, off, false);
        if (resp !== RESP_OKAY) this.busError(resp, va, pa, flags, insn);
        this.exclGranule = pa - (pa % ERG_BYTES);
        this.exclSize = size;
        this.cluster.monitor.mark(this.index, pa);
        this.account(e, va, size, false);
        return DONE;
      },
      va,
      insn,
    );
  }

  /** STXR/STLXR: exclusive store; returns 0 on success, 1 on failure. */
  stxr(va: VA, size: 1 | 2 | 4 | 8, src: Uint8Array, off = 0, opts?: AccessOptions): number {
    const flags = A_WRITE | A_EXCL | (opts?.release ? A_ACQREL : 0);
    const insn = opts?.release ? "stlxr" : "stxr";
    const aligned = (va & (size - 1)) === 0;
    if (alignmentBeforeTranslation(flags, aligned, this.sctlrA())) {
      this.faultS1("alignment", 0, va, flags, insn);
    }
    let status = 1;
    this.replay(
      () => {
        const e = this.checked(va, size, flags, aligned, insn, opts, src, off);
        if (e === null) return this.trapCode;
        const pa = e.paPage + (va & 0xfff);
        const granule = pa - (pa % ERG_BYTES);
        const mon = this.cluster.monitor;
        if (granule !== this.exclGranule || size !== this.exclSize || !mon.holds(this.index, pa)) {
          this.clearLocalMonitor();
          status = 1;
          return DONE;
        }
        if (!isNormalInnerOuterWB(e.attr)) {
          const s = this.farSupport(e, false);
          if (s === "unsupported") {
            return this.unsupportedExclusive(
              e,
              va,
              size,
              flags,
              insn,
              src,
              off,
            );
          }
          if (s === "slverr") this.busError(RESP_SLVERR, va, pa, flags, insn);
        }
        const resp = this.transact(e, va, size, src, off, true);
        if (resp !== RESP_OKAY) this.busError(resp, va, pa, flags, insn);
        mon.onStore(this.index, pa, size);
        this.clearLocalMonitor();
        this.account(e, va, size, true);
        status = 0;
        return DONE;
      },
      va,
      insn,
    );
    return status;
  }

  /** CLREX / exception entry: clear the local (and this PE's global) reservation. */
  clearLocalMonitor(): void {
    if (!Number.isNaN(this.exclGranule)) {
      this.exclGranule = NaN;
      this.cluster.monitor.clear(this.index);
    }
  }

  /** An LSE atomic (FEAT_LSE); returns the old value. `compare` is CAS's expected value. */
  atomic(op: AtomicOp, va: VA, size: 1 | 2 | 4 | 8, operand: bigint, compare?: bigint): bigint {
    const flags = A_READ | A_WRITE | A_ATOMIC;
    const insn = op;
    const aligned = (va & (size - 1)) === 0;
    if (alignmentBeforeTranslation(flags, aligned, this.sctlrA())) {
      this.faultS1("alignment", 0, va, flags, insn);
    }
    const buf = new Uint8Array(8);
    const view = new DataView(buf.buffer);
    let old = 0n;
    const mask = (1n << BigInt(size * 8)) - 1n;
    this.replay(
      () => {
        const e = this.checked(va, size, flags, aligned, insn, undefined, buf, 0);
        if (e === null) {
          if (this.trapCode === DONE) old = view.getBigUint64(0, true) & mask;
          return this.trapCode;
        }
        const pa = e.paPage + (va & 0xfff);
        if (!isNormalInnerOuterWB(e.attr)) {
          const s = this.farSupport(e, true);
          if (s === "unsupported") {
            return this.unsupportedExclusive(e, va, size, flags, insn, buf, 0);
          }
          // A far atomic the slave rejects: a synchronous abort for load-atomics (Cortex-A55 TRM).
          if (s === "slverr") this.busError(RESP_SLVERR, va, pa, A_READ | A_ATOMIC, insn);
        }
        buf.fill(0);
        let resp = this.transact(e, va, size, buf, 0, false);
        if (resp !== RESP_OKAY) this.busError(resp, va, pa, A_READ | A_ATOMIC, insn);
        old = view.getBigUint64(0, true) & mask;
        let nv: bigint;
        switch (op) {
          case "ldadd":
            nv = old + operand;
            break;
          case "ldclr":
            nv = old & ~operand;
            break;
          case "ldeor":
            nv = old ^ operand;
            break;
          case "ldset":
            nv = old | operand;
            break;
          case "swp":
            nv = operand;
            break;
          case "cas":
            nv = old === ((compare ?? 0n) & mask) ? operand : old;
            break;
        }
        if (op !== "cas" || nv !== old) {
          view.setBigUint64(0, nv & mask & MASK64, true);
          resp = this.transact(e, va, size, buf, 0, true);
          if (resp !== RESP_OKAY) this.busError(resp, va, pa, A_WRITE | A_ATOMIC, insn, true);
          if (this.cluster.monitor.armed !== 0) this.cluster.monitor.onStore(this.index, pa, size);
        }
        this.account(e, va, size, false);
        if (e.memClass < 6) this.account(e, va, size, true);
        return DONE;
      },
      va,
      insn,
    );
    return old;
  }

  /** Instruction fetch of 4 bytes at `va` (permission/XN checks; nothing is returned). */
  fetch(va: VA): void {
    const insn = "fetch";
    if ((va & 3) !== 0) {
      // PC alignment fault (EC 0x22, D1.x "PC alignment checking").
      this.takeSync(encodeEsr(EC.PC_ALIGN, 0), va, insn, 1);
    }
    this.replay(
      () => {
        const e = this.checked(va, 4, A_FETCH, true, insn, undefined, null, 0);
        return e === null ? this.trapCode : DONE;
      },
      va,
      insn,
    );
  }

  /** HVC #imm from EL1: the EL2 handler runs synchronously (arguments in `regs`). */
  hvc(imm: number): void {
    if (this._el === 0 || this.el2Handler === null) {
      // HVC is UNDEFINED at EL0 and when no EL2 is present.
      this.takeSync(encodeEsr(EC.UNKNOWN, 0), 0, "hvc", 1);
    }
    this.setEsr2(encodeEsr(EC.HVC64, imm & 0xffff));
    this.emit({ type: "trap", what: "hvc", insn: "hvc", esr: encodeEsr(EC.HVC64, imm & 0xffff) });
    this.el2Handler.hypercall(this, { kind: "hvc", imm: imm & 0xffff });
  }

  /** SMC #imm from EL1: trapped to EL2 with HCR_EL2.TSC, otherwise UNDEFINED (no EL3). */
  smc(imm: number): void {
    if (this._el === 0 || this.el2Handler === null || (this.hcr & HCR.TSC) === 0n) {
      this.takeSync(encodeEsr(EC.UNKNOWN, 0), 0, "smc", 1);
    }
    this.setEsr2(encodeEsr(EC.SMC64, imm & 0xffff));
    this.emit({ type: "trap", what: "smc", insn: "smc", esr: encodeEsr(EC.SMC64, imm & 0xffff) });
    this.el2Handler.hypercall(this, { kind: "smc", imm: imm & 0xffff });
  }

  // ---------------------------------------------------------------- convenience

  /** 8-bit load. */
  read8(va: VA): number {
    this.load(va, 1, this.scratch, 0);
    return this.scratch[0];
  }

  /** 16-bit load. */
  read16(va: VA): number {
    this.load(va, 2, this.scratch, 0);
    return this.scratch[0] | (this.scratch[1] << 8);
  }

  /** 32-bit load. */
  read32(va: VA): number {
    const po = va & 0xfff;
    if ((po & 3) === 0) {
      const page = va - po;
      const e = page === this.uPage ? this.uEntry : this.lookup(page);
      if (e !== null && (e.perm & this.needR) !== 0) {
        const p = e.page ?? this.readPage(e);
        if (p !== null) {
          const c = this.cost;
          if (c !== null) {
            const pa = e.paPage + po;
            const lo = pa & 63;
            if (
              pa - lo === c.lastBase && lo < 61 && e.costRow === c.hitRow && e.memClass === 6
            ) {
              c.hits++;
              c.hitBytes += 4;
            } else c.access(e, pa, 4, false);
          }
          return (p[po] | (p[po + 1] << 8) | (p[po + 2] << 16) | (p[po + 3] << 24)) >>> 0;
        }
      }
    }
    this.slowAccess(va, 4, this.scratch, 0, A_READ, "ldr", undefined);
    return this.scratchView.getUint32(0, true);
  }

  /** 64-bit load. */
  read64(va: VA): bigint {
    this.load(va, 8, this.scratch, 0);
    return this.scratchView.getBigUint64(0, true);
  }

  /** 8-bit store. */
  write8(va: VA, v: number): void {
    this.scratch[0] = v;
    this.store(va, 1, this.scratch, 0);
  }

  /** 16-bit store. */
  write16(va: VA, v: number): void {
    this.scratchView.setUint16(0, v & 0xffff, true);
    this.store(va, 2, this.scratch, 0);
  }

  /** 32-bit store. */
  write32(va: VA, v: number): void {
    const po = va & 0xfff;
    if ((po & 3) === 0) {
      const page = va - po;
      const e = page === this.wPage ? this.wEntry : this.lookupW(page);
      if (e !== null && (e.perm & this.needW) !== 0) {
        const p = e.page ?? this.writePage(e);
        if (p !== null) {
          p[po] = v;
          p[po + 1] = v >>> 8;
          p[po + 2] = v >>> 16;
          p[po + 3] = v >>> 24;
          if (this.cluster.monitor.armed !== 0) {
            this.cluster.monitor.onStore(this.index, e.paPage + po, 4);
          }
          const c = this.cost;
          if (c !== null) {
            const pa = e.paPage + po;
            const lo = pa & 63;
            if (
              pa - lo === c.lastBase && lo < 61 && e.costRow === c.hitRow && e.memClass === 6
            ) {
              c.hits++;
              c.hitBytes += 4;
              c.hitDirty = true;
            } else c.access(e, pa, 4, true);
          }
          return;
        }
      }
    }
    this.scratchView.setUint32(0, v >>> 0, true);
    this.slowAccess(va, 4, this.scratch, 0, A_WRITE, "str", undefined);
  }

  /** 64-bit store. */
  write64(va: VA, v: bigint): void {
    this.scratchView.setBigUint64(0, BigInt.asUintN(64, v), true);
    this.store(va, 8, this.scratch, 0);
  }

  // ---------------------------------------------------------------- introspection

  /**
   * AT S1E1R/S1E1W/S12E1R/S12E1W for `va` in the EL1&0 regime (D7.x "AT S1E1R", D19.2 PAR_EL1):
   * the result is written to PAR_EL1 and returned. Success: F = 0, SH [8:7], NS [9] = 1,
   * PA/IPA [47:12], ATTR [63:56] (the MAIR-format attribute). Failure: F = 1, FST [6:1], PTW [8]
   * (stage-2 fault on the stage-1 walk), S [9] (the fault was at stage 2). Permission is
   * checked at EL1 for the read or write the operation names. No exception is taken.
   */
  at(op: "s1e1r" | "s1e1w" | "s12e1r" | "s12e1w", va: VA): bigint {
    const write = op.endsWith("w");
    const stage12 = op.startsWith("s12");
    const need = write ? P_W1 : P_R1;
    const fail = (fst: number, ptw: boolean, s2: boolean) =>
      BigInt(1 | ((fst & 63) << 1) | (ptw ? 1 << 8 : 0) | (s2 ? 1 << 9 : 0));
    const ok = (addr: number, attr: number, sh: number) =>
      (BigInt(attr & 0xff) << 56n) | BigInt(addr - (addr % 4096)) | BigInt((sh & 3) << 7) |
      (1n << 9n);
    const saved = this._el;
    let par: bigint;
    try {
      if (saved === 2) this.el = 1;
      const page = va - (va & 0xfff);
      if (!stage12) {
        const w = this.walk;
        const cfg = this.s1el1;
        if (!cfg.enabled) {
          par = ok(page, ATTR_DEVICE_nGnRnE, 2);
        } else {
          this.walker.walkS1(page, cfg, this.s2, w);
          if (w.fault !== F_NONE) {
            const kind = WALK_FAULT_KIND[w.fault] as FaultKind;
            par = fail(fscFor(kind, w.level), w.s1ptw, w.stage === 2);
          } else if (write && (w.ap & 2) !== 0) {
            par = fail(fscFor("permission", w.s1Level), false, false);
          } else {
            par = ok(w.ipaPage, this.mair1[w.attrIndx], w.sh);
          }
        }
      } else {
        const e = this.translate(page);
        if (e === null) {
          const w = this.walk;
          const kind = WALK_FAULT_KIND[w.fault] as FaultKind;
          par = fail(fscFor(kind, w.level), w.s1ptw, w.stage === 2);
        } else if ((e.s1perm & need) !== need) {
          par = fail(fscFor("permission", Math.max(e.s1Level, 0)), false, false);
        } else if ((e.s2perm & need) !== need) {
          par = fail(fscFor("permission", Math.max(e.s2Level, 0)), false, true);
        } else {
          par = ok(e.paPage, e.attr, e.sh);
        }
      }
    } finally {
      if (saved === 2) this.el = 2;
    }
    this.sys.set("PAR_EL1", par);
    return par;
  }

  /**
   * Translate `va` for the current context as a data read would (walking and filling the TLB),
   * without raising anything: the translation with its attribute provenance, or the fault as a
   * string ("stage 1 level 3 translation fault").
   */
  translation(va: VA): Translation | { fault: string } {
    const page = va - (va & 0xfff);
    const e = this.translate(page);
    if (e === null) {
      const w = this.walk;
      const kind = WALK_FAULT_KIND[w.fault] as FaultKind;
      return {
        fault: `stage ${w.stage}${w.s1ptw ? " (stage-1 walk)" : ""} ${
          fscName(fscFor(kind, w.level))
        }`,
      };
    }
    const letters = (r: number, w: number, x: number) =>
      `${(e.perm & r) ? "r" : "-"}${(e.perm & w) ? "w" : "-"}${(e.perm & x) ? "x" : "-"}`;
    return {
      va,
      ipa: e.ipaPage + (va & 0xfff),
      pa: e.paPage + (va & 0xfff),
      s1Type: memTypeName(e.s1attr),
      s2MemAttr: e.s2memAttr,
      s2Type: e.s2memAttr >= 0 ? s2MemAttrName(e.s2memAttr) : "",
      type: memTypeName(e.attr),
      attr: e.attr,
      sh: e.sh,
      provenance: provenance(e.by, e.rule, e.s1attr, e.s2memAttr < 0 ? 0xf : e.s2memAttr, e.attr),
      s1Level: e.s1Level,
      s2Level: e.s2Level,
      permissions: `${letters(P_R1, P_W1, P_X1)}/${letters(P_R0, P_W0, P_X0)}`,
    };
  }
}
