/**
 * GICv3 distributor and redistributor register blocks (ARM IHI 0069 "GIC Architecture
 * Specification v3/v4", chapters 12.9 GICD_*, 12.10/12.11 GICR_*), with the values QEMU's
 * `virt` machine reports — those Xen 4.17 reads at boot ("GICv3: 256 lines, (IID 0000043b)",
 * "CPU0: Found redistributor in region 0"). The CPU interface is system registers (ICC_*) and is
 * not a bus device. Interrupt delivery is not modelled: the registers hold state.
 *
 * @module
 */

import { idRegister, MmioDevice } from "./mmio_device.ts";
import {
  bankOf,
  GIC_IIDR_ARM,
  gicIdRegs,
  IrqState,
  isSetClearBank,
  readBank,
  writeBank,
} from "./gic_common.ts";

/** GICD register offsets used by Xen and Linux. */
export const GICD = {
  CTLR: 0x0000,
  TYPER: 0x0004,
  IIDR: 0x0008,
  TYPER2: 0x000c,
  STATUSR: 0x0010,
  SETSPI_NSR: 0x0040,
  CLRSPI_NSR: 0x0048,
  IROUTER: 0x6000,
  PIDR2: 0xffe8,
} as const;

/** GICR register offsets (RD_base frame; the SGI_base frame follows at +64 KiB). */
export const GICR = {
  CTLR: 0x0000,
  IIDR: 0x0004,
  TYPER: 0x0008,
  STATUSR: 0x0010,
  WAKER: 0x0014,
  PROPBASER: 0x0070,
  PENDBASER: 0x0078,
  PIDR2: 0xffe8,
  SGI_BASE: 0x10000,
} as const;

/** GICR_WAKER.ProcessorSleep. */
export const WAKER_PROCESSOR_SLEEP = 1 << 1;
/** GICR_WAKER.ChildrenAsleep. */
export const WAKER_CHILDREN_ASLEEP = 1 << 2;

/** Options of a GICv3. */
export interface Gicv3Options {
  /** Interrupt lines as GICD_TYPER.ITLinesNumber reports them (32·(N+1); default 256, QEMU virt). */
  lines?: number;
  /** GICD_IIDR / GICR_IIDR (default 0x43b). */
  iidr?: number;
  /** LPIs supported (GICD_TYPER.LPIS, GICR_TYPER.PLPIS; default true, QEMU virt with an ITS). */
  lpis?: boolean;
}

/** The GICv3 distributor (64 KiB). */
export class Gicv3Distributor extends MmioDevice {
  /** Model name. */
  readonly model: string = "gicv3-distributor";
  /** SPI/PPI/SGI state (the SGI/PPI part is in the redistributors when ARE = 1). */
  readonly irqs: IrqState;
  /** GICD_IROUTER<n> (64-bit, one per SPI). */
  readonly irouter: BigUint64Array;
  /** GICD_CTLR. */
  ctlr = 0;
  private readonly typer: number;
  private readonly iidr: number;
  private readonly ids = gicIdRegs(0x92, 3);

  /** Make a distributor. */
  constructor(name = "gicv3-distributor", opts: Gicv3Options = {}) {
    super(name, 0x10000);
    const lines = opts.lines ?? 256;
    if (lines % 32 !== 0 || lines < 64 || lines > 1024) {
      throw new RangeError(`GICv3 line count ${lines} is not a multiple of 32 in 64..1024`);
    }
    this.irqs = new IrqState(lines);
    this.irouter = new BigUint64Array(lines);
    // IHI 0069 12.9.38: No1N, A3V, IDbits = 15 (16-bit INTIDs), LPIS, ITLinesNumber;
    // SecurityExtn = 0 (QEMU virt without secure=on, GICD_CTLR.DS = 1).
    this.typer = (1 << 25) | (1 << 24) | (0xf << 19) | ((opts.lpis ?? true) ? 1 << 17 : 0) |
      (lines / 32 - 1);
    this.iidr = opts.iidr ?? GIC_IIDR_ARM;
    this.ctlr = 1 << 6; // DS: security disabled
  }

  /** Number of interrupt lines reported. */
  get lines(): number {
    return this.irqs.count;
  }

