/**
 * `dom0sim boot BOARD`: Xen 4.17 builds dom0 from the board's tree, dom0 boots from the DTB Xen
 * wrote and runs a workload; prints both consoles and the summary (or `--json`).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { InputError } from "../errors.ts";
import { checkDefines } from "./options.ts";
import { parseScenario, WORKLOAD_NAMES } from "../dom0/workload.ts";
import { BUILTIN_WORKLOADS } from "../dom0/workload.ts";
import { DEFAULT_LATENCIES, type LatencyTable } from "../drivers/cost.ts";
import { parseSizeAndUnit, parseXenCmdline } from "../hyp/cmdline.ts";
import { POLICIES } from "../hyp/policy.ts";
import { bootJson } from "../sim/json.ts";
import { renderBootText } from "../sim/render_text.ts";
import { runBoard } from "../sim/run.ts";
import { renderBootHtml } from "../sim/report_html.ts";
import {
  checkOutputPath,
  EXIT_OK,
  parseJsonText,
  readFileOrUndefined,
  readInput,
  writeOutput,
  writeStderr,
  writeStdout,
} from "./io.ts";

/** The help text. */
export const BOOT_HELP = `Usage: dom0sim boot BOARD.(dts|dtb) [options]

Boot a board: Xen 4.17 (modelled) builds dom0 from the board's device tree, dom0 Linux 6.1
(modelled) boots from the DTB Xen wrote and runs a workload. Every memory access goes through
the ARMv8-A rules (stage-1 x stage-2 attributes, alignment, DC ZVA, exclusives, permissions).
Prints the serial console (Xen's "(XEN)" lines and dom0's console), then a summary: dom0's
memory map with both stages and the effective memory type, the faults with their cause and the
changes that avoid them (each verified by a second boot), and the cost per device.

Options:
  --policy NAME         stage-2 attribute policy (default xen-4.17); see --list-policies
  --workload NAME|FILE  what dom0 runs after boot: a built-in (see --list-workloads) or a JSON
                        scenario file (schema: dom0/WORKLOADS.md); default: boot
  --dom0-mem SIZE       dom0's memory, e.g. 512M or 1G (appended to Xen's command line)
  --xen-args "ARGS"     more options for Xen's command line (e.g. "dom0_max_vcpus=1")
  -I, --include DIR     include directory for #include in DTS boards (repeatable; searched
                        before the built-in dt-bindings headers)
  -D, --define N[=V]    preprocessor definition (repeatable)
  --domu FILE.cfg       after dom0, create a domU from an xl.cfg subset (name, memory, vcpus,
                        iomem, irqs, dtdev; format in hyp/domu.ts) and show its stage-2 map
                        (repeatable)
  --dom0-dtb OUT.dtb    also write the DTB Xen built for dom0
  --json                print one JSON object instead of text (docs/JSON.md)
  --report OUT.html     also write a self-contained HTML report: SVG memory map (IPA and PA,
                        coloured by effective memory type, faults marked), tables, consoles
  --summary-only        print the summary without the console
  --verbose             show dom0sim's own "(XEN) [dom0sim] Mapping ..." lines and dtc warnings
  --no-verify           do not boot again to verify the suggested fixes
  --latencies FILE      JSON object overriding the cost model's latency table
  --list-policies       list the policies and exit
  --list-workloads      list the built-in workloads and exit
  -h, --help            this text

Exit status: 0 clean boot and workload; 1 dom0 faulted or panicked; 2 bad input.

Examples:
  dom0sim boot boards/qemu-virt.dts
  dom0sim boot boards/qemu-virt-sram.dts --policy xen-4.7 --workload sram-memset
  dom0sim boot boards/zynqmp-ocm.dts --dom0-dtb /tmp/dom0.dtb --json
  dom0sim boot boards/qemu-virt-sram.dts --domu boards/domu-sram.cfg
  dom0sim boot boards/qemu-virt-sram.dts --policy xen-4.7 --workload sram-memset --report /tmp/r.html
`;

function listPolicies(): string {
  const w = Math.max(...POLICIES.map((p) => p.name.length));
  return POLICIES.map((p) => `${p.name.padEnd(w)}  ${p.summary}`).join("\n") + "\n";
}

function listWorkloads(): string {
  const lines = [
    "boot".padEnd(22) +
    "  what Linux does at boot: probe every driver; write and read back every sram export file",
  ];
  for (const n of WORKLOAD_NAMES) {
    if (n === "boot") continue;
    lines.push(`${n.padEnd(22)}  ${BUILTIN_WORKLOADS[n]?.description ?? ""}`);
  }
  return lines.join("\n") + "\n";
}

