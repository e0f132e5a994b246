// A domU next to dom0 (`boot --domu`): Xen maps passthrough MMIO Device-nGnRE
// (p2m_mmio_direct_dev, map_mmio_regions) whatever dom0 got for the same region, and refuses what
// dom0 may not delegate.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { InputError } from "../errors.ts";
import { renderSummaryText } from "../sim/render_text.ts";
import { runBoard } from "../sim/run.ts";

const BOARD = "boards/qemu-virt-sram.dts";
const BYTES = new Uint8Array(readFileSync(new URL(`../${BOARD}`, import.meta.url)));
const CFG = readFileSync(new URL("../boards/domu-sram.cfg", import.meta.url), "utf8");

Deno.test("runBoard() with a domU: the SRAM given by iomem= is Device-nGnRE at the domU's stage 2 while dom0 keeps Normal WB (p2m_mmio_direct_c)", () => {
  const { summary } = runBoard(BOARD, BYTES, {
    workload: "sram-export-write",
    verifyFixes: false,
    domUs: [{ file: "domu-sram.cfg", text: CFG }],
  });
  assert.equal(summary.domUs.length, 1);
  const u = summary.domUs[0];
  assert.equal(u.name, "sram-guest");
  assert.equal(u.domid, 1);
  const sram = u.memoryMap.find((r) => r.pa === 0xbff00000)!;
  assert.equal(sram.ipa, 0x23000000);
  assert.equal(sram.size, 0x100000);
  assert.equal(sram.p2mType, "p2m_mmio_direct_dev");
  assert.equal(sram.s2Type, "Device-nGnRE");
  assert.ok(u.steps.every((s) => s.rc === 0));
  const ram = u.memoryMap.find((r) => r.ipa === 0x40000000)!;
  assert.equal(ram.p2mType, "p2m_ram_rw");
  assert.equal(ram.size, 128 * 1024 * 1024);
  const dom0 = summary.memoryMap.find((r) => r.ipa <= 0xbff00000 && 0xbff00000 < r.ipa + r.size)!;
  assert.equal(dom0.p2mType, "p2m_mmio_direct_c");
  assert.match(renderSummaryText(summary), /domU sram-guest \(d1, domu-sram\.cfg\)/);
});

Deno.test("runBoard() refuses a domU whose iomem= dom0 may not delegate (Xen's own memory): one InputError with Xen's error", () => {
  assert.throws(
    () =>
      runBoard(BOARD, BYTES, {
        verifyFixes: false,
        domUs: [{ file: "bad.cfg", text: 'name = "x"\niomem = [ "40200,1" ]\n' }],
      }),
    (e: unknown) => e instanceof InputError && /bad\.cfg/.test(e.message),
  );
});

Deno.test("runBoard() reports a malformed domU config at its line", () => {
  assert.throws(
    () =>
      runBoard(BOARD, BYTES, {
        verifyFixes: false,
        domUs: [{ file: "g.cfg", text: 'name = "x"\nmemory: 12\n' }],
      }),
    (e: unknown) => e instanceof InputError && e.location === "g.cfg:2",
  );
});
