/**
 * Fuzz targets for the hardening suite: the C preprocessor, the DTS compiler, the DTB reader,
 * the whole boot on mutated trees, and hypercall sequences (typed and garbage). Each target
 * turns a seed into one input deterministically (so any input is reproducible from its seed)
 * and returns the outcome class; it throws only for a defect — an exception that is not an
 * `InputError`, an isolation invariant broken, or an inconsistency (a tree that compiled but
 * does not write and read back). Runners: `tests/hardening_fuzz_test.ts` (bounded, in
 * Workers with a per-input time bound) and `scripts/fuzz_run.ts` (long mode).
 *
 * Inputs come from the repository only (boards/, DT test cases, the golden trees, the board
 * fixtures), so the targets work where only Deno exists.
 *
 * @module
 */

import { preprocess } from "../dt/cpp.ts";
import { compileDts } from "../dt/compile.ts";
import { readDtb } from "../dt/dtb_read.ts";
import { writeDtb } from "../dt/dtb_write.ts";
import { printDts } from "../dt/dts_print.ts";
import { type DeviceTree, Node, Property, stringsBytes, u32Bytes } from "../dt/tree.ts";
import { InputError } from "../errors.ts";
import { GuestException } from "../arch/arm64/port.ts";
import { createDomU, parseDomUConfig } from "../hyp/domu.ts";
import { checkIsolation } from "../hyp/isolation.ts";
import { SparseMemory } from "../hyp/machine.ts";
import {
  DOMCTL,
  DOMID_SELF,
  HYPERVISOR,
  PSCI,
  XATPB,
  XEN_DOMCTL_INTERFACE_VERSION,
  XEN_HYPERCALL_TAG,
} from "../hyp/xen_public.ts";
import { bootXen, type XenInstance } from "../hyp/xen.ts";
import { summarize } from "../sim/summary.ts";
import { bootChecked, describe } from "../sim/invariants.ts";
import { mutate as mutateDtbBytes, Rng } from "../tests/dtb_mutate.ts";
import { kernelImageHeader, RegsCpu } from "../tests/hyp_helpers.ts";

export { Rng };

/** A defect found by a target (the runner reports it with the seed). */
export class FuzzDefect extends Error {
  override name = "FuzzDefect";
}

/** One fuzz target. */
export interface FuzzTarget {
  /** Name (`cpp`, `dts`, `dtb`, `boot`, `hypercall`). */
  name: string;
  /** One line: what an input is. */
  description: string;
  /** Run input `seed`; returns its outcome class. Throws for a defect. */
  run(seed: number): string;
}

// ------------------------------------------------------------------------------------ corpus

const ROOT = new URL("../", import.meta.url);

function readText(rel: string): string {
  return new TextDecoder("latin1").decode(Deno.readFileSync(new URL(rel, ROOT)));
}

function listFiles(rel: string, ext: string): string[] {
  const out: string[] = [];
  const walk = (r: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(new URL(r, ROOT))];
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name < b.name ? -1 : 1)) {
      const p = `${r}/${e.name}`;
      if (e.isDirectory) walk(p);
      else if (e.name.endsWith(ext)) out.push(p);
    }
  };
  walk(rel);
  return out;
}

