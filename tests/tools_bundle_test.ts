// The one-file bundle and the single executable behave exactly like `deno task <cmd>`: the
// build (scripts/sea.ts: deno bundle → dom0sim.js, its CommonJS form, and a Node single
// executable application) runs into a temp dir, then the same commands run through main.ts,
// `deno run dom0sim.js`, `node dom0sim.cjs` and the `dom0sim-sea` binary must give byte-identical
// stdout and stderr and the same exit status. The Node parts are skipped when `node` is absent.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { esmToCjs } from "../scripts/sea.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const HAVE_NODE = spawnSync("node", ["--version"]).status === 0;
const ENV = { ...Deno.env.toObject(), NO_COLOR: "1", RUST_BACKTRACE: "0" };

function exec(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { cwd: ROOT, env: ENV, maxBuffer: 64 << 20 });
  return {
    code: r.status,
    stdout: r.stdout.toString("latin1"),
    stderr: r.stderr.toString("latin1"),
  };
}

const CASES: string[][] = [
  ["boot", "boards/qemu-virt.dts"],
  ["boot", "boards/qemu-virt-sram.dts", "--policy", "xen-4.7", "--workload", "sram-memset"],
  ["lint", "boards/a64-sram.dts", "-I", "include"],
  [
    "compare",
    "boards/zynqmp-ocm.dts",
    "-I",
    "include",
    "--policies",
    "xen-4.7,xen-4.17",
    "--workload",
    "sram-memcpy-unaligned",
    "--no-verify",
  ],
  ["boot", "boards/no-such-board.dts"],
  ["scan", "--help"],
];

Deno.test("esmToCjs() turns node: imports into require calls and import.meta.main into true", () => {
  const cjs = esmToCjs(
    'import * as fs from "node:fs";\nimport process from "node:process";\n' +
      'import { parseArgs, inspect as i } from "node:util";\nif (import.meta.main) {\n  await f();\n}\n',
  );
  assert.match(cjs, /const fs = require\("node:fs"\);/);
  assert.match(cjs, /const process = require\("node:process"\);/);
  assert.match(cjs, /const \{ parseArgs, inspect: i \} = require\("node:util"\);/);
  assert.match(cjs, /if \(true\) \{\n {2}await f\(\);/);
  assert.match(cjs, /^"use strict";\n.*\n\(async \(\) => \{\n/);
  assert.throws(() => esmToCjs('import x from "./local.js";\n'), /cannot convert/);
  assert.throws(() => esmToCjs("export const a = 1;\n"), /cannot convert/);
  assert.throws(() => esmToCjs("const u = import.meta.url;\n"), /cannot convert/);
});

Deno.test({
  name:
    "scripts/sea.ts builds dom0sim.js, dom0sim.cjs and the dom0sim-sea executable, and each runs boot/lint/compare byte-identically to main.ts",
  sanitizeResources: false,
  fn() {
    const out = mkdtempSync(`${tmpdir()}/dom0sim-sea-`);
    try {
      const build = exec("deno", [
        "run",
        "--allow-read",
        "--allow-write",
        "--allow-run",
        "--allow-env",
        "scripts/sea.ts",
        "--out",
        out,
        ...(HAVE_NODE ? [] : ["--no-sea"]),
      ]);
      assert.equal(build.code, 0, build.stderr);
      assert.ok(existsSync(`${out}/dom0sim.js`));
      const runners: [string, (args: string[]) => ReturnType<typeof exec>][] = [
        [
          "deno run dom0sim.js",
          (a) =>
            exec("deno", [
              "run",
              "--quiet",
              "--allow-read",
              "--allow-write",
              `${out}/dom0sim.js`,
              ...a,
            ]),
        ],
      ];
      if (HAVE_NODE) {
        assert.ok(existsSync(`${out}/dom0sim-sea`), build.stderr);
        runners.push(["node dom0sim.cjs", (a) => exec("node", [`${out}/dom0sim.cjs`, ...a])]);
        runners.push(["dom0sim-sea", (a) => exec(`${out}/dom0sim-sea`, a)]);
      }
      for (const args of CASES) {
        const want = exec("deno", [
          "run",
          "--quiet",
          "--allow-read",
          "--allow-write",
          "main.ts",
          ...args,
        ]);
        assert.ok(want.stdout.length > 0 || want.stderr.length > 0, args.join(" "));
        for (const [name, run] of runners) {
          const got = run(args);
          const what = `${name} ${args.join(" ")}`;
          assert.equal(got.code, want.code, `${what}: exit ${got.code}\n${got.stderr}`);
          assert.ok(got.stdout === want.stdout, `${what}: stdout differs`);
          assert.equal(got.stderr, want.stderr, `${what}: stderr differs`);
        }
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  },
});
