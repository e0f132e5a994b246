/**
 * What dom0 does with an exception the CPU delivers to its EL1 (arch/arm64/mm/fault.c and
 * kernel/traps.c of Linux 6.1): `do_mem_abort` dispatches on the fault status code through
 * `fault_info[]`, kernel faults end in `die_kernel_fault` ("Unable to handle kernel ... at virtual
 * address ...", `mem_abort_decode`, `show_pte`, `die("Oops")`) or, for codes whose handler is
 * `do_bad`, in "Unhandled fault at ..." plus `die(inf->name)`; synchronous external aborts go
 * straight to `die`. `die` prints `Internal error: %s: %016lx [#%d] SMP`, the dump header, the call
 * trace and `---[ end trace ... ]---`, then kills the task (`make_task_dead(SIGSEGV)`), which
 * panics when the task is init or the idle task. User-mode faults become signals. An SError is
 * not containable without RAS (Cortex-A57): `arm64_serror_panic`.
 *
 * dom0 only reports what it sees (ESR_EL1/FAR_EL1): an abort Xen injected after a stage-2 fault
 * arrives with ISS = 0 and is reported as DFSC 0x00 "ttbr address size fault".
 *
 * @module
 */

import { type GuestException, type Syndrome, vaHex } from "../arch/arm64/port.ts";
import type { InsnClass } from "./access.ts";
import type { Kernel } from "./kernel.ts";
import { PAGE_SIZE, TASK_SIZE } from "./memory_layout.ts";
import { dumpStackInfo, panic } from "./panic.ts";
import { KERN_ALERT, KERN_CRIT, KERN_EMERG, KERN_INFO, KERN_WARNING } from "./printk.ts";
import { callTraceLines, symbolize } from "./symbols.ts";

/** `esr_class_str[]` (arch/arm64/kernel/traps.c). */
const ESR_CLASS: Record<number, string> = {
  0x00: "Unknown/Uncategorized",
  0x01: "WFI/WFE",
  0x03: "CP15 MCR/MRC",
  0x04: "CP15 MCRR/MRRC",
  0x05: "CP14 MCR/MRC",
  0x06: "CP14 LDC/STC",
  0x07: "ASIMD",
  0x08: "CP10 MRC/VMRS",
  0x09: "PAC",
  0x0c: "CP14 MCRR/MRRC",
  0x0d: "BTI",
  0x0e: "PSTATE.IL",
  0x11: "SVC (AArch32)",
  0x12: "HVC (AArch32)",
  0x13: "SMC (AArch32)",
  0x15: "SVC (AArch64)",
  0x16: "HVC (AArch64)",
  0x17: "SMC (AArch64)",
  0x18: "MSR/MRS (AArch64)",
  0x19: "SVE",
  0x1a: "ERET/ERETAA/ERETAB",
  0x1c: "FPAC",
  0x1d: "SME",
  0x1f: "EL3 IMP DEF",
  0x20: "IABT (lower EL)",
  0x21: "IABT (current EL)",
  0x22: "PC Alignment",
  0x24: "DABT (lower EL)",
  0x25: "DABT (current EL)",
  0x26: "SP Alignment",
  0x28: "FP (AArch32)",
  0x2c: "FP (AArch64)",
  0x2f: "SError",
  0x30: "Breakpoint (lower EL)",
  0x31: "Breakpoint (current EL)",
  0x32: "Software Step (lower EL)",
  0x33: "Software Step (current EL)",
  0x34: "Watchpoint (lower EL)",
  0x35: "Watchpoint (current EL)",
  0x38: "BKPT (AArch32)",
  0x3a: "Vector catch (AArch32)",
  0x3c: "BRK (AArch64)",
};

/** `esr_get_class_string(esr)`. */
export function esrClassString(esr: number): string {
  return ESR_CLASS[(esr >>> 26) & 0x3f] ?? "UNRECOGNIZED EC";
}

type Handler =
  | "do_bad"
  | "do_translation_fault"
  | "do_page_fault"
  | "do_sea"
  | "do_alignment_fault"
  | "do_tag_check_fault";
type Sig = "SIGKILL" | "SIGSEGV" | "SIGBUS";

