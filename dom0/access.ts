/**
 * The kernel's view of one CPU: every load, store, pair, cache operation, exclusive, atomic and
 * barrier dom0 issues goes through a {@link KernelCpu}, which forwards it to the architectural
 * {@link CpuPort} and accounts for it per kernel routine (`__memcpy`, `__memcpy_toio`,
 * `gic_dist_init`, ...). The routine stack doubles as the call trace an oops prints: routines
 * push their name on entry and pop it on a normal return; when an access throws, the stack is left
 * as it was at the faulting access, which is exactly the trace Linux unwinds.
 *
 * Barriers (`dmb oshld` of `__iormb`, `dmb oshst` of `__iowmb`, ...) have no memory effect in the
 * port contract; they are counted here as events.
 *
 * @module
 */

import type {
  AccessOptions,
  AccessSize,
  AtomicOp,
  CpuPort,
  DcOp,
  PairSize,
  SysReg,
  VA,
} from "../arch/arm64/port.ts";

/** Per-routine access counters (what `Dom0Result.accessCounts` reports). */
export interface RoutineStats {
  /** Kernel routine name as Linux's symbol (`__memcpy_toio`, `sram_write`, ...). */
  routine: string;
  /** Single-register loads (LDR/LDRB/LDRH). */
  loads: number;
  /** Single-register stores. */
  stores: number;
  /** LDP instructions. */
  pairLoads: number;
  /** STP instructions. */
  pairStores: number;
  /** DC ZVA instructions. */
  dcZva: number;
  /** DC CIVAC/CVAC/IVAC/CVAU/CVAP instructions. */
  dcMaint: number;
  /** LDXR/STXR instructions. */
  exclusives: number;
  /** LSE atomics. */
  atomics: number;
  /** Barriers (DMB/DSB/ISB) issued by I/O accessors and TLB maintenance. */
  barriers: number;
  /** HVC instructions (Xen hypercalls and SMCCC calls). */
  hypercalls: number;
  /** TLB invalidations. */
  tlbi: number;
  /** Bytes loaded. */
  bytesRead: number;
  /** Bytes stored (DC ZVA counts its block). */
  bytesWritten: number;
}

/** The instruction class of the last access, for the oops `pc :` line and explanations. */
export type InsnClass =
  | "ldr"
  | "str"
  | "ldp"
  | "stp"
  | "dc zva"
  | "dc"
  | "ldxr"
  | "stxr"
  | "atomic"
  | "none";

function newStats(routine: string): RoutineStats {
  return {
    routine,
    loads: 0,
    stores: 0,
    pairLoads: 0,
    pairStores: 0,
    dcZva: 0,
    dcMaint: 0,
    exclusives: 0,
    atomics: 0,
    barriers: 0,
    hypercalls: 0,
    tlbi: 0,
    bytesRead: 0,
    bytesWritten: 0,
  };
}

/** One CPU as the kernel drives it. */
export class KernelCpu {
  /** The architectural port this CPU forwards to. */
  readonly port: CpuPort;
  /** Logical CPU number (Linux `smp_processor_id()`). */
  readonly id: number;
  /** Counters per routine, in first-use order. */
  readonly stats: Map<string, RoutineStats>;
  /** The routine stack (innermost last); left intact when an access throws. */
  readonly stack: string[] = [];
  /** Accesses issued so far on this CPU (the simulated clock without a generic timer). */
  ops = 0;
  /** Instruction class of the last access issued (the faulting one after a throw). */
  lastInsn: InsnClass = "none";
  /** VA of the last access issued. */
  lastVa: VA = 0;
  /** Size in bytes of the last access issued (element size for pairs). */
  lastSize = 0;
  private cur: RoutineStats;
  private readonly curStack: RoutineStats[] = [];
  private readonly scratch = new Uint8Array(8);
  private readonly view = new DataView(this.scratch.buffer);

  /** Wrap `port` as logical CPU `id`; `stats` may be shared between CPUs. */
  constructor(port: CpuPort, id = 0, stats?: Map<string, RoutineStats>) {
    this.port = port;
    this.id = id;
    this.stats = stats ?? new Map();
    this.cur = this.statsFor("kernel");
  }

  /** The counters of `routine` (created on first use). */
  statsFor(routine: string): RoutineStats {
    let s = this.stats.get(routine);
    if (!s) {
      s = newStats(routine);
      this.stats.set(routine, s);
    }
    return s;
  }

  /** Enter a routine: accesses are now accounted to it and it appears in a call trace. */
  enter(routine: string): void {
    this.stack.push(routine);
    this.curStack.push(this.cur);
    this.cur = this.statsFor(routine);
  }

  /** Return from the innermost routine. */
  leave(): void {
    this.stack.pop();
    this.cur = this.curStack.pop() ?? this.statsFor("kernel");
  }

  /** Unwind the stack to `depth` entries (after an exception was handled). */
  unwindTo(depth: number): void {
    if (depth >= this.stack.length) return;
    this.stack.length = depth;
    this.cur = this.curStack[depth] ?? this.statsFor("kernel");
    this.curStack.length = depth;
  }

  private mark(insn: InsnClass, va: VA, size: number): void {
    this.ops++;
    this.lastInsn = insn;
    this.lastVa = va;
    this.lastSize = size;
  }

