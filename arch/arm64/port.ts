/**
 * The CPU memory port: the contract between the layers that *use* the architecture (`hyp/`,
 * `dom0/`, `sim/`) and the model that implements it (`arch/arm64/cpu.ts`). Instruction classes,
 * not an ISA: each call is one instruction's memory effect, carrying its VA, size, exception level
 * and whether it is a pair/exclusive/atomic/acquire-release access.
 *
 * Addresses are JavaScript numbers. Physical and intermediate physical addresses are < 2^52.
 * A virtual address is the 64-bit VA read as a *signed* integer, so upper-half (TTBR1) addresses
 * such as 0xffff800008000000 are negative numbers (-0x7ffff8000000) and stay exact; use
 * {@link vaToBigInt}/{@link vaFromBigInt} at the edges (printing, registers).
 *
 * Faults never print: a fault taken to EL1 is thrown as {@link GuestException}; a fault taken to
 * EL2 is handed synchronously to the attached {@link El2Handler} (the hypervisor), whose
 * {@link TrapResult} decides what the guest sees.
 *
 * @module
 */

/** A virtual address as a signed 64-bit value in a safe double (see module doc). */
export type VA = number;
/** An intermediate physical address (stage-1 output, stage-2 input). */
export type IPA = number;
/** A physical address. */
export type PA = number;

/** Exception level the access is made from. */
export type El = 0 | 1 | 2;

/** Access sizes of single-register loads/stores (bytes). */
export type AccessSize = 1 | 2 | 4 | 8 | 16;

/** Element size of LDP/STP (W, X or Q registers). */
export type PairSize = 4 | 8 | 16;

/** Data-cache maintenance by VA. */
export type DcOp = "civac" | "cvac" | "ivac" | "cvau" | "cvap";

/** LSE atomic operations (FEAT_LSE). */
export type AtomicOp = "ldadd" | "ldclr" | "ldeor" | "ldset" | "swp" | "cas";

/** Modifiers of a load/store. */
export interface AccessOptions {
  /** Load-acquire (LDAR/LDAXR/LDAP): natural alignment required on every memory type. */
  acquire?: boolean;
  /** Store-release (STLR/STLXR). */
  release?: boolean;
  /** Unprivileged (LDTR/STTR): checked with EL0 permissions. */
  unprivileged?: boolean;
  /** Destination/source register number for the syndrome (ISS.SRT); defaults to 0. */
  rt?: number;
  /** Sign-extending load (LDRSB/LDRSH/LDRSW) for the syndrome (ISS.SSE); defaults to false. */
  signExtend?: boolean;
  /** 64-bit register (ISS.SF); defaults to `size === 8`. */
  sf?: boolean;
}

/** The system registers the model implements (names as the ARM ARM spells them). */
export type SysReg =
  | "SCTLR_EL1"
  | "TCR_EL1"
  | "MAIR_EL1"
  | "TTBR0_EL1"
  | "TTBR1_EL1"
  | "ESR_EL1"
  | "FAR_EL1"
  | "VBAR_EL1"
  | "CONTEXTIDR_EL1"
  | "DCZID_EL0"
  | "MIDR_EL1"
  | "MPIDR_EL1"
  | "ID_AA64MMFR0_EL1"
  | "SCTLR_EL2"
  | "HCR_EL2"
  | "VTCR_EL2"
  | "VTTBR_EL2"
  | "TCR_EL2"
  | "TTBR0_EL2"
  | "MAIR_EL2"
  | "ESR_EL2"
  | "FAR_EL2"
  | "HPFAR_EL2"
  | "PAR_EL1"
  // Identification (read-only): processor and instruction-set features.
  | "ID_AA64PFR0_EL1"
  | "ID_AA64ISAR0_EL1"
  | "ID_AA64MMFR1_EL1"
  // Generic timer: frequency (read-only), virtual count (read-only), virtual offset (EL2).
  | "CNTFRQ_EL0"
  | "CNTVCT_EL0"
  | "CNTPCT_EL0"
  | "CNTVOFF_EL2"
  // GICv3 CPU interface (the ICV_* view of an EL1 guest under HCR_EL2.IMO/FMO).
  | "ICC_SRE_EL1"
  | "ICC_CTLR_EL1"
  | "ICC_PMR_EL1"
  | "ICC_BPR1_EL1"
  | "ICC_IGRPEN1_EL1";

