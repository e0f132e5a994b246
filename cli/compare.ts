/**
 * `dom0sim compare BOARD`: the same board and workload under several attribute policies, side by
 * side (text, `--json`, or an HTML report with `--report`).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { InputError } from "../errors.ts";
import { checkDefines } from "./options.ts";
import { POLICIES } from "../hyp/policy.ts";
import { compareBoard, compareExitCode, compareJson } from "../sim/compare.ts";
import { renderCompareText } from "../sim/compare_text.ts";
import { renderCompareHtml } from "../sim/report_html.ts";
import { checkDom0Mem, checkOutputs, checkXenArgs, loadLatencies, loadWorkload } from "./boot.ts";
import {
  EXIT_OK,
  readFileOrUndefined,
  readInput,
  useColor,
  writeOutput,
  writeStderr,
  writeStdout,
} from "./io.ts";

/** The help text. */
export const COMPARE_HELP = `Usage: dom0sim compare BOARD.(dts|dtb) [options]

Boot the same board with the same workload under several stage-2 attribute policies and show
them side by side: the outcome, the faults with dom0's syndrome (ESR_EL1) and the
architecture's (the stage-2 fault Xen took), the cost per device with the ratio to the
cheapest policy, the memory-map ranges whose p2m type or effective type differ, and whether
the device tree Xen wrote for dom0 differs (a unified diff of the dtc-style text if it does).

Options:
  --policies LIST       comma-separated policies, or 'all' (default: all presets, in
                        --list-policies order); see 'dom0sim boot --list-policies'
                        (--policy LIST is accepted too, as lint and scan spell it)
  --workload NAME|FILE  what dom0 runs (default: boot); see 'dom0sim boot --list-workloads'
  --dom0-mem SIZE       dom0's memory (appended to Xen's command line)
  --xen-args "ARGS"     more options for Xen's command line
  -I, --include DIR     include directory for #include in DTS boards (repeatable; searched
                        before the built-in dt-bindings headers)
  -D, --define N[=V]    preprocessor definition (repeatable)
  --json                print one JSON object instead of text
  --report OUT.html     also write a self-contained HTML report (memory maps as SVG, tables,
                        consoles) for every policy
  --no-verify           do not boot again to verify the fixes of each fault
  --latencies FILE      JSON object overriding the cost model's latency table
  -h, --help            this text

Exit status: 0 dom0 ran clean under every policy; 1 dom0 faulted or panicked under at least
one; 2 bad input.

Examples:
  dom0sim compare boards/qemu-virt-sram.dts --workload sram-memset
  dom0sim compare boards/zynqmp-ocm.dts --policies xen-4.7,xen-4.17 --workload sram-memcpy-unaligned
  dom0sim compare boards/a64-sram.dts --workload sram-atomic --report /tmp/a64.html
`;

/** Parse `--policies`. */
export function parsePolicies(arg: string | undefined): string[] {
  if (arg === undefined || arg === "all") return POLICIES.map((p) => p.name);
  const names = arg.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (names.length === 0) throw new InputError("--policies", "expected at least one policy name");
  for (const n of names) {
    if (!POLICIES.some((p) => p.name === n)) {
      throw new InputError(
        "--policies",
        `unknown policy '${n}'; expected one of ${POLICIES.map((p) => p.name).join(", ")} or all`,
      );
    }
  }
  return [...new Set(names)];
}

/** Run `compare`. */
export function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      policies: { type: "string" },
      policy: { type: "string" },
      workload: { type: "string" },
      "dom0-mem": { type: "string" },
      "xen-args": { type: "string" },
      include: { type: "string", short: "I", multiple: true },
      define: { type: "string", short: "D", multiple: true },
      json: { type: "boolean" },
      report: { type: "string" },
      "no-verify": { type: "boolean" },
      latencies: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    writeStdout(COMPARE_HELP);
    return Promise.resolve(EXIT_OK);
  }
  if (positionals.length !== 1) {
    throw new InputError(
      "",
      "expected one board file (BOARD.dts or BOARD.dtb); see 'dom0sim compare --help'",
    );
  }
  if (values.policies !== undefined && values.policy !== undefined) {
    throw new InputError("--policy", "give --policies (or its alias --policy) once, not both");
  }
  const policies = parsePolicies(values.policies ?? values.policy);
  checkDom0Mem(values["dom0-mem"]);
  checkDefines(values.define);
  const xenWarnings = checkXenArgs(values["xen-args"]);
  checkOutputs([["--report", values.report, false]]);
  const workload = loadWorkload(values.workload);
  const latencies = loadLatencies(values.latencies);
  const board = positionals[0];
  const bytes = readInput(board);
  for (const w of xenWarnings) writeStderr(w);
  const c = compareBoard(board, bytes, {
    policies,
    workload,
    dom0Mem: values["dom0-mem"],
    xenArgs: values["xen-args"],
    includeDirs: values.include ?? [],
    defines: values.define ?? [],
    readFile: readFileOrUndefined,
    latencies,
    verifyFixes: !values["no-verify"],
  });
  const warnings = c.runs[0].run.warnings.length;
  if (warnings > 0 && !values.json) {
    writeStderr(
      `${board}: ${warnings} dtc-style warning(s) (shown by 'dom0sim boot --verbose' or 'dom0sim dt compile')`,
    );
  }
  if (values.report !== undefined) writeOutput(values.report, renderCompareHtml(c));
  if (values.json) writeStdout(JSON.stringify(compareJson(c), null, 2) + "\n");
  else writeStdout(renderCompareText(c, { color: useColor(1) }));
  return Promise.resolve(compareExitCode(c));
}
