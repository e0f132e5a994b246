/**
 * Worker of `scripts/boards_check.ts`: checks one board per message — boots it with the default
 * workload and with an SRAM workload, lints it (when the tools' `sim/lint.ts` exists), and
 * round-trips it (DTB → DTS → DTB with dt/'s printer and parser) — and posts one
 * {@link BoardResult}. The main thread bounds each board's time and terminates a worker that
 * overruns, so a hang is reported instead of stalling the run.
 *
 * @module
 */

import { compileDts, loadDeviceTree } from "../dt/compile.ts";
import { printDts } from "../dt/dts_print.ts";
import { readDtb } from "../dt/dtb_read.ts";
import { writeDtb } from "../dt/dtb_write.ts";
import { InputError } from "../errors.ts";
import { runBoard } from "../sim/run.ts";
import { describe, isolationNow, type IsolationWatch, watchIsolation } from "../sim/invariants.ts";

/** The outcome class of one check. */
export type Outcome =
  /** Booted, no fault (boot); no lint error (lint); byte-identical (round trip). */
  | "clean"
  /** dom0 faulted or panicked and the model explains every fault; lint found errors. */
  | "explained"
  /** The board is bad input for this check: one clear error line (`InputError`). */
  | "error"
  /** Anything else: an exception that is not an InputError, an unexplained failure, a hang. */
  | "crash";

/** One check of one board. */
export interface CheckResult {
  /** Outcome class. */
  outcome: Outcome;
  /** One line: the error, the fault, the crash or the difference (empty when clean). */
  detail: string;
  /** Stack of a crash (first frames). */
  stack?: string;
  /** Milliseconds. */
  ms: number;
}

/** What a board's checks found. */
export interface BoardResult {
  /** Board file, relative to the directory. */
  board: string;
  /** Per check name (`boot`, `boot:sram-memset`, `lint`, `roundtrip`). */
  checks: Record<string, CheckResult>;
}

/** A request to the worker. */
export interface BoardRequest {
  /** Board file name for messages. */
  board: string;
  /** Its bytes. */
  bytes: Uint8Array;
  /** The SRAM workload to boot second (empty: skip). */
  sramWorkload: string;
  /** The policy of that second boot (default xen-4.17). */
  sramPolicy?: string;
  /** Lint too. */
  lint: boolean;
  /** Round-trip too; compare with dtc's own round trip when dtc is installed. */
  roundtrip: boolean;
  /** Path of dtc, or "" when absent. */
  dtc: string;
}

function firstLine(s: string): string {
  return s.split("\n")[0];
}

function timed(fn: () => Omit<CheckResult, "ms">): CheckResult {
  const t = performance.now();
  let r: Omit<CheckResult, "ms">;
  try {
    r = fn();
  } catch (e) {
    r = classifyError(e);
  }
  return { ...r, ms: Math.round((performance.now() - t) * 10) / 10 };
}

/** An exception as a check outcome: InputError → one clear line, anything else → crash. */
export function classifyError(e: unknown): Omit<CheckResult, "ms"> {
  if (e instanceof InputError) {
    const line = e.line();
    // A clear error is one line; a multi-line message is a defect of the message.
    if (line.includes("\n")) {
      return { outcome: "crash", detail: `multi-line InputError: ${firstLine(line)}` };
    }
    return { outcome: "error", detail: line };
  }
  const err = e instanceof Error ? e : new Error(String(e));
  return {
    outcome: "crash",
    detail: `${err.name}: ${firstLine(err.message)}`,
    stack: (err.stack ?? "").split("\n").slice(1, 6).map((l) => l.trim()).join(" | "),
  };
}

function boot(
  board: string,
  bytes: Uint8Array,
  workload?: string,
  policy?: string,
): Omit<CheckResult, "ms"> {
  let watch: IsolationWatch | null = null;
  const { run, summary } = runBoard(board, bytes, {
    workload,
    policy,
    verifyFixes: false,
    onXen: (xen) => {
      watch = watchIsolation(xen);
    },
  });
  const w = watch as IsolationWatch | null;
  w?.stop();
  const broken = [...(w?.violations ?? []), ...isolationNow(run.xen, "end of boot").violations];
  if (broken.length > 0) {
    return { outcome: "crash", detail: `isolation invariant broken: ${describe(broken[0])}` };
  }
  if (summary.outcome === "ok" && summary.faults.length === 0) {
    return { outcome: "clean", detail: "" };
  }
  // Explained: every fault has a known origin and a cause; a failure without a fault (a dom0
  // panic by a driver, a hang) must at least say why.
  const unexplained = summary.faults.find((f) => f.origin === "unknown" || f.cause === "");
  if (unexplained) {
    return { outcome: "crash", detail: `unexplained fault: ${unexplained.message}` };
  }
  if (summary.faults.length === 0 && !summary.reason) {
    return { outcome: "crash", detail: `dom0 ${summary.outcome} without a reason` };
  }
  const f = summary.faults[0];
  const what = f
    ? `${f.routine} ${f.insn}: ${f.architectural ? f.architectural.name : f.fscName} (${f.origin})`
    : `dom0 ${summary.outcome}: ${summary.reason}`;
  return { outcome: "explained", detail: what };
}

