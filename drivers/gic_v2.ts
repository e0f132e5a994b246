/**
 * GICv2 register blocks (ARM IHI 0048B "GIC Architecture Specification v2": 4.3 distributor,
 * 4.4 CPU interface; 5.3 virtual interface control GICH, 5.5 virtual CPU interface GICV) as a
 * GIC-400 or QEMU's `arm,cortex-a15-gic` presents them. Per-CPU banked registers (SGI/PPI
 * enables, priorities, targets, the whole CPU interface) are selected by the CPU making the
 * access (`Bus.currentCpu`). Interrupt delivery is not modelled: IAR reads 1023 (spurious).
 *
 * @module
 */

import { idRegister, MmioDevice } from "./mmio_device.ts";
import {
  bankOf,
  GIC_IIDR_ARM,
  IrqState,
  isSetClearBank,
  readBank,
  writeBank,
} from "./gic_common.ts";

/** GICD (v2) offsets beyond the shared banks. */
export const GICD_V2 = {
  CTLR: 0x000,
  TYPER: 0x004,
  IIDR: 0x008,
  ITARGETSR: 0x800,
  SGIR: 0xf00,
  CPENDSGIR: 0xf10,
  SPENDSGIR: 0xf20,
  PIDR2: 0xfe8,
} as const;

/** GICC (and GICV) offsets. */
export const GICC = {
  CTLR: 0x00,
  PMR: 0x04,
  BPR: 0x08,
  IAR: 0x0c,
  EOIR: 0x10,
  RPR: 0x14,
  HPPIR: 0x18,
  ABPR: 0x1c,
  AIAR: 0x20,
  AEOIR: 0x24,
  AHPPIR: 0x28,
  APR0: 0xd0,
  NSAPR0: 0xe0,
  IIDR: 0xfc,
  DIR: 0x1000,
} as const;

/** GICH offsets. */
export const GICH = {
  HCR: 0x00,
  VTR: 0x04,
  VMCR: 0x08,
  MISR: 0x10,
  EISR0: 0x20,
  ELRSR0: 0x30,
  APR: 0xf0,
  LR0: 0x100,
} as const;

/** Spurious INTID. */
export const SPURIOUS = 1023;

/** Options of a GICv2. */
export interface Gicv2Options {
  /** Interrupt IDs as GICD_TYPER.ITLinesNumber reports them: 32·(N+1) (default 288, QEMU virt). */
  lines?: number;
  /** Number of CPU interfaces (GICD_TYPER.CPUNumber + 1; default 8 max). */
  cpus?: number;
  /** GICD_IIDR (default 0x43b, QEMU; a GIC-400 reports 0x0200143b). */
  iidr?: number;
  /** GICC_IIDR (default 0x0202143b, GIC-400). */
  cpuIidr?: number;
  /** List registers in GICH (default 4, GIC-400). */
  listRegisters?: number;
  /** The CPU making the current access (the registry passes `() => bus.currentCpu`). */
  currentCpu?: () => number;
}

const GICV2_IDS = [0x04, 0x00, 0x00, 0x00, 0x90, 0xb4, 0x2b, 0x00, 0x0d, 0xf0, 0x05, 0xb1];

/** The GICv2 distributor (4 KiB). */
export class Gicv2Distributor extends MmioDevice {
  /** Model name. */
  readonly model: string = "gicv2-distributor";
  /** Shared (SPI) state; word 0 of each bank lives in {@link banked}. */
  readonly irqs: IrqState;
  /** Per-CPU SGI/PPI state. */
  readonly banked: IrqState[] = [];
  /** GICD_ITARGETSR bytes for SPIs. */
  readonly targets: Uint8Array;
  /** GICD_CTLR. */
  ctlr = 0;
  /** SGIs raised through GICD_SGIR: [target list, INTID]. */
  readonly sgis: [number, number][] = [];
  private readonly typer: number;
  private readonly iidr: number;
  private readonly cpu: () => number;

