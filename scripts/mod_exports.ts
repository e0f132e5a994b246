/**
 * Regenerate the "types reachable from the API" block at the end of `mod.ts`: run
 * `deno doc --lint mod.ts`, export every type it reports as private (found by its
 * `export interface|type|class|...` declaration), and repeat until the lint is clean. Names
 * declared in two layers are reported for a hand-written alias above the block.
 *
 * Usage: deno run --allow-read --allow-write --allow-run scripts/mod_exports.ts
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";

const ROOT = new URL("../", import.meta.url).pathname;
const MOD = ROOT + "mod.ts";
const MARKER = "// --- types reachable from the API (generated) ---";

function lint(): Set<string> {
  const r = spawnSync("deno", ["doc", "--lint", "mod.ts"], { cwd: ROOT, encoding: "utf8" });
  // deno-lint-ignore no-control-regex
  const text = (r.stdout + r.stderr).replace(/\x1b\[[0-9;]*m/g, "");
  return new Set([...text.matchAll(/references private type '([A-Za-z0-9_]+)'/g)].map((m) => m[1]));
}

function sources(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    if (e.startsWith(".") || ["tests", "scripts", "dist", "node_modules"].includes(e)) continue;
    const p = `${dir}/${e}`;
    if (statSync(p).isDirectory()) sources(p, out);
    else if (p.endsWith(".ts") && !/_(test|bench)\.ts$/.test(p)) out.push(p);
  }
  return out;
}

const files = sources(ROOT.replace(/\/$/, "")).map((p) => ({
  rel: p.slice(ROOT.length),
  text: readFileSync(p, "utf8"),
}));

function declaredIn(name: string): string[] {
  const re = new RegExp(
    `^export (declare )?(abstract )?(interface|type|class|function|const|enum) ${name}\\b`,
    "m",
  );
  return files.filter((f) => re.test(f.text)).map((f) => f.rel);
}

const added = new Map<string, Set<string>>();
const head = readFileSync(MOD, "utf8").split(MARKER)[0].trimEnd();
for (let round = 0; round < 50; round++) {
  const names = lint();
  if (names.size === 0) {
    console.log("deno doc --lint mod.ts: clean");
    Deno.exit(0);
  }
  let progress = false;
  for (const n of [...names].sort()) {
    const at = declaredIn(n);
    if (at.length !== 1) {
      console.log(`${n}: declared in ${at.join(", ") || "no file"}; add an alias by hand`);
      continue;
    }
    const set = added.get(at[0]) ?? new Set<string>();
    if (!set.has(n)) progress = true;
    set.add(n);
    added.set(at[0], set);
  }
  const block = [...added.keys()].sort().map((f) =>
    `export type { ${[...added.get(f)!].sort().join(", ")} } from "./${f}";`
  );
  writeFileSync(MOD, `${head}\n\n${MARKER}\n${block.join("\n")}\n`);
  spawnSync("deno", ["fmt", "mod.ts"], { cwd: ROOT });
  if (!progress) {
    console.log(`stuck on: ${[...names].join(", ")}`);
    Deno.exit(1);
  }
}
