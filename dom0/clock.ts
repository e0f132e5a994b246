/**
 * dom0's deterministic clock for printk timestamps.
 *
 * Linux stamps messages with `local_clock()`, which reads 0 until `sched_clock` is registered by
 * the arch timer driver and then counts CNTVCT_EL0 ticks. The port contract does not expose the
 * generic timer yet, so dom0 derives time from the work it has done: a fixed cost per memory
 * access issued through any {@link KernelCpu} and per console hypercall, plus explicit delays.
 * Same input, same timestamps.
 *
 * @module
 */

import type { KernelCpu } from "./access.ts";

/** Simulated nanoseconds per memory access (a 2 GHz core at ~4 cycles per access). */
export const NS_PER_ACCESS = 2;
/** Simulated nanoseconds per console_io hypercall (trap, copy, serial write by Xen). */
export const NS_PER_CONSOLE_WRITE = 20_000;

/** A monotonic simulated clock. */
export class SimClock {
  private readonly cpus: KernelCpu[];
  private startOps = 0;
  private extraNs = 0;
  private running = false;

  /** A clock over the accesses of `cpus`. */
  constructor(cpus: KernelCpu[]) {
    this.cpus = cpus;
  }

  private totalOps(): number {
    let n = 0;
    for (const c of this.cpus) n += c.ops;
    return n;
  }

  /** `sched_clock_register`: from now on timestamps advance. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.startOps = this.totalOps();
  }

  /** Whether the clock runs. */
  get started(): boolean {
    return this.running;
  }

  /** Add `ns` of simulated time (a delay, a hypercall). No effect before start. */
  advance(ns: number): void {
    if (this.running) this.extraNs += ns;
  }

  /** `local_clock()` in nanoseconds. */
  nowNs(): number {
    if (!this.running) return 0;
    return (this.totalOps() - this.startOps) * NS_PER_ACCESS + this.extraNs;
  }
}
