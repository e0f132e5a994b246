/**
 * The isolation invariants (`hyp/isolation.ts` `checkIsolation`: no IPA maps Xen's memory or
 * the GICD/GICR, a domain maps only MMIO it has iomem permission for, no machine page in two
 * domains except through grants and foreign mappings, no executable stage-2 MMIO unless the
 * policy proposes it) checked on whole boots: once when Xen has built dom0, after every
 * hypercall dom0 makes while it boots and runs its workload, and on the final state.
 *
 * Violations Xen 4.17 itself commits (`Violation.known`, e.g. the iomem off-by-one that grants
 * dom0 the page after a region) are real Xen's behaviour, reproduced on purpose: they are
 * counted apart and are not failures.
 *
 * @example
 * ```ts ignore
 * const { run, violations } = bootChecked("board.dtb", bytes);
 * if (violations.length) throw new Error(violations[0]);
 * ```
 *
 * @module
 */

import type { XenInstance } from "../hyp/xen.ts";
import { checkIsolation, type Violation } from "../hyp/isolation.ts";
import { bootBoard, type BootBoardOptions, type BootRun } from "./boot.ts";

/** One broken invariant, with when it was seen. */
export interface InvariantViolation extends Violation {
  /** `dom0 built`, `after hypercall N (name)`, or `end of boot`. */
  when: string;
}

/** Violations of `checkIsolation` on Xen's current state, split into new and known ones. */
export function isolationNow(
  xen: XenInstance,
  when: string,
): { violations: InvariantViolation[]; known: number } {
  const all = checkIsolation(xen.core);
  const violations: InvariantViolation[] = [];
  let known = 0;
  for (const v of all) {
    if (v.known) known++;
    else violations.push({ ...v, when });
  }
  return { violations, known };
}

/** What {@link watchIsolation} collected. */
export interface IsolationWatch {
  /** Violations, first seen first (each distinct one once). */
  violations: InvariantViolation[];
  /** Checks run. */
  checks: number;
  /** Violations Xen 4.17 itself commits (counted, not failures). */
  known: number;
  /** Stop watching. */
  stop(): void;
}

function key(v: Violation): string {
  return `${v.invariant}:${v.domid}:${v.ipa}:${v.pa}:${v.size}`;
}

/**
 * Check the invariants now and after every hypercall from here on (through the hypervisor's
 * `afterHypercall` observer). Each distinct violation is reported once, at its first sighting.
 */
export function watchIsolation(xen: XenInstance): IsolationWatch {
  const seen = new Set<string>();
  const w: IsolationWatch = {
    violations: [],
    checks: 0,
    known: 0,
    stop: () => {
      if (xen.core.afterHypercall === observer) xen.core.afterHypercall = undefined;
    },
  };
  const check = (when: string) => {
    w.checks++;
    const r = isolationNow(xen, when);
    w.known = Math.max(w.known, r.known);
    for (const v of r.violations) {
      const k = key(v);
      if (seen.has(k)) continue;
      seen.add(k);
      w.violations.push(v);
    }
  };
  let n = 0;
  const observer = (rec: { name: string }) => check(`after hypercall ${++n} (${rec.name})`);
  check("dom0 built");
  xen.core.afterHypercall = observer;
  return w;
}

/** A boot whose invariants were checked throughout. */
export interface CheckedBoot {
  /** The run. */
  run: BootRun;
  /** New violations (empty for a sound run). */
  violations: InvariantViolation[];
  /** Checks run (1 + hypercalls + 1). */
  checks: number;
  /** Violations real Xen 4.17 commits too, counted apart. */
  known: number;
}

/**
 * {@link bootBoard} with the invariants checked when dom0 is built, after every hypercall, and
 * at the end.
 *
 * @throws {InputError} as bootBoard does.
 */
export function bootChecked(
  file: string,
  bytes: Uint8Array,
  opts: BootBoardOptions = {},
): CheckedBoot {
  let watch: IsolationWatch | null = null;
  const prev = opts.onXen;
  const run = bootBoard(file, bytes, {
    ...opts,
    onXen: (xen) => {
      prev?.(xen);
      watch = watchIsolation(xen);
    },
  });
  const w = watch as IsolationWatch | null;
  if (!w) return { run, ...finalCheck(run), checks: 1 };
  w.stop();
  const end = isolationNow(run.xen, "end of boot");
  const seen = new Set(w.violations.map(key));
  for (const v of end.violations) if (!seen.has(key(v))) w.violations.push(v);
  return {
    run,
    violations: w.violations,
    checks: w.checks + 1,
    known: Math.max(w.known, end.known),
  };
}

function finalCheck(run: BootRun): { violations: InvariantViolation[]; known: number } {
  return isolationNow(run.xen, "end of boot");
}

/** One line per violation of a finished run's final state (empty when sound). */
export function checkRun(run: BootRun): string[] {
  return finalCheck(run).violations.map(describe);
}

/** A violation as one line. */
export function describe(v: InvariantViolation): string {
  return `invariant ${v.invariant} (${v.when}): d${v.domid} IPA 0x${
    v.ipa.toString(16)
  }: ${v.message}`;
}