/** Parse the workload option: a built-in name or a JSON scenario file (dom0/WORKLOADS.md). */
export function loadWorkload(arg: string | undefined) {
  if (arg === undefined) return undefined;
  if (WORKLOAD_NAMES.includes(arg)) return arg;
  if (!arg.endsWith(".json") && !readFileOrUndefined(arg)) {
    throw new InputError(
      "--workload",
      `unknown workload '${arg}'; expected one of ${
        WORKLOAD_NAMES.join(", ")
      } or a .json scenario file`,
    );
  }
  const text = new TextDecoder().decode(readInput(arg));
  return parseScenario(parseJsonText(arg, text), arg);
}

/**
 * Read a latency override file: a JSON object with some of the keys of the `latencies` object
 * that `--json` prints, each a non-negative number of cycles (`read`/`write`: per memory type).
 * A violation is an InputError naming the JSON path (`lat.json: read.Normal-NC: error: ...`).
 */
export function loadLatencies(path: string | undefined): Partial<LatencyTable> | undefined {
  if (path === undefined) return undefined;
  const v = parseJsonText(path, new TextDecoder().decode(readInput(path)));
  const fail = (where: string, msg: string): never => {
    throw new InputError(where ? `${path}: ${where}` : path, msg);
  };
  const isObject = (x: unknown): x is Record<string, unknown> =>
    typeof x === "object" && x !== null && !Array.isArray(x);
  const cycles = (where: string, x: unknown): void => {
    if (typeof x !== "number" || !Number.isFinite(x) || x < 0) {
      fail(where, `"${where}" must be a non-negative number of cycles, got ${JSON.stringify(x)}`);
    }
  };
  if (!isObject(v)) {
    fail("", "expected a JSON object of latencies (see --json output 'latencies')");
  }
  const keys = Object.keys(DEFAULT_LATENCIES);
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (k === "read" || k === "write") {
      if (!isObject(x)) fail(k, `"${k}" must be an object of cycles per memory type`);
      const types = Object.keys(DEFAULT_LATENCIES[k]);
      for (const [t, c] of Object.entries(x as Record<string, unknown>)) {
        if (!types.includes(t)) {
          fail(`${k}.${t}`, `unknown memory type "${t}"; expected one of ${types.join(", ")}`);
        }
        cycles(`${k}.${t}`, c);
      }
    } else if (keys.includes(k)) cycles(k, x);
    else fail(k, `unknown latency "${k}"; expected one of ${keys.join(", ")}`);
  }
  return v as Partial<LatencyTable>;
}

/**
 * Check `--dom0-mem` (Xen's `dom0_mem` size syntax: a number with an optional K, M, G or T; no
 * suffix means KiB). Xen itself ignores a malformed value and treats a size that is not a whole
 * number of pages with unsigned arithmetic; the option is the user's, so both are bad input.
 */
export function checkDom0Mem(v: string | undefined): void {
  if (v === undefined) return;
  const [bytes, end] = parseSizeAndUnit(v);
  if (!/^[0-9]/.test(v) || end < v.length) {
    throw new InputError(
      "--dom0-mem",
      `expected a size such as 512M or 1G, got '${v}' (K, M, G or T; no suffix means KiB)`,
    );
  }
  if (bytes === 0) throw new InputError("--dom0-mem", "dom0's memory must be more than 0");
  if (bytes % 4096 !== 0) {
    throw new InputError(
      "--dom0-mem",
      `'${v}' is not a whole number of 4 KiB pages (Xen gives dom0 memory in pages)`,
    );
  }
  if (bytes > 2 ** 52) {
    throw new InputError(
      "--dom0-mem",
      `'${v}' is more than a 52-bit physical address space can hold`,
    );
  }
}

/**
 * Check `--xen-args` the way Xen parses its command line. A value Xen rejects
 * (`parameter "X" has invalid value "V"`) is bad input; a parameter Xen does not know is only
 * ignored by Xen, so it is returned as a warning line.
 */
export function checkXenArgs(v: string | undefined): string[] {
  if (v === undefined) return [];
  for (const opt of v.split(" ")) {
    if (opt.startsWith("=") || opt === "no-") {
      throw new InputError("--xen-args", `expected KEY or KEY=VALUE, got '${opt}'`);
    }
  }
  const warnings: string[] = [];
  for (const m of parseXenCmdline(v).messages) {
    if (m.text.endsWith(" unknown!")) {
      warnings.push(`--xen-args: warning: Xen prints '${m.text}' and ignores it`);
    } else {
      throw new InputError(
        "--xen-args",
        `${m.text.replace(/, rc=-?\d+!$/, "")} (Xen would print this and ignore it)`,
      );
    }
  }
  return warnings;
}