/** `fault_info[]` of Linux 6.1: handler, signal and name per DFSC. */
const FAULT_INFO: [Handler, Sig, string][] = (() => {
  const t: [Handler, Sig, string][] = [];
  for (let i = 0; i < 64; i++) t.push(["do_bad", "SIGKILL", `unknown ${i}`]);
  t[0] = ["do_bad", "SIGKILL", "ttbr address size fault"];
  for (let l = 1; l <= 3; l++) t[l] = ["do_bad", "SIGKILL", `level ${l} address size fault`];
  for (let l = 0; l <= 3; l++) {
    t[4 + l] = ["do_translation_fault", "SIGSEGV", `level ${l} translation fault`];
  }
  for (let l = 1; l <= 3; l++) {
    t[8 + l] = ["do_page_fault", "SIGSEGV", `level ${l} access flag fault`];
    t[12 + l] = ["do_page_fault", "SIGSEGV", `level ${l} permission fault`];
  }
  t[16] = ["do_sea", "SIGBUS", "synchronous external abort"];
  t[17] = ["do_tag_check_fault", "SIGSEGV", "synchronous tag check fault"];
  for (let l = 0; l <= 3; l++) {
    t[20 + l] = ["do_sea", "SIGKILL", `level ${l} (translation table walk)`];
    t[28 + l] = [
      "do_sea",
      "SIGKILL",
      `level ${l} synchronous parity error (translation table walk)`,
    ];
  }
  t[24] = ["do_sea", "SIGKILL", "synchronous parity or ECC error"];
  t[33] = ["do_alignment_fault", "SIGBUS", "alignment fault"];
  t[48] = ["do_bad", "SIGKILL", "TLB conflict abort"];
  t[49] = ["do_bad", "SIGKILL", "Unsupported atomic hardware update fault"];
  t[52] = ["do_bad", "SIGKILL", "implementation fault (lockdown abort)"];
  t[53] = ["do_bad", "SIGKILL", "implementation fault (unsupported exclusive)"];
  t[61] = ["do_bad", "SIGKILL", "section domain fault"];
  t[62] = ["do_bad", "SIGKILL", "page domain fault"];
  return t;
})();

/** The name Linux 6.1 gives a DFSC (`fault_info[fsc].name`). */
export function faultName(fsc: number): string {
  return FAULT_INFO[fsc & 0x3f][2];
}

/** How a fault ended. */
export type FaultOutcome =
  /** An oops killed the current task; the kernel goes on. */
  | "task-killed"
  /** The kernel panicked (oops in init/idle, SError, ...). */
  | "panic"
  /** A user task got a signal. */
  | "signal";

/** A fault as dom0 saw and reported it. */
export interface FaultRecord {
  /** "sync" abort or "serror". */
  type: "sync" | "serror";
  /** ESR_EL1 as received. */
  esr: number;
  /** Exception class and its Linux name. */
  ec: number;
  /** `esr_get_class_string`. */
  ecName: string;
  /** Fault status code (ISS[5:0]). */
  fsc: number;
  /** `fault_info[fsc].name`. */
  fscName: string;
  /** FAR_EL1 (the faulting VA), as 16 hex digits. */
  far: string;
  /** ISS.WnR. */
  wnr: boolean;
  /** ISS.CM. */
  cm: boolean;
  /** ISS.ISV. */
  isv: boolean;
  /** ISS[24:0]. */
  iss: number;
  /** Linux's first line ("Unable to handle kernel paging request at virtual address ..."). */
  message: string;
  /** The innermost routine (where the faulting instruction was). */
  routine: string;
  /** The instruction class that faulted. */
  insn: InsnClass;
  /** Call trace, innermost first (symbol names only). */
  callTrace: string[];
  /** The task that was running. */
  task: { comm: string; pid: number };
  /** What happened next. */
  outcome: FaultOutcome;
  /** The signal a user task got, or the panic reason. */
  detail?: string;
  /** The console lines printed for it. */
  lines: string[];
}