/**
 * The syndrome of a synchronous exception, decoded (ESR_ELx plus the address registers).
 * `esr` is the raw 32-bit ESR value (EC[31:26] IL[25] ISS[24:0]).
 */
export interface Syndrome {
  /** Raw ESR value (32 bits used). */
  esr: number;
  /** Exception class, ESR[31:26] (0x24/0x25 data abort, 0x20/0x21 instruction abort, ...). */
  ec: number;
  /** Instruction-specific syndrome, ESR[24:0]. */
  iss: number;
  /** Fault status code (DFSC/IFSC, ISS[5:0]) for aborts; -1 otherwise. */
  fsc: number;
  /** Faulting virtual address (FAR). */
  far: VA;
  /** HPFAR_EL2-derived IPA of the faulting page, only where the architecture makes it valid. */
  hpfar?: IPA;
  /** The exception level the exception is taken to (set by the model; absent = EL1). */
  targetEl?: 1 | 2;
}

/** Which rule decided an effective memory type: the stage and the combining rule. */
export interface AttrProvenance {
  /** "stage1", "stage2", "both" (equal), or "mmu-off" (SCTLR.M = 0). */
  decidedBy: "stage1" | "stage2" | "both" | "mmu-off";
  /** Human-readable rule, e.g. "stricter type wins (no FWB): S2 Device-nGnRE over S1 Normal-WB". */
  rule: string;
}

/** A stage-2 abort handed to the hypervisor (ESR_EL2/FAR_EL2/HPFAR_EL2 plus model facts). */
export interface Stage2Abort extends Syndrome {
  /** Data or instruction abort. */
  kind: "data" | "instruction";
  /** The IPA the access was translating (the model always knows it; Xen may not). */
  ipa: IPA;
  /** Access size in bytes (element size for pairs). */
  size: number;
  /** Write (ISS.WnR) — DC ZVA and stores are writes. */
  write: boolean;
  /** ISS.ISV: the syndrome describes a single-register load/store Xen can emulate. */
  isv: boolean;
  /** ISS.SRT (valid when isv). */
  srt: number;
  /** ISS.S1PTW: the fault happened on the stage-1 walk. */
  s1ptw: boolean;
  /** ISS.CM: cache maintenance (or DC ZVA reports 0). */
  cm: boolean;
  /** The EL the access came from. */
  fromEl: El;
  /** For stores: the bytes being written (what Xen would read from register SRT). */
  storeData?: Uint8Array;
  /** The instruction class, for logs and explanations ("ldr", "stp", "dc zva", ...). */
  insn: string;
}

/** What the hypervisor decided about a trapped stage-2 abort. */
export type TrapResult =
  /** Emulated: the access completes; for reads `data` holds the bytes read (size bytes). */
  | { action: "complete"; data?: Uint8Array }
  /** Return to the guest and execute the access again (e.g. after fixing the p2m). */
  | { action: "retry" }
  /** Inject a synchronous abort into the guest's EL1 with this ESR_EL1/FAR_EL1. */
  | { action: "inject"; esr: number; far: VA }
  /** Make a virtual SError pending (HCR_EL2.VA): the guest takes an SError. */
  | { action: "serror"; esr?: number };

/** A hypervisor call (HVC/SMC) as seen at EL2; registers are in `cpu.regs`. */
export interface HypercallTrap {
  /** "hvc" or "smc". */
  kind: "hvc" | "smc";
  /** The 16-bit immediate (Xen hypercalls use HVC #0xEA1). */
  imm: number;
}

