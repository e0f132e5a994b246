// Golden tests: the modelled Xen 4.17 against real Xen 4.17 recordings (shared/reference golden
// runs and tests/fixtures/hyp/*): the dom0-construction console lines and the dom0 DTB, byte for
// byte once dom0 Linux's two in-place edits (kaslr-seed zeroed, rng-seed NOPed) are undone.
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { readDtb } from "../dt/dtb_read.ts";
import { printDts } from "../dt/dts_print.ts";
import { bootXen, type XenInstance } from "../hyp/xen.ts";
import { SparseMemory } from "../hyp/machine.ts";
import { kernelImageHeader } from "./hyp_helpers.ts";

const SHARED = new URL("./fixtures/golden", import.meta.url).pathname;
const OWN = new URL("./fixtures/hyp/", import.meta.url).pathname;

function cases(): { name: string; dir: string }[] {
  const out: { name: string; dir: string }[] = [];
  for (const base of [SHARED, OWN]) {
    if (!existsSync(base)) continue;
    for (const n of readdirSync(base).sort()) {
      if (existsSync(`${base}/${n}/xen-input.dtb`)) out.push({ name: n, dir: `${base}/${n}` });
    }
  }
  return out;
}

/** Boot the model on a recorded input, with a minimal arm64 Image at the kernel module. */
export function bootRecorded(dir: string): XenInstance {
  const dtb = new Uint8Array(readFileSync(`${dir}/xen-input.dtb`));
  const tree = readDtb(dtb, "xen-input.dtb");
  const mem = new SparseMemory();
  for (const m of tree.lookup("/chosen")?.children ?? []) {
    if (!m.compatible().includes("multiboot,kernel")) continue;
    const r = m.prop("reg")!;
    mem.write(r.u32(1), kernelImageHeader(0));
  }
  return bootXen({ mem }, { hostDtb: dtb, hostDtbFile: `${dir}/xen-input.dtb` });
}

function constructionLines(lines: string[]): string[] {
  const a = lines.findIndex((l) => l.includes("*** LOADING DOMAIN 0 ***"));
  const b = lines.findIndex((l) => l.includes("Loading d0 DTB to"));
  return lines.slice(a, b + 1);
}

const enc = new TextEncoder();

/**
 * Undo dom0 Linux's edits of the recorded dom0.dtb: `kaslr-seed` gets the host value back and the
 * 11 FDT_NOP words where `rng-seed` was become the property again (its name is still in the
 * strings block). Returns the blob Xen wrote.
 */
function prelinuxBlob(recorded: Uint8Array, hostDtb: Uint8Array): Uint8Array {
  const host = readDtb(hostDtb, "host");
  const chosen = host.lookup("/chosen")!;
  const out = recorded.slice();
  const dv = new DataView(out.buffer);
  const offStruct = dv.getUint32(8);
  const offStrings = dv.getUint32(12);
  const sizeStrings = dv.getUint32(32);
  const strings = out.subarray(offStrings, offStrings + sizeStrings);
  const nameOff = (name: string): number => {
    const n = enc.encode(name + "\0");
    outer: for (let i = 0; i + n.length <= strings.length; i++) {
      for (let j = 0; j < n.length; j++) if (strings[i + j] !== n[j]) continue outer;
      return i;
    }
    return -1;
  };
  const kaslr = nameOff("kaslr-seed");
  const rng = chosen.prop("rng-seed");
  let p = offStruct;
  let nops = -1;
  for (;;) {
    const tok = dv.getUint32(p);
    if (tok === 9) break;
    if (tok === 1) {
      let e = p + 4;
      while (out[e] !== 0) e++;
      p = (e + 1 + 3) & ~3;
    } else if (tok === 3) {
      const len = dv.getUint32(p + 4);
      const no = dv.getUint32(p + 8);
      if (no === kaslr) out.set(chosen.prop("kaslr-seed")!.value, p + 12);
      p += 12 + ((len + 3) & ~3);
    } else if (tok === 4) {
      if (nops < 0) nops = p;
      p += 4;
    } else p += 4;
  }
  if (nops >= 0 && rng) {
    dv.setUint32(nops, 3);
    dv.setUint32(nops + 4, rng.length);
    dv.setUint32(nops + 8, nameOff("rng-seed"));
    out.set(rng.value, nops + 12);
  }
  return out;
}

for (const c of cases()) {
  Deno.test(`bootXen() reproduces real Xen 4.17's dom0-construction log lines (${c.name})`, () => {
    const x = bootRecorded(c.dir);
    const want = constructionLines(readFileSync(`${c.dir}/xen.log`, "utf8").split("\n"));
    const got = constructionLines(x.console.lines({ additions: false }));
    assertEquals(got, want);
  });

  Deno.test(`bootXen(): dom0's tree prints (dtc -s) line for line as dom0.dts (${c.name})`, () => {
    // The recording shows the tree as dom0 Linux left it: kaslr-seed zeroed in place, rng-seed
    // removed (NOPed) after use. Apply those two edits to what Xen wrote, then mask both seeds.
    const x = bootRecorded(c.dir);
    const t = readDtb(x.build.dtb, "dom0.dtb");
    const chosen = t.lookup("/chosen")!;
    const k = chosen.prop("kaslr-seed");
    if (k) k.value = new Uint8Array(k.value.length);
    chosen.props = chosen.props.filter((p) => p.name !== "rng-seed");
    const mask = (s: string) => s.replace(/(kaslr-seed|rng-seed) = <[^>]*>;/g, "$1 = <masked>;");
    const got = mask(printDts(t, { sort: true })).split("\n");
    const want = mask(readFileSync(`${c.dir}/dom0.dts`, "utf8")).split("\n");
    assertEquals(got, want);
  });

  Deno.test(`bootXen() writes the dom0 DTB byte for byte as real Xen 4.17 did (${c.name})`, () => {
    const x = bootRecorded(c.dir);
    const host = new Uint8Array(readFileSync(`${c.dir}/xen-input.dtb`));
    const want = prelinuxBlob(new Uint8Array(readFileSync(`${c.dir}/dom0.dtb`)), host);
    assertEquals(x.build.dtb.length, want.length);
    assertEquals(Array.from(x.build.dtb), Array.from(want));
  });
}
