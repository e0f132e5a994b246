// deno-lint-ignore-file no-control-regex -- these tests check ANSI colour and line-control codes
// The command line of compare, lint and scan (and boot --report): --help with examples that
// work on the shipped boards, errors as one line with exit status 2, colour only on a terminal
// and never with NO_COLOR.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { DENO_RUN_MAIN, ROOT, runDom0sim } from "./cli_helpers.ts";

/** Run under a pseudo-terminal (util-linux `script`), so stdout is a TTY. */
function onTerminal(args: string[], env: Record<string, string>): string {
  const full = { ...Deno.env.toObject(), ...env };
  if (!("NO_COLOR" in env)) delete full.NO_COLOR;
  // clearEnv: the environment is exactly `full` (NO_COLOR must not leak in from this process).
  // stdin from /dev/null (script forwards its stdin to the terminal and would wait on an open
  // pipe), and a time bound so a stuck terminal fails the test instead of hanging the suite.
  const r = new Deno.Command("script", {
    args: ["-qec", ["deno", ...DENO_RUN_MAIN, ...args].join(" "), "/dev/null"],
    cwd: ROOT,
    env: full,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(120_000),
  }).outputSync();
  return new TextDecoder().decode(r.stdout);
}

const HAVE_SCRIPT = spawnSync("script", ["--version"]).status === 0;

