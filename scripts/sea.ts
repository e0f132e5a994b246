/**
 * Build dom0sim as one file and as one executable:
 *
 * 1. `deno bundle` → `OUT/dom0sim.js`, an ES module (what `deno task bundle` builds) that
 *    `deno run --allow-read --allow-write OUT/dom0sim.js boot BOARD` runs;
 * 2. the same code as CommonJS → `OUT/dom0sim.cjs` (runs with `node OUT/dom0sim.cjs ...`);
 * 3. a Node single executable application (https://nodejs.org/api/single-executable-applications.html)
 *    → `OUT/dom0sim-sea`: `node --experimental-sea-config` turns the CommonJS file into a blob,
 *    and `postject` injects the blob into a copy of the `node` binary. The result needs neither
 *    Deno nor Node on the lab machine.
 *
 * `postject` comes from the npm registry at build time only (cached outside the repository in
 * `$DOM0SIM_SEA_TOOLS`, default `~/.cache/dom0sim/sea-tools`; or set `POSTJECT` to a binary).
 *
 * Why a conversion step: Node's SEA runs one CommonJS script, while `main.ts` is an ES module with
 * a top-level `await` that `deno bundle --format cjs` refuses. The bundle imports nothing but
 * `node:` built-ins, so its `import` lines become `require` calls, `import.meta.main` becomes
 * `true` (the script is the entry point), and the body runs inside an async function. The
 * conversion checks that nothing else is left and fails loudly otherwise.
 *
 * Usage: deno run --allow-read --allow-write --allow-run --allow-env scripts/sea.ts [--out DIR]
 *        [--no-sea]   (default OUT: dist)
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import process from "node:process";

/** The fuse string Node's SEA loader looks for (Node docs, "Injecting the preparation blob"). */
export const NODE_SEA_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";
/** The postject version used (the one Node's documentation uses). */
export const POSTJECT_VERSION = "1.0.0-alpha.6";

function fail(msg: string): never {
  process.stderr.write(`sea: error: ${msg}\n`);
  process.exit(1);
}

function run(cmd: string, args: string[], opts: { quiet?: boolean } = {}): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error) fail(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    fail(`${cmd} ${args.join(" ")} exited with ${r.status}\n${r.stderr ?? ""}${r.stdout ?? ""}`);
  }
  if (!opts.quiet && r.stderr) process.stderr.write(r.stderr);
  return r.stdout ?? "";
}

/**
 * Turn the ES-module bundle into a CommonJS script: `node:` imports → `require`,
 * `import.meta.main` → `true`, body wrapped in an async function (for the top-level `await`).
 */
export function esmToCjs(esm: string): string {
  const body = esm.replace(
    /^import\s+(.+?)\s+from\s+"(node:[\w/]+)";$/gm,
    (_m, spec: string, mod: string) => {
      const s = spec.trim();
      if (s.startsWith("* as ")) return `const ${s.slice(5)} = require("${mod}");`;
      if (s.startsWith("{")) return `const ${s.replace(/\s+as\s+/g, ": ")} = require("${mod}");`;
      if (/^[\w$]+$/.test(s)) return `const ${s} = require("${mod}");`;
      throw new Error(`unsupported import form: import ${s} from "${mod}"`);
    },
  ).replace(/\bimport\.meta\.main\b/g, "true");
  const left = body.match(/^(?:import|export)[\s{*].*$/m) ?? body.match(/\bimport\.meta\b/);
  if (left) throw new Error(`cannot convert to CommonJS, left: ${left[0].trim().slice(0, 80)}`);
  return `"use strict";\n// dom0sim: CommonJS form of dist/dom0sim.js (scripts/sea.ts)\n(async () => {\n${body}\n})();\n`;
}

function postject(): string {
  const env = process.env.POSTJECT;
  if (env) return env;
  const home = process.env.HOME ?? "/tmp";
  const dir = process.env.DOM0SIM_SEA_TOOLS ?? `${home}/.cache/dom0sim/sea-tools`;
  const bin = `${dir}/node_modules/.bin/postject`;
  if (!fs.existsSync(bin)) {
    fs.mkdirSync(dir, { recursive: true });
    process.stderr.write(`sea: installing postject@${POSTJECT_VERSION} into ${dir} (npm)\n`);
    run("npm", [
      "install",
      "--prefix",
      dir,
      "--no-save",
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
      `postject@${POSTJECT_VERSION}`,
    ]);
  }
  return bin;
}

function main(argv: string[]): void {
  let out = "dist";
  let sea = true;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out") out = argv[++i] ?? fail("--out needs a directory");
    else if (argv[i] === "--no-sea") sea = false;
    else fail(`unknown option ${argv[i]} (usage: scripts/sea.ts [--out DIR] [--no-sea])`);
  }
  const root = new URL("../", import.meta.url).pathname;
  fs.mkdirSync(out, { recursive: true });
  const esmPath = `${out}/dom0sim.js`;
  run("deno", ["bundle", "--quiet", "-o", esmPath, `${root}main.ts`]);
  const cjsPath = `${out}/dom0sim.cjs`;
  fs.writeFileSync(cjsPath, esmToCjs(fs.readFileSync(esmPath, "utf8")));
  process.stderr.write(`sea: wrote ${esmPath} and ${cjsPath}\n`);
  if (!sea) return;

  const nodeVersion = run("node", ["--version"], { quiet: true }).trim();
  const major = Number(/^v(\d+)/.exec(nodeVersion)?.[1] ?? 0);
  if (major < 20) fail(`Node ${nodeVersion} has no stable SEA support; Node 20 or later is needed`);
  const nodeBin = run("node", ["-p", "process.execPath"], { quiet: true }).trim();
  const blob = `${out}/dom0sim-sea.blob`;
  const config = `${out}/sea-config.json`;
  fs.writeFileSync(
    config,
    JSON.stringify(
      { main: cjsPath, output: blob, disableExperimentalSEAWarning: true, useCodeCache: false },
      null,
      2,
    ) + "\n",
  );
  run("node", ["--experimental-sea-config", config], { quiet: true });
  const exe = `${out}/dom0sim-sea`;
  fs.copyFileSync(nodeBin, exe);
  fs.chmodSync(exe, 0o755);
  const args = [exe, "NODE_SEA_BLOB", blob, "--sentinel-fuse", NODE_SEA_FUSE];
  if (process.platform === "darwin") args.push("--macho-segment-name", "NODE_SEA");
  run(postject(), args, { quiet: true });
  if (process.platform === "darwin") run("codesign", ["--sign", "-", exe]);
  fs.rmSync(blob, { force: true });
  fs.rmSync(config, { force: true });
  const v = run(exe, ["--version"], { quiet: true }).trim();
  process.stderr.write(`sea: wrote ${exe} (${v}, Node ${nodeVersion} inside)\n`);
}

if (import.meta.main) main(process.argv.slice(2));