/** The kernel's handling of one exception (caller passes the routine stack at the fault). */
export function handleGuestException(
  kern: Kernel,
  e: GuestException,
  stack: readonly string[],
  insn: InsnClass,
): FaultRecord {
  const first = kern.log.lines.length;
  const s = e.syndrome;
  const rec: FaultRecord = {
    type: e.type,
    esr: s.esr >>> 0,
    ec: (s.esr >>> 26) & 0x3f,
    ecName: esrClassString(s.esr),
    fsc: s.esr & 0x3f,
    fscName: e.type === "serror" ? "SError" : faultName(s.esr & 0x3f),
    far: vaHex(s.far),
    wnr: (s.esr & (1 << 6)) !== 0,
    cm: (s.esr & (1 << 8)) !== 0,
    isv: (s.esr & (1 << 24)) !== 0,
    iss: s.esr & 0x1ffffff,
    message: "",
    routine: stack.length ? stack[stack.length - 1] : "kernel",
    insn,
    callTrace: [...stack].reverse(),
    task: { ...kern.task },
    outcome: "task-killed",
    lines: [],
  };
  kern.faults.push(rec);
  try {
    if (e.type === "serror") serrorPanic(kern, s, rec);
    else if (rec.ec === 0x24 || rec.ec === 0x20) userFault(kern, s, rec);
    else doMemAbort(kern, s, stack, insn, rec);
  } finally {
    rec.lines = kern.log.lines.slice(first).map((l) => l.text);
  }
  return rec;
}

function hex16(v: number): string {
  return (v >>> 0).toString(16).padStart(16, "0");
}

/** `mem_abort_decode(esr)` + `data_abort_decode(esr)` (6.1 formats). */
export function memAbortDecode(esr: number): string[] {
  const ec = (esr >>> 26) & 0x3f;
  const out = [
    "Mem abort info:",
    `  ESR = 0x${hex16(esr)}`,
    `  EC = 0x${ec.toString(16).padStart(2, "0")}: ${esrClassString(esr)}, IL = ${
      esr & (1 << 25) ? 32 : 16
    } bits`,
    `  SET = ${(esr >>> 11) & 3}, FnV = ${(esr >>> 10) & 1}`,
    `  EA = ${(esr >>> 9) & 1}, S1PTW = ${(esr >>> 7) & 1}`,
    `  FSC = 0x${(esr & 0x3f).toString(16).padStart(2, "0")}: ${faultName(esr & 0x3f)}`,
  ];
  if (ec === 0x24 || ec === 0x25) {
    out.push("Data abort info:");
    if (esr & (1 << 24)) {
      out.push(`  Access size = ${1 << ((esr >>> 22) & 3)} byte(s)`);
      out.push(`  SSE = ${(esr >>> 21) & 1}, SRT = ${(esr >>> 16) & 0x1f}`);
      out.push(`  SF = ${(esr >>> 15) & 1}, AR = ${(esr >>> 14) & 1}`);
    } else {
      out.push(`  ISV = 0, ISS = 0x${(esr & 0x1ffffff).toString(16).padStart(8, "0")}`);
    }
    out.push(`  CM = ${(esr >>> 8) & 1}, WnR = ${(esr >>> 6) & 1}`);
  }
  return out;
}

/** `show_pte(addr)` reading dom0's own tables through the port. */
export function showPte(kern: Kernel, addr: number): string[] {
  const a = vaHex(addr);
  if (addr >= 0 && addr < TASK_SIZE) {
    return [`[${a}] user address but active_mm is swapper`];
  }
  const out = [
    `swapper pgtable: 4k pages, 48-bit VAs, pgdp=${kern.pgd.toString(16).padStart(16, "0")}`,
  ];
  let descs: bigint[];
  try {
    descs = kern.pt.walk(kern.pgd, addr);
  } catch {
    return out;
  }
  const h = (d: bigint) => d.toString(16).padStart(16, "0");
  let line = `[${a}] pgd=${h(descs[0])}`;
  if (descs.length > 1 || (descs[0] & 1n) !== 0n) line += `, p4d=${h(descs[0])}`;
  const names = ["pud", "pmd", "pte"];
  for (let i = 1; i < descs.length; i++) line += `, ${names[i - 1]}=${h(descs[i])}`;
  out.push(line);
  return out;
}

function alert(kern: Kernel, lines: string[]): void {
  for (const l of lines) kern.log.log(KERN_ALERT, l);
}

