// Optional corpus check against the live dtc: every *.dtb / *.dtbo under $DTB_CORPUS (e.g. the
// DTBs of Debian's linux-image-*-arm64 package, usr/lib/linux-image-*/) is read, written and
// printed by dom0sim and by dtc 1.6.1, which must agree byte for byte. Skipped unless DTB_CORPUS
// is set and dtc is installed:
//   DTB_CORPUS=/path/to/dtbs deno test -A tests/dtb_corpus_test.ts
import assert from "node:assert/strict";
import { readDtb } from "../dt/dtb_read.ts";
import { writeDtb } from "../dt/dtb_write.ts";
import { printDts } from "../dt/dts_print.ts";
import { dtc, haveDtc } from "./dtb_fixtures.ts";

const dir = Deno.env.get("DTB_CORPUS");

function* blobs(d: string): Generator<string> {
  for (const e of Deno.readDirSync(d)) {
    const p = `${d}/${e.name}`;
    if (e.isDirectory) yield* blobs(p);
    else if (/\.dtbo?$/.test(e.name)) yield p;
  }
}

Deno.test({
  name: "writeDtb() and printDts() agree with dtc 1.6.1 on every blob of $DTB_CORPUS",
  ignore: !dir || !haveDtc(),
  fn: async () => {
    let n = 0;
    for (const f of blobs(dir!)) {
      const input = Deno.readFileSync(f);
      const t = readDtb(input, f);
      const dtb = await dtc(["-q", "-I", "dtb", "-O", "dtb", "-o", "-", f]);
      assert.deepEqual(writeDtb(t), dtb, f);
      const dts = new TextDecoder("latin1").decode(
        await dtc(["-q", "-I", "dtb", "-O", "dts", "-o", "-", f]),
      );
      assert.equal(printDts(t), dts, f);
      const sorted = new TextDecoder("latin1").decode(
        await dtc(["-q", "-s", "-I", "dtb", "-O", "dts", "-o", "-", f]),
      );
      assert.equal(printDts(t, { sort: true }), sorted, f);
      n++;
    }
    assert.ok(n > 0, `no .dtb files under ${dir}`);
  },
});
