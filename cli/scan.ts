/**
 * `dom0sim scan DIR|FILES...`: boot and/or lint many boards in one process, with a progress bar
 * on a terminal, a summary table at the end (or JSON lines), and a non-zero exit only for bad
 * input or crashes.
 *
 * @module
 */

import * as fs from "node:fs";
import process from "node:process";
import { parseArgs } from "node:util";
import { InputError } from "../errors.ts";
import { checkDefines } from "./options.ts";
import { parsePolicyList } from "../sim/lint.ts";
import { scanBoard, type ScanMode, type ScanRow, scanTotals } from "../sim/scan.ts";
import { progressLine, renderScanTable } from "../sim/scan_text.ts";
import { loadWorkload } from "./boot.ts";
import {
  EXIT_OK,
  readFileOrUndefined,
  readInput,
  stdoutIsTerminal,
  useColor,
  writeStdout,
} from "./io.ts";

/** The help text. */
export const SCAN_HELP = `Usage: dom0sim scan DIR|FILE... [options]

Boot and/or lint many boards in one process: every .dts and .dtb under each directory
(recursively; .dtsi files are skipped) and every file named. Shows a progress bar on a terminal
(none when the output is piped) and a summary table at the end: board, status, outcome, faults,
findings, milliseconds, and the one-line error of a board that is bad input. A bad board does
not stop the scan.

Options:
  --boot                boot each board (the default when neither --boot nor --lint is given)
  --lint                lint each board (with --boot: both)
  --policy LIST         the policy for boots (one), or the policies for lint (comma-separated
                        or 'all'); default xen-4.17
  --workload NAME|FILE  what dom0 runs in boots (default: boot)
  -I, --include DIR     include directory for #include in DTS boards (repeatable; searched
                        before the built-in dt-bindings headers)
  -D, --define N[=V]    preprocessor definition (repeatable)
  --json                print one JSON line per board as it finishes, then a summary line
  -h, --help            this text

Exit status: 0 every board was scanned (faults and findings do not change it); 2 at least one
board or argument was bad input; 3 dom0sim crashed on at least one board.

Examples:
  dom0sim scan boards
  dom0sim scan boards --lint --json > lint.jsonl
  dom0sim scan boards/qemu-virt-sram.dts boards/zynqmp-ocm.dts --policy xen-4.7 --workload sram-memset
`;

/** Every `.dts`/`.dtb` under `dir`, sorted, skipping hidden entries. */
function walk(dir: string, out: string[]): void {
  const names = fs.readdirSync(dir).sort();
  for (const n of names) {
    if (n.startsWith(".")) continue;
    const p = dir.endsWith("/") ? dir + n : `${dir}/${n}`;
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) walk(p, out);
    else if (st.isFile() && (n.endsWith(".dts") || n.endsWith(".dtb"))) out.push(p);
  }
}

/** The boards named by the arguments; missing paths are returned as bad-input rows. */
export function findBoards(args: string[]): { files: string[]; missing: ScanRow[] } {
  const files: string[] = [];
  const missing: ScanRow[] = [];
  for (const a of args) {
    let st: fs.Stats | null = null;
    try {
      st = fs.statSync(a);
    } catch {
      st = null;
    }
    if (st?.isDirectory()) {
      try {
        walk(a, files);
      } catch (e) {
        missing.push({
          type: "board",
          board: a,
          status: "bad-input",
          ms: 0,
          error: new InputError(a, `cannot read directory: ${(e as Error).message}`).line(),
        });
      }
    } else if (st?.isFile()) files.push(a);
    else {
      missing.push({
        type: "board",
        board: a,
        status: "bad-input",
        ms: 0,
        error: new InputError(a, "cannot read file: no such file or directory").line(),
      });
    }
  }
  return { files, missing };
}

function stderrIsTerminal(): boolean {
  try {
    return Boolean(process.stderr.isTTY);
  } catch {
    return false;
  }
}

function drawProgress(text: string | null): void {
  const s = text === null ? "\r\x1b[K" : `\r\x1b[K${text}`;
  try {
    fs.writeSync(2, s);
  } catch {
    // the progress bar is best effort
  }
}

/** Run `scan`. */
export function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      boot: { type: "boolean" },
      lint: { type: "boolean" },
      policy: { type: "string" },
      workload: { type: "string" },
      include: { type: "string", short: "I", multiple: true },
      define: { type: "string", short: "D", multiple: true },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    writeStdout(SCAN_HELP);
    return Promise.resolve(EXIT_OK);
  }
  if (positionals.length === 0) {
    throw new InputError("", "expected a directory or board files; see 'dom0sim scan --help'");
  }
  const mode: ScanMode = { boot: !!values.boot || !values.lint, lint: !!values.lint };
  if (values.policy === "") {
    throw new InputError("--policy", "expected a policy name, a comma-separated list, or all");
  }
  const policies = parsePolicyList(values.policy);
  checkDefines(values.define);
  if (mode.boot && policies.length > 1) {
    throw new InputError("--policy", "a boot scan takes one policy (a list is for --lint alone)");
  }
  const workload = loadWorkload(values.workload);
  const { files, missing } = findBoards(positionals);
  if (files.length === 0 && missing.length === 0) {
    throw new InputError(positionals.join(" "), "no .dts or .dtb files found");
  }
  const progress = !values.json && stdoutIsTerminal() && stderrIsTerminal();
  const rows: ScanRow[] = [...missing];
  if (values.json) { for (const r of missing) writeStdout(JSON.stringify(r) + "\n"); }
  const t0 = performance.now();
  files.forEach((file, i) => {
    if (progress) drawProgress(progressLine(i, files.length, file));
    const t = performance.now();
    let row: ScanRow;
    try {
      row = scanBoard(file, readInput(file), {
        mode,
        policy: policies[0],
        lintPolicies: policies,
        workload,
        includeDirs: values.include ?? [],
        defines: values.define ?? [],
        readFile: readFileOrUndefined,
      });
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      row = { type: "board", board: file, status: "bad-input", ms: 0, error: e.line() };
    }
    row.ms = Math.round((performance.now() - t) * 10) / 10;
    rows.push(row);
    if (values.json) writeStdout(JSON.stringify(row) + "\n");
  });
  if (progress) drawProgress(null);
  const totals = scanTotals(rows, Math.round(performance.now() - t0));
  if (values.json) writeStdout(JSON.stringify(totals) + "\n");
  else writeStdout(renderScanTable(rows, totals, mode, { color: useColor(1) }));
  return Promise.resolve(totals.exitCode);
}
