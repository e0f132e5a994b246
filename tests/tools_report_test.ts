// The HTML report in a real browser: headless Chromium (Debian's `chromium` package) opens the
// report with its no-network flags, and the DOM it built must hold one SVG element per mapped
// region with the colour class of its effective memory type, and a fault marker at the faulting
// IPA inside the region that holds it. A screenshot is saved in the test's output folder
// (a temp dir, or $DOM0SIM_TEST_OUT). Skipped cleanly when no Chromium is installed.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { compareBoard } from "../sim/compare.ts";
import { regionEffective, renderBootHtml, renderCompareHtml } from "../sim/report_html.ts";
import { memTypeClass } from "../sim/report_html_svg.ts";
import { runBoard } from "../sim/run.ts";

const ROOT = new URL("../", import.meta.url).pathname;

function findChromium(): string | null {
  const env = Deno.env.get("CHROMIUM");
  const cands = [
    ...(env ? [env] : []),
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
  ];
  return cands.find((c) => existsSync(c)) ?? null;
}

const CHROMIUM = findChromium();

function outDir(): string {
  const want = Deno.env.get("DOM0SIM_TEST_OUT");
  if (want) {
    mkdirSync(want, { recursive: true });
    return want;
  }
  return mkdtempSync(`${tmpdir()}/dom0sim-report-`);
}

/** Chromium with the no-network flags; returns stdout. */
async function chromium(args: string[], dir: string): Promise<string> {
  const profile = mkdtempSync(`${tmpdir()}/dom0sim-chromium-`);
  const out = await new Deno.Command(CHROMIUM!, {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-extensions",
      `--user-data-dir=${profile}`,
      ...args,
    ],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  }).output();
  await Deno.remove(profile, { recursive: true }).catch(() => {});
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

function read(path: string): Uint8Array | undefined {
  try {
    return new Uint8Array(readFileSync(path));
  } catch {
    return undefined;
  }
}

/** Every element with tag `tag` in serialized HTML, as attribute maps. */
function elements(html: string, tag: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  const re = new RegExp(`<${tag}\\b([^>]*)>`, "g");
  for (const m of html.matchAll(re)) {
    const attrs: Record<string, string> = {};
    for (const a of m[1].matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[a[1]] = a[2];
    out.push(attrs);
  }
  return out;
}

function classes(e: Record<string, string>): string[] {
  return (e.class ?? "").split(/\s+/).filter((c) => c);
}

Deno.test({
  name:
    "renderBootHtml() in Chromium: one SVG rect per mapped region with its memory-type class, the fault marker at the faulting IPA, a screenshot",
  ignore: CHROMIUM === null,
  async fn() {
    const board = ROOT + "boards/qemu-virt-sram.dts";
    const { run, summary } = runBoard(board, read(board)!, {
      policy: "xen-4.7",
      workload: "sram-memset",
      verifyFixes: false,
    });
    assert.equal(summary.faults.length, 1);
    const html = renderBootHtml(run, summary);
    // Self-contained: nothing to fetch.
    assert.doesNotMatch(html, /<link\b|\bsrc=|@import|url\(http/);
    const urls = new Set([...html.matchAll(/https?:\/\/[^"'\s)]+/g)].map((m) => m[0]));
    assert.deepEqual([...urls], ["http://www.w3.org/2000/svg"]); // the SVG namespace only
    const dir = outDir();
    writeFileSync(`${dir}/report.html`, html);
    const dom = await chromium(["--dump-dom", `file://${dir}/report.html`], dir);
    assert.match(dom, /<svg[^>]*class="memmap"/);

    const rects = elements(dom, "rect").filter((e) => classes(e).includes("region"));
    assert.equal(rects.length, summary.memoryMap.length + summary.trapped.length);
    const mapped = rects.filter((e) => !classes(e).includes("trapped"));
    assert.equal(mapped.length, summary.memoryMap.length);
    summary.memoryMap.forEach((row, i) => {
      const r = mapped.find((e) => Number(e["data-row"]) === i)!;
      assert.equal(Number(r["data-ipa"]), row.ipa, `row ${i}`);
      const want = memTypeClass(regionEffective(row).type);
      assert.ok(classes(r).includes(want), `${row.node}: ${r.class} lacks ${want}`);
    });
    // The facts behind the colours: SRAM is Device-nGnRE under xen-4.7, RAM Normal-WB.
    const byIpa = (ipa: number) => mapped.find((e) => Number(e["data-ipa"]) === ipa)!;
    assert.ok(classes(byIpa(0xbff00000)).includes("mt-device-ngnre"));
    assert.ok(classes(byIpa(0x60000000)).includes("mt-normal-wb"));
    assert.ok(classes(byIpa(0x4010000000)).includes("mt-device-ngnrne"));

    const markers = elements(dom, "g").filter((e) => classes(e).includes("fault-marker"));
    assert.equal(markers.length, 1);
    const ipa = summary.faults[0].architectural!.ipa!;
    assert.equal(markers[0]["data-address"], "0x" + ipa.toString(16));
    const holder = mapped.find((e) => {
      const lo = Number(e["data-ipa"]), size = Number(e["data-size"]);
      return ipa >= lo && ipa < lo + size;
    })!;
    const y = Number(markers[0]["data-y"]);
    const top = Number(holder.y), bottom = top + Number(holder.height);
    assert.ok(y >= top && y <= bottom, `marker y ${y} outside [${top}, ${bottom}]`);
    assert.match(markers[0].transform, new RegExp(`,${y.toFixed(1)}\\)$`));

    await chromium([
      "--window-size=1400,2200",
      "--hide-scrollbars",
      `--screenshot=${dir}/report.png`,
      `file://${dir}/report.html`,
    ], dir);
    const png = readFileSync(`${dir}/report.png`);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.ok(png.length > 20_000, `screenshot is only ${png.length} bytes`);
    console.log(`report and screenshot: ${dir}/report.html, ${dir}/report.png`);
  },
});

Deno.test({
  name:
    "renderCompareHtml() in Chromium: one memory map per policy, the fault marked only where dom0 faulted",
  ignore: CHROMIUM === null,
  async fn() {
    const board = ROOT + "boards/qemu-virt-sram.dts";
    const c = compareBoard(board, read(board)!, {
      policies: ["xen-4.17", "xen-4.7"],
      workload: "sram-memset",
      verifyFixes: false,
    });
    const dir = outDir();
    writeFileSync(`${dir}/compare.html`, renderCompareHtml(c));
    const dom = await chromium(["--dump-dom", `file://${dir}/compare.html`], dir);
    const svgs = elements(dom, "svg").filter((e) => classes(e).includes("memmap"));
    assert.deepEqual(svgs.map((s) => s.id), ["p-xen-4.17-map-d0", "p-xen-4.7-map-d0"]);
    // Split the DOM at the second policy's section and count markers on each side.
    const at = dom.indexOf('id="p-xen-4.7"');
    assert.ok(at > 0);
    const marks = (s: string) => (s.match(/class="fault-marker"/g) ?? []).length;
    assert.equal(marks(dom.slice(0, at)), 0);
    assert.equal(marks(dom.slice(at)), 1);
    assert.match(dom, /Identical under all 2 policies/);
    await chromium([
      "--window-size=1400,1600",
      `--screenshot=${dir}/compare.png`,
      `file://${dir}/compare.html`,
    ], dir);
    assert.ok(existsSync(`${dir}/compare.png`));
  },
});