for (const cmd of ["boot", "dt", "compare", "lint", "scan"]) {
  Deno.test(`dom0sim ${cmd} --help prints usage, options and examples; 'help ${cmd}' prints the same`, () => {
    const r = runDom0sim([cmd, "--help"]);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, "");
    assert.match(r.stdout, new RegExp(`^Usage: dom0sim ${cmd} `));
    assert.match(r.stdout, /\nOptions:\n/);
    assert.match(r.stdout, /\nExit status: /);
    const examples = r.stdout.split("\nExamples:\n")[1].trimEnd().split("\n");
    assert.ok(examples.length >= 3);
    for (const e of examples) assert.match(e, new RegExp(`^  dom0sim ${cmd} `));
    assert.equal(runDom0sim(["help", cmd]).stdout, r.stdout);
  });

  Deno.test(`dom0sim ${cmd} --help examples all run on the shipped boards (exit 0 or 1, never 2)`, () => {
    const help = runDom0sim([cmd, "--help"]).stdout;
    const tmp = mkdtempSync(`${tmpdir()}/dom0sim-cli-`);
    try {
      for (const e of help.split("\nExamples:\n")[1].trimEnd().split("\n")) {
        // Examples may redirect stdout ("> lint.jsonl"); the test captures it instead.
        const words = e.trim().split(/\s+/);
        const end = words.indexOf(">");
        const args = (end < 0 ? words : words.slice(0, end)).slice(1)
          .map((a) => a.replace(/^\/tmp\//, `${tmp}/`));
        const r = runDom0sim(args);
        assert.ok(r.code === 0 || r.code === 1, `${e}: exit ${r.code}: ${r.stderr}`);
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
}

for (const cmd of ["boot", "compare", "lint", "scan"]) {
  Deno.test(`dom0sim ${cmd} reports bad input as one line with exit status 2`, () => {
    const cases: [string[], RegExp][] = [
      [[cmd, "--bogus"], /^error: unknown option '--bogus'/],
      [[cmd], /^error: expected (one board file|a directory)/],
      [
        [cmd, "no/such/board.dts"],
        /^no\/such\/board\.dts: error: cannot read file: no such file or directory$/,
      ],
      [
        [cmd, "boards/qemu-virt.dts", cmd === "compare" ? "--policies" : "--policy", "xen-9"],
        /error: unknown policy 'xen-9'/,
      ],
      [
        [cmd, "boards/qemu-virt.dts", cmd === "compare" ? "--policies" : "--policy"],
        /^error: option '--polic(y|ies)' needs a value$/,
      ],
      [
        [cmd, "boards/qemu-virt.dts", cmd === "compare" ? "--policies" : "--policy", ""],
        /^--polic(y|ies): error: (unknown policy ''|expected (at least one policy|a policy) name)/,
      ],
    ];
    for (const [args, re] of cases) {
      const r = runDom0sim(args);
      if (cmd === "scan" && args[1] === "no/such/board.dts") {
        // scan reports a missing path as a row and goes on; the status still says bad input.
        assert.equal(r.code, 2);
        assert.match(r.stdout, /no\/such\/board\.dts: error: cannot read file/);
        continue;
      }
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
      assert.match(r.stderr.trimEnd(), re);
      assert.equal(r.stdout, "");
    }
  });
}

Deno.test("dom0sim with no command, and dt with no subcommand, print one error line", () => {
  for (const args of [[], ["dt"]]) {
    const r = runDom0sim(args);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^error: expected (a command|compile or decompile)[^\n]*\n$/);
  }
});

Deno.test("boot, compare, lint and dt report every kind of bad input as one line, exit 2, no output file", () => {
  const tmp = mkdtempSync(`${tmpdir()}/dom0sim-cli-`);
  try {
    writeFileSync(`${tmp}/empty.dts`, "");
    writeFileSync(`${tmp}/garbage.dts`, new Uint8Array([0, 1, 2, 0xff, 0xfe, 0x7f]));
    writeFileSync(`${tmp}/broken.json`, '{"name": "x",\n "ops": [');
    writeFileSync(`${tmp}/schema.json`, '{"name": "x", "ops": [{"op": "frob", "target": "sram"}]}');
    writeFileSync(`${tmp}/lat.json`, '{"read": {"Normal-NC": "fast"}}');
    writeFileSync(`${tmp}/trunc.dtb`, new Uint8Array([0xd0, 0x0d, 0xfe, 0xed, 0, 0, 0x10, 0]));
    mkdirSync(`${tmp}/dir`);
    const B = "boards/qemu-virt.dts";
    const out = `${tmp}/out.dtb`;
    const cases: [string[], RegExp][] = [
      [["boot", `${tmp}/dir`], /dir: error: cannot read file: is a directory$/],
      [["boot", `${tmp}/empty.dts`], /empty\.dts:\d+:\d+: error: /],
      [["boot", `${tmp}/garbage.dts`], /garbage\.dts:\d+:\d+: error: /],
      [["boot", `${tmp}/trunc.dtb`], /trunc\.dtb: byte 0x4: error: /],
      [["boot", B, "--workload", "frob"], /^--workload: error: unknown workload 'frob'/],
      [["boot", B, "--workload", `${tmp}/broken.json`], /broken\.json:2:10: error: invalid JSON/],
      [["boot", B, "--workload", `${tmp}/schema.json`], /schema\.json: ops\[0\]\.op: error: /],
      [["boot", B, "--latencies", `${tmp}/lat.json`], /lat\.json: read\.Normal-NC: error: /],
      [["boot", B, "--dom0-mem", "0"], /^--dom0-mem: error: dom0's memory must be more than 0$/],
      [["boot", B, "--dom0-mem", "lots"], /^--dom0-mem: error: expected a size/],
      [["boot", B, "--dom0-mem", "64T"], /^dom0_mem: error: Xen panic: Failed to allocate/],
      [["boot", B, "--dom0-mem", "-5M"], /^error: option '--dom0-mem' is followed by a value/],
      [["boot", B, "--xen-args", "dom0_max_vcpus=x"], /^--xen-args: error: parameter /],
      [["boot", B, "--dom0-dtb", "-"], /^--dom0-dtb: error: '-' \(stdout\) already carries/],
      [["boot", B, "--dom0-dtb", out, "--report", `${tmp}/no/r.html`], /no\/r\.html: error: /],
      [["boot", B, "--json=yes"], /^error: option '--json' takes no value$/],
      [["compare", B, "--dom0-mem", "1.5G"], /^--dom0-mem: error: expected a size/],
      [["compare", B, "--policy", "xen-4.7", "--policies", "xen-4.17"], /^--policy: error: /],
      [["compare", B, "--report", "-"], /^--report: error: '-' \(stdout\) already carries/],
      [["dt", "compile", B, "-o", `${tmp}/no/x.dtb`], /no\/x\.dtb: error: cannot write file/],
      [["dt", "compile", B, "-o", `${tmp}/dir`], /dir: error: cannot write file: is a directory$/],
      [["dt", "compile", B, "-o"], /^error: option '--out' needs a value$/],
      [["dt", "decompile", `${tmp}/trunc.dtb`, "-o", out], /trunc\.dtb: byte 0x4: error: /],
      [["dt", "compile", `${tmp}/empty.dts`, "-o", out], /empty\.dts:\d+:\d+: error: /],
      [["dt", "compile", B, "-D", "=1", "-o", out], /^-D: error: macro names must be identifiers/],
      [["lint", B, "-D", "1x"], /^-D: error: macro names must be identifiers/],
    ];
    for (const [args, re] of cases) {
      const r = runDom0sim(args);
      const what = args.join(" ");
      assert.equal(r.code, 2, `${what}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, "", what);
      assert.equal(r.stderr.trimEnd().split("\n").length, 1, `${what}: ${r.stderr}`);
      assert.match(r.stderr.trimEnd(), re, what);
      assert.doesNotMatch(r.stderr, /\n\s+at /, what);
      assert.deepEqual(readdirSync(tmp).sort(), [
        "broken.json",
        "dir",
        "empty.dts",
        "garbage.dts",
        "lat.json",
        "schema.json",
        "trunc.dtb",
      ], `${what}: no output file, no temporary left behind`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

Deno.test("boot --workload FILE.json runs the scenario, and --xen-args warns about unknown keys", () => {
  const tmp = mkdtempSync(`${tmpdir()}/dom0sim-cli-`);
  try {
    writeFileSync(
      `${tmp}/zero.json`,
      JSON.stringify({
        name: "zero-sram",
        ops: [{ op: "memset", target: "sram", via: "raw-sram", mapping: "wb", length: 64 }],
      }),
    );
    const r = runDom0sim([
      "boot",
      "boards/qemu-virt-sram.dts",
      "--workload",
      `${tmp}/zero.json`,
      "--xen-args",
      "frobnicate=1",
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stderr,
      `--xen-args: warning: Xen prints 'parameter "frobnicate" unknown!' and ignores it\n`,
    );
    const j = JSON.parse(r.stdout);
    assert.equal(j.workload, "zero-sram");
    assert.equal(j.workloadResult.ops[0].op, "memset");
    assert.equal(j.workloadResult.ops[0].ok, true);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

Deno.test("README's boot example: every line it shows is in the output, in order (timestamps aside)", () => {
  const readme = readFileSync(`${ROOT}README.md`, "utf8");
  const cmd = "deno task boot boards/qemu-virt-sram.dts --policy xen-4.7 --workload sram-memset";
  const block = readme.split("`" + cmd + "`")[1].split("```")[1].trim().split("\n");
  const norm = (l: string) => l.replace(/^\[\s*\d+\.\d+\]/, "[T]");
  const r = runDom0sim(cmd.split(" ").slice(2));
  assert.equal(r.code, 1);
  const out = r.stdout.split("\n").map(norm);
  let at = 0;
  for (const line of block.filter((l) => l !== "...")) {
    const i = out.indexOf(norm(line), at);
    assert.ok(i >= 0, `README line not in the output (after line ${at}): ${line}`);
    at = i + 1;
  }
});

Deno.test("dom0sim lint exits 1 on an error finding, 0 without, and --json prints one object", () => {
  const a = runDom0sim(["lint", "boards/a64-sram.dts", "-I", "include", "--json"]);
  assert.equal(a.code, 1);
  const j = JSON.parse(a.stdout);
  assert.equal(j.schema, 1);
  assert.equal(j.exitCode, 1);
  assert.equal(j.findings[0].rule, "subpage-mmio");
  const c = runDom0sim(["lint", "boards/lint/clean.dts"]);
  assert.equal(c.code, 0);
  assert.match(c.stdout, /No findings\./);
  const rules = runDom0sim(["lint", "--list-rules"]);
  assert.equal(rules.code, 0);
  assert.match(rules.stdout, /^sram-device-memory {2}\(error, model\)/);
});

Deno.test("dom0sim boot --report and compare --report write one self-contained HTML file", () => {
  const tmp = mkdtempSync(`${tmpdir()}/dom0sim-cli-`);
  try {
    const b = runDom0sim([
      "boot",
      "boards/qemu-virt-sram.dts",
      "--policy",
      "xen-4.7",
      "--workload",
      "sram-memset",
      "--no-verify",
      "--report",
      `${tmp}/boot.html`,
    ]);
    assert.equal(b.code, 1);
    const html = readFileSync(`${tmp}/boot.html`, "utf8");
    assert.match(html, /^<!DOCTYPE html>/);
    assert.match(html, /<svg [^>]*class="memmap"/);
    assert.match(html, /class="fault-marker" data-address="0xbff00000"/);
    const c = runDom0sim([
      "compare",
      "boards/zynqmp-ocm.dts",
      "-I",
      "include",
      "--policies",
      "xen-4.7,xen-4.17",
      "--workload",
      "sram-memcpy-unaligned",
      "--no-verify",
      "--report",
      `${tmp}/compare.html`,
    ]);
    assert.equal(c.code, 1);
    const ch = readFileSync(`${tmp}/compare.html`, "utf8");
    assert.equal((ch.match(/<svg [^>]*class="memmap"/g) ?? []).length, 2);
    // The report path is checked like any output: a missing directory is one line, exit 2.
    const bad = runDom0sim(["boot", "boards/qemu-virt.dts", "--report", `${tmp}/no/dir/r.html`]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /no\/dir\/r\.html: error: cannot write file/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

Deno.test({
  name: "lint, compare and scan colour their output on a terminal, and not with NO_COLOR",
  ignore: !HAVE_SCRIPT,
  fn() {
    const cases = [
      ["lint", "boards/a64-sram.dts", "-I", "include"],
      [
        "compare",
        "boards/qemu-virt-sram.dts",
        "--policies",
        "xen-4.7,xen-4.17",
        "--workload",
        "sram-memset",
        "--no-verify",
      ],
      ["scan", "boards/lint/clean.dts"],
    ];
    for (const args of cases) {
      const colored = onTerminal(args, {});
      assert.match(colored, /\x1b\[(31|32|1)m/, args.join(" "));
      const plain = onTerminal(args, { NO_COLOR: "1" });
      assert.doesNotMatch(plain, /\x1b\[\d+m/, args.join(" "));
    }
  },
});
