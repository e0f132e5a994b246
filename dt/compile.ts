/**
 * The device-tree compile pipeline, dtc 1.6.1's `main()` for DTS input: (optional) C
 * preprocessing, parsing, full paths, the checks (phandle allocation, path references,
 * `/omit-if-no-ref/`), `-@` symbols, overlay fix-ups, `-s` sorting, then the public tree.
 * {@link loadDeviceTree} also accepts DTB input (by magic) and runs the same checks on it, as
 * `dtc -I dtb` does.
 *
 * When to preprocess (`cpp: "auto"`, the default): when the source has a line whose first token
 * is one of the directives `#include`, `#define`, `#undef`, `#if`, `#ifdef`, `#ifndef`, `#elif`,
 * `#else`, `#endif`, `#error`, `#warning`, `#pragma` or `#line` (as Linux board files do), the
 * source goes through the built-in C preprocessor first, like the kernel's
 * `cpp -nostdinc -undef -D__DTS__ -x assembler-with-cpp` followed by dtc. Plain DTS (lines like
 * `#address-cells = <1>;` are not directives) is parsed directly, as `dtc` alone would.
 * `-D`/`-I` options do not change the decision; pass `cpp: true` to force it.
 *
 * Differences from dtc 1.6.1 (everything else, output and messages, is meant to be identical):
 * - label-relative references `&{label/sub/path}` (dtc 1.7.0 syntax) are accepted, in cells, as
 *   path strings and as node-extension targets; dtc 1.6.1 reports a syntax error;
 * - where dtc 1.6.1 aborts or asserts (e.g. a `/incbin/` value printed as DTS after a string),
 *   dom0sim reports an InputError or prints the value;
 * - errors are thrown at the first one (dtc goes on collecting some and prints them all); dtc's
 *   errors without a position (a missing `/incbin/` file) get one;
 * - a byte >= 0x80 outside strings ends the input, as in dtc's x86 builds (on arm64 hosts, where
 *   C `char` is unsigned, dtc reports a syntax error instead);
 * - size limits differ: dtc's parser stack (bison, 10 000 entries) rejects more than about 3 300
 *   nested nodes, 10 000 nested parentheses, or about 9 990 children in one node ("memory
 *   exhausted"); dom0sim stops at 2 000 nested nodes or sub-expressions and has no child limit.
 *   Against runaway inputs dom0sim also bounds macro expansion (10^7 tokens), `#include` and
 *   `/include/` counts (10^5 each) and duplicate-pair reports (10^4 per node), where GCC and dtc
 *   have no bound.
 *
 * @module
 */

import { InputError } from "../errors.ts";
import { type CheckMessage, runChecks } from "./checks.ts";
import { preprocess } from "./cpp.ts";
import { bytesToLatin1 } from "./dts_lexer.ts";
import { parseDts } from "./dts_parser.ts";
import {
  fillFullpaths,
  FixupError,
  fromDeviceTree,
  generateFixupsTree,
  generateLabelTree,
  generateLocalFixupsTree,
  LabelIndex,
  type LiveTree,
  sortTree,
  toDeviceTree,
} from "./livetree.ts";
import { FDT_MAGIC, readDtb } from "./dtb_read.ts";
import type { DeviceTree } from "./tree.ts";
import { BUILTIN_HEADERS, BUILTIN_INCLUDE_DIR } from "./builtin_include.ts";

/** Options for {@link compileDts} and {@link loadDeviceTree}. */
export interface CompileOptions {
  /** Reads a file (includes, `/include/`, `/incbin/`); undefined when it does not exist. */
  readFile?: (path: string) => Uint8Array | undefined;
  /** Include directories: cpp `-I` and dtc `-i`, searched in order. */
  includeDirs?: string[];
  /** cpp `-D` definitions: `NAME` or `NAME=VALUE`. `__DTS__` is always defined. */
  defines?: string[];
  /**
   * Search dom0sim's own dt-bindings headers ({@link BUILTIN_HEADERS}) after every include
   * directory, for `#include <...>` (default true; false is `cpp -nostdinc` exactly: only the
   * directories given).
   */
  builtinIncludes?: boolean;
  /** `-@`: emit `/__symbols__` and give every labelled node a phandle. */
  symbols?: boolean;
  /** Run the C preprocessor: always, never, or when the source has directives (default). */
  cpp?: boolean | "auto";
  /** `-s`: sort reserve entries, properties and nodes. */
  sort?: boolean;
  /** `-b`: override `boot_cpuid_phys`. */
  bootCpuid?: number;
  /** `-W`/`-E` check toggles in command-line order. */
  toggles?: ReadonlyArray<{ kind: "W" | "E"; arg: string }>;
  /** The output name dtc uses in positionless messages (default `-`, printed `<stdout>`). */
  outName?: string;
}

/** The result of a compile: the tree and what dtc would print on stderr. */
export interface CompileResult {
  /** The compiled tree (no deleted items). */
  tree: DeviceTree;
  /** Check messages (warnings; errors abort with {@link CompileError}). */
  warnings: CheckMessage[];
  /** Other lines dtc prints (e.g. `-@` duplicate-label notes, cpp `#warning`s). */
  notes: string[];
  /** Whether the C preprocessor ran. */
  preprocessed: boolean;
}

/**
 * The checks found errors: dtc prints every message and aborts. `location`/`detail` describe
 * the first error; {@link CompileError.messages} holds everything dtc would have printed.
 */
