import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { renderBootHtml } from "./report_html.ts";
import { runBoard } from "./run.ts";

const BOARD = new URL("../boards/qemu-virt-sram.dts", import.meta.url).pathname;

Deno.test("renderBootHtml() marks each fix verified, not tried (--no-verify) or not confirmed", () => {
  const boot = (verifyFixes: boolean) =>
    runBoard("qemu-virt-sram.dts", new Uint8Array(readFileSync(BOARD)), {
      policy: "xen-4.7",
      workload: "sram-memset",
      verifyFixes,
    });
  const { run, summary } = boot(false);
  assert.ok(summary.faults[0].fixes.length > 0);
  const untried = renderBootHtml(run, summary, { fixesTried: false });
  assert.match(untried, /class="unverified">not tried: --no-verify</);
  assert.doesNotMatch(untried, /not confirmed|not verified/);
  assert.match(renderBootHtml(run, summary), /class="unverified">not confirmed by a second boot</);
  const v = boot(true);
  assert.match(renderBootHtml(v.run, v.summary), /class="verified">✔ verified by a second boot</);
});
