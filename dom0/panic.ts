/**
 * kernel/panic.c as dom0 prints it: `__warn` (the `WARN_ON` splat), `panic()` and the
 * `dump_stack_print_info` header lines shared with oops reports (lib/dump_stack.c), with 6.1's
 * formats. A panic stops the kernel: {@link panic} records it and throws {@link KernelPanic},
 * which the boot driver catches.
 *
 * @module
 */

import { type Kernel, UTS_RELEASE, UTS_VERSION } from "./kernel.ts";
import { KERN_EMERG, KERN_WARNING } from "./printk.ts";
import { callTraceLines } from "./symbols.ts";

/** Thrown by {@link panic}: the kernel has stopped. */
export class KernelPanic extends Error {
  /** The panic message (after "Kernel panic - not syncing: "). */
  readonly reason: string;
  /** Make the exception for `reason`. */
  constructor(reason: string) {
    super(`Kernel panic - not syncing: ${reason}`);
    this.name = "KernelPanic";
    this.reason = reason;
  }
}

const TAINT_ORDER = "PFSRMBUDAWCIOELKXT";

/** `print_tainted()`: "Not tainted" or "Tainted: G      D          ". */
export function printTainted(kern: Kernel): string {
  if (kern.taint.size === 0) return "Not tainted";
  let s = "Tainted: ";
  for (const f of TAINT_ORDER) {
    if (f === "P") s += kern.taint.has("P") ? "P" : "G";
    else s += kern.taint.has(f) ? f : " ";
  }
  return s;
}

/** The `CPU: ... Comm: ...` and `Hardware name:` lines of a dump. */
export function dumpStackInfo(kern: Kernel): string[] {
  const cpu = kern.cpu.id;
  return [
    `CPU: ${cpu} PID: ${kern.task.pid} Comm: ${kern.task.comm.slice(0, 20)} ${
      printTainted(kern)
    } ${UTS_RELEASE} ${UTS_VERSION.split(" ")[0]}`,
    `Hardware name: ${kern.model} (DT)`,
  ];
}

/**
 * `WARN_ON`/`WARN_ONCE`: the "cut here" splat with the caller's file:line and function, the
 * call trace from the current routine stack, and TAINT_WARN.
 */
export function warn(
  kern: Kernel,
  file: string,
  line: number,
  func: string,
  message: string[] = [],
): void {
  const log = kern.log;
  log.log(KERN_WARNING, "------------[ cut here ]------------");
  for (const m of message) log.log(KERN_WARNING, m);
  log.log(
    KERN_WARNING,
    `WARNING: CPU: ${kern.cpu.id} PID: ${kern.task.pid} at ${file}:${line} ${func}`,
  );
  log.log(KERN_WARNING, "Modules linked in:");
  for (const l of dumpStackInfo(kern)) log.log(KERN_WARNING, l);
  log.log(KERN_WARNING, "Call trace:");
  for (const l of callTraceLines([...kern.cpu.stack, func])) log.log(KERN_WARNING, l);
  log.log(KERN_WARNING, "---[ end trace 0000000000000000 ]---");
  kern.taint.add("W");
}

/** `panic(fmt)`: print the panic lines and stop the kernel (throws {@link KernelPanic}). */
export function panic(kern: Kernel, reason: string): never {
  const log = kern.log;
  log.log(KERN_EMERG, `Kernel panic - not syncing: ${reason}`);
  if (!kern.taint.has("D")) {
    for (const l of dumpStackInfo(kern)) log.log(KERN_EMERG, l);
    log.log(KERN_EMERG, "Call trace:");
    for (const l of callTraceLines([...kern.cpu.stack, "panic"])) log.log(KERN_EMERG, l);
  }
  if (kern.cpus.length > 1) log.log(KERN_EMERG, "SMP: stopping secondary CPUs");
  log.log(KERN_EMERG, "Kernel Offset: disabled");
  log.log(KERN_EMERG, "Memory Limit: none");
  log.log(KERN_EMERG, `---[ end Kernel panic - not syncing: ${reason} ]---`);
  throw new KernelPanic(reason);
}
