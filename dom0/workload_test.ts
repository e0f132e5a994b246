import assert from "node:assert/strict";
import { BUILTIN_WORKLOADS, parseScenario } from "./workload.ts";
import { InputError } from "../errors.ts";

function err(json: unknown): string {
  try {
    parseScenario(json, "w.json");
  } catch (e) {
    assert.ok(e instanceof InputError);
    return e.line();
  }
  throw new Error("no error");
}

Deno.test("parseScenario() accepts every built-in workload", () => {
  for (const w of Object.values(BUILTIN_WORKLOADS)) assert.equal(parseScenario(w).name, w.name);
});

Deno.test("parseScenario() names the bad field in its InputError", () => {
  assert.equal(err([]), 'w.json: error: a workload must be a JSON object with "name" and "ops"');
  assert.equal(err({ name: "x", ops: [] }), 'w.json: ops: error: "ops" must be a non-empty array');
  assert.equal(
    err({ name: "x", ops: [{ op: "memset", target: "sram", mapping: "uc" }] }),
    'w.json: ops[0].mapping: error: unknown mapping "uc"; expected one of wb, cache, wc, device, device-np',
  );
  assert.match(
    err({ name: "x", ops: [{ op: "frob", target: "sram" }] }),
    /ops\[0\]\.op: error: unknown operation "frob"/,
  );
  assert.equal(
    err({ name: "x", ops: [{ op: "memset", target: "sram", offset: -1 }] }),
    'w.json: ops[0].offset: error: "offset" must be a non-negative integer',
  );
  assert.equal(
    err({ name: "x", ops: [{ op: "load", target: "sram", size: 3 }] }),
    'w.json: ops[0].size: error: "size" must be 1, 2, 4 or 8',
  );
  assert.equal(
    err({ name: "x", extra: 1, ops: [] }),
    'w.json: extra: error: unknown field "extra"',
  );
  assert.equal(
    err({ name: "x", ops: [{ op: "memset" }] }),
    'w.json: ops[0].target: error: "target" is required',
  );
});
