/**
 * printk and the Xen console (kernel/printk/printk.c, drivers/tty/hvc/hvc_xen.c).
 *
 * Every record gets Linux's `[%5lu.%06lu] ` prefix from the simulated clock. Records are kept in
 * the log and, once the console is up, each line is written to Xen with `console_io
 * (CONSOLEIO_write, len, buf)` from a kernel buffer (`dom0_write_console`), the way dom0's hvc0
 * and `earlycon=xen` do; records logged before that are replayed when it comes up (what printk
 * does for a newly registered console). User-space output (the workload's `echo`/`cat`) goes the
 * same way without a timestamp, as in the golden console.
 *
 * @module
 */

import type { VA } from "../arch/arm64/port.ts";
import type { KernelCpu } from "./access.ts";
import type { SimClock } from "./clock.ts";
import { NS_PER_CONSOLE_WRITE } from "./clock.ts";
import { __HYPERVISOR_console_io, CONSOLEIO_write, xenHypercall } from "./hypercall.ts";

/** Kernel log levels (`KERN_EMERG` .. `KERN_DEBUG`). */
export type LogLevel = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;
/** `KERN_EMERG`. */
export const KERN_EMERG = 0;
/** `KERN_ALERT`. */
export const KERN_ALERT = 1;
/** `KERN_CRIT`. */
export const KERN_CRIT = 2;
/** `KERN_ERR`. */
export const KERN_ERR = 3;
/** `KERN_WARNING`. */
export const KERN_WARNING = 4;
/** `KERN_NOTICE`. */
export const KERN_NOTICE = 5;
/** `KERN_INFO`. */
export const KERN_INFO = 6;
/** `KERN_DEBUG`. */
export const KERN_DEBUG = 7;

/** One console line as dom0 emitted it. */
export interface ConsoleLine {
  /** The full text (with the timestamp prefix for kernel records). */
  text: string;
  /** Log level (user-space output: -1). */
  level: number;
  /** Simulated time in ns (0 before sched_clock). */
  timeNs: number;
}

/** `[%5lu.%06lu] ` for a time in ns. */
export function printkTime(ns: number): string {
  const us = Math.floor(ns / 1000);
  const sec = Math.floor(us / 1_000_000);
  const frac = us % 1_000_000;
  return `[${String(sec).padStart(5, " ")}.${String(frac).padStart(6, "0")}] `;
}

/** The kernel log and console. */
export class Printk {
  /** Every line in order. */
  readonly lines: ConsoleLine[] = [];
  /** `console_loglevel` (default 7: everything but debug is printed). */
  consoleLoglevel = 7;
  private readonly clock: SimClock;
  private cpu: KernelCpu | null = null;
  private buf: VA = 0;
  private bufSize = 0;
  private flushed = 0;
  private partial: { text: string; level: number; timeNs: number } | null = null;
  private readonly bytes = new Uint8Array(8);

  /** A log stamped by `clock`. */
  constructor(clock: SimClock) {
    this.clock = clock;
  }

  /**
   * The console is up: lines are written to Xen from the kernel buffer at `buf` (`size` bytes,
   * 8-aligned, mapped Normal WB) by `cpu`. Earlier lines are replayed.
   */
  attachConsole(cpu: KernelCpu, buf: VA, size: number): void {
    this.cpu = cpu;
    this.buf = buf;
    this.bufSize = size;
    this.flush();
  }

  /** Whether console output reaches Xen. */
  get consoleAttached(): boolean {
    return this.cpu !== null;
  }

  /** `printk(level, text)`: one record per line of `text`. */
  log(level: LogLevel, text: string): void {
    this.endCont();
    for (const line of text.split("\n")) this.record(level, line);
  }

  /** `pr_cont`: append to the current record (a new record if none is open). */
  cont(level: LogLevel, text: string): void {
    if (!this.partial) {
      this.partial = { text: "", level, timeNs: this.clock.nowNs() };
    }
    this.partial.text += text;
  }

  /** Terminate an open `pr_cont` record. */
  endCont(): void {
    const p = this.partial;
    if (!p) return;
    this.partial = null;
    this.push(p.level, printkTime(p.timeNs) + p.text, p.timeNs);
  }

  /** Output written by user space to the console (no timestamp). */
  user(text: string): void {
    this.endCont();
    for (const line of text.split("\n")) this.push(-1, line, this.clock.nowNs());
  }

  private record(level: number, line: string): void {
    const t = this.clock.nowNs();
    this.push(level, printkTime(t) + line, t);
  }

  private push(level: number, text: string, timeNs: number): void {
    this.lines.push({ text, level, timeNs });
    this.flush();
  }

  private flush(): void {
    if (!this.cpu) return;
    while (this.flushed < this.lines.length) {
      const l = this.lines[this.flushed++];
      if (l.level > this.consoleLoglevel) continue;
      this.write(l.text + "\n");
    }
  }

  /** `dom0_write_console`: copy into the buffer with 8-byte stores, then `console_io`. */
  private write(s: string): void {
    const k = this.cpu!;
    k.enter("dom0_write_console");
    let off = 0;
    while (off < s.length) {
      const n = Math.min(s.length - off, this.bufSize);
      for (let i = 0; i < n; i += 8) {
        for (let j = 0; j < 8; j++) {
          this.bytes[j] = i + j < n ? s.charCodeAt(off + i + j) & 0xff : 0;
        }
        k.str(this.buf + i, 8, this.bytes);
      }
      xenHypercall(k, __HYPERVISOR_console_io, CONSOLEIO_write, n, this.buf);
      this.clock.advance(NS_PER_CONSOLE_WRITE);
      off += n;
    }
    k.leave();
  }

  /** The console text, one line per record, as printed. */
  text(): string {
    this.endCont();
    return this.lines.filter((l) => l.level <= this.consoleLoglevel).map((l) => l.text).join(
      "\n",
    ) + "\n";
  }
}