  /** Make a distributor. */
  constructor(name = "gicv2-distributor", opts: Gicv2Options = {}) {
    super(name, 0x1000);
    const lines = opts.lines ?? 288;
    if (lines % 32 !== 0 || lines < 32 || lines > 1024) {
      throw new RangeError(`GICv2 line count ${lines} is not a multiple of 32 in 32..1024`);
    }
    const ncpu = opts.cpus ?? 8;
    this.irqs = new IrqState(lines);
    for (let i = 0; i < ncpu; i++) this.banked.push(new IrqState(32));
    this.targets = new Uint8Array(lines);
    // IHI 0048B 4.3.2: ITLinesNumber [4:0], CPUNumber [7:5], SecurityExtn [10] = 0.
    this.typer = (lines / 32 - 1) | ((ncpu - 1) << 5);
    this.iidr = opts.iidr ?? GIC_IIDR_ARM;
    this.cpu = opts.currentCpu ?? (() => 0);
  }

  /** State holding INTID word `index` for the current CPU. */
  private state(index: number): { s: IrqState; i: number } {
    if (index === 0) return { s: this.banked[this.cpu()] ?? this.banked[0], i: 0 };
    return { s: this.irqs, i: index };
  }

  /** Read a register. */
  read32(offset: number): number {
    switch (offset) {
      case GICD_V2.CTLR:
        return this.ctlr;
      case GICD_V2.TYPER:
        return this.typer;
      case GICD_V2.IIDR:
        return this.iidr;
    }
    if (offset >= GICD_V2.ITARGETSR && offset < GICD_V2.ITARGETSR + 0x400) {
      const n = offset - GICD_V2.ITARGETSR;
      if (n < 32) {
        // The first eight registers are read-only and report the reading CPU.
        const me = 1 << (this.cpu() & 7);
        return (me | (me << 8) | (me << 16) | (me << 24)) >>> 0;
      }
      const t = this.targets;
      return n + 3 < t.length
        ? (t[n] | (t[n + 1] << 8) | (t[n + 2] << 16) | (t[n + 3] << 24)) >>> 0
        : 0;
    }
    const b = bankOf(offset);
    if (b !== undefined && b.bank !== "IGRPMODR") {
      if (b.bank === "IPRIORITYR") {
        const s = b.index < 8 ? this.banked[this.cpu()] ?? this.banked[0] : this.irqs;
        return readBank(s, "IPRIORITYR", b.index);
      }
      if (b.bank === "ICFGR") {
        return b.index < 2
          ? readBank(this.banked[this.cpu()] ?? this.banked[0], "ICFGR", b.index)
          : readBank(this.irqs, "ICFGR", b.index);
      }
      const { s, i } = this.state(b.index);
      return readBank(s, b.bank, i);
    }
    return idRegister(offset, 0x1000, GICV2_IDS) ?? 0;
  }

  /** Write a register. */
  write32(offset: number, value: number): void {
    if (offset === GICD_V2.CTLR) {
      this.ctlr = value & 3;
      return;
    }
    if (offset === GICD_V2.SGIR) {
      this.sgis.push([(value >>> 16) & 0xff, value & 0xf]);
      return;
    }
    if (offset >= GICD_V2.ITARGETSR + 32 && offset < GICD_V2.ITARGETSR + 0x400) {
      const n = offset - GICD_V2.ITARGETSR;
      for (let i = 0; i < 4 && n + i < this.targets.length; i++) {
        this.targets[n + i] = (value >>> (i * 8)) & 0xff;
      }
      return;
    }
    const b = bankOf(offset);
    if (b === undefined || b.bank === "IGRPMODR") return;
    if (b.bank === "IPRIORITYR") {
      const s = b.index < 8 ? this.banked[this.cpu()] ?? this.banked[0] : this.irqs;
      writeBank(s, "IPRIORITYR", b.index, value >>> 0);
      return;
    }
    if (b.bank === "ICFGR") {
      if (b.index >= 2) writeBank(this.irqs, "ICFGR", b.index, value >>> 0);
      else if (b.index === 1) {
        writeBank(this.banked[this.cpu()] ?? this.banked[0], "ICFGR", 1, value >>> 0);
      }
      return; // ICFGR0 (SGIs) is read-only
    }
    const { s, i } = this.state(b.index);
    writeBank(s, b.bank, i, value >>> 0);
  }

  /** Set/clear banks must not be read-merged by sub-word writes. */
  protected override subWordBase(word: number): number {
    const b = bankOf(word);
    return b !== undefined && isSetClearBank(b.bank) ? 0 : this.read32(word);
  }
}

