// Golden DTB tests: every blob of tests/fixtures/dtb/manifest.json (real Xen 4.17 and QEMU
// outputs, Debian's Linux 6.1 board DTBs, dtc 1.6.1 compiles of our own sources with every
// layout flag) is read; writeDtb() and printDts() must reproduce dtc 1.6.1's recorded bytes and
// text exactly. Recorded outputs make this pass without dtc; when dtc is on PATH, the recordings
// are re-checked against the live dtc. Re-record with `deno run -A tests/dtb_record_fixtures.ts`.
import assert from "node:assert/strict";
import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_NOP,
  FDT_PROP,
  readDtb,
  readDtbHeader,
} from "../dt/dtb_read.ts";
import {
  fdt_begin_node,
  fdt_create,
  fdt_end_node,
  FDT_ERR_NOSPACE,
  fdt_finish,
  fdt_finish_reservemap,
  fdt_property,
  fdt_strerror,
  fdt_totalsize,
} from "../dt/fdt_sw.ts";
import { fdt_getprop, fdt_next_tag, fdt_nop_property, fdt_path_offset } from "../dt/fdt_wip.ts";
import { writeDtb, type WriteDtbOptions } from "../dt/dtb_write.ts";
import { printDts } from "../dt/dts_print.ts";
import type { DeviceTree } from "../dt/tree.ts";
import { dtc, FIX, haveDtc, manifest, outName, readFixture } from "./dtb_fixtures.ts";

function read(rel: string): Uint8Array {
  return Deno.readFileSync(new URL(rel, FIX));
}

const XEN = ["xen-4.17/virt-gicv3", "xen-4.17/virt-gicv3-sram"];

Deno.test("readDtb() reads the recorded Xen 4.17 input and dom0 blobs", () => {
  for (const d of XEN) {
    const host = readDtb(read(`${d}/xen-input.dtb`), `${d}/xen-input.dtb`);
    const dom0 = readDtb(read(`${d}/dom0.dtb`), `${d}/dom0.dtb`);
    assert.equal(host.root.prop("model")!.str(), "linux,dummy-virt");
    assert.ok(host.lookup("/psci"), "host has /psci");
    assert.deepEqual(dom0.lookup("/hypervisor")!.compatible(), ["xen,xen-4.17", "xen,xen"]);
    assert.deepEqual(dom0.lookup("/chosen")!.prop("linux,initrd-start")!.cells(), [
      0,
      0x68200000,
    ]);
    // Linux NOPed rng-seed in place: it is gone from the tree, kaslr-seed is zero.
    assert.equal(dom0.lookup("/chosen")!.prop("rng-seed"), undefined);
    assert.deepEqual(dom0.lookup("/chosen")!.prop("kaslr-seed")!.cells(), [0, 0]);
    const generated = ["hypervisor", "psci", "cpus", "memory@60000000"];
    if (d.endsWith("sram")) generated.push("memory@bff00000");
    assert.deepEqual(dom0.root.children.map((c) => c.name).slice(-generated.length), generated);
  }
});

// ---- libfdt sequential-write layout: replay each recorded dom0 tree through fdt_sw.ts.

/**
 * Replay the token stream of a recorded dom0 blob through the fdt_sw API with Xen's buffer size
 * (`fdt_totalsize(host) + DOM0_FDT_EXTRA_SIZE`). The run of 11 NOPs in /chosen is where Linux
 * NOPed `rng-seed` (32 bytes + 12-byte header): it is replayed as that property, restoring the
 * blob Xen wrote; Linux's edit is then re-applied with fdt_nop_property().
 */
function replayDom0(dom0: Uint8Array, bufsize: number): { buf: Uint8Array; err: number } {
  const buf = new Uint8Array(bufsize);
  let err = fdt_create(buf, bufsize);
  if (err) return { buf, err };
  fdt_finish_reservemap(buf);
  const h = readDtbHeader(dom0, "dom0.dtb");
  const names: string[] = [];
  let o = 0;
  let nops = 0;
  const strAt = (abs: number) => {
    let s = "";
    while (dom0[abs] !== 0) s += String.fromCharCode(dom0[abs++]);
    return s;
  };
  for (;;) {
    const [tag, next] = fdt_next_tag(dom0, o);
    assert.ok(next >= 0, `bad tag at ${o}`);
    const abs = h.offDtStruct + o;
    if (tag !== FDT_NOP && nops) {
      assert.equal(nops, 11, "one NOPed 32-byte property");
      assert.equal(names.join("/"), "/chosen");
      err = fdt_property(buf, "rng-seed", new Uint8Array(32).fill(0x5a));
      nops = 0;
    }
    if (err) return { buf, err };
    if (tag === FDT_BEGIN_NODE) {
      const n = strAt(abs + 4);
      names.push(n);
      err = fdt_begin_node(buf, n);
    } else if (tag === FDT_END_NODE) {
      names.pop();
      err = fdt_end_node(buf);
    } else if (tag === FDT_PROP) {
      const len = new DataView(dom0.buffer).getUint32(abs + 4);
      const nameoff = new DataView(dom0.buffer).getUint32(abs + 8);
      err = fdt_property(
        buf,
        strAt(h.offDtStrings + nameoff),
        dom0.slice(abs + 12, abs + 12 + len),
      );
    } else if (tag === FDT_NOP) {
      nops++;
    } else if (tag === FDT_END) {
      break;
    }
    if (err) return { buf, err };
    o = next;
  }
  return { buf, err: fdt_finish(buf) };
}