/** Every file a board may include, by the paths the targets use (`include/...`, `inc/...`). */
let filesCache: Map<string, Uint8Array> | null = null;
function files(): Map<string, Uint8Array> {
  if (filesCache) return filesCache;
  const m = new Map<string, Uint8Array>();
  for (const p of listFiles("include", ".h")) m.set(p, Deno.readFileSync(new URL(p, ROOT)));
  for (const dir of ["tests/fixtures/dt/cases/inc", "tests/fixtures/dt/include"]) {
    for (const ext of [".dtsi", ".h", ".bin"]) {
      for (const p of listFiles(dir, ext)) {
        const rel = p.slice("tests/fixtures/dt/".length);
        m.set(rel.replace(/^cases\//, ""), Deno.readFileSync(new URL(p, ROOT)));
        m.set(`cases/${rel.replace(/^cases\//, "")}`, Deno.readFileSync(new URL(p, ROOT)));
      }
    }
  }
  for (const p of listFiles("boards", ".dtsi")) {
    m.set(p.slice(p.lastIndexOf("/") + 1), Deno.readFileSync(new URL(p, ROOT)));
  }
  // Headers that stress the include machinery.
  const enc = new TextEncoder();
  m.set("loop.h", enc.encode('#include "loop.h"\n'));
  m.set("once.h", enc.encode("#pragma once\n#define ONCE 1\n"));
  m.set("guard.h", enc.encode('#ifndef G\n#define G\n#include "guard.h"\n#endif\n'));
  m.set("deep.h", enc.encode("#if DEPTH < 100\n#undef DEPTH\n#define DEPTH 200\n#endif\n"));
  filesCache = m;
  return m;
}

/** The fuzzers' file reader: repository headers and includes by the paths sources use. */
export const readFile = (p: string): Uint8Array | undefined => files().get(p.replace(/^\.\//, ""));
/** Include directories for the sources. */
export const INCLUDE_DIRS = ["include", "cases", "inc"];

let sourcesCache: string[] | null = null;
/** DTS sources: the shipped boards and the DT test cases. */
export function sources(): string[] {
  if (sourcesCache) return sourcesCache;
  const out: string[] = [];
  for (
    const p of [...listFiles("boards", ".dts"), ...listFiles("tests/fixtures/dt/cases", ".dts")]
  ) {
    out.push(readText(p));
  }
  sourcesCache = out;
  return out;
}

let blobsCache: Uint8Array[] | null = null;
/** DTB seeds: the golden host trees and the real-board fixtures. */
export function blobs(): Uint8Array[] {
  if (blobsCache) return blobsCache;
  const out: Uint8Array[] = [];
  for (const p of listFiles("tests/fixtures/golden", "xen-input.dtb")) {
    out.push(Deno.readFileSync(new URL(p, ROOT)));
  }
  for (const p of listFiles("tests/fixtures/boards", ".dtb")) {
    out.push(Deno.readFileSync(new URL(p, ROOT)));
  }
  blobsCache = out;
  return out;
}

// ------------------------------------------------------------------------------ text mutation

/** Tokens the C preprocessor reacts to. */
const CPP_TOKENS = [
  "#define ",
  "#undef ",
  "#if ",
  "#ifdef ",
  "#ifndef ",
  "#elif ",
  "#else\n",
  "#endif\n",
  "#include ",
  '#include "loop.h"\n',
  '#include "once.h"\n',
  '#include "guard.h"\n',
  "#include <dt-bindings/interrupt-controller/arm-gic.h>\n",
  "#include_next <x.h>\n",
  "#error boom\n",
  "#warning hm\n",
  '#line 7 "x.dts"\n',
  "#pragma once\n",
  "#elifdef X\n",
  "##",
  "#",
  "(",
  ")",
  ",",
  "...",
  "__VA_ARGS__",
  "__VA_OPT__(",
  "defined(",
  "defined ",
  "__has_include(<x.h>)",
  "\\\n",
  '"',
  "'",
  "/*",
  "*/",
  "//",
  "0x7fffffffffffffff",
  "18446744073709551615",
  "1/0",
  "1%0",
  "(1<<63)",
  "-9223372036854775807-1",
  "?",
  ":",
  "!",
  "A",
  "B(x)",
  "x",
  "__LINE__",
  "__FILE__",
  "__COUNTER__",
  "\n",
  " ",
  "\t",
  "\r\n",
];

/** Tokens the DTS lexer and parser react to. */
const DTS_TOKENS = [
  "{",
  "}",
  ";",
  "<",
  ">",
  "[",
  "]",
  "=",
  ",",
  "/dts-v1/;",
  "/plugin/;",
  "/memreserve/ 0 1;",
  "/delete-node/ ",
  "/delete-property/ ",
  "/omit-if-no-ref/ ",
  '/include/ "inc/soc.dtsi"',
  '/incbin/("inc/blob.bin", 0, 4)',
  "/bits/ 64 ",
  "/bits/ 8 ",
  "/bits/ 7 ",
  "&label",
  "&{/}",
  "&{/cpus}",
  "label:",
  "l2:",
  '"string"',
  '"\\x41\\n"',
  "'a'",
  "0x",
  "0xffffffff",
  "0x100000000",
  "(1 << 40)",
  "(-1)",
  "(4 / 0)",
  "(2 ? 3 : 4)",
  "node@1 ",
  "@",
  "#address-cells",
  "#size-cells",
  "reg",
  "compatible",
  'status = "disabled";',
  "phandle = <1>;",
  "&{/nope}",
  "/ {",
  "};",
  "\n",
  " ",
  "//",
  "/*",
  "*/",
];

function pick<T>(r: Rng, xs: readonly T[]): T {
  return xs[r.below(xs.length)];
}

/** 1–4 mutations of `text`: token insertions, deletions, duplications, splices, byte flips. */
export function mutateText(
  r: Rng,
  text: string,
  tokens: readonly string[],
  pool: string[],
): string {
  let t = text;
  const n = 1 + r.below(4);
  for (let k = 0; k < n; k++) {
    const at = r.below(t.length + 1);
    switch (r.below(7)) {
      case 0:
      case 1:
        t = t.slice(0, at) + pick(r, tokens) + t.slice(at);
        break;
      case 2: {
        const len = 1 + r.below(Math.min(64, t.length + 1));
        t = t.slice(0, at) + t.slice(at + len);
        break;
      }
      case 3: {
        const len = 1 + r.below(Math.min(200, t.length + 1));
        const chunk = t.slice(at, at + len);
        const to = r.below(t.length + 1);
        t = t.slice(0, to) + chunk + t.slice(to);
        break;
      }
      case 4: {
        const other = pick(r, pool);
        const s = r.below(other.length + 1);
        t = t.slice(0, at) + other.slice(s, s + 1 + r.below(300)) + t.slice(at);
        break;
      }
      case 5:
        if (t.length > 0) {
          const c = String.fromCharCode(r.below(256));
          t = t.slice(0, at) + c + t.slice(at + 1);
        }
        break;
      default: {
        // Swap two lines.
        const lines = t.split("\n");
        if (lines.length > 2) {
          const a = r.below(lines.length);
          const b = r.below(lines.length);
          [lines[a], lines[b]] = [lines[b], lines[a]];
          t = lines.join("\n");
        }
      }
    }
  }
  return t;
}

/**
 * Mutations that mostly keep the syntax valid, to reach the checks and the tree code: replace a
 * number or a string, delete, duplicate or move a line, rename a label reference.
 */
export function softMutate(r: Rng, text: string): string {
  const lines = text.split("\n");
  const n = 1 + r.below(3);
  for (let k = 0; k < n; k++) {
    const i = r.below(lines.length);
    const l = lines[i];
    if (l === undefined) continue;
    switch (r.below(6)) {
      case 0:
        lines[i] = l.replace(
          /\b(0x[0-9a-fA-F]+|\d+)\b/,
          () => pick(r, ["0", "1", "0xffffffff", "0x100000000", "3", "0x1000", "(1 << 31)", "7"]),
        );
        break;
      case 1:
        lines[i] = l.replace(
          /"[^"]*"/,
          () => pick(r, ['""', '"okay"', '"disabled"', '"mmio-sram"', '"a", "b"']),
        );
        break;
      case 2:
        lines.splice(i, 1);
        break;
      case 3:
        lines.splice(i, 0, l);
        break;
      case 4: {
        const j = r.below(lines.length);
        lines.splice(j, 0, ...lines.splice(i, 1));
        break;
      }
      default:
        lines[i] = l.replace(
          /&(\w+)/,
          () => pick(r, ["&gic", "&nosuch", "&{/}", "&{/cpus}", "&uart0"]),
        );
    }
  }
  return lines.join("\n");
}

/** A random preprocessor program: macros (recursive, variadic, pasting) and conditionals. */
export function cppProgram(r: Rng): string {
  const names = ["A", "B", "C", "F", "G", "X"];
  const lines: string[] = [];
  const expr = (d: number): string => {
    if (d > 3 || r.below(3) === 0) {
      return pick(r, ["0", "1", "42", "0x10", "-1", "A", "X", "defined(A)", "defined B", "F(1)"]);
    }
    const op = pick(r, ["+", "-", "*", "/", "%", "<<", ">>", "&&", "||", "==", "<", "?"]);
    if (op === "?") return `(${expr(d + 1)} ? ${expr(d + 1)} : ${expr(d + 1)})`;
    return `(${expr(d + 1)} ${op} ${expr(d + 1)})`;
  };
  const body = (): string => {
    const parts: string[] = [];
    for (let i = 0; i < 1 + r.below(4); i++) {
      parts.push(pick(r, [...names, "x", "y", "#x", "x ## y", "__VA_ARGS__", "(", ")", ",", "1"]));
    }
    return parts.join(" ");
  };
  let depth = 0;
  for (let i = 0; i < 5 + r.below(25); i++) {
    switch (r.below(8)) {
      case 0:
        lines.push(`#define ${pick(r, names)} ${body()}`);
        break;
      case 1:
        lines.push(`#define ${pick(r, names)}(x, y) ${body()}`);
        break;
      case 2:
        lines.push(`#define ${pick(r, names)}(x, ...) ${body()}`);
        break;
      case 3:
        lines.push(`#if ${expr(0)}`);
        depth++;
        break;
      case 4:
        if (depth > 0) {
          lines.push(pick(r, ["#else", `#elif ${expr(0)}`, "#endif"]));
          if (lines[lines.length - 1] === "#endif") depth--;
        }
        break;
      case 5:
        lines.push(`#undef ${pick(r, names)}`);
        break;
      default:
        lines.push(`x = <${body()} ${pick(r, names)}(1, 2) ${pick(r, names)}>;`);
    }
  }
  while (depth-- > 0) lines.push("#endif");
  return lines.join("\n") + "\n";
}

// --------------------------------------------------------------------------- text targets

/**
 * An InputError is the clean end of a bad input. Its line may hold a newline only where the
 * input itself put one in a quoted name (`/include/ "a\nb"`, a `# 1 "a\nb"` line marker), which
 * dtc prints the same way; those are counted apart (`error-multiline`).
 */
function expectInputError(e: unknown): string {
  if (e instanceof InputError) return e.line().includes("\n") ? "error-multiline" : "error";
  throw e;
}

/** The C preprocessor: mutated board sources and random macro programs. */
export const cppTarget: FuzzTarget = {
  name: "cpp",
  description: "preprocess() on a mutated board source or a random macro program",
  run(seed) {
    const r = new Rng(seed);
    const pool = sources();
    const text = r.below(3) === 0 ? cppProgram(r) : mutateText(r, pick(r, pool), CPP_TOKENS, pool);
    try {
      const out = preprocess("fuzz.dts", text, {
        readFile,
        includeDirs: INCLUDE_DIRS,
        defines: ["__DTS__"],
      });
      if (typeof out.text !== "string") throw new FuzzDefect("cpp returned no text");
      return "output";
    } catch (e) {
      return expectInputError(e);
    }
  },
};

/** The DTS compiler (through cpp when the text has directives), then write/read/print. */
export const dtsTarget: FuzzTarget = {
  name: "dts",
  description: "compileDts() on a mutated DTS, and writeDtb/readDtb/printDts on what compiles",
  run(seed) {
    const r = new Rng(seed);
    const pool = sources();
    const base = pick(r, pool);
    const text = r.below(2) === 0
      ? softMutate(r, base)
      : mutateText(r, base, r.below(4) === 0 ? CPP_TOKENS : DTS_TOKENS, pool);
    let tree: DeviceTree;
    try {
      tree = compileDts("fuzz.dts", text, { readFile, includeDirs: INCLUDE_DIRS }).tree;
    } catch (e) {
      return expectInputError(e);
    }
    consistent(tree, "dts");
    return "output";
  },
};

/** A compiled or read tree must write, read back, write the same blob again, and print. */
function consistent(tree: DeviceTree, what: string): void {
  // `/delete-node/ &{/};` deletes the root: dtc 1.6.1 then writes a structure block holding only
  // FDT_END, which neither dtc nor any reader accepts back. dt/ writes the same bytes.
  if (tree.root.deleted) return;
  let a: Uint8Array, b: Uint8Array;
  try {
    a = writeDtb(tree);
    const again = readDtb(a, "again.dtb");
    b = writeDtb(again);
    printDts(again);
  } catch (e) {
    throw new FuzzDefect(
      `${what}: a tree that was accepted does not write and read back: ${
        e instanceof Error ? e.message : e
      }`,
    );
  }
  if (a.length !== b.length || a.some((x, i) => x !== b[i])) {
    throw new FuzzDefect(`${what}: write → read → write changed the blob`);
  }
}

/** The DTB reader on mutated blobs (dt-back's mutator, tests/dtb_mutate.ts). */
export const dtbTarget: FuzzTarget = {
  name: "dtb",
  description: "readDtb() on a blob mutated by tests/dtb_mutate.ts, then write/read/print",
  run(seed) {
    const r = new Rng(seed);
    const pool = blobs();
    const kinds = ["flip", "truncate", "header", "token", "length", "splice", "insert", "multi"];
    const input = mutateDtbBytes(pick(r, pool), r, pool, pick(r, kinds) as "flip");
    let tree: DeviceTree;
    try {
      tree = readDtb(input, "fuzz.dtb");
    } catch (e) {
      return expectInputError(e);
    }
    consistent(tree, "dtb");
    return "output";
  },
};

// ----------------------------------------------------------------------- tree mutation

const COMPATIBLES = [
  "arm,gic-v3",
  "arm,gic-400",
  "arm,cortex-a15-gic",
  "arm,gic-v2m-frame",
  "arm,pl011",
  "arm,sbsa-uart",
  "ns16550a",
  "snps,dw-apb-uart",
  "mmio-sram",
  "simple-bus",
  "arm,armv8-timer",
  "arm,armv7-timer-mem",
  "pci-host-ecam-generic",
  "arm,smmu-v3",
  "arm,mmu-500",
  "xen,xen",
  "multiboot,module",
  "multiboot,kernel",
  "multiboot,ramdisk",
  "arm,psci-1.0",
  "syscon",
  "shared-dma-pool",
  "cdns,uart-r1p12",
  "arm,cortex-a53",
  "",
  "nonsense,device",
];

function cells(r: Rng, n: number): number[] {
  const vals = [
    0,
    1,
    2,
    3,
    0x1000,
    0xfff,
    0x40000000,
    0x80000000,
    0xffffffff,
    0x8000000,
    0x10000,
    0x200000,
    0x7fffffff,
    0xfffff000,
  ];
  return Array.from({ length: n }, () => r.below(4) === 0 ? r.next() : pick(r, vals));
}

function allNodes(t: DeviceTree): Node[] {
  return [...t.root.walk()];
}

/** One structural mutation of a device tree (in place). */
export function mutateTree(r: Rng, t: DeviceTree): string {
  const nodes = allNodes(t);
  const n = pick(r, nodes);
  const props = n.props;
  switch (r.below(14)) {
    case 0:
      if (props.length) n.props.splice(r.below(props.length), 1);
      return "drop-prop";
    case 1:
      if (n.parent) n.parent.children.splice(n.parent.children.indexOf(n), 1);
      return "drop-node";
    case 2: {
      if (!n.parent) return "noop";
      const copy = cloneNode(n, `${n.baseName}@${(r.next() >>> 8).toString(16)}`);
      n.parent.addChild(copy);
      return "dup-node";
    }
    case 3:
      if (props.length) {
        const p = pick(r, props);
        n.setProp(new Property(p.name, new Uint8Array(p.value)));
        const v = n.prop(p.name)!.value;
        if (v.length) v[r.below(v.length)] = r.below(256);
      }
      return "corrupt-byte";
    case 4:
      if (props.length) {
        const p = pick(r, props);
        n.setProp(new Property(p.name, p.value.slice(0, r.below(p.value.length + 1))));
      }
      return "truncate-prop";
    case 5:
      n.setProp(new Property(pick(r, ["#address-cells", "#size-cells"]), u32Bytes([r.below(5)])));
      return "cells";
    case 6:
    case 7: {
      const count = pick(r, [1, 2, 3, 4, 6, 8]);
      n.setProp(new Property("reg", u32Bytes(cells(r, count))));
      return "reg";
    }
    case 8:
      n.setProp(new Property("compatible", stringsBytes([pick(r, COMPATIBLES)])));
      return "compatible";
    case 9:
      n.setProp(
        new Property("interrupts", u32Bytes(cells(r, pick(r, [1, 2, 3, 6])).map((c) => c % 1100))),
      );
      return "interrupts";
    case 10:
      n.setProp(new Property("status", stringsBytes([pick(r, ["disabled", "okay", "fail"])])));
      return "status";
    case 11: {
      const chosen = t.root.child("chosen") ?? t.root.addChild(new Node("chosen"));
      const args = pick(r, [
        "dom0_mem=1",
        "dom0_mem=64G",
        "dom0_mem=128M,max:64M",
        "dom0_max_vcpus=0",
        "dom0_max_vcpus=300",
        "loglvl=all",
        "console=dtuart dtuart=/nope",
        "iommu=0",
        "dom0_mem=512M dom0_mem=1G",
        "gnttab_max_frames=0",
        "x".repeat(1200),
      ]);
      chosen.setProp(new Property("xen,xen-bootargs", stringsBytes([args])));
      return "xen-args";
    }
    case 12: {
      const c = new Node(`n@${r.below(0x1000).toString(16)}`);
      c.setProp(new Property("compatible", stringsBytes([pick(r, COMPATIBLES)])));
      c.setProp(new Property("reg", u32Bytes(cells(r, pick(r, [2, 4])))));
      if (r.below(2)) c.setProp(new Property("interrupts", u32Bytes([0, r.below(300), 4])));
      n.addChild(c);
      return "add-node";
    }
    default: {
      const ph = nodes.map((x) => x.phandle).filter((x) => x > 0);
      n.setProp(
        new Property(
          pick(r, ["interrupt-parent", "phandle", "iommus", "memory-region"]),
          u32Bytes([ph.length && r.below(3) ? pick(r, ph) : r.next()]),
        ),
      );
      return "phandle";
    }
  }
}

function cloneNode(n: Node, name: string): Node {
  const c = new Node(name);
  for (const p of n.props) c.props.push(new Property(p.name, new Uint8Array(p.value)));
  for (const ch of n.children) c.addChild(cloneNode(ch, ch.name));
  return c;
}

/** The whole boot on a mutated tree: output (clean or an explained fault) or one error line. */
export const bootTarget: FuzzTarget = {
  name: "boot",
  description: "bootBoard() on a mutated golden/fixture tree, invariants checked throughout",
  run(seed) {
    const r = new Rng(seed);
    let tree: DeviceTree;
    try {
      tree = readDtb(pick(r, blobs()), "seed.dtb");
    } catch (e) {
      throw new FuzzDefect(`seed does not read: ${e}`);
    }
    const n = 1 + r.below(3);
    for (let i = 0; i < n; i++) mutateTree(r, tree);
    let blob: Uint8Array;
    try {
      blob = writeDtb(tree);
    } catch (e) {
      return expectInputError(e);
    }
    const workload = pick(r, ["boot", "boot", "sram-memset", "sram-export-write"]);
    const policy = pick(r, ["xen-4.17", "xen-4.7", "rfc-2016", "device-gre", "xen-4.8.0"]);
    try {
      const c = bootChecked("fuzz.dtb", blob, { workload, policy });
      if (c.violations.length > 0) {
        throw new FuzzDefect(`isolation: ${describe(c.violations[0])}`);
      }
      const s = summarize(c.run, { events: c.run.events });
      if (s.outcome === "ok" && s.faults.length === 0) return "clean";
      const bad = s.faults.find((f) => f.origin === "unknown" || !f.cause);
      if (bad) throw new FuzzDefect(`unexplained fault: ${bad.message}`);
      if (s.faults.length === 0 && !s.reason) {
        throw new FuzzDefect(`dom0 ${s.outcome} without a reason`);
      }
      return "fault";
    } catch (e) {
      return expectInputError(e);
    }
  },
};

// ------------------------------------------------------------------------------ hypercalls

/** A fresh Xen with dom0 and one domU on a host tree without the PCIe window (small p2m). */
interface HcWorld {
  xen: XenInstance;
  mem: SparseMemory;
  domU: number;
}

let hostBlob: Uint8Array | null = null;
function hostTree(): Uint8Array {
  if (hostBlob) return hostBlob;
  const t = readDtb(
    Deno.readFileSync(new URL("tests/fixtures/golden/virt-gicv3/xen-input.dtb", ROOT)),
    "xen-input.dtb",
  );
  // The PCIe MEM window is not 2 MiB-aligned in size, so Xen 4.17 maps its 752 MiB page by page
  // (192k leaves): drop it to keep the after-every-call invariant check cheap.
  t.root.children = t.root.children.filter((c) => !c.name.startsWith("pcie@"));
  hostBlob = writeDtb(t);
  return hostBlob;
}

function world(): HcWorld {
  const blob = hostTree();
  const tree = readDtb(blob, "host.dtb");
  const mem = new SparseMemory();
  for (const m of tree.lookup("/chosen")?.children ?? []) {
    if (!m.compatible().includes("multiboot,kernel")) continue;
    mem.write(m.prop("reg")!.u32(1), kernelImageHeader(0));
  }
  const xen = bootXen({ mem }, { hostDtb: blob, hostDtbFile: "host.dtb" });
  const u = createDomU(xen, parseDomUConfig('name = "g"\nmemory = 16\niomem = [ "9030,1" ]\n'));
  return { xen, mem, domU: u.domain.domid };
}

/** Scratch area in dom0's RAM for hypercall arguments (bank 0 is 0x60000000-0x80000000). */
const SCRATCH = 0x7f000000;

/** Interesting frames: GICD, GICR, UART, SRAM, RAM of dom0, Xen's image, past RAM, huge. */
const FRAMES = [
  0x8000,
  0x80a0,
  0x80b0,
  0x9000,
  0x9010,
  0x9040,
  0xa000,
  0x40200,
  0x40201,
  0x48000,
  0x60000,
  0x70000,
  0x7f000,
  0xbff00,
  0xc0000,
  0xfffff,
  0x100000,
  0xffffffff,
  0x10_0000_0000,
];

function frame(r: Rng): number {
  return r.below(8) === 0 ? r.next() * (r.below(2) ? 1 : 0x10000) : pick(r, FRAMES) + r.below(3);
}

function domid(r: Rng, w: HcWorld): number {
  return pick(r, [0, 0, DOMID_SELF, w.domU, w.domU, 7, 0x7ff1, 0x7ff2, 0xffff, r.below(0x10000)]);
}

function u64(v: number | bigint): bigint {
  return BigInt.asUintN(64, BigInt(v));
}

/** Write one typed hypercall's arguments into guest memory; returns x16 and x0..x4. */
function typedCall(r: Rng, w: HcWorld): { nr: number; args: bigint[] } {
  const b = new Uint8Array(0x300);
  const dv = new DataView(b.buffer);
  const put = () => w.mem.write(SCRATCH, b);
  switch (r.below(9)) {
    case 0:
    case 1: { // memory_op add_to_physmap_batch
      const size = r.below(40) === 0 ? 0xffff : pick(r, [0, 1, 1, 2, 3, 8]);
      dv.setUint16(XATPB.domid, domid(r, w), true);
      dv.setUint16(XATPB.space, r.below(8), true);
      dv.setUint16(XATPB.size, size, true);
      dv.setUint16(XATPB.res0, pick(r, [0, 0, 0, 1, w.domU, r.below(0x10000)]), true);
      dv.setBigUint64(XATPB.idxs, u64(SCRATCH + 0x100), true);
      dv.setBigUint64(XATPB.gpfns, u64(r.below(10) ? SCRATCH + 0x180 : r.next()), true);
      dv.setBigUint64(XATPB.errs, u64(SCRATCH + 0x200), true);
      for (let i = 0; i < 8; i++) {
        dv.setBigUint64(0x100 + 8 * i, u64(frame(r)), true);
        dv.setBigUint64(0x180 + 8 * i, u64(frame(r)), true);
      }
      put();
      return { nr: HYPERVISOR.memory_op, args: [23n, u64(SCRATCH)] };
    }
    case 2: // other memory_op sub-ops (and the continuation bits)
      for (let i = 0; i < 64; i++) b[i] = r.below(256);
      put();
      return {
        nr: HYPERVISOR.memory_op,
        args: [
          u64(pick(r, [7, 15, 0, 1, 6, 12, 23 | (5 << 6)]) + r.below(2) * r.below(40)),
          u64(SCRATCH),
        ],
      };
    case 3:
    case 4: { // domctl: memory_mapping / iomem_permission / irq_permission / others
      const cmd = pick(r, [39, 39, 20, 20, 19, r.below(100)]);
      dv.setUint32(DOMCTL.cmd, cmd, true);
      dv.setUint32(
        DOMCTL.interface_version,
        r.below(10) ? XEN_DOMCTL_INTERFACE_VERSION : r.next(),
        true,
      );
      dv.setUint16(DOMCTL.domain, domid(r, w), true);
      const U = DOMCTL.U;
      if (cmd === 39) {
        dv.setBigUint64(U, u64(frame(r)), true);
        dv.setBigUint64(U + 8, u64(frame(r)), true);
        dv.setBigUint64(U + 16, u64(pick(r, [0, 1, 2, 16, 64, 65, 1000, -1, 2 ** 52])), true);
        dv.setUint32(U + 24, r.below(3), true);
      } else if (cmd === 20) {
        dv.setBigUint64(U, u64(frame(r)), true);
        dv.setBigUint64(U + 8, u64(pick(r, [0, 1, 4, 0x100, -1, 2 ** 40])), true);
        b[U + 16] = r.below(3);
      } else if (cmd === 19) {
        dv.setUint32(U, pick(r, [0, 27, 33, 79, 80, 287, 288, 1019, 1020, r.next()]), true);
        b[U + 4] = r.below(3);
      } else for (let i = U; i < 144; i++) b[i] = r.below(256);
      put();
      return { nr: HYPERVISOR.domctl, args: [u64(SCRATCH)] };
    }
    case 5: // console_io
      for (let i = 0; i < 64; i++) b[i] = 32 + r.below(95);
      put();
      return {
        nr: HYPERVISOR.console_io,
        args: [
          u64(r.below(3)),
          u64(pick(r, [0, 1, 64, 300, -1])),
          u64(r.below(5) ? SCRATCH : r.next()),
        ],
      };
    case 6: // xen_version, hvm_op
      for (let i = 0; i < 16; i++) b[i] = r.below(256);
      dv.setUint16(0, domid(r, w), true);
      dv.setUint32(4, r.below(50), true);
      put();
      return {
        nr: pick(r, [HYPERVISOR.xen_version, HYPERVISOR.hvm_op]),
        args: [u64(r.below(12)), u64(r.below(5) ? SCRATCH : r.next())],
      };
    case 7: // sched_op (no shutdown: it would end the domain the sequence is about)
      return { nr: HYPERVISOR.sched_op, args: [u64(r.below(2)), 0n] };
    default: // vPSCI / SMCCC through HVC #0 (handled by the caller: nr < 0)
      return {
        nr: -1,
        args: [
          u64(
            pick(r, [PSCI.CPU_ON64, PSCI.CPU_OFF, PSCI.VERSION, 0x84000050, 0x8600ff01, r.next()]),
          ),
          u64(r.below(4)),
          u64(0x60080000),
          0n,
        ],
      };
  }
}

/** The state a refused call must leave unchanged. */
function snapshot(w: HcWorld): string {
  const parts: string[] = [];
  for (const d of w.xen.core.domains.values()) {
    parts.push(
      `${d.domid}:${d.mappings.filter((m) => !m.removed).length}:${
        JSON.stringify(d.iomemCaps.ranges())
      }:${JSON.stringify(d.irqCaps.ranges())}:${d.p2m.leaves().length}`,
    );
  }
  return parts.join("|");
}

/** Errors that mean "refused before doing anything" in Xen 4.17's code paths. */
const REFUSALS = new Set([-1, -3, -22, -38, -95]); // EPERM, ESRCH, EINVAL, ENOSYS, EOPNOTSUPP

/**
 * Hypercalls per input (10): {@link HYPERCALLS_PER_INPUT} × 100 000 inputs is the million
 * random hypercalls of the long mode.
 */
export const HYPERCALLS_PER_INPUT = 10;

/** Random hypercall sequences: typed and garbage, invariants checked after every call. */
export const hypercallTarget: FuzzTarget = {
  name: "hypercall",
  description:
    `${HYPERCALLS_PER_INPUT} random hypercalls (typed, or garbage registers and memory) from dom0 or a domU, ` +
    "isolation invariants after each, refused calls change nothing",
  run(seed) {
    const r = new Rng(seed);
    const w = world();
    const cpu = new RegsCpu(0);
    let guestExceptions = 0;
    for (let i = 0; i < HYPERCALLS_PER_INPUT; i++) {
      const caller = r.below(4) === 0 ? w.domU : 0;
      let nr: number;
      let args: bigint[];
      let imm = XEN_HYPERCALL_TAG;
      if (r.below(5) === 0) {
        // Garbage: random registers, random memory at the scratch area, odd immediates.
        nr = r.below(3) ? r.below(64) : r.next();
        args = Array.from({ length: 5 }, () => (BigInt(r.next()) << 32n) | BigInt(r.next()));
        if (r.below(2)) args[0] = BigInt(r.below(40));
        if (r.below(2)) args[1] = u64(SCRATCH + r.below(0x100));
        const junk = new Uint8Array(512);
        for (let k = 0; k < junk.length; k++) junk[k] = r.below(256);
        w.mem.write(SCRATCH, junk);
        if (r.below(10) === 0) imm = r.below(0x10000);
      } else {
        ({ nr, args } = typedCall(r, w));
        if (nr < 0) imm = 0;
      }
      cpu.regs.fill(0n);
      cpu.regs[16] = u64(nr < 0 ? 0 : nr);
      args.forEach((a, k) => (cpu.regs[k] = a));
      const before = snapshot(w);
      try {
        w.xen.el2Handler(caller).hypercall(cpu, { kind: "hvc", imm });
      } catch (e) {
        if (e instanceof GuestException) {
          guestExceptions++;
          continue;
        }
        throw e;
      }
      const ret = Number(BigInt.asIntN(64, cpu.regs[0]));
      if (imm === XEN_HYPERCALL_TAG && REFUSALS.has(ret) && snapshot(w) !== before) {
        throw new FuzzDefect(`call ${i} (nr ${nr}) returned ${ret} but changed the state`);
      }
      const v = checkIsolation(w.xen.core).filter((x) => !x.known);
      if (v.length > 0) {
        throw new FuzzDefect(
          `after call ${i} (nr ${nr}, d${caller}): invariant ${v[0].invariant}: ${v[0].message}`,
        );
      }
    }
    return guestExceptions > 0 ? "with-guest-exception" : "ok";
  },
};

/** Every target by name. */
export const TARGETS: Record<string, FuzzTarget> = {
  cpp: cppTarget,
  dts: dtsTarget,
  dtb: dtbTarget,
  boot: bootTarget,
  hypercall: hypercallTarget,
};
