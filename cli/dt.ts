/**
 * `dom0sim dt`: the device-tree compiler, a dtc 1.6.1 work-alike. `dt compile` turns a DTS
 * (through the built-in C preprocessor when it has `#include`/`#define`...) or a DTB into a DTB
 * byte-identical to `dtc -O dtb`; `dt decompile` prints a DTB or DTS as `dtc -O dts` does.
 * Warnings go to stderr exactly as dtc prints them; bad input is one line on stderr and exit
 * status 2, and an output file is only ever replaced whole.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { InputError } from "../errors.ts";
import { checkDefines } from "./options.ts";
import {
  CompileError,
  type CompileOptions,
  type CompileResult,
  loadDeviceTree,
} from "../dt/compile.ts";
import { validateToggles } from "../dt/checks.ts";
import { writeDtb } from "../dt/dtb_write.ts";
import { printDts } from "../dt/dts_print.ts";
import { latin1Bytes } from "../dt/tree.ts";
import {
  checkOutputPath,
  EXIT_OK,
  readFileOrUndefined,
  readInput,
  writeOutput,
  writeStderr,
  writeStdout,
} from "./io.ts";

/** The help text. */
export const DT_HELP = `Usage: dom0sim dt compile IN.(dts|dtb) -o OUT.dtb [options]
       dom0sim dt decompile IN.(dtb|dts) -o OUT.dts [options]

The device-tree compiler, working like dtc 1.6.1 (Debian 12's device-tree-compiler): the same
grammar, tree semantics, phandle numbering, checks and warnings, and byte-identical output.
Sources with preprocessor directives (#include, #define, #if ...) first go through the built-in
C preprocessor, as Linux runs 'cpp -nostdinc -undef -D__DTS__ -x assembler-with-cpp'.
Input is read as a DTB when it starts with the FDT magic (0xd00dfeed), else as DTS.

Commands:
  compile               write a DTB (dtc -O dtb)
  decompile             write DTS text (dtc -O dts)

Options:
  -o, --out FILE        output file; '-' writes to stdout (required)
  -I, --include DIR     search directory for #include, /include/ and /incbin/ (repeatable);
                        #include <...> then falls back to dom0sim's built-in dt-bindings
                        headers (GIC, IRQ types, GPIO flags)
  -D, --define N[=V]    preprocessor definition (repeatable; __DTS__ is always defined)
  -@, --symbols         add /__symbols__ and give labelled nodes phandles (dtc -@)
  -s, --sort            sort reserve entries, properties and nodes (dtc -s)
  -W, --warning CHECK   enable the check CHECK as a warning, or disable it with no-CHECK (dtc -W)
  -E, --error CHECK     make CHECK an error, or no-CHECK to stop that (dtc -E)
  -b, --boot-cpu N      set the header's boot_cpuid_phys (dtc -b)
  -R, --reserve N       add N empty reserve-map entries (compile; dtc -R)
  -p, --pad N           add N bytes of padding (compile; dtc -p)
  -S, --space N         make the blob at least N bytes (compile; dtc -S)
  -a, --align N         pad the blob to a multiple of N, a power of two (compile; dtc -a)
      --cpp             always run the C preprocessor
      --no-cpp          never run it (plain dtc behaviour)
  -q, --quiet           do not print warnings
  -h, --help            this text

Exit status: 0 success (warnings allowed); 2 bad input (one 'FILE:LINE:COL: error: ...' line).
Beyond dtc 1.6.1: label-relative references &{label/sub/path} (dtc 1.7 syntax) are accepted.

Examples:
  dom0sim dt compile boards/qemu-virt.dts -o /tmp/virt.dtb
  dom0sim dt decompile /tmp/virt.dtb -o -
  dom0sim dt compile boards/zynqmp-ocm.dts -D USE_OCM=1 -@ -o /tmp/zynqmp.dtb
  dom0sim dt decompile boards/a64-sram.dts --sort -o /tmp/a64.sorted.dts
  dom0sim dt compile boards/qemu-virt.dts -Wno-reg_format -Wno-unit_address_format -o - > /tmp/virt.dtb
`;

