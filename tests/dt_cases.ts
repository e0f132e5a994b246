/**
 * The DT conformance cases: DTS sources under `tests/fixtures/dt/cases/` (plus `errors/`), the
 * reference command lines for them (GCC cpp + dtc 1.6.1, as Linux runs them) and the matching
 * dom0sim options. Shared by `tests/dt_conformance_test.ts` and `scripts/dt_record_fixtures.ts`.
 *
 * A case may start with a comment line `// dtc: FLAGS` (e.g. `-@ -Wno-unit_address_vs_reg`).
 *
 * @module
 */

import * as fs from "node:fs";
import * as path from "node:path";
import type { CompileOptions } from "../dt/compile.ts";
import { needsCpp } from "../dt/compile.ts";

/** Where the case sources are (relative to the repository root). */
export const CASE_ROOT = "tests/fixtures/dt/cases";
/** Recorded reference outputs. */
export const EXPECTED_ROOT = "tests/fixtures/dt/expected";
/** Gzipped QEMU `virt` DTB dumps. */
export const QEMU_ROOT = "tests/fixtures/dt/qemu";
/** Include directories for the cases: test headers, then the project's `include/`. */
export const INCLUDE_DIRS = ["tests/fixtures/dt/include", "include"];

/** One case. */
export interface DtCase {
  /** Name relative to the case root, without `.dts` (e.g. `basics`, `errors/div_zero`). */
  name: string;
  /** Path relative to the repository root. */
  file: string;
  /** Source bytes. */
  bytes: Uint8Array;
  /** dtc flags from the `// dtc:` line. */
  flags: string[];
  /** Whether the source goes through cpp (dom0sim's `auto` rule). */
  cpp: boolean;
}

/** Every case, sorted by name. */
export function listCases(): DtCase[] {
  const out: DtCase[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && e.name !== "inc") walk(p);
      else if (e.isFile() && e.name.endsWith(".dts")) {
        const bytes = new Uint8Array(fs.readFileSync(p));
        const text = new TextDecoder().decode(bytes);
        const m = /^\/\/ dtc: (.*)$/m.exec(text);
        out.push({
          name: path.relative(CASE_ROOT, p).replace(/\.dts$/, ""),
          file: p,
          bytes,
          flags: m ? m[1].trim().split(/\s+/) : [],
          cpp: needsCpp(text),
        });
      }
    }
  };
  walk(CASE_ROOT);
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** The reference command lines: cpp arguments (when preprocessed) and dtc's (without `-O`). */
export function dtcCommand(c: DtCase): { cpp: string[] | null; dtc: string[] } {
  const cpp = c.cpp
    ? [
      "-nostdinc",
      ...INCLUDE_DIRS.flatMap((d) => ["-I", d]),
      "-undef",
      "-D__DTS__",
      "-x",
      "assembler-with-cpp",
      c.file,
    ]
    : null;
  const dtc = [
    "-I",
    "dts",
    "-o",
    "-",
    ...c.flags,
    "-i",
    path.dirname(c.file),
    ...INCLUDE_DIRS.flatMap((d) => ["-i", d]),
    c.cpp ? "-" : c.file,
  ];
  return { cpp, dtc };
}

/** dom0sim options equivalent to a case's command line. */
export function compileOptions(c: DtCase): CompileOptions {
  const toggles: Array<{ kind: "W" | "E"; arg: string }> = [];
  let symbols = false;
  let sort = false;
  for (const f of c.flags) {
    if (f === "-@") symbols = true;
    else if (f === "-s") sort = true;
    else if (f.startsWith("-W")) toggles.push({ kind: "W", arg: f.slice(2) });
    else if (f.startsWith("-E")) toggles.push({ kind: "E", arg: f.slice(2) });
  }
  return {
    readFile: (p) => {
      try {
        return fs.statSync(p).isFile() ? new Uint8Array(fs.readFileSync(p)) : undefined;
      } catch {
        return undefined;
      }
    },
    includeDirs: INCLUDE_DIRS,
    symbols,
    sort,
    toggles,
    cpp: "auto",
    outName: "-",
  };
}
