import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ENTRY = new URL("./dt.ts", import.meta.url).href;
const IO = new URL("./io.ts", import.meta.url).href;

/** Run `dom0sim dt ARGS` in a child process; returns status, stdout and stderr. */
async function dt(
  args: string[],
  cwd: string,
): Promise<{ code: number; out: string; err: string }> {
  const code = `import { run } from ${JSON.stringify(ENTRY)};
import { exit, guard } from ${JSON.stringify(IO)};
exit(await guard(() => run(${JSON.stringify(args)})));`;
  const p = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", code],
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  });
  const r = await p.output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "dt-cli-"));
}

const BOARD = `/dts-v1/;
#include <dt-bindings/irq.h>
/ {
	#address-cells = <1>;
	#size-cells = <1>;
	intc: intc@1000 { reg = <0x1000 0x100>; interrupt-controller; #interrupt-cells = <2>;
		#address-cells = <0>; };
	uart@2000 { reg = <0x2000 0x100>; interrupt-parent = <&intc>; interrupts = <5 IRQ_HIGH>; };
	n@1 { };
};
`;

Deno.test("dt compile writes a DTB and prints dtc's warnings on stderr", async () => {
  const d = tmpdir();
  fs.mkdirSync(path.join(d, "inc/dt-bindings"), { recursive: true });
  fs.writeFileSync(path.join(d, "inc/dt-bindings/irq.h"), "#define IRQ_HIGH 4\n");
  fs.writeFileSync(path.join(d, "b.dts"), BOARD);
  const r = await dt(["compile", "b.dts", "-I", "inc", "-o", "b.dtb"], d);
  assert.equal(r.code, 0, r.err);
  assert.equal(
    r.err,
    "b.dts:9.6-10: Warning (unit_address_vs_reg): /n@1: node has a unit name, but no reg or ranges property\n",
  );
  const blob = fs.readFileSync(path.join(d, "b.dtb"));
  assert.equal(blob.readUInt32BE(0), 0xd00dfeed);
  assert.equal(blob.readUInt32BE(4), blob.length);
  fs.rmSync(d, { recursive: true });
});

Deno.test("dt decompile prints DTS to stdout with -o - and -Wno- silences a check", async () => {
  const d = tmpdir();
  fs.writeFileSync(path.join(d, "p.dts"), "/dts-v1/;\n/ { n@1 { b; a = <1>; }; };\n");
  const r = await dt(["decompile", "p.dts", "-s", "-Wno-unit_address_vs_reg", "-o", "-"], d);
  assert.equal(r.code, 0);
  assert.equal(r.err, "");
  assert.equal(r.out, "/dts-v1/;\n\n/ {\n\n\tn@1 {\n\t\ta = <0x01>;\n\t\tb;\n\t};\n};\n");
  fs.rmSync(d, { recursive: true });
});

Deno.test("dt reports bad input in one line, exits 2 and leaves no output file", async () => {
  const d = tmpdir();
  fs.writeFileSync(path.join(d, "bad.dts"), "/dts-v1/;\n/ { a = <(1 / 0)>; };\n");
  fs.writeFileSync(path.join(d, "old.dtb"), "previous");
  const r = await dt(["compile", "bad.dts", "-o", "old.dtb"], d);
  assert.equal(r.code, 2);
  assert.equal(r.err, "bad.dts:2:11: error: Division by zero\n");
  assert.equal(fs.readFileSync(path.join(d, "old.dtb"), "utf8"), "previous");
  assert.deepEqual(fs.readdirSync(d).sort(), ["bad.dts", "old.dtb"]);

  const e = await dt(["compile", "bad.dts", "-Wbogus", "-o", "x.dtb"], d);
  assert.equal(e.code, 2);
  assert.equal(e.err, 'error: Unrecognized check name "bogus"\n');
  const m = await dt(["compile", "bad.dts"], d);
  assert.equal(m.code, 2);
  assert.match(m.err, /missing -o OUT/);
  fs.rmSync(d, { recursive: true });
});

Deno.test("dt writes into an existing special file (-o /dev/null) instead of replacing it", async () => {
  const d = tmpdir();
  fs.writeFileSync(path.join(d, "ok.dts"), "/dts-v1/;\n/ { };\n");
  const before = fs.statSync("/dev/null");
  const r = await dt(["compile", "ok.dts", "-o", "/dev/null"], d);
  assert.equal(r.code, 0);
  assert.equal(r.err, "");
  const after = fs.statSync("/dev/null");
  assert.ok(after.isCharacterDevice());
  assert.equal(after.ino, before.ino);
  fs.rmSync(d, { recursive: true });
});

Deno.test("dt --help shows usage with examples", async () => {
  const r = await dt(["--help"], ".");
  assert.equal(r.code, 0);
  assert.match(r.out, /^Usage: dom0sim dt compile/);
  assert.match(r.out, /Examples:/);
});
