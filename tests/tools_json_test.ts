// The --json outputs of boot, compare, lint and scan against docs/JSON.md: every field the
// documentation lists is emitted (unless marked optional with `?`), and every emitted field is
// documented — at the top level of each object and in the documented nested tables.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ROOT, runDom0sim } from "./cli_helpers.ts";

/** One documented table: field names and those marked optional. */
interface DocTable {
  fields: Set<string>;
  optional: Set<string>;
}

/** The field tables of docs/JSON.md, keyed by `heading` or `heading / first header cell`. */
function docTables(): Map<string, DocTable> {
  const md = readFileSync(`${ROOT}docs/JSON.md`, "utf8");
  const tables = new Map<string, DocTable>();
  let heading = "";
  let current: DocTable | null = null;
  let typeCol = -1;
  for (const line of md.split("\n")) {
    const h = line.match(/^#{2,3} (.*)$/);
    if (h) {
      heading = h[1].replace(/`/g, "");
      current = null;
      continue;
    }
    if (!line.startsWith("|")) {
      current = null;
      continue;
    }
    const cells = line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
    if (cells[0].startsWith("field")) {
      const sub = cells[0].match(/\(`(\w+)` line\)/);
      current = { fields: new Set(), optional: new Set() };
      tables.set(sub ? `${heading} / ${sub[1]}` : heading, current);
      typeCol = cells.indexOf("type");
      continue;
    }
    if (current === null || /^-+$/.test(cells[0])) continue;
    const names = [...cells[0].matchAll(/`([A-Za-z0-9_.[\]-]+)`/g)]
      .map((m) => m[1].split(/[.[]/)[0]);
    const optional = typeCol >= 0 && cells[typeCol].endsWith("?");
    for (const n of names) {
      current.fields.add(n);
      if (optional) current.optional.add(n);
    }
  }
  return tables;
}

const DOCS = docTables();

/** Check emitted objects against the documented table `key`. */
function checkFields(key: string, objects: Record<string, unknown>[]): void {
  const t: DocTable | undefined = DOCS.get(key);
  if (t === undefined) {
    throw new Error(
      `docs/JSON.md has no field table '${key}' (has: ${[...DOCS.keys()].join("; ")})`,
    );
  }
  assert.ok(objects.length > 0, key);
  for (const o of objects) {
    const undocumented: string[] = Object.keys(o).filter((k) => !t.fields.has(k));
    assert.deepEqual(undocumented, [], `${key}: emitted but not documented`);
    const missing: string[] = [...t.fields].filter((k) => !t.optional.has(k) && !(k in o));
    assert.deepEqual(missing, [], `${key}: documented but not emitted`);
  }
}

Deno.test("docs/JSON.md lists exactly the fields boot --json emits (top level, memory map, faults)", () => {
  const r = runDom0sim([
    "boot",
    "boards/qemu-virt-sram.dts",
    "--policy",
    "xen-4.7",
    "--workload",
    "sram-memset",
    "--no-verify",
    "--json",
  ]);
  assert.equal(r.code, 1);
  const j = JSON.parse(r.stdout);
  checkFields("dom0sim boot --json", [j]);
  checkFields("MemoryMapRow", j.memoryMap);
  checkFields("FaultReport", j.faults);
  assert.ok(j.faults.some((f: Record<string, unknown>) => "architectural" in f));
  assert.ok(DOCS.get("dom0sim boot --json")!.optional.has("reason"));
});

Deno.test("docs/JSON.md lists exactly the fields compare --json emits", () => {
  const r = runDom0sim([
    "compare",
    "boards/qemu-virt-sram.dts",
    "--policies",
    "xen-4.7,xen-4.17",
    "--workload",
    "sram-memset",
    "--no-verify",
    "--json",
  ]);
  assert.equal(r.code, 1);
  checkFields("dom0sim compare --json", [JSON.parse(r.stdout)]);
});

Deno.test("docs/JSON.md lists exactly the fields lint --json emits (report and findings)", () => {
  const r = runDom0sim(["lint", "boards/a64-sram.dts", "-I", "include", "--json"]);
  assert.equal(r.code, 1);
  const j = JSON.parse(r.stdout);
  checkFields("dom0sim lint --json", [j]);
  checkFields("Finding", j.findings);
});

Deno.test("docs/JSON.md lists exactly the fields of scan --json's board and summary lines", () => {
  const r = runDom0sim([
    "scan",
    "boards/lint/clean.dts",
    "boards/qemu-virt-sram.dts",
    "no/such/board.dts",
    "--boot",
    "--lint",
    "--json",
  ]);
  assert.equal(r.code, 2);
  const lines = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
  assert.equal(lines.length, 4);
  checkFields("dom0sim scan --json / board", lines.filter((l) => l.type === "board"));
  checkFields("dom0sim scan --json / summary", lines.filter((l) => l.type === "summary"));
});