function intOption(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  // dtc uses strtol(.., 0): decimal, 0x hex or leading-0 octal.
  const t = v.trim();
  const n = /^0[xX][0-9a-fA-F]+$/.test(t)
    ? parseInt(t.slice(2), 16)
    : /^0[0-7]+$/.test(t)
    ? parseInt(t.slice(1), 8)
    : /^[0-9]+$/.test(t)
    ? parseInt(t, 10)
    : NaN;
  if (!Number.isFinite(n)) throw new InputError(name, `expected a number, got '${v}'`);
  return n;
}

/** Run `dt`. */
export function run(argv: string[]): Promise<number> {
  const { values, positionals, tokens } = parseArgs({
    args: argv,
    allowPositionals: true,
    tokens: true,
    options: {
      out: { type: "string", short: "o" },
      include: { type: "string", short: "I", multiple: true },
      define: { type: "string", short: "D", multiple: true },
      symbols: { type: "boolean", short: "@" },
      sort: { type: "boolean", short: "s" },
      warning: { type: "string", short: "W", multiple: true },
      error: { type: "string", short: "E", multiple: true },
      "boot-cpu": { type: "string", short: "b" },
      reserve: { type: "string", short: "R" },
      pad: { type: "string", short: "p" },
      space: { type: "string", short: "S" },
      align: { type: "string", short: "a" },
      cpp: { type: "boolean" },
      "no-cpp": { type: "boolean" },
      quiet: { type: "boolean", short: "q" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    writeStdout(DT_HELP);
    return Promise.resolve(EXIT_OK);
  }
  if (positionals.length === 0) {
    throw new InputError("", "expected compile or decompile; see 'dom0sim dt --help'");
  }
  const [cmd, ...files] = positionals;
  if (cmd !== "compile" && cmd !== "decompile") {
    throw new InputError("", `unknown dt command '${cmd}'; expected compile or decompile`);
  }
  if (files.length !== 1) {
    throw new InputError("", `expected one input file; see 'dom0sim dt --help'`);
  }
  const out = values.out;
  if (out === undefined) throw new InputError("", "missing -o OUT (use '-o -' for stdout)");
  checkOutputPath("-o", out, { binary: cmd === "compile" });
  if (values.cpp && values["no-cpp"]) throw new InputError("", "--cpp and --no-cpp conflict");

  // -W/-E in command-line order (dtc applies them in order).
  const toggles: Array<{ kind: "W" | "E"; arg: string }> = [];
  for (const t of tokens ?? []) {
    if (t.kind === "option" && (t.name === "warning" || t.name === "error") && t.value) {
      toggles.push({ kind: t.name === "warning" ? "W" : "E", arg: t.value });
    }
  }
  validateToggles(toggles);
  checkDefines(values.define);

  const input = files[0];
  const opts: CompileOptions = {
    readFile: readFileOrUndefined,
    includeDirs: values.include ?? [],
    defines: values.define ?? [],
    symbols: values.symbols ?? false,
    sort: values.sort ?? false,
    bootCpuid: intOption("-b", values["boot-cpu"]),
    toggles,
    cpp: values.cpp ? true : values["no-cpp"] ? false : "auto",
    outName: out,
  };
  const reserveExtra = intOption("-R", values.reserve);
  const padSize = intOption("-p", values.pad);
  const minSize = intOption("-S", values.space);
  const align = intOption("-a", values.align);
  if (padSize !== undefined && minSize !== undefined) {
    throw new InputError("", "Can't set both -p and -S");
  }

  const bytes = readInput(input);
  let result: CompileResult;
  try {
    result = loadDeviceTree(input, bytes, opts);
  } catch (e) {
    if (e instanceof CompileError && !values.quiet) {
      // What dtc printed before giving up; the headline error is the last line (via guard).
      const headline = e.messages.find((m) => m.level === "error");
      for (const m of e.messages) if (m !== headline) writeStderr(m.text + "\n");
    }
    throw e;
  }
  if (!values.quiet) {
    for (const n of result.notes) writeStderr(n);
    for (const w of result.warnings) writeStderr(w.text + "\n");
  }
  if (cmd === "compile") {
    const blob = writeDtb(result.tree, {
      reserveExtra,
      padSize,
      minSize,
      align,
      onWarning: values.quiet ? undefined : (m) => writeStderr(m),
    });
    writeOutput(out, blob);
  } else {
    writeOutput(out, latin1Bytes(printDts(result.tree)));
  }
  return Promise.resolve(EXIT_OK);
}