type LintFn = (
  file: string,
  bytes: Uint8Array,
) => { exitCode: number; findings: { severity: string; rule: string }[] };
let lintFn: LintFn | null | undefined;

async function loadLint(): Promise<LintFn | null> {
  if (lintFn !== undefined) return lintFn;
  try {
    const m = await import("../sim/lint.ts");
    lintFn = (file, bytes) => m.lintBoard(file, bytes);
  } catch {
    lintFn = null;
  }
  return lintFn;
}

function lint(fn: LintFn, board: string, bytes: Uint8Array): Omit<CheckResult, "ms"> {
  const r = fn(board, bytes);
  const errors = [
    ...new Set(r.findings.filter((f) => f.severity === "error").map((f) => f.rule)),
  ];
  return errors.length === 0
    ? { outcome: "clean", detail: "" }
    : { outcome: "explained", detail: `lint errors: ${errors.join(", ")}` };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function firstDiff(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

/** dtc's own round trip of `bytes` (`dtc -I dtb -O dts | dtc -I dts -O dtb`), or null. */
function dtcRoundTrip(dtc: string, bytes: Uint8Array): Uint8Array | null {
  const tmp = Deno.makeTempFileSync({ suffix: ".dtb" });
  try {
    Deno.writeFileSync(tmp, bytes);
    const a = new Deno.Command(dtc, { args: ["-q", "-I", "dtb", "-O", "dts", tmp] }).outputSync();
    if (!a.success) return null;
    Deno.writeFileSync(tmp, a.stdout);
    const b = new Deno.Command(dtc, { args: ["-q", "-I", "dts", "-O", "dtb", tmp] }).outputSync();
    return b.success ? b.stdout : null;
  } finally {
    Deno.removeSync(tmp);
  }
}

function roundtrip(req: BoardRequest): Omit<CheckResult, "ms"> {
  const { tree } = loadDeviceTree(req.board, req.bytes);
  const text = printDts(tree);
  const again = compileDts(req.board.replace(/\.dtb$/, ".dts"), text).tree;
  const out = writeDtb(again);
  if (sameBytes(out, req.bytes)) return { outcome: "clean", detail: "" };
  if (req.dtc) {
    const ref = dtcRoundTrip(req.dtc, req.bytes);
    if (ref && sameBytes(out, ref)) {
      return {
        outcome: "clean",
        detail: "differs from the input exactly as dtc's round trip does",
      };
    }
    if (ref) {
      return {
        outcome: "crash",
        detail: `round trip differs from dtc's at byte 0x${firstDiff(out, ref).toString(16)} ` +
          `(${out.length} vs ${ref.length} bytes)`,
      };
    }
  }
  return {
    outcome: "crash",
    detail: `round trip differs from the input at byte 0x${
      firstDiff(out, req.bytes).toString(16)
    } (${out.length} vs ${req.bytes.length} bytes)`,
  };
}

/** Whether the board has a node Linux's sram driver binds (`compatible = "mmio-sram"`). */
function hasSram(bytes: Uint8Array): boolean {
  try {
    for (const n of readDtb(bytes, "board.dtb").root.walk()) {
      if (n.isCompatible("mmio-sram")) return true;
    }
  } catch {
    // An unreadable blob: the boot check reports it.
  }
  return false;
}

/** Run every check of one board. */
export async function checkBoard(req: BoardRequest): Promise<BoardResult> {
  const checks: Record<string, CheckResult> = {};
  checks.boot = timed(() => boot(req.board, req.bytes));
  // The SRAM workload needs an mmio-sram node (Linux's sram binding); boards without one skip it.
  if (req.sramWorkload && hasSram(req.bytes)) {
    const name = `boot:${req.sramWorkload}${req.sramPolicy ? `@${req.sramPolicy}` : ""}`;
    checks[name] = timed(() => boot(req.board, req.bytes, req.sramWorkload, req.sramPolicy));
  }
  if (req.lint) {
    const fn = await loadLint();
    if (fn) checks.lint = timed(() => lint(fn, req.board, req.bytes));
  }
  if (req.roundtrip) checks.roundtrip = timed(() => roundtrip(req));
  return { board: req.board, checks };
}

// As a worker: one request per message, one result back.
const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<BoardRequest>) => void) | null;
  postMessage?: (m: BoardResult) => void;
  WorkerGlobalScope?: unknown;
};
if (typeof scope.WorkerGlobalScope !== "undefined" && scope.postMessage) {
  const post = scope.postMessage.bind(globalThis);
  scope.onmessage = async (e) => post(await checkBoard(e.data));
}