  /** LDR of `size` bytes into `dst[off..]`. */
  ldr(va: VA, size: AccessSize, dst: Uint8Array, off = 0, opts?: AccessOptions): void {
    const c = this.cur;
    c.loads++;
    c.bytesRead += size;
    this.mark("ldr", va, size);
    this.port.load(va, size, dst, off, opts);
  }

  /** STR of `size` bytes from `src[off..]`. */
  str(va: VA, size: AccessSize, src: Uint8Array, off = 0, opts?: AccessOptions): void {
    const c = this.cur;
    c.stores++;
    c.bytesWritten += size;
    this.mark("str", va, size);
    this.port.store(va, size, src, off, opts);
  }

  /** LDP of two `elem`-byte registers. */
  ldp(va: VA, elem: PairSize, dst: Uint8Array, off = 0): void {
    const c = this.cur;
    c.pairLoads++;
    c.bytesRead += 2 * elem;
    this.mark("ldp", va, elem);
    this.port.ldp(va, elem, dst, off);
  }

  /** STP of two `elem`-byte registers. */
  stp(va: VA, elem: PairSize, src: Uint8Array, off = 0): void {
    const c = this.cur;
    c.pairStores++;
    c.bytesWritten += 2 * elem;
    this.mark("stp", va, elem);
    this.port.stp(va, elem, src, off);
  }

  /** DC ZVA of the block containing `va` (`blockSize` only feeds the byte counter). */
  dcZva(va: VA, blockSize: number): void {
    const c = this.cur;
    c.dcZva++;
    c.bytesWritten += blockSize;
    this.mark("dc zva", va, blockSize);
    this.port.dcZva(va);
  }

  /** DC `op` by VA. */
  dc(op: DcOp, va: VA): void {
    this.cur.dcMaint++;
    this.mark("dc", va, 1);
    this.port.dc(op, va);
  }

  /** LDXR. */
  ldxr(va: VA, size: 1 | 2 | 4 | 8, dst: Uint8Array, off = 0, opts?: AccessOptions): void {
    const c = this.cur;
    c.exclusives++;
    c.bytesRead += size;
    this.mark("ldxr", va, size);
    this.port.ldxr(va, size, dst, off, opts);
  }

  /** STXR; returns the status (0 = success). */
  stxr(va: VA, size: 1 | 2 | 4 | 8, src: Uint8Array, off = 0, opts?: AccessOptions): number {
    const c = this.cur;
    c.exclusives++;
    c.bytesWritten += size;
    this.mark("stxr", va, size);
    return this.port.stxr(va, size, src, off, opts);
  }

  /** An LSE atomic; returns the old value. */
  atomic(op: AtomicOp, va: VA, size: 1 | 2 | 4 | 8, operand: bigint, compare?: bigint): bigint {
    const c = this.cur;
    c.atomics++;
    c.bytesRead += size;
    c.bytesWritten += size;
    this.mark("atomic", va, size);
    return this.port.atomic(op, va, size, operand, compare);
  }

  /** A barrier instruction (`dmb oshld`, `dmb oshst`, `dsb ishst`, `isb`, ...), counted only. */
  barrier(_insn: string): void {
    this.cur.barriers++;
  }

  /** HVC #imm (arguments/results in `port.regs`). */
  hvc(imm: number): void {
    this.cur.hypercalls++;
    this.ops++;
    this.port.hvc(imm);
  }

  /** TLBI by VA (or all of the VMID's EL1 entries without `va`), with its DSB/ISB. */
  tlbi(va?: VA): void {
    const c = this.cur;
    c.tlbi++;
    c.barriers += 2;
    this.ops++;
    this.port.tlbiEl1(va);
  }

  /** MRS. */
  mrs(reg: SysReg): bigint {
    return this.port.mrs(reg);
  }

  /** MSR. */
  msr(reg: SysReg, value: bigint): void {
    this.port.msr(reg, value);
  }

  /** 64-bit load as a bigint (little-endian). */
  load64(va: VA): bigint {
    this.ldr(va, 8, this.scratch, 0);
    return this.view.getBigUint64(0, true);
  }

  /** 32-bit load. */
  load32(va: VA): number {
    this.ldr(va, 4, this.scratch, 0);
    return this.view.getUint32(0, true);
  }

  /** 64-bit store of `v`. */
  store64(va: VA, v: bigint): void {
    this.view.setBigUint64(0, BigInt.asUintN(64, v), true);
    this.str(va, 8, this.scratch, 0);
  }

  /** 64-bit store of the value `hi:lo` (two u32 halves; one STR X, no bigint). */
  store64lh(va: VA, lo: number, hi: number): void {
    this.view.setUint32(0, lo >>> 0, true);
    this.view.setUint32(4, hi >>> 0, true);
    this.str(va, 8, this.scratch, 0);
  }

  /** 32-bit store of `v`. */
  store32(va: VA, v: number): void {
    this.view.setUint32(0, v >>> 0, true);
    this.str(va, 4, this.scratch, 0);
  }
}

/** `x mod m` for a possibly negative (upper-half) VA; `m` a power of two ≤ 2^30. */
export function vaMod(va: VA, m: number): number {
  const r = va % m;
  return r < 0 ? r + m : r;
}