Deno.test("fdt_sw reproduces both recorded Xen 4.17 dom0 blobs byte for byte", () => {
  for (const d of XEN) {
    const dom0 = read(`${d}/dom0.dtb`);
    const host = readDtbHeader(read(`${d}/xen-input.dtb`), "xen-input.dtb");
    const { buf, err } = replayDom0(dom0, host.totalsize + 144);
    assert.equal(err, 0, fdt_strerror(err));
    const blob = buf.slice(0, fdt_totalsize(buf));
    // Xen's blob still has rng-seed; Linux NOPs it in place (facts §1.1).
    const chosen = fdt_path_offset(blob, "/chosen");
    assert.ok(chosen > 0);
    assert.equal((fdt_getprop(blob, chosen, "rng-seed") as Uint8Array).length, 32);
    assert.equal(fdt_nop_property(blob, chosen, "rng-seed"), 0);
    assert.deepEqual(blob, dom0, d);
  }
});

Deno.test("fdt_sw fails cleanly with FDT_ERR_NOSPACE when Xen's buffer is too small", () => {
  const dom0 = read("xen-4.17/virt-gicv3/dom0.dtb");
  const { err } = replayDom0(dom0, dom0.length - 1);
  assert.equal(err, -FDT_ERR_NOSPACE);
  assert.equal(`Device tree generation failed (${err}).`, "Device tree generation failed (-3).");
  assert.equal(fdt_strerror(err), "FDT_ERR_NOSPACE");
  // Exactly the final size (with rng-seed present) is enough.
  assert.equal(replayDom0(dom0, dom0.length).err, 0);
});

// ---- every manifest blob: read, write as dtc -I dtb -O dtb, print as dtc -O dts [-s]

/**
 * dtc runs its checks on DTB input too; the only one that changes a tree without markers is
 * `name_properties` (checks.c), which drops a `name` property equal to the node's base name
 * (v1–v3 blobs carry one per node).
 */
function dropRedundantNameProps(t: DeviceTree): void {
  for (const n of t.root.walk()) {
    const i = n.props.findIndex((p) => p.name === "name");
    if (i < 0) continue;
    const v = n.props[i].value;
    const base = n.baseName;
    if (v.length === base.length + 1 && [...base].every((c, k) => c.charCodeAt(0) === v[k])) {
      n.props.splice(i, 1);
    }
  }
}

const text = (b: Uint8Array) => new TextDecoder("latin1").decode(b);
const M = manifest();

for (const blob of M.blobs) {
  Deno.test(`writeDtb() and printDts() match dtc 1.6.1 on ${blob}`, async () => {
    const t = readDtb(await readFixture(blob), blob);
    dropRedundantNameProps(t);
    const dtb = writeDtb(t);
    assert.ok(equalBytes(dtb, await readFixture(outName(blob, "dtb"))), "dtc -I dtb -O dtb");
    assert.equal(printDts(t), text(await readFixture(outName(blob, "dts"))));
    assert.equal(printDts(t, { sort: true }), text(await readFixture(outName(blob, "s.dts"))));
  });
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** dtc's layout flags as writeDtb() options. */
function flagsToOptions(flags: string[]): WriteDtbOptions {
  const o: WriteDtbOptions = {};
  for (let i = 0; i < flags.length; i++) {
    const f = flags[i];
    const arg = () => Number(flags[++i]);
    if (f === "-V") o.version = arg();
    else if (f === "-R") o.reserveExtra = arg();
    else if (f === "-p") o.padSize = arg();
    else if (f === "-S") o.minSize = arg();
    else if (f === "-a") o.align = arg();
    else if (f === "-b") o.bootCpuidPhys = arg();
    else if (f === "-s") o.sort = true;
    else if (f !== "-@") throw new Error(`unknown flag ${f}`);
  }
  return o;
}

for (const c of M.compiles) {
  Deno.test(`writeDtb() reproduces dtc ${c.flags.join(" ") || "(no flags)"} for ${c.source}`, async () => {
    const want = await readFixture(c.out);
    const from = c.from ?? c.out;
    const t = readDtb(await readFixture(from), from);
    assert.ok(equalBytes(writeDtb(t, flagsToOptions(c.flags)), want), c.out);
  });
}

Deno.test({
  name: "the recorded dtc outputs are what the installed dtc produces",
  ignore: !haveDtc(),
  fn: async () => {
    for (const c of M.compiles) {
      const live = await dtc(["-q", "-I", "dts", "-O", "dtb", ...c.flags, "-o", "-", c.source]);
      assert.ok(equalBytes(live, await readFixture(c.out)), `${c.out} is stale`);
    }
    for (const b of M.blobs) {
      const input = await readFixture(b);
      const live = await dtc(["-q", "-I", "dtb", "-O", "dts", "-o", "-", "-"], input);
      assert.equal(text(live), text(await readFixture(outName(b, "dts"))), `${b} is stale`);
    }
  },
});

Deno.test("readDtb() keeps dtc 1.6.1's behaviour for overlays: no plugin flag, no labels restored", async () => {
  // dtc 1.6.1's dt_from_blob() neither marks a blob with __fixups__ as a plugin nor turns
  // __symbols__ back into labels (both arrived in dtc 1.8.0); the recorded `dtc -O dts` output
  // of such a blob (compared above) has no /plugin/ line and no labels.
  const t = readDtb(await readFixture("synth/overlay.symbols.dtbo"), "overlay.dtbo");
  assert.ok(t.lookup("/__fixups__") && t.lookup("/__symbols__") && t.lookup("/__local_fixups__"));
  assert.equal(t.plugin, false);
  for (const n of t.root.walk()) assert.deepEqual(n.labels, []);
  assert.ok(!printDts(t).includes("/plugin/"));
});
