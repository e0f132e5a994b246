/**
 * `dom0sim scan`: boot and/or lint many boards in one process. One board's bad input (or a
 * crash) becomes that board's row with its one-line error; the scan goes on. The CLI finds the
 * files and times the runs; this module turns one board into one row.
 *
 * @module
 */

import { InputError } from "../errors.ts";
import type { Scenario } from "../dom0/workload.ts";
import { lintBoard } from "./lint.ts";
import type { Severity } from "./lint_rules.ts";
import { runBoard } from "./run.ts";

/** What to do with each board. */
export interface ScanMode {
  /** Boot it (Xen builds dom0, dom0 runs the workload). */
  boot: boolean;
  /** Lint it. */
  lint: boolean;
}

/** Options of {@link scanBoard}. */
export interface ScanOptions {
  /** Boot, lint, or both. */
  mode: ScanMode;
  /** The policy for boots. */
  policy?: string;
  /** The policies for lint. */
  lintPolicies?: string[];
  /** The workload for boots. */
  workload?: string | Scenario;
  /** Include directories. */
  includeDirs?: string[];
  /** cpp definitions. */
  defines?: string[];
  /** Reads included files. */
  readFile?: (path: string) => Uint8Array | undefined;
}

/** How one board went. */
export type ScanStatus =
  /** Booted clean and/or no lint error. */
  | "ok"
  /** dom0 faulted or panicked, or lint found an error (a finding, not a failure of the scan). */
  | "finding"
  /** The board (or an option for it) is bad input: one error line. */
  | "bad-input"
  /** dom0sim failed on the board: a bug. */
  | "crash";

/** One row of the scan (also one `--json` line, with `type: "board"`). */
export interface ScanRow {
  /** Row type for JSON lines. */
  type: "board";
  /** Board file. */
  board: string;
  /** Status. */
  status: ScanStatus;
  /** Boot outcome (`ok`, `oops`, `panic`, `hang`) when booted. */
  outcome?: string;
  /** Faults dom0 took, when booted. */
  faults?: number;
  /** Faults as `routine insn DFSC` strings, when booted. */
  faultSummary?: string[];
  /** Lint findings per severity, when linted. */
  findings?: Record<Severity, number>;
  /** Lint rules that reported errors. */
  errorRules?: string[];
  /** Wall time for the board in milliseconds (set by the caller). */
  ms: number;
  /** The one-line error for bad input or a crash. */
  error?: string;
}

/** Scan one board. Never throws: errors become the row's status. */
export function scanBoard(file: string, bytes: Uint8Array, opts: ScanOptions): ScanRow {
  const row: ScanRow = { type: "board", board: file, status: "ok", ms: 0 };
  try {
    if (opts.mode.boot) {
      const { summary } = runBoard(file, bytes, {
        policy: opts.policy,
        workload: opts.workload,
        includeDirs: opts.includeDirs,
        defines: opts.defines,
        readFile: opts.readFile,
        verifyFixes: false,
      });
      row.outcome = summary.outcome;
      row.faults = summary.faults.length;
      row.faultSummary = summary.faults.map((f) =>
        `${f.routine} ${f.insn}${
          f.architectural
            ? ` DFSC 0x${f.architectural.fsc.toString(16)} (stage 2)`
            : ` FSC 0x${f.fsc.toString(16)}`
        }`
      );
      if (summary.exitCode !== 0) row.status = "finding";
    }
    if (opts.mode.lint) {
      const r = lintBoard(file, bytes, {
        policies: opts.lintPolicies,
        includeDirs: opts.includeDirs,
        defines: opts.defines,
        readFile: opts.readFile,
      });
      row.findings = r.counts;
      row.errorRules = [
        ...new Set(r.findings.filter((f) => f.severity === "error").map((f) => f.rule)),
      ];
      if (r.exitCode !== 0) row.status = "finding";
    }
  } catch (e) {
    if (e instanceof InputError) {
      row.status = "bad-input";
      row.error = e.line();
    } else {
      row.status = "crash";
      row.error = `internal error: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  return row;
}

/** The closing `--json` line: totals. */
export interface ScanTotals {
  /** Row type for JSON lines. */
  type: "summary";
  /** Boards scanned. */
  boards: number;
  /** Boards per status. */
  status: Record<ScanStatus, number>;
  /** Total wall time in milliseconds. */
  ms: number;
  /** The exit status of the scan. */
  exitCode: number;
}

/** Totals and the exit status: 3 when any board crashed, 2 for bad input, else 0. */
export function scanTotals(rows: ScanRow[], ms: number): ScanTotals {
  const status: Record<ScanStatus, number> = { ok: 0, finding: 0, "bad-input": 0, crash: 0 };
  for (const r of rows) status[r.status]++;
  return {
    type: "summary",
    boards: rows.length,
    status,
    ms,
    exitCode: status.crash > 0 ? 3 : status["bad-input"] > 0 ? 2 : 0,
  };
}