/** A GICv2 CPU interface (GICC, 8 KiB) or virtual CPU interface (GICV), banked per CPU. */
export class Gicv2CpuInterface extends MmioDevice {
  /** Model name. */
  readonly model: string;
  private readonly regs: Map<number, number>[] = [];
  private readonly iidr: number;
  private readonly cpu: () => number;
  /** End-of-interrupt writes seen (INTIDs). */
  readonly eois: number[] = [];

  /** Make a CPU interface; `virtual` names it GICV. */
  constructor(name = "gicv2-cpu", opts: Gicv2Options & { virtual?: boolean; size?: number } = {}) {
    super(name, opts.size ?? 0x2000);
    this.model = opts.virtual ? "gicv2-vcpu" : "gicv2-cpu";
    this.iidr = opts.cpuIidr ?? 0x0202143b;
    this.cpu = opts.currentCpu ?? (() => 0);
    for (let i = 0; i < (opts.cpus ?? 8); i++) this.regs.push(new Map([[GICC.BPR, 2]]));
  }

  /** Registers of the current CPU. */
  private bank(): Map<number, number> {
    return this.regs[this.cpu()] ?? this.regs[0];
  }

  /** Read a register. */
  read32(offset: number): number {
    switch (offset) {
      case GICC.IAR:
      case GICC.AIAR:
      case GICC.HPPIR:
      case GICC.AHPPIR:
        return SPURIOUS;
      case GICC.RPR:
        return 0xff;
      case GICC.IIDR:
        return this.iidr;
      case GICC.EOIR:
      case GICC.AEOIR:
      case GICC.DIR:
        return 0;
    }
    return this.bank().get(offset) ?? 0;
  }

  /** Write a register. */
  write32(offset: number, value: number): void {
    switch (offset) {
      case GICC.EOIR:
      case GICC.AEOIR:
      case GICC.DIR:
        this.eois.push(value & 0x3ff);
        return;
      case GICC.IAR:
      case GICC.AIAR:
      case GICC.HPPIR:
      case GICC.AHPPIR:
      case GICC.RPR:
      case GICC.IIDR:
        return;
    }
    this.bank().set(offset, value >>> 0);
  }
}

/** The GICv2 virtual interface control block (GICH, 4 KiB), banked per CPU. */
export class Gicv2HypInterface extends MmioDevice {
  /** Model name. */
  readonly model: string = "gicv2-hyp";
  private readonly regs: Map<number, number>[] = [];
  private readonly lrs: number;
  private readonly cpu: () => number;

  /** Make a GICH block. */
  constructor(name = "gicv2-hyp", opts: Gicv2Options = {}) {
    super(name, 0x1000);
    this.lrs = opts.listRegisters ?? 4;
    this.cpu = opts.currentCpu ?? (() => 0);
    for (let i = 0; i < (opts.cpus ?? 8); i++) this.regs.push(new Map());
  }

  /** Registers of the current CPU. */
  private bank(): Map<number, number> {
    return this.regs[this.cpu()] ?? this.regs[0];
  }

  /** Read a register. */
  read32(offset: number): number {
    switch (offset) {
      case GICH.VTR:
        // IHI 0048B 5.3.2: PRIbits−1 [31:29] = 4, PREbits−1 [28:26] = 4, ListRegs−1 [5:0].
        return ((4 << 29) | (4 << 26) | (this.lrs - 1)) >>> 0;
      case GICH.ELRSR0: {
        // A list register is empty when its State field [29:28] is 0.
        let m = 0;
        for (let i = 0; i < this.lrs; i++) {
          if (((this.bank().get(GICH.LR0 + 4 * i) ?? 0) & 0x30000000) === 0) m |= 1 << i;
        }
        return m >>> 0;
      }
      case GICH.MISR:
      case GICH.EISR0:
        return 0;
    }
    if (offset >= GICH.LR0 + 4 * this.lrs && offset < 0x200) return 0;
    return this.bank().get(offset) ?? 0;
  }

  /** Write a register. */
  write32(offset: number, value: number): void {
    if (offset === GICH.VTR || offset === GICH.ELRSR0 || offset === GICH.MISR) return;
    if (offset >= GICH.LR0 + 4 * this.lrs && offset < 0x200) return;
    this.bank().set(offset, value >>> 0);
  }
}
