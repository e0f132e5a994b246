/**
 * DT conformance: dom0sim's cpp + DTS compiler against GCC 12's cpp and Debian 12's dtc 1.6.1.
 * Every case under `tests/fixtures/dt/cases/` is compiled by dom0sim and compared with the
 * recorded reference outputs in `tests/fixtures/dt/expected/` (made by
 * `scripts/dt_record_fixtures.ts`): preprocessed text byte for byte, DTB bytes, `-O dts` text
 * for the source and for the DTB, and dtc's warnings; failing cases must fail at the position
 * dtc (or cpp) reports. QEMU `virt` DTB dumps are decompiled and recompiled the same way. When
 * `dtc` and `cpp` are installed the reference outputs are re-made live and compared with the
 * recordings too.
 */

import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { InputError } from "../errors.ts";
import { compileDts, CompileError, loadDeviceTree } from "../dt/compile.ts";
import { preprocess } from "../dt/cpp.ts";
import { writeDtb } from "../dt/dtb_write.ts";
import { printDts } from "../dt/dts_print.ts";
import {
  compileOptions,
  dtcCommand,
  EXPECTED_ROOT,
  INCLUDE_DIRS,
  listCases,
  QEMU_ROOT,
} from "./dt_cases.ts";

function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 8192) {
    s += String.fromCharCode(...b.subarray(i, Math.min(b.length, i + 8192)));
  }
  return s;
}

function expected(rel: string): Uint8Array | undefined {
  const p = path.join(EXPECTED_ROOT, rel);
  return fs.existsSync(p) ? new Uint8Array(fs.readFileSync(p)) : undefined;
}

function expectedText(rel: string): string {
  const b = expected(rel);
  assert.ok(b, `missing fixture ${rel} (run scripts/dt_record_fixtures.ts)`);
  return latin1(b);
}

/** What dtc/cpp print (stderr) as dom0sim's messages would print, one per line. */
function stderrOf(r: { warnings: Array<{ text: string }>; notes: string[] }): string {
  const lines = [
    ...r.notes.filter((n) => !n.includes(": warning: ")),
    ...r.warnings.map((w) => w.text),
  ];
  return lines.map((l) => l + "\n").join("");
}

/** The first source position a reference error message names, as `file:line[:col]`. */
function refErrorPos(stderr: string): string | null {
  const dtc = /(?:^|\s)([^\s:]+\.dtsi?):(\d+)\.(\d+)/m.exec(stderr);
  if (dtc) return `${dtc[1]}:${dtc[2]}:${dtc[3]}`;
  const gcc = /^([^\s:]+\.(?:dtsi?|h)):(\d+)(?::(\d+))?: (?:fatal )?error/m.exec(stderr);
  if (gcc) return gcc[3] ? `${gcc[1]}:${gcc[2]}:${gcc[3]}` : `${gcc[1]}:${gcc[2]}`;
  return null;
}

function hexdiff(a: Uint8Array, b: Uint8Array): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return `lengths ${a.length}/${b.length}, first difference at byte 0x${i.toString(16)}`;
}