  /** Read a register. */
  read32(offset: number): number {
    switch (offset) {
      case GICD.CTLR:
        return this.ctlr; // RWP (bit 31) always reads 0: writes take effect at once
      case GICD.TYPER:
        return this.typer >>> 0;
      case GICD.IIDR:
        return this.iidr;
      case GICD.TYPER2:
      case GICD.STATUSR:
        return 0;
    }
    if (offset >= GICD.IROUTER && offset < GICD.IROUTER + 8 * 1024) {
      const n = Math.floor((offset - GICD.IROUTER) / 8);
      if (n >= this.irqs.count || n < 32) return 0;
      const v = this.irouter[n];
      return Number((offset % 8 === 0 ? v : v >> 32n) & 0xffffffffn);
    }
    const b = bankOf(offset);
    if (b !== undefined) return readBank(this.irqs, b.bank, b.index);
    return idRegister(offset, 0x10000, this.ids) ?? 0;
  }

  /** Write a register. */
  write32(offset: number, value: number): void {
    if (offset === GICD.CTLR) {
      this.ctlr = (value & 0x7fffffff) | (1 << 6);
      return;
    }
    if (offset >= GICD.IROUTER && offset < GICD.IROUTER + 8 * 1024) {
      const n = Math.floor((offset - GICD.IROUTER) / 8);
      if (n >= this.irqs.count || n < 32) return;
      const v = this.irouter[n];
      this.irouter[n] = offset % 8 === 0
        ? (v & 0xffffffff00000000n) | BigInt(value >>> 0)
        : (v & 0xffffffffn) | (BigInt(value >>> 0) << 32n);
      return;
    }
    if (offset === GICD.SETSPI_NSR || offset === GICD.CLRSPI_NSR) {
      const id = value & 0x3ff;
      if (id >= 32 && id < this.irqs.count) {
        const w = id >> 5;
        if (offset === GICD.SETSPI_NSR) this.irqs.pending[w] |= 1 << (id & 31);
        else this.irqs.pending[w] &= ~(1 << (id & 31));
      }
      return;
    }
    const b = bankOf(offset);
    if (b !== undefined && b.index > 0) writeBank(this.irqs, b.bank, b.index, value >>> 0);
    // Word 0 (SGIs/PPIs) is RAZ/WI in the distributor with affinity routing (ARE = 1).
  }

  /** Set/clear banks must not be read-merged by sub-word writes. */
  protected override subWordBase(word: number): number {
    const b = bankOf(word);
    return b !== undefined && isSetClearBank(b.bank) ? 0 : this.read32(word);
  }
}

/** The CPUs a redistributor region serves: MPIDR affinity of each, in frame order. */
export interface RedistributorCpu {
  /** MPIDR_EL1 affinity (Aff3 in bits [39:32], Aff2..0 in [23:0]). */
  mpidr: bigint;
}

/**
 * One GICv3 redistributor region: consecutive 128 KiB frames (RD_base + SGI_base), one per CPU
 * (IHI 0069 12.10). GICR_TYPER carries each CPU's affinity, its processor number and `Last` on
 * the final frame — what Xen's `gicv3_populate_rdist` scans for.
 */
export class Gicv3Redistributors extends MmioDevice {
  /** Model name. */
  readonly model: string = "gicv3-redistributor";
  /** SGI/PPI state per frame. */
  readonly frames: {
    typer: bigint;
    waker: number;
    ctlr: number;
    propbaser: bigint;
    pendbaser: bigint;
    irqs: IrqState;
  }[] = [];
  private readonly iidr: number;
  private readonly ids = gicIdRegs(0x93, 3);