export class CompileError extends InputError {
  /** All check messages, warnings and errors, in print order. */
  readonly messages: CheckMessage[];

  /** Make the error from the messages (the first ERROR-level one is the headline). */
  constructor(messages: CheckMessage[]) {
    const first = messages.find((m) => m.level === "error");
    const where = first ? dotToColon(first.where) : "";
    const what = first
      ? `${first.path}${first.prop ? ":" + first.prop : ""}${
        first.path ? ": " : ""
      }${first.message.trimEnd()} (${first.check})`
      : "Input tree has errors";
    super(where, what);
    this.name = "CompileError";
    this.messages = messages;
  }
}

/** `file:1.2-3.4` → `file:1:2` (the InputError location form). */
function dotToColon(where: string): string {
  const m = /^(.*):(\d+)\.(\d+)(?:-[\d.]+)?$/.exec(where);
  return m ? `${m[1]}:${m[2]}:${m[3]}` : where;
}

/** Directives that make `cpp: "auto"` preprocess. */
const CPP_DIRECTIVE =
  /^[ \t]*#[ \t]*(include|define|undef|ifdef|ifndef|if|elif|else|endif|error|warning|pragma|line)\b/m;

/** Whether source text needs the C preprocessor under the `auto` rule. */
export function needsCpp(text: string): boolean {
  return CPP_DIRECTIVE.test(text);
}

// deno-lint-ignore no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

function toLatin1(input: string | Uint8Array): string {
  if (typeof input !== "string") return bytesToLatin1(input);
  // Text beyond ASCII is taken as UTF-8 bytes (a regular expression scans faster than a loop).
  return NON_ASCII.test(input) ? bytesToLatin1(new TextEncoder().encode(input)) : input;
}

const noFiles = (_p: string): Uint8Array | undefined => undefined;

const BUILTIN_PREFIX = BUILTIN_INCLUDE_DIR + "/";

/** `readFile` that also serves the built-in headers under {@link BUILTIN_INCLUDE_DIR}. */
function withBuiltinHeaders(
  readFile: (path: string) => Uint8Array | undefined,
): (path: string) => Uint8Array | undefined {
  return (path) => {
    if (!path.startsWith(BUILTIN_PREFIX)) return readFile(path);
    const text = BUILTIN_HEADERS.get(path.slice(BUILTIN_PREFIX.length));
    return text === undefined ? undefined : new TextEncoder().encode(text);
  };
}

/** Compile DTS source like `dtc -I dts` (after cpp when needed): the tree and the messages. */
export function compileDts(
  file: string,
  input: string | Uint8Array,
  opts: CompileOptions = {},
): CompileResult {
  const readFile = opts.readFile ?? noFiles;
  const includeDirs = opts.includeDirs ?? [];
  let text = toLatin1(input);
  const notes: string[] = [];
  const useCpp = opts.cpp === true || ((opts.cpp ?? "auto") === "auto" && needsCpp(text));
  if (useCpp) {
    const builtin = opts.builtinIncludes ?? true;
    const r = preprocess(file, text, {
      readFile: builtin ? withBuiltinHeaders(readFile) : readFile,
      includeDirs: builtin ? [...includeDirs, BUILTIN_INCLUDE_DIR] : includeDirs,
      defines: ["__DTS__", ...(opts.defines ?? [])],
    });
    text = r.text;
    notes.push(...r.warnings);
  }
  const parsed = parseDts(file, text, { readFile, includeDirs });
  const r = finish(parsed.tree, parsed.labels, opts);
  r.notes.unshift(...notes);
  r.preprocessed = useCpp;
  return r;
}

/** Run dtc's post-parse steps on a live tree. */
function finish(dt: LiveTree, index: LabelIndex, opts: CompileOptions): CompileResult {
  if (opts.bootCpuid !== undefined) dt.bootCpuidPhys = opts.bootCpuid >>> 0;
  fillFullpaths(dt.root);
  const checks = runChecks(dt, index, {
    outName: opts.outName,
    symbols: opts.symbols,
    toggles: opts.toggles,
  });
  if (checks.failed) throw new CompileError(checks.messages);
  const notes: string[] = [];
  if (opts.symbols) notes.push(...generateLabelTree(dt, "__symbols__", true));
  if (dt.plugin) {
    try {
      generateFixupsTree(dt, index, "__fixups__");
    } catch (e) {
      if (e instanceof FixupError) throw new InputError("", e.message);
      throw e;
    }
    generateLocalFixupsTree(dt, index, "__local_fixups__");
  }
  if (opts.sort) sortTree(dt);
  return { tree: toDeviceTree(dt), warnings: checks.messages, notes, preprocessed: false };
}

/**
 * Load a device tree from bytes: a DTB (magic 0xd00dfeed, read by `readDtb`) or DTS source
 * (compiled by {@link compileDts}). DTB input goes through the same checks, as `dtc -I dtb`.
 */
export function loadDeviceTree(
  file: string,
  bytes: Uint8Array,
  opts: CompileOptions = {},
): CompileResult {
  if (
    bytes.length >= 4 &&
    ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0 === FDT_MAGIC
  ) {
    const notes: string[] = [];
    const tree = readDtb(bytes, file, {
      onWarning: (loc, msg) => notes.push(loc ? `${loc}: ${msg}` : msg),
    });
    const dt = fromDeviceTree(tree);
    const index = new LabelIndex();
    index.addTree(dt.root);
    const r = finish(dt, index, opts);
    r.notes.unshift(...notes);
    return r;
  }
  return compileDts(file, bytes, opts);
}