/** The EL2 vector: what the hypervisor attaches to a CPU. Runs synchronously. */
export interface El2Handler {
  /** A stage-2 data/instruction abort (or a stage-2 alignment fault) from EL1/EL0. */
  stage2Abort(cpu: CpuPort, abort: Stage2Abort): TrapResult;
  /** HVC/SMC from EL1; the handler reads and writes `cpu.regs`. */
  hypercall(cpu: CpuPort, call: HypercallTrap): void;
  /**
   * Optional: a physical SError routed to EL2 (HCR_EL2.AMO = 1) while a guest runs, e.g. a posted
   * store the device answered with SLVERR. Without it the model injects a virtual SError into
   * the guest (what Xen 4.17's default `serrors=diverse` does for guest-caused SErrors).
   */
  serror?(cpu: CpuPort, esr: number): TrapResult;
  /**
   * Optional: a trapped system instruction, EC 0x18 (e.g. DC ZVA with HCR_EL2.TDZ = 1).
   * Without it the model injects an Undefined Instruction exception (EC 0x00) into EL1, as Xen
   * does for system-register traps it does not handle.
   */
  sysTrap?(cpu: CpuPort, trap: SysTrap): TrapResult;
}

/** A trapped system instruction (EC 0x18) as seen at EL2. */
export interface SysTrap extends Syndrome {
  /** The instruction, e.g. "dc zva". */
  insn: string;
  /** The VA operand (for DC instructions). */
  va: VA;
  /** The EL the instruction came from. */
  fromEl: El;
}

/**
 * A synchronous exception (or SError) taken to the guest's EL1 — from a stage-1 fault, or
 * injected by the hypervisor. dom0's code catches it and reports it as Linux would.
 */
export class GuestException extends Error {
  /** The syndrome as the guest sees it in ESR_EL1/FAR_EL1. */
  readonly syndrome: Syndrome;
  /** "sync" for a synchronous abort, "serror" for an SError interrupt. */
  readonly type: "sync" | "serror";

  /** Make an exception with the guest-visible syndrome. */
  constructor(syndrome: Syndrome, type: "sync" | "serror" = "sync") {
    super(`guest exception ESR=0x${syndrome.esr.toString(16)} FAR=${vaHex(syndrome.far)}`);
    this.name = "GuestException";
    this.syndrome = syndrome;
    this.type = type;
  }
}

/**
 * A synchronous exception taken to EL2 by an access the hypervisor itself made (the EL2
 * translation regime, `cpu.el === 2`): e.g. Xen touching an unmapped address. The model has
 * no EL2 vector to run, so the fault surfaces as this error with ESR_EL2/FAR_EL2 values.
 */
export class El2Exception extends Error {
  /** The syndrome as ESR_EL2/FAR_EL2 hold it. */
  readonly syndrome: Syndrome;
  /** "sync" for a synchronous abort, "serror" for an SError. */
  readonly type: "sync" | "serror";

  /** Make an exception with the EL2 syndrome. */
  constructor(syndrome: Syndrome, type: "sync" | "serror" = "sync") {
    super(`EL2 exception ESR=0x${syndrome.esr.toString(16)} FAR=${vaHex(syndrome.far)}`);
    this.name = "El2Exception";
    this.syndrome = syndrome;
    this.type = type;
  }
}

/**
 * The guest could make no progress: the hypervisor kept replaying the same faulting access
 * (Xen 4.17 does this for stage-2 permission faults). Thrown after a bounded number of retries.
 */
export class GuestLivelock extends Error {
  /** The abort that kept being replayed. */
  readonly abort: Stage2Abort;
  /** Make the error for `abort`. */
  constructor(abort: Stage2Abort) {
    super(`access at ${vaHex(abort.far)} replayed by the hypervisor without progress`);
    this.name = "GuestLivelock";
    this.abort = abort;
  }
}

/** The port the upper layers call. Implemented by `arch/arm64/cpu.ts`. */
export interface CpuPort {
  /** The virtual CPU number within its domain (d0v0 → 0). */
  readonly vcpuId: number;
  /** Current exception level of the code making accesses (dom0 kernel: 1, user: 0). */
  el: El;
  /** General-purpose registers x0..x30 (for hypercall arguments and syndromes). */
  readonly regs: BigUint64Array;

  /** Write a system register (invalidates cached translation state as needed). */
  msr(reg: SysReg, value: bigint): void;
  /** Read a system register. */
  mrs(reg: SysReg): bigint;

