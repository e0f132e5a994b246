// Record the dtc 1.6.1 outputs the DTB golden test compares against (tests/fixtures/dtb/).
// Needs dtc on PATH. Usage: deno run -A tests/dtb_record_fixtures.ts
import { dtc, FIX, gzip, manifest, outName, readFixture } from "./dtb_fixtures.ts";

const GZIP_ABOVE = 8192;

async function save(rel: string, data: Uint8Array): Promise<void> {
  for (const old of [rel, rel + ".gz"]) {
    try {
      Deno.removeSync(new URL(old, FIX));
    } catch {
      // not there
    }
  }
  if (data.length > GZIP_ABOVE) Deno.writeFileSync(new URL(rel + ".gz", FIX), await gzip(data));
  else Deno.writeFileSync(new URL(rel, FIX), data);
}

const m = manifest();
for (const c of m.compiles) {
  const out = await dtc(["-q", "-I", "dts", "-O", "dtb", ...c.flags, "-o", "-", c.source]);
  await save(c.out, out);
}
for (const src of new Set(m.compiles.map((c) => c.source))) {
  await save(src + ".out.dts", await dtc(["-q", "-I", "dts", "-O", "dts", src]));
  await save(src + ".out.s.dts", await dtc(["-q", "-s", "-I", "dts", "-O", "dts", src]));
}
for (const b of m.blobs) {
  const input = await readFixture(b);
  await save(outName(b, "dtb"), await dtc(["-q", "-I", "dtb", "-O", "dtb", "-o", "-", "-"], input));
  await save(outName(b, "dts"), await dtc(["-q", "-I", "dtb", "-O", "dts", "-o", "-", "-"], input));
  await save(
    outName(b, "s.dts"),
    await dtc(["-q", "-s", "-I", "dtb", "-O", "dts", "-o", "-", "-"], input),
  );
}
console.log(`recorded ${m.compiles.length} compiles and ${m.blobs.length} blobs`);
