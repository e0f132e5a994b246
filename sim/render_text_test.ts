import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { renderBootText, renderSummaryText } from "./render_text.ts";
import { runBoard } from "./run.ts";

const BOARD = new URL("../boards/qemu-virt-sram.dts", import.meta.url).pathname;

function memsetBoot(verifyFixes: boolean) {
  return runBoard("qemu-virt-sram.dts", new Uint8Array(readFileSync(BOARD)), {
    policy: "xen-4.7",
    workload: "sram-memset",
    verifyFixes,
  });
}

Deno.test("renderSummaryText() says whether an unverified fix was not tried (--no-verify) or not confirmed", () => {
  const { summary } = memsetBoot(false);
  assert.ok(summary.faults[0].fixes.length > 0);
  const untried = renderSummaryText(summary, { fixesTried: false });
  assert.match(untried, /\n {6}fix \(not tried: --no-verify\): let dom0's stage 1 decide/);
  assert.doesNotMatch(untried, /not confirmed/);
  assert.match(renderSummaryText(summary), /\n {6}fix \(not confirmed by a second boot\): /);
  const { run, summary: verified } = memsetBoot(true);
  assert.match(
    renderBootText(run, verified, { summaryOnly: true, fixesTried: true }),
    /\n {6}fix \(verified by a second boot\): let dom0's stage 1 decide/,
  );
});