  /**
   * Make a region of `size` bytes serving `cpus` (frame i ↔ cpus[i]); `firstProcessor` is the
   * GICR_TYPER.Processor_Number of the first frame.
   */
  constructor(
    name: string,
    size: number,
    cpus: RedistributorCpu[],
    opts: Gicv3Options & { firstProcessor?: number } = {},
  ) {
    super(name, size);
    if (cpus.length * 0x20000 > size) {
      throw new RangeError(
        `${cpus.length} redistributors do not fit in 0x${size.toString(16)} bytes`,
      );
    }
    this.iidr = opts.iidr ?? GIC_IIDR_ARM;
    const lpis = opts.lpis ?? true;
    cpus.forEach((c, i) => {
      const aff = ((c.mpidr & 0xff00000000n) >> 8n) | (c.mpidr & 0xffffffn);
      const last = i === cpus.length - 1;
      // QEMU arm_gicv3_common.c: affinity, CommonLPIAff = 1, processor number, Last, PLPIS.
      const typer = (aff << 32n) | (1n << 24n) | (BigInt((opts.firstProcessor ?? 0) + i) << 8n) |
        (last ? 1n << 4n : 0n) | (lpis ? 1n : 0n);
      this.frames.push({
        typer,
        waker: WAKER_PROCESSOR_SLEEP | WAKER_CHILDREN_ASLEEP,
        ctlr: 0,
        propbaser: 0n,
        pendbaser: 0n,
        irqs: new IrqState(32),
      });
    });
  }

  /** Frame index and offset within the frame. */
  private locate(offset: number): { f: number; o: number } {
    return { f: Math.floor(offset / 0x20000), o: offset % 0x20000 };
  }

  /** Read a register. */
  read32(offset: number): number {
    const { f, o } = this.locate(offset);
    const fr = this.frames[f];
    if (fr === undefined) return 0; // beyond the populated frames: RAZ
    if (o >= GICR.SGI_BASE) {
      const b = bankOf(o - GICR.SGI_BASE);
      return b !== undefined ? readBank(fr.irqs, b.bank, b.index) : 0;
    }
    switch (o) {
      case GICR.CTLR:
        return fr.ctlr;
      case GICR.IIDR:
        return this.iidr;
      case GICR.TYPER:
        return Number(fr.typer & 0xffffffffn);
      case GICR.TYPER + 4:
        return Number(fr.typer >> 32n);
      case GICR.WAKER:
        return fr.waker;
      case GICR.PROPBASER:
        return Number(fr.propbaser & 0xffffffffn);
      case GICR.PROPBASER + 4:
        return Number(fr.propbaser >> 32n);
      case GICR.PENDBASER:
        return Number(fr.pendbaser & 0xffffffffn);
      case GICR.PENDBASER + 4:
        return Number(fr.pendbaser >> 32n);
    }
    return idRegister(o, 0x10000, this.ids) ?? 0;
  }

  /** Write a register. */
  write32(offset: number, value: number): void {
    const { f, o } = this.locate(offset);
    const fr = this.frames[f];
    if (fr === undefined) return;
    if (o >= GICR.SGI_BASE) {
      const b = bankOf(o - GICR.SGI_BASE);
      if (b !== undefined) writeBank(fr.irqs, b.bank, b.index, value >>> 0);
      return;
    }
    const lo = (v: bigint) => (v & 0xffffffff00000000n) | BigInt(value >>> 0);
    const hi = (v: bigint) => (v & 0xffffffffn) | (BigInt(value >>> 0) << 32n);
    switch (o) {
      case GICR.CTLR:
        fr.ctlr = value & 1;
        return;
      case GICR.WAKER:
        // ChildrenAsleep follows ProcessorSleep at once (IHI 0069 12.11.42).
        fr.waker = (value & WAKER_PROCESSOR_SLEEP) !== 0
          ? WAKER_PROCESSOR_SLEEP | WAKER_CHILDREN_ASLEEP
          : 0;
        return;
      case GICR.PROPBASER:
        fr.propbaser = lo(fr.propbaser);
        return;
      case GICR.PROPBASER + 4:
        fr.propbaser = hi(fr.propbaser);
        return;
      case GICR.PENDBASER:
        fr.pendbaser = lo(fr.pendbaser);
        return;
      case GICR.PENDBASER + 4:
        fr.pendbaser = hi(fr.pendbaser);
        return;
    }
  }

  /** Set/clear banks must not be read-merged by sub-word writes. */
  protected override subWordBase(word: number): number {
    const o = word % 0x20000;
    if (o >= GICR.SGI_BASE) {
      const b = bankOf(o - GICR.SGI_BASE);
      if (b !== undefined && isSetClearBank(b.bank)) return 0;
    }
    return this.read32(word);
  }
}

/** MPIDR of CPU `i` on QEMU virt with a GICv3 (16 CPUs per Aff1 cluster). */
export function virtMpidr(i: number): bigint {
  return BigInt(((i >> 4) << 8) | (i & 15));
}
