/**
 * Long DTS fuzzing run: N mutated inputs (default 100 000) through dom0sim's C preprocessor,
 * DTS parser, checks, DTB writer and DTS printer, in worker threads with a per-input time bound.
 * Every input must end in output or an InputError; anything else (another exception, or no
 * answer within the bound) is reported and the input saved.
 *
 * Usage: deno run -A scripts/dt_fuzz_dts.ts [--count N] [--seed S] [--timeout MS] [--workers W]
 *
 * @module
 */

import { parseArgs } from "node:util";
import * as fs from "node:fs";
import { loadSeeds, mutate, Rng } from "../tests/dt_fuzz.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    count: { type: "string", default: "100000" },
    seed: { type: "string", default: "1" },
    timeout: { type: "string", default: "5000" },
    workers: { type: "string", default: "2" },
    out: { type: "string", default: "/tmp/dt-fuzz" },
  },
});
const COUNT = Number(values.count);
const TIMEOUT = Number(values.timeout);
const WORKERS = Math.max(1, Number(values.workers));
fs.mkdirSync(values.out!, { recursive: true });

const seeds = loadSeeds();
const rng = new Rng(Number(values.seed));
function nextInput(): Uint8Array {
  let input = seeds[rng.below(seeds.length)];
  const rounds = 1 + rng.below(3);
  for (let r = 0; r < rounds; r++) input = mutate(rng, input, seeds[rng.below(seeds.length)]);
  return input;
}

interface Result {
  id: number;
  outcome: "ok" | "input-error" | "crash";
  ms: number;
  stack?: string;
}

const counts = { ok: 0, "input-error": 0, crash: 0, hang: 0 };
let slowest = 0;
let issued = 0;
let done = 0;
const t0 = performance.now();

function save(kind: string, id: number, input: Uint8Array, note: string): void {
  const base = `${values.out}/${kind}-${id}`;
  fs.writeFileSync(`${base}.dts`, input);
  fs.writeFileSync(`${base}.txt`, note);
  console.log(
    `${kind}: input ${id} saved as ${base}.dts\n${note.split("\n").slice(0, 6).join("\n")}`,
  );
}

function spawn(): Worker {
  return new Worker(new URL("./dt_fuzz_worker.ts", import.meta.url).href, { type: "module" });
}

await new Promise<void>((resolve) => {
  const lane = (): void => {
    let w = spawn();
    const step = (): void => {
      if (issued >= COUNT) {
        w.terminate();
        if (done >= COUNT) resolve();
        return;
      }
      const id = issued++;
      const input = nextInput();
      const timer = setTimeout(() => {
        counts.hang++;
        save("hang", id, input, `no answer within ${TIMEOUT} ms`);
        w.terminate();
        w = spawn();
        done++;
        step();
      }, TIMEOUT);
      w.onmessage = (e: MessageEvent<Result>) => {
        clearTimeout(timer);
        const r = e.data;
        counts[r.outcome]++;
        slowest = Math.max(slowest, r.ms);
        if (r.outcome === "crash") save("crash", id, input, r.stack ?? "");
        done++;
        if (done % 10000 === 0) {
          console.log(
            `${done} inputs, ${JSON.stringify(counts)}, ${
              ((performance.now() - t0) / 1000).toFixed(0)
            } s`,
          );
        }
        if (done >= COUNT) resolve();
        step();
      };
      w.postMessage({ id, input });
    };
    step();
  };
  for (let i = 0; i < WORKERS; i++) lane();
});

const secs = (performance.now() - t0) / 1000;
console.log(
  `${COUNT} inputs in ${secs.toFixed(1)} s: ${counts.ok} ok, ${
    counts["input-error"]
  } input errors, ` +
    `${counts.crash} crashes, ${counts.hang} hangs (> ${TIMEOUT} ms); slowest answered input ${
      slowest.toFixed(0)
    } ms`,
);
Deno.exit(counts.crash + counts.hang > 0 ? 1 : 0);
