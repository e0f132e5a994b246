/**
 * dom0's deterministic clock for printk timestamps.
 *
 * Linux stamps messages with `local_clock()`, which reads 0 until `sched_clock` is registered by
 * the arch timer driver (`time_init`) and then counts CNTVCT_EL0 ticks at CNTFRQ_EL0
 * (drivers/clocksource/arm_arch_timer.c `arch_counter_get_cntvct`, kernel/time/sched_clock.c).
 * dom0 does the same: from `start()` the clock is (CNTVCT_EL0 − CNTVCT_EL0 at start) ÷ CNTFRQ_EL0,
 * plus explicit delays (`advance`, e.g. the console hypercall's time in Xen). The CPU model
 * derives CNTVCT_EL0 from the cost model's cycles (arch/arm64/cpu.ts), so the same input gives
 * the same timestamps, and a workload that costs more takes longer.
 *
 * A CPU port without a generic timer (CNTFRQ_EL0 reads 0) falls back to a fixed cost per memory
 * access issued through any {@link KernelCpu}.
 *
 * @module
 */

import type { KernelCpu } from "./access.ts";

/** Simulated nanoseconds per memory access without a generic timer (2 GHz, ~4 cycles). */
export const NS_PER_ACCESS = 2;
/** Simulated nanoseconds per console_io hypercall (trap, copy, serial write by Xen). */
export const NS_PER_CONSOLE_WRITE = 20_000;

/** A monotonic simulated clock. */
export class SimClock {
  private readonly cpus: KernelCpu[];
  private startOps = 0;
  private startTicks = 0;
  private freq = 0;
  private extraNs = 0;
  private running = false;

  /** A clock over the accesses of `cpus` (the first one's generic timer, if it has one). */
  constructor(cpus: KernelCpu[]) {
    this.cpus = cpus;
  }

  private totalOps(): number {
    let n = 0;
    for (const c of this.cpus) n += c.ops;
    return n;
  }

  private ticks(): number {
    return Number(this.cpus[0].mrs("CNTVCT_EL0"));
  }

  /** `sched_clock_register`: from now on timestamps advance. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.startOps = this.totalOps();
    this.freq = this.cpus.length > 0 ? Number(this.cpus[0].mrs("CNTFRQ_EL0")) : 0;
    if (this.freq > 0) this.startTicks = this.ticks();
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
    if (this.freq > 0) {
      return Math.floor(((this.ticks() - this.startTicks) * 1e9) / this.freq) + this.extraNs;
    }
    return (this.totalOps() - this.startOps) * NS_PER_ACCESS + this.extraNs;
  }
}
