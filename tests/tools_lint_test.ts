// `dom0sim lint` on boards written to trigger each rule (boards/lint/*.dts) and on boards that
// must stay clean: every rule fires where it should, with the severity, node and neighbour it
// should name, and nowhere else.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { lintBoard, type LintReport, parsePolicyList } from "../sim/lint.ts";
import { LINT_RULES } from "../sim/lint_rules.ts";
import type { Finding } from "../sim/lint_finding.ts";
import { InputError } from "../errors.ts";

const ROOT = new URL("../", import.meta.url).pathname;

function read(path: string): Uint8Array | undefined {
  try {
    return new Uint8Array(readFileSync(path));
  } catch {
    return undefined;
  }
}

function lint(board: string, policies?: string[]): LintReport {
  const file = ROOT + board;
  return lintBoard(file, read(file)!, {
    policies,
    includeDirs: [ROOT + "include"],
    readFile: read,
  });
}

/** The findings of one rule, as `severity node` strings (sorted). */
function of(r: LintReport, rule: string): string[] {
  return r.findings.filter((f) => f.rule === rule).map((f) =>
    `${f.severity} ${f.node}${f.policy ? ` [${f.policy}]` : ""}`
  ).sort();
}

function one(r: LintReport, rule: string, node: string): Finding {
  const f = r.findings.filter((x) => x.rule === rule && x.node === node);
  assert.equal(f.length, 1, `${rule} on ${node}: ${JSON.stringify(r.findings, null, 1)}`);
  return f[0];
}

Deno.test("lintBoard() finds nothing on boards/lint/clean.dts (every rule stays quiet)", () => {
  const r = lint("boards/lint/clean.dts");
  assert.deepEqual(r.findings, []);
  assert.equal(r.exitCode, 0);
});

Deno.test("lintBoard() sram-device-memory: mmio-sram, *-ocm and shmem nodes are Device under xen-4.7 and clean under xen-4.17", () => {
  const r = lint("boards/lint/sram-device.dts", ["xen-4.17", "xen-4.7"]);
  assert.deepEqual(of(r, "sram-device-memory"), [
    "error /ocm@10100000 [xen-4.7]",
    "error /shmem@10200000 [xen-4.7]",
    "error /sram@10000000 [xen-4.7]",
  ]);
  const f = one(r, "sram-device-memory", "/sram@10000000");
  assert.match(f.message, /Device-nGnRE/);
  assert.match(f.message, /p2m_mmio_direct_dev/);
  // The model ran memset on the raw driver's mapping: DC ZVA took a stage-2 alignment fault.
  assert.match(
    f.evidence ?? "",
    /dc zva .*DFSC 0x21\) at stage 2, ESR_EL2 0x92000061, IPA 0x10000000/,
  );
  assert.match(f.fix, /memset_io/);
  assert.equal(r.exitCode, 1);
});

Deno.test("lintBoard() sram-device-memory: xen-4.8.0 maps mmio-sram Normal-NC (clean) but other memory-like nodes Device", () => {
  const r = lint("boards/lint/sram-device.dts", ["xen-4.8.0"]);
  assert.deepEqual(of(r, "sram-device-memory"), [
    "error /ocm@10100000 [xen-4.8.0]",
    "error /shmem@10200000 [xen-4.8.0]",
  ]);
});

Deno.test("lintBoard() sram-device-memory: the shipped SRAM boards are clean under xen-4.17 and the 2016 RFC", () => {
  for (const b of ["boards/zynqmp-ocm.dts", "boards/qemu-virt-sram.dts", "boards/a64-sram.dts"]) {
    const r = lint(b, ["xen-4.17", "rfc-2016"]);
    assert.deepEqual(of(r, "sram-device-memory"), [], b);
  }
});