for (const c of listCases()) {
  Deno.test(`compileDts() matches dtc 1.6.1 (via cpp when needed) on ${c.name}.dts`, () => {
    const status = expectedText(`${c.name}.status`).trim().split(" ");
    const refErr = expectedText(`${c.name}.stderr`);
    const opts = compileOptions(c);
    const ok = status[1] === "0";
    if (!ok) {
      let err: unknown;
      try {
        compileDts(c.file, c.bytes, opts);
      } catch (e) {
        err = e;
      }
      assert.ok(err instanceof InputError, `expected an InputError, got ${err}`);
      const pos = refErrorPos(refErr);
      if (pos) {
        // dtc's and GCC's errors must match to the column.
        const want = pos;
        const loc = err.location;
        assert.ok(
          loc === want || loc.startsWith(want + ":"),
          `error at ${loc}, reference at ${pos}`,
        );
      }
      if (err instanceof CompileError) {
        const dtcLines = refErr.split("\n").filter((l) => l && !l.startsWith("ERROR: Input tree"));
        const mine = err.messages.map((m) => m.text).join("\n").split("\n").filter((l) => l);
        assert.deepEqual(mine, dtcLines);
      }
      return;
    }
    if (c.cpp) {
      const pp = preprocess(c.file, latin1(c.bytes), {
        readFile: opts.readFile!,
        includeDirs: INCLUDE_DIRS,
        defines: ["__DTS__"],
      });
      assert.equal(pp.text, expectedText(`${c.name}.cpp`), "preprocessed text");
    }
    const r = compileDts(c.file, c.bytes, opts);
    const dtb = writeDtb(r.tree);
    const refDtb = expected(`${c.name}.dtb`)!;
    assert.ok(
      dtb.length === refDtb.length && dtb.every((b, i) => b === refDtb[i]),
      `DTB differs: ${hexdiff(dtb, refDtb)}`,
    );
    assert.equal(stderrOf(r), refErr, "warnings");
    if (!expected(`${c.name}.dts.status`)) {
      assert.equal(printDts(r.tree), expectedText(`${c.name}.dts`), "dtc -O dts text");
    }
    const back = loadDeviceTree("x.dtb", refDtb, { outName: "-" });
    assert.equal(printDts(back.tree), expectedText(`${c.name}.dtbdts`), "dtc -I dtb -O dts text");
    assert.equal(stderrOf(back), expectedText(`${c.name}.dtbdts.stderr`), "DTB input warnings");
  });
}

async function gunzip(p: string): Promise<Uint8Array> {
  const stream = new Blob([fs.readFileSync(p)]).stream().pipeThrough(
    new DecompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

for (const f of fs.readdirSync(QEMU_ROOT).filter((f) => f.endsWith(".dtb.gz")).sort()) {
  const name = f.replace(/\.dtb\.gz$/, "");
  Deno.test(`loadDeviceTree() decompiles and recompiles QEMU's ${name} like dtc`, async () => {
    const blob = await gunzip(path.join(QEMU_ROOT, f));
    const dec = loadDeviceTree(`${name}.dtb`, blob, { outName: "-" });
    const text = printDts(dec.tree);
    assert.equal(text, expectedText(`qemu/${name}.dts`));
    assert.equal(stderrOf(dec), expectedText(`qemu/${name}.dts.stderr`));
    const comp = compileDts(`${name}.dts`, text, { outName: "-" });
    const dtb = writeDtb(comp.tree);
    const ref = expected(`qemu/${name}.dtb`)!;
    assert.ok(dtb.length === ref.length && dtb.every((b, i) => b === ref[i]), hexdiff(dtb, ref));
    assert.equal(stderrOf(comp), expectedText(`qemu/${name}.dtb.stderr`));
  });
}

function haveTool(cmd: string): boolean {
  const r = spawnSync(cmd, ["--version"], { stdio: "ignore" });
  return !r.error && r.status === 0;
}

const LIVE = haveTool("dtc") && haveTool("cpp");

Deno.test({
  name: "the recorded dtc/cpp outputs still match the installed tools (live re-check)",
  ignore: !LIVE,
  fn() {
    for (const c of listCases()) {
      const cmd = dtcCommand(c);
      let input: Uint8Array | undefined;
      if (cmd.cpp) {
        const pp = spawnSync("cpp", cmd.cpp, { maxBuffer: 1 << 28 });
        if (pp.status !== 0) continue;
        input = new Uint8Array(pp.stdout);
        assert.equal(latin1(input), expectedText(`${c.name}.cpp`), `${c.name}: live cpp`);
      }
      const r = spawnSync("dtc", [...cmd.dtc, "-O", "dtb"], { input, maxBuffer: 1 << 28 });
      assert.equal(
        r.stderr.toString("latin1"),
        expectedText(`${c.name}.stderr`),
        `${c.name}: live dtc`,
      );
      if (r.status === 0) {
        const ref = expected(`${c.name}.dtb`)!;
        assert.ok(Buffer.from(ref).equals(r.stdout), `${c.name}: live DTB`);
      }
    }
  },
});
