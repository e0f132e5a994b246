// deno-lint-ignore-file no-control-regex -- these tests check ANSI colour and line-control codes
// `dom0sim scan`: many boards in one process. A directory with a broken board is scanned to the
// end (the broken board is a row with its one-line error and makes the exit status 2), .dtsi and
// other files are skipped, faults and lint findings do not change the exit status, JSON lines
// come one per board plus a summary, and a progress bar appears only on a terminal.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { scanBoard, type ScanRow, scanTotals } from "../sim/scan.ts";
import { progressLine, renderScanTable } from "../sim/scan_text.ts";
import { DENO_RUN_MAIN, ROOT, runDom0sim } from "./cli_helpers.ts";

const FIX = "tests/fixtures/tools/scan";

function read(path: string): Uint8Array | undefined {
  try {
    return new Uint8Array(readFileSync(path));
  } catch {
    return undefined;
  }
}

Deno.test("scanBoard() turns bad input into a row instead of throwing", () => {
  const r = scanBoard(`${FIX}/broken.dts`, read(ROOT + `${FIX}/broken.dts`)!, {
    mode: { boot: true, lint: false },
  });
  assert.equal(r.status, "bad-input");
  assert.match(r.error!, /^tests\/fixtures\/tools\/scan\/broken\.dts:\d+:\d+: error: /);
  assert.equal(r.error!.split("\n").length, 1);
});

Deno.test("scanBoard() boots and lints: a fault or a lint error is a finding, not a failure", () => {
  const b = ROOT + "boards/qemu-virt-sram.dts";
  const r = scanBoard(b, read(b)!, {
    mode: { boot: true, lint: true },
    policy: "xen-4.7",
    lintPolicies: ["xen-4.7"],
    workload: "sram-memset",
    readFile: read,
  });
  assert.equal(r.status, "finding");
  assert.equal(r.outcome, "oops");
  assert.deepEqual(r.faultSummary, ["__memset dc zva DFSC 0x21 (stage 2)"]);
  assert.deepEqual(r.errorRules, ["sram-device-memory"]);
  assert.equal(scanTotals([r], 1).exitCode, 0);
});

Deno.test("scanTotals() exits 2 for bad input and 3 for a crash, never for findings", () => {
  const row = (status: ScanRow["status"]): ScanRow => ({
    type: "board",
    board: "b",
    status,
    ms: 0,
  });
  assert.equal(scanTotals([row("ok"), row("finding")], 0).exitCode, 0);
  assert.equal(scanTotals([row("ok"), row("bad-input")], 0).exitCode, 2);
  assert.equal(scanTotals([row("bad-input"), row("crash")], 0).exitCode, 3);
});

Deno.test("renderScanTable() colours only the status cell and keeps the columns aligned", () => {
  const rows: ScanRow[] = [
    { type: "board", board: "ok.dts", status: "ok", ms: 3, outcome: "ok", faults: 0 },
    { type: "board", board: "x.dts", status: "bad-input", ms: 1, error: "x.dts: error: bad" },
  ];
  const t = scanTotals(rows, 4);
  const plain = renderScanTable(rows, t, { boot: true, lint: false });
  const colored = renderScanTable(rows, t, { boot: true, lint: false }, { color: true });
  assert.equal(colored.replace(/\x1b\[\d+m/g, ""), plain);
  assert.match(colored, /ok\.dts +\x1b\[32mok\x1b\[0m/);
  assert.match(plain, /2 boards, 1 ok, 1 bad input/);
  assert.equal(progressLine(1, 4, "b.dts", 8), "[##......] 1/4 b.dts");
});

Deno.test("dom0sim scan DIR: every board scanned despite a broken one, .dtsi skipped, exit 2, no progress bar when piped", () => {
  const r = runDom0sim(["scan", FIX]);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr, "");
  const lines = r.stdout.trimEnd().split("\n");
  assert.match(lines[0], /^ {2}board +status +outcome +faults +ms +detail$/);
  const boards = lines.slice(1).filter((l) => l.startsWith("  tests/")).map((l) =>
    l.trim().split(/ +/)[0]
  );
  assert.deepEqual(boards, [
    `${FIX}/broken.dts`,
    `${FIX}/clean.dts`,
    `${FIX}/nested/qemu-virt.dtb`,
  ]);
  assert.match(r.stdout, /broken\.dts +bad input .* error: /);
  assert.match(r.stdout, /clean\.dts +ok +ok +0 /);
  assert.match(r.stdout, /qemu-virt\.dtb +ok +ok +0 /);
  assert.match(r.stdout, /3 boards, 2 ok, 1 bad input/);
});

Deno.test("dom0sim scan --json prints one JSON line per board and a summary line", () => {
  const r = runDom0sim(["scan", "--json", FIX, "missing.dts"]);
  assert.equal(r.code, 2);
  const objs = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(objs.map((o) => o.type), ["board", "board", "board", "board", "summary"]);
  assert.equal(objs[0].board, "missing.dts");
  assert.equal(objs[0].status, "bad-input");
  assert.match(objs[0].error, /^missing\.dts: error: cannot read file/);
  assert.deepEqual(objs[4].status, { ok: 2, finding: 0, "bad-input": 2, crash: 0 });
  assert.equal(objs[4].exitCode, 2);
});

Deno.test("dom0sim scan --lint boards/lint: lint errors are findings and the exit status stays 0", () => {
  const r = runDom0sim(["scan", "--lint", "--json", "boards/lint"]);
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
  const byBoard = new Map(rows.filter((o) => o.type === "board").map((o) => [o.board, o]));
  assert.equal(byBoard.get("boards/lint/clean.dts").status, "ok");
  assert.deepEqual(byBoard.get("boards/lint/clean.dts").findings, {
    error: 0,
    warning: 0,
    info: 0,
  });
  assert.equal(byBoard.get("boards/lint/subpage-mmio.dts").status, "finding");
  assert.deepEqual(byBoard.get("boards/lint/subpage-mmio.dts").errorRules, ["subpage-mmio"]);
  assert.equal(byBoard.get("boards/lint/ppi.dts").status, "ok");
  assert.equal(rows[rows.length - 1].boards, 8);
});

Deno.test("dom0sim scan with a board list boots the shipped boards in one process and exits 0", () => {
  const r = runDom0sim([
    "scan",
    "-I",
    "include",
    "boards/qemu-virt.dts",
    "boards/zynqmp-ocm.dts",
    "boards/a64-sram.dts",
  ]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /3 boards, 3 ok/);
});

Deno.test({
  name: "dom0sim scan draws a progress bar on stderr only when stdout is a terminal",
  ignore: spawnSync("script", ["--version"]).status !== 0,
  fn() {
    const cmd = ["deno", ...DENO_RUN_MAIN, "scan", `${FIX}/clean.dts`, `${FIX}/nested`].join(" ");
    const r = spawnSync("script", ["-qec", cmd, "/dev/null"], {
      cwd: ROOT,
      env: { ...Deno.env.toObject(), NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 120_000,
    });
    const out = r.stdout.toString();
    assert.match(out, /\r\x1b\[K\[\.+\] 0\/2 tests\/fixtures\/tools\/scan\/clean\.dts/);
    assert.match(out, /\r\x1b\[K\[#{14}\.{14}\] 1\/2 /);
    assert.match(out, /2 boards, 2 ok/);
    // NO_COLOR: no colour codes, only the progress bar's line control.
    assert.doesNotMatch(out, /\x1b\[\d+m/);
  },
});