/** Check a policy name early, for a clean error. */
export function checkPolicy(name: string | undefined): void {
  if (name !== undefined && !POLICIES.some((p) => p.name === name)) {
    throw new InputError(
      "--policy",
      `unknown policy '${name}'; expected one of ${POLICIES.map((p) => p.name).join(", ")}`,
    );
  }
}

/**
 * Check the output options `[flag, path, binary]` before any work: each path can be written,
 * none is `-` (stdout carries the text or JSON), and no two name the same file.
 */
export function checkOutputs(outputs: Array<[string, string | undefined, boolean]>): void {
  const seen = new Map<string, string>();
  for (const [flag, path, binary] of outputs) {
    if (path === undefined) continue;
    checkOutputPath(flag, path, { binary, stdoutTaken: true });
    const other = seen.get(path);
    if (other !== undefined) {
      throw new InputError(flag, `'${path}' is already the output of ${other}`);
    }
    seen.set(path, flag);
  }
}

/** Run `boot`. */
export function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      policy: { type: "string" },
      workload: { type: "string" },
      "dom0-mem": { type: "string" },
      "xen-args": { type: "string" },
      include: { type: "string", short: "I", multiple: true },
      define: { type: "string", short: "D", multiple: true },
      "dom0-dtb": { type: "string" },
      domu: { type: "string", multiple: true },
      json: { type: "boolean" },
      report: { type: "string" },
      "summary-only": { type: "boolean" },
      verbose: { type: "boolean" },
      "no-verify": { type: "boolean" },
      latencies: { type: "string" },
      "list-policies": { type: "boolean" },
      "list-workloads": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    writeStdout(BOOT_HELP);
    return Promise.resolve(EXIT_OK);
  }
  if (values["list-policies"]) {
    writeStdout(listPolicies());
    return Promise.resolve(EXIT_OK);
  }
  if (values["list-workloads"]) {
    writeStdout(listWorkloads());
    return Promise.resolve(EXIT_OK);
  }
  if (positionals.length !== 1) {
    throw new InputError(
      "",
      "expected one board file (BOARD.dts or BOARD.dtb); see 'dom0sim boot --help'",
    );
  }
  const board = positionals[0];
  checkPolicy(values.policy);
  checkDefines(values.define);
  checkDom0Mem(values["dom0-mem"]);
  const xenWarnings = checkXenArgs(values["xen-args"]);
  checkOutputs([["--dom0-dtb", values["dom0-dtb"], true], ["--report", values.report, false]]);
  const workload = loadWorkload(values.workload);
  const latencies = loadLatencies(values.latencies);
  const bytes = readInput(board);
  for (const w of xenWarnings) writeStderr(w);
  const { run: r, summary } = runBoard(board, bytes, {
    policy: values.policy,
    workload,
    dom0Mem: values["dom0-mem"],
    xenArgs: values["xen-args"],
    includeDirs: values.include ?? [],
    defines: values.define ?? [],
    readFile: readFileOrUndefined,
    latencies,
    verifyFixes: !values["no-verify"],
    domUs: (values.domu ?? []).map((f) => ({
      file: f,
      text: new TextDecoder().decode(readInput(f)),
    })),
  });
  const warnings = r.warnings;
  if (values.verbose) { for (const w of warnings) writeStderr(w.text); }
  else if (warnings.length > 0 && !values.json) {
    writeStderr(
      `${board}: ${warnings.length} dtc-style warning(s) (shown with --verbose, or by 'dom0sim dt compile')`,
    );
  }
  // Everything is rendered before the first file is written.
  const html = values.report !== undefined
    ? renderBootHtml(r, summary, {
      fixesTried: !values["no-verify"],
    })
    : undefined;
  if (values["dom0-dtb"] !== undefined) writeOutput(values["dom0-dtb"], r.xen.build.dtb);
  if (values.report !== undefined && html !== undefined) writeOutput(values.report, html);
  if (values.json) {
    writeStdout(JSON.stringify(bootJson(r, summary), null, 2) + "\n");
  } else {
    writeStdout(renderBootText(r, summary, {
      verbose: values.verbose,
      summaryOnly: values["summary-only"],
      fixesTried: !values["no-verify"],
    }));
  }
  return Promise.resolve(summary.exitCode);
}