/** `die(str, regs, err)` and what follows for the current task. */
function die(
  kern: Kernel,
  str: string,
  esr: number,
  stack: readonly string[],
  insn: InsnClass,
  rec: FaultRecord,
): void {
  const log = kern.log;
  kern.dieCounter++;
  log.log(KERN_EMERG, `Internal error: ${str}: ${hex16(esr)} [#${kern.dieCounter}] SMP`);
  log.log(KERN_WARNING, "Modules linked in:");
  for (const l of dumpStackInfo(kern)) log.log(KERN_WARNING, l);
  const top = stack.length ? stack[stack.length - 1] : "kernel";
  log.log(KERN_WARNING, `pc : ${symbolize(top, insn)}`);
  if (stack.length > 1) log.log(KERN_WARNING, `lr : ${symbolize(stack[stack.length - 2])}`);
  log.log(KERN_WARNING, "Call trace:");
  for (const l of callTraceLines(stack, insn)) log.log(KERN_WARNING, l);
  log.log(KERN_WARNING, "---[ end trace 0000000000000000 ]---");
  kern.taint.add("D");
  // make_task_dead(SIGSEGV)
  if (kern.task.pid === 0) {
    rec.outcome = "panic";
    rec.detail = "Attempted to kill the idle task!";
    panic(kern, rec.detail);
  }
  if (kern.task.pid === 1) {
    rec.outcome = "panic";
    rec.detail = "Attempted to kill init! exitcode=0x0000000b";
    panic(kern, rec.detail);
  }
  rec.outcome = "task-killed";
  rec.detail = "SIGSEGV";
}

function doMemAbort(
  kern: Kernel,
  s: Syndrome,
  stack: readonly string[],
  insn: InsnClass,
  rec: FaultRecord,
): void {
  const esr = s.esr >>> 0;
  const addr = s.far;
  const [handler, , name] = FAULT_INFO[esr & 0x3f];
  if (handler === "do_sea") {
    die(kern, name, esr, stack, insn, rec); // arm64_notify_die(inf->name, ...)
    return;
  }
  if (handler === "do_bad" || handler === "do_tag_check_fault") {
    rec.message = `Unhandled fault at 0x${vaHex(addr)}`;
    alert(kern, [rec.message, ...memAbortDecode(esr), ...showPte(kern, addr)]);
    die(kern, name, esr, stack, insn, rec);
    return;
  }
  // do_translation_fault / do_page_fault / do_alignment_fault on a kernel address:
  // do_bad_area → __do_kernel_fault → die_kernel_fault.
  const fscType = esr & 0x3c;
  let msg: string;
  if (fscType === 0x0c) {
    msg = esr & (1 << 6)
      ? "write to read-only memory"
      : (rec.ec === 0x21 ? "execute from non-executable memory" : "read from unreadable memory");
  } else if (addr >= 0 && addr < PAGE_SIZE) {
    msg = "NULL pointer dereference";
  } else {
    msg = "paging request";
  }
  rec.message = `Unable to handle kernel ${msg} at virtual address ${vaHex(addr)}`;
  alert(kern, [rec.message, ...memAbortDecode(esr), ...showPte(kern, addr)]);
  die(kern, "Oops", esr, stack, insn, rec);
}

const SIG_TEXT: Record<Sig, string> = {
  SIGKILL: "Killed",
  SIGSEGV: "Segmentation fault",
  SIGBUS: "Bus error",
};

/** A fault from EL0: the task gets the signal of `fault_info[]`; `arm64_show_signal` logs it. */
function userFault(kern: Kernel, s: Syndrome, rec: FaultRecord): void {
  const esr = s.esr >>> 0;
  const [, sig, name] = FAULT_INFO[esr & 0x3f];
  rec.message = `${kern.task.comm}[${kern.task.pid}]: unhandled exception: ${
    esrClassString(esr)
  }, ESR 0x${hex16(esr)}, ${name}`;
  kern.log.log(KERN_INFO, rec.message);
  rec.outcome = "signal";
  rec.detail = `${sig} (${SIG_TEXT[sig]})`;
}

/** `arm64_serror_panic`. */
function serrorPanic(kern: Kernel, s: Syndrome, rec: FaultRecord): void {
  const esr = (s.esr >>> 0) || 0xbe000000;
  rec.esr = esr;
  rec.message = `SError Interrupt on CPU${kern.cpu.id}, code 0x${hex16(esr)} -- ${
    esrClassString(esr)
  }`;
  kern.log.log(KERN_CRIT, rec.message);
  for (const l of dumpStackInfo(kern)) kern.log.log(KERN_CRIT, l);
  rec.outcome = "panic";
  rec.detail = "Asynchronous SError Interrupt";
  panic(kern, rec.detail);
}