  /** LDR of `size` bytes at `va` into `dst[off..off+size)` (memory byte order). */
  load(va: VA, size: AccessSize, dst: Uint8Array, off?: number, opts?: AccessOptions): void;
  /** STR of `size` bytes from `src[off..off+size)` to `va`. */
  store(va: VA, size: AccessSize, src: Uint8Array, off?: number, opts?: AccessOptions): void;
  /** LDP: two elements of `elem` bytes at `va` into `dst[off..off+2*elem)`. */
  ldp(va: VA, elem: PairSize, dst: Uint8Array, off?: number): void;
  /** STP: two elements of `elem` bytes from `src[off..off+2*elem)` to `va`. */
  stp(va: VA, elem: PairSize, src: Uint8Array, off?: number): void;
  /** DC ZVA: zero the DCZID-sized block containing `va`. */
  dcZva(va: VA): void;
  /** DC CIVAC/CVAC/IVAC/CVAU/CVAP on the line containing `va`. */
  dc(op: DcOp, va: VA): void;
  /** LDXR/LDAXR: exclusive load; arms the exclusive monitor. */
  ldxr(va: VA, size: 1 | 2 | 4 | 8, dst: Uint8Array, off?: number, opts?: AccessOptions): void;
  /** STXR/STLXR: exclusive store; returns the status register value (0 = success, 1 = fail). */
  stxr(va: VA, size: 1 | 2 | 4 | 8, src: Uint8Array, off?: number, opts?: AccessOptions): number;
  /** An LSE atomic; returns the old value. `compare` is CAS's expected value. */
  atomic(op: AtomicOp, va: VA, size: 1 | 2 | 4 | 8, operand: bigint, compare?: bigint): bigint;
  /** Instruction fetch of 4 bytes at `va` (permission/XN checks, no data returned). */
  fetch(va: VA): void;
  /** HVC #imm from EL1 (arguments and results in `regs`). */
  hvc(imm: number): void;
  /** SMC #imm from EL1 (trapped to EL2 by HCR_EL2.TSC under Xen). */
  smc(imm: number): void;

  /** Convenience: 8/16/32-bit load as a number. */
  read8(va: VA): number;
  /** Convenience: 16-bit load. */
  read16(va: VA): number;
  /** Convenience: 32-bit load. */
  read32(va: VA): number;
  /** Convenience: 64-bit load as a bigint. */
  read64(va: VA): bigint;
  /** Convenience: 8-bit store. */
  write8(va: VA, v: number): void;
  /** Convenience: 16-bit store. */
  write16(va: VA, v: number): void;
  /** Convenience: 32-bit store. */
  write32(va: VA, v: number): void;
  /** Convenience: 64-bit store. */
  write64(va: VA, v: bigint): void;

  /** TLBI VMALLE1 / VAE1 / ASIDE1 for this CPU's current VMID (no argument: all of the VMID). */
  tlbiEl1(va?: VA, asid?: number): void;
  /** TLBI IPAS2E1/VMALLS12E1 (from EL2): invalidate stage-2 (and combined) entries of a VMID. */
  tlbiStage2(vmid: number, ipa?: IPA): void;
  /** Optional: TLBI ALLE2/VAE2: invalidate the EL2 regime's own entries (all, or `va`'s page). */
  tlbiEl2?(va?: VA): void;
  /**
   * Optional: AT S1E1R/S1E1W (stage 1 only: VA → IPA) or AT S12E1R/S12E1W (VA → PA), as EL2
   * uses them for a guest VA (Xen `gva_to_ipa`); returns the PAR_EL1 value (also written to
   * PAR_EL1): F = 0 with PA[47:12], SH, ATTR; or F = 1 with FST, PTW, S.
   */
  at?(op: "s1e1r" | "s1e1w" | "s12e1r" | "s12e1w", va: VA): bigint;
}

const TWO64 = 1n << 64n;

/** The 64-bit VA as an unsigned bigint. */
export function vaToBigInt(va: VA): bigint {
  const b = BigInt(va);
  return b < 0n ? b + TWO64 : b;
}

/** A 64-bit VA (unsigned bigint) as the signed-number form; throws if it is not exact. */
export function vaFromBigInt(v: bigint): VA {
  const s = BigInt.asIntN(64, v);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new RangeError(`VA 0x${v.toString(16)} not representable`);
  return n;
}

/** A VA as 16 lowercase hex digits, the way Linux prints it. */
export function vaHex(va: VA): string {
  return vaToBigInt(va).toString(16).padStart(16, "0");
}
