import assert from "node:assert/strict";
import { classifyInitrd, decodeInitrdWorkload, encodeInitrd, WORKLOAD_SHEBANG } from "./initrd.ts";
import { InputError } from "../errors.ts";

Deno.test("encodeInitrd() round-trips a built-in name and a scenario", () => {
  assert.deepEqual(decodeInitrdWorkload(encodeInitrd("sram-memset")), {
    kind: "builtin",
    name: "sram-memset",
  });
  const sc = { name: "x", ops: [{ op: "memset", target: "sram" }] };
  assert.deepEqual(decodeInitrdWorkload(encodeInitrd(sc as never)), {
    kind: "scenario",
    scenario: sc,
  });
});

Deno.test("encodeInitrd() writes a newc archive that GNU cpio lists and extracts", async () => {
  let cpio: string | undefined;
  try {
    cpio = new TextDecoder().decode(
      (await new Deno.Command("which", { args: ["cpio"] }).output()).stdout,
    ).trim();
  } catch {
    cpio = undefined;
  }
  if (!cpio) return; // cpio not installed: the structure is checked by the next test
  const dir = await Deno.makeTempDir();
  try {
    const p = new Deno.Command(cpio, { args: ["-idm", "--quiet"], cwd: dir, stdin: "piped" })
      .spawn();
    const w = p.stdin.getWriter();
    await w.write(encodeInitrd("sram-atomic"));
    await w.close();
    assert.equal((await p.status).code, 0);
    const init = await Deno.readTextFile(`${dir}/init`);
    assert.equal(init, WORKLOAD_SHEBANG + '{"builtin":"sram-atomic"}\n');
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("classifyInitrd() recognises compressed and non-cpio initrds", () => {
  assert.deepEqual(decodeInitrdWorkload(Uint8Array.of(0x1f, 0x8b, 8, 0)), {
    kind: "none",
    reason: "compressed",
  });
  assert.deepEqual(decodeInitrdWorkload(new Uint8Array(512)), { kind: "none", reason: "not-cpio" });
  const rd = encodeInitrd("boot");
  // An archive whose /init is an ordinary script runs the default workload.
  const text = new TextDecoder().decode(rd).replace(WORKLOAD_SHEBANG, "#!/bin/sh\necho hi\n\n\n");
  const bytes = new TextEncoder().encode(text);
  assert.deepEqual(classifyInitrd((o, n) => bytes.subarray(o, o + n), bytes.length), {
    kind: "none",
    reason: "no-workload",
  });
});

Deno.test("classifyInitrd() rejects a workload /init that is not JSON with an InputError", () => {
  const rd = encodeInitrd("boot");
  const text = new TextDecoder().decode(rd).replace('{"builtin":"boot"}', '{"builtin":"boot"!!');
  const bytes = new TextEncoder().encode(text);
  assert.throws(() => decodeInitrdWorkload(bytes), InputError);
});