Deno.test("lintBoard() sram-pool-device: no-memory-wc with a pool user is a warning; without pool or user it is clean", () => {
  const r = lint("boards/lint/sram-pool-no-wc.dts");
  assert.deepEqual(of(r, "sram-pool-device"), ["warning /sram@10000000"]);
  const f = one(r, "sram-pool-device", "/sram@10000000");
  assert.deepEqual(f.related, ["/sram@10000000/pool@0", "/video-codec@10400000"]);
  assert.match(f.message, /ioremap \(Device-nGnRE\)/);
  assert.equal(r.exitCode, 0);
});

Deno.test("lintBoard() subpage-mmio: a page shared with Xen's console is an error naming the console", () => {
  const r = lint("boards/lint/subpage-mmio.dts");
  assert.deepEqual(of(r, "subpage-mmio"), [
    "error /serial@9000400",
    "info /gpio@9020000",
    "warning /timer@9010200",
  ]);
  const e = one(r, "subpage-mmio", "/serial@9000400");
  assert.deepEqual(e.related, ["/serial@9000000"]);
  assert.match(e.message, /Xen's console UART/);
  assert.equal(e.address, "0x9000000");
  assert.deepEqual(one(r, "subpage-mmio", "/timer@9010200").related, ["/dma@9010000"]);
  assert.deepEqual(one(r, "subpage-mmio", "/gpio@9020000").related, ["/pinctrl@9020100"]);
  // watchdog@9030000 is sub-page but alone in its page.
  assert.ok(!r.findings.some((f) => f.node === "/watchdog@9030000"));
});

Deno.test("lintBoard() subpage-mmio: the A64 board's uart1 shares Xen's console UART page", () => {
  const r = lint("boards/a64-sram.dts");
  const e = one(r, "subpage-mmio", "/soc/serial@1c28400");
  assert.equal(e.severity, "error");
  assert.deepEqual(e.related, ["/soc/serial@1c28000"]);
  assert.equal(r.exitCode, 1);
});

Deno.test("lintBoard() reg-overlap: device/device and device/RAM are errors, a device inside a device and reserved/reserved warnings, shared registers info, a no-map carve-out is clean", () => {
  const r = lint("boards/lint/reg-overlap.dts");
  assert.deepEqual(of(r, "reg-overlap"), [
    "error /codec@9000800",
    "error /framebuffer@7f000000",
    "error /sram@7fe00000",
    "info /led@9100008,1",
    "info /rtc@9200040",
    "warning /mdio@9300400",
    "warning /reserved-memory/firmware@7ff80000",
  ]);
  assert.match(one(r, "reg-overlap", "/mdio@9300400").why, /wholly inside .*ethernet@9300000/);
  assert.match(one(r, "reg-overlap", "/led@9100008,1").why, /same registers/);
  assert.match(one(r, "reg-overlap", "/rtc@9200040").why, /sys-ctrl@9200000 is a container/);
  assert.deepEqual(one(r, "reg-overlap", "/codec@9000800").related, ["/spi@9000000"]);
  assert.match(
    one(r, "reg-overlap", "/sram@7fe00000").message,
    /shared@7fe00000 covers it but has no no-map/,
  );
  assert.ok(!r.findings.some((f) => f.node === "/sram@7ff00000"));
  // Overlapping nodes are not also reported as sharing a page.
  assert.deepEqual(of(r, "subpage-mmio"), []);
});

Deno.test("lintBoard() reg-overlap: the qemu-virt-sram carve-out (mmio-sram over no-map reserved RAM) is clean", () => {
  assert.deepEqual(of(lint("boards/qemu-virt-sram.dts"), "reg-overlap"), []);
});

Deno.test("lintBoard() reg-outside-ranges: a reg running past its bus window is an error; reg-untranslatable flags local-bus addresses", () => {
  const r = lint("boards/lint/reg-ranges.dts");
  assert.deepEqual(of(r, "reg-outside-ranges"), ["error /bus@9000000/i2c@f0000"]);
  assert.deepEqual(of(r, "reg-untranslatable"), [
    "info /bus@9000000/flash@10000/partitions/partition@0",
  ]);
  assert.ok(!r.findings.some((f) => f.node === "/bus@9000000/uart@0"));
});

Deno.test("lintBoard() reg-outside-ranges: an uncovered reg is an error and Xen's panic a xen-boot error", () => {
  const r = lint("tests/fixtures/tools/lint/reg-not-covered.dts");
  assert.deepEqual(of(r, "reg-outside-ranges"), ["error /bus@9000000/dev@200000"]);
  const x = one(r, "xen-boot", "/");
  assert.match(x.message, /Xen panic: Could not set up DOM0 guest OS/);
  assert.ok(r.notes.some((n) => /model-based rules skipped/.test(n)));
});

Deno.test("lintBoard() ppi-hidden: a device on a PPI is hidden from dom0; the timer and GIC are not reported", () => {
  const r = lint("boards/lint/ppi.dts");
  assert.deepEqual(of(r, "ppi-hidden"), ["warning /trace@9000000"]);
  assert.match(one(r, "ppi-hidden", "/trace@9000000").message, /PPI 7 \(INTID 23\)/);
});

Deno.test("lintBoard() xen-keeps: the console UART and the SMMU, with the devices whose iommus Xen strips", () => {
  const r = lint("boards/lint/passthrough.dts");
  assert.deepEqual(of(r, "xen-keeps"), ["info /iommu@9100000", "info /serial@9000000"]);
  const s = one(r, "xen-keeps", "/iommu@9100000");
  assert.deepEqual(s.related, ["/mmc@9030000", "/usb@9040000"]);
  assert.match(s.why, /strips iommus from \/usb@9040000/);
  assert.match(one(r, "xen-keeps", "/serial@9000000").why, /hvc0/);
});

Deno.test("lintBoard() passthrough-no-iommu: xen,passthrough without iommus warns; with iommus it is clean", () => {
  const r = lint("boards/lint/passthrough.dts");
  assert.deepEqual(of(r, "passthrough-no-iommu"), ["warning /ethernet@9020000"]);
  assert.equal(r.exitCode, 0);
});

Deno.test("lintBoard() ipa-size: a region at 2^48 is above the IPA space (Xen cannot map it); one below 2^44 is clean", () => {
  const r = lint("tests/fixtures/tools/lint/ipa-size.dts");
  assert.deepEqual(of(r, "ipa-size"), ["error /accel@1000000000000"]);
  assert.match(one(r, "ipa-size", "/accel@1000000000000").message, /48-bit IPA/);
  assert.match(one(r, "xen-boot", "/").message, /Unable to map 0x1000000000000/);
});

Deno.test("lintBoard() throws InputError for a board that does not compile (bad input, not a finding)", () => {
  const bytes = new TextEncoder().encode("/dts-v1/;\n/ { x = <1; };\n");
  assert.throws(() => lintBoard("bad.dts", bytes), InputError);
});

Deno.test("parsePolicyList() expands 'all', checks names, and defaults to xen-4.17", () => {
  assert.deepEqual(parsePolicyList(undefined), ["xen-4.17"]);
  assert.equal(parsePolicyList("all").length, 5);
  assert.deepEqual(parsePolicyList("xen-4.7, xen-4.17"), ["xen-4.7", "xen-4.17"]);
  assert.throws(() => parsePolicyList("xen-9"), /unknown policy 'xen-9'/);
});

Deno.test("LINT_RULES: every rule has a boards/lint board or fixture that triggers it, and docs/LINT.md documents it", () => {
  const docs = new TextDecoder().decode(read(ROOT + "docs/LINT.md")!);
  const triggered = new Set<string>([
    "sram-device-memory",
    "sram-pool-device",
    "subpage-mmio",
    "reg-overlap",
    "reg-outside-ranges",
    "reg-untranslatable",
    "ppi-hidden",
    "xen-keeps",
    "passthrough-no-iommu",
    "ipa-size",
    "xen-boot",
  ]);
  for (const rule of LINT_RULES) {
    assert.ok(triggered.has(rule.id), `no trigger test for ${rule.id}`);
    assert.ok(docs.includes(`\`${rule.id}\``), `docs/LINT.md lacks ${rule.id}`);
  }
});
