import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { errorLine } from "./test_util.ts";
import { checkOutputPath, parseJsonText, usageText } from "./io.ts";

Deno.test("parseJsonText() locates a syntax error at FILE:LINE:COL on one line", () => {
  assert.deepEqual(parseJsonText("w.json", '{"a": [1, 2]}'), { a: [1, 2] });
  const cases: [string, string][] = [
    ["", "w.json:1:1: error: invalid JSON: Unexpected end of input"],
    ["{", "w.json:1:2: error: invalid JSON: Expected property name or '}'"],
    ['{"a": 1,}', "w.json:1:9: error: invalid JSON: Expected double-quoted property name"],
    // V8 gives no position for an unexpected token: found by parsing prefixes.
    ['{"name": "x",\n "ops": [tru]}', "w.json:2:13: error: invalid JSON: Unexpected token ']'"],
    ["\n\n  x", "w.json:3:3: error: invalid JSON: Unexpected token 'x'"],
    [
      '{"a": 1}\n}',
      "w.json:2:1: error: invalid JSON: Unexpected non-whitespace character after the JSON value",
    ],
  ];
  for (const [text, want] of cases) {
    const got = errorLine(() => parseJsonText("w.json", text));
    assert.equal(got, want, JSON.stringify(text));
    assert.equal(got.split("\n").length, 1);
  }
});

Deno.test("checkOutputPath() refuses missing directories, directories and '-' when stdout is taken", () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "io-test-"));
  try {
    checkOutputPath("-o", path.join(d, "ok.dtb"));
    checkOutputPath("-o", "/dev/null");
    checkOutputPath("-o", "-"); // stdout is not a terminal under the test runner
    assert.equal(
      errorLine(() => checkOutputPath("-o", path.join(d, "no/dir/x.dtb"))),
      `${d}/no/dir/x.dtb: error: cannot write file: no such file or directory`,
    );
    assert.equal(
      errorLine(() => checkOutputPath("-o", d)),
      `${d}: error: cannot write file: is a directory`,
    );
    fs.writeFileSync(path.join(d, "f"), "");
    assert.equal(
      errorLine(() => checkOutputPath("-o", path.join(d, "f/x"))),
      `${d}/f/x: error: cannot write file: not a directory`,
    );
    assert.match(
      errorLine(() => checkOutputPath("--report", "-", { stdoutTaken: true })),
      /^--report: error: '-' \(stdout\) already carries the command's output/,
    );
    assert.equal(errorLine(() => checkOutputPath("-o", "")), "-o: error: expected a file name");
    assert.deepEqual(fs.readdirSync(d), ["f"]);
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

Deno.test("usageText() turns parseArgs's multi-line messages into one line", async () => {
  const { parseArgs } = await import("node:util");
  const options = {
    policy: { type: "string" as const },
    out: { type: "string" as const, short: "o" },
    json: { type: "boolean" as const },
  };
  const text = (args: string[]): string => {
    try {
      parseArgs({ args, options, allowPositionals: true });
    } catch (e) {
      return usageText(e as Error);
    }
    return "no error";
  };
  assert.equal(text(["--bogus"]), "unknown option '--bogus' (see --help)");
  assert.equal(text(["--policy"]), "option '--policy' needs a value");
  assert.equal(text(["-o"]), "option '--out' needs a value");
  assert.equal(text(["--json=1"]), "option '--json' takes no value");
  assert.equal(
    text(["--policy", "-5M"]),
    "option '--policy' is followed by a value that starts with '-'; write --policy=VALUE if " +
      "that is its value",
  );
});
