import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { errorLine } from "./test_util.ts";
import { checkDom0Mem, checkOutputs, checkXenArgs, loadLatencies, loadWorkload } from "./boot.ts";

/** Write `files` into a fresh directory; returns its path. */
function files(contents: Record<string, string>): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "boot-cli-"));
  for (const [n, t] of Object.entries(contents)) fs.writeFileSync(path.join(d, n), t);
  return d;
}

Deno.test("loadWorkload() parses a JSON scenario file (it used to hand the text to the validator)", () => {
  const d = files({
    "w.json": JSON.stringify({
      name: "zero",
      ops: [{ op: "memset", target: "sram", via: "raw-sram", mapping: "wb", length: 64 }],
    }),
    "bad.json": '{"name": "x",\n "ops": [',
    "schema.json": JSON.stringify({ name: "x", ops: [{ op: "memset", target: "sram", size: 3 }] }),
  });
  try {
    const w = loadWorkload(`${d}/w.json`);
    assert.ok(typeof w === "object" && w.name === "zero" && w.ops.length === 1);
    assert.equal(loadWorkload("sram-memset"), "sram-memset");
    assert.equal(
      errorLine(() => loadWorkload(`${d}/bad.json`)),
      `${d}/bad.json:2:10: error: invalid JSON: Unexpected end of input`,
    );
    assert.equal(
      errorLine(() => loadWorkload(`${d}/schema.json`)),
      `${d}/schema.json: ops[0].size: error: "size" must be 1, 2, 4 or 8`,
    );
    assert.match(
      errorLine(() => loadWorkload("nope")),
      /^--workload: error: unknown workload 'nope'/,
    );
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

Deno.test("loadLatencies() names the JSON path of every schema violation", () => {
  const d = files({
    "ok.json": '{"issue": 2, "read": {"Normal-NC": 100}}',
    "typo.json": '{"lineFil": 10}',
    "str.json": '{"issue": "1"}',
    "neg.json": '{"write": {"Device-nGnRE": -5}}',
    "type.json": '{"read": {"Normal-XX": 5}}',
    "arr.json": "[1]",
    "rw.json": '{"read": 5}',
  });
  try {
    assert.deepEqual(loadLatencies(`${d}/ok.json`), { issue: 2, read: { "Normal-NC": 100 } });
    assert.equal(loadLatencies(undefined), undefined);
    const want: [string, string][] = [
      ["typo.json", 'lineFil: error: unknown latency "lineFil"; expected one of issue, '],
      ["str.json", 'issue: error: "issue" must be a non-negative number of cycles, got "1"'],
      ["neg.json", 'write.Device-nGnRE: error: "write.Device-nGnRE" must be a non-negative'],
      ["type.json", 'read.Normal-XX: error: unknown memory type "Normal-XX"'],
      ["arr.json", "error: expected a JSON object of latencies"],
      ["rw.json", 'read: error: "read" must be an object of cycles per memory type'],
    ];
    for (const [f, msg] of want) {
      const got = errorLine(() => loadLatencies(`${d}/${f}`));
      assert.ok(got.startsWith(`${d}/${f}: ${msg}`), got);
    }
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

Deno.test("checkDom0Mem() refuses 0, garbage, partial pages and sizes beyond 52 bits", () => {
  for (const ok of ["512M", "1G", "131072", "0x80000", "4k", "2T"]) {
    assert.equal(errorLine(() => checkDom0Mem(ok)), "no error", ok);
  }
  const bad: [string, RegExp][] = [
    ["0", /must be more than 0/],
    ["0M", /must be more than 0/],
    ["garbage", /expected a size such as 512M or 1G, got 'garbage'/],
    ["1.5G", /expected a size such as 512M or 1G, got '1\.5G'/],
    ["512X", /got '512X'/],
    ["", /got ''/],
    [" 512M", /got ' 512M'/],
    ["1", /'1' is not a whole number of 4 KiB pages/],
    ["100B", /not a whole number of 4 KiB pages/],
    ["99999999999T", /more than a 52-bit physical address space/],
  ];
  for (const [v, re] of bad) {
    const got = errorLine(() => checkDom0Mem(v));
    assert.match(got, /^--dom0-mem: error: /, v);
    assert.match(got, re, v);
  }
});

Deno.test("checkXenArgs() refuses values Xen rejects and warns about keys Xen does not know", () => {
  assert.deepEqual(checkXenArgs("dom0_max_vcpus=1 sync_console loglvl=all"), []);
  assert.deepEqual(checkXenArgs(undefined), []);
  assert.deepEqual(checkXenArgs("foo=bar"), [
    `--xen-args: warning: Xen prints 'parameter "foo" unknown!' and ignores it`,
  ]);
  assert.equal(
    errorLine(() => checkXenArgs("dom0_max_vcpus=abc")),
    '--xen-args: error: parameter "dom0_max_vcpus" has invalid value "abc" (Xen would print ' +
      "this and ignore it)",
  );
  assert.match(
    errorLine(() => checkXenArgs("dom0_mem=garbage")),
    /parameter "dom0_mem" has invalid/,
  );
  assert.equal(
    errorLine(() => checkXenArgs("=1")),
    "--xen-args: error: expected KEY or KEY=VALUE, got '=1'",
  );
});

Deno.test("checkOutputs() refuses '-' and two outputs naming the same file", () => {
  assert.equal(errorLine(() => checkOutputs([["--report", undefined, false]])), "no error");
  assert.match(
    errorLine(() => checkOutputs([["--dom0-dtb", "-", true]])),
    /^--dom0-dtb: error: '-' \(stdout\) already carries/,
  );
  assert.equal(
    errorLine(() =>
      checkOutputs([["--dom0-dtb", "/dev/null", true], ["--report", "/dev/null", false]])
    ),
    "--report: error: '/dev/null' is already the output of --dom0-dtb",
  );
});
