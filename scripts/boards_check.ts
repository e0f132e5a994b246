/**
 * Check every board DTB in a directory, in one process: boot it (default workload, then an SRAM
 * workload), lint it (when `sim/lint.ts` exists) and round-trip it (DTB → DTS → DTB with dt/'s
 * printer and parser: byte-identical to the input, or to dtc's own round trip where dtc's
 * differs too). Boards run in Workers with a per-board time bound; a board that overruns is a
 * hang (a crash), its worker is terminated and replaced. Every check of every board must end
 * clean, in a fault the model explains, or in one clear error line — never a crash.
 *
 * Usage:
 *   deno run -A scripts/boards_check.ts [DIR] [--workload NAME] [--policy NAME] [--timeout MS]
 *     [--jobs N]
 *     [--no-lint] [--no-roundtrip] [--filter TEXT] [--json FILE] [--list]
 *
 * DIR defaults to $DOM0SIM_BOARDS or ~/.cache/dom0sim/boards/current (made by
 * `sh scripts/boards_fetch.sh`). Exit status: 0 no crash, 1 a crash or hang, 2 bad usage.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { BoardRequest, BoardResult, CheckResult, Outcome } from "./boards_check_worker.ts";

/** Where boards_fetch.sh puts the Debian DTBs. */
export function defaultBoardsDir(): string {
  const env = Deno.env.get("DOM0SIM_BOARDS");
  if (env) return env;
  const cache = Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME") ?? "."}/.cache`;
  return `${cache}/dom0sim/boards/current`;
}

/** Every `.dtb` below `dir`, sorted, relative to it. */
export function findDtbs(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of Deno.readDirSync(rel ? `${dir}/${rel}` : dir)) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory || (e.isSymlink && !e.name.includes("."))) {
        try {
          if (Deno.statSync(`${dir}/${p}`).isDirectory) walk(p);
        } catch {
          // dangling link
        }
      } else if (e.name.endsWith(".dtb")) out.push(p);
    }
  };
  walk("");
  return out.sort();
}

/** An error message with its board-specific parts masked, for grouping. */
export function reasonKey(detail: string): string {
  return detail
    .replace(/^[^:]*\.dtb: error: /, "")
    .replace(/^error: /, "")
    .replace(/^\/[^:]*: error: /, "")
    .replace(/0x[0-9a-f]+/gi, "0x…")
    .replace(/@[0-9a-f,]+/gi, "@…")
    .replace(/\b\d+( ?MB| MiB)/g, "N$1")
    .replace(/IRQ\d+/g, "IRQn")
    .replace(/IRQ \d+/g, "IRQ n")
    .replace(/\b(address|irq|region|entry) \d+/g, "$1 n");
}

function which(cmd: string): string {
  for (const d of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(`${d}/${cmd}`).isFile) return `${d}/${cmd}`;
    } catch {
      // not here
    }
  }
  return "";
}

/** One worker slot: runs requests one at a time, replaced when it overruns. */
class Slot {
  private w: Worker;
  constructor(private readonly url: URL) {
    this.w = this.spawn();
  }
  private spawn(): Worker {
    return new Worker(this.url, { type: "module" });
  }
  run(req: BoardRequest, timeoutMs: number): Promise<BoardResult | "timeout" | string> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.w.terminate();
        this.w = this.spawn();
        resolve("timeout");
      }, timeoutMs);
      this.w.onmessage = (e: MessageEvent<BoardResult>) => {
        clearTimeout(timer);
        resolve(e.data);
      };
      this.w.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        clearTimeout(timer);
        this.w.terminate();
        this.w = this.spawn();
        resolve(`worker died: ${e.message}`);
      };
      this.w.postMessage(req);
    });
  }
  close(): void {
    this.w.terminate();
  }
}

/** Totals per check and outcome. */
export type Counts = Record<string, Record<Outcome, number>>;

function summarizeResults(results: BoardResult[]): {
  counts: Counts;
  boards: Record<Outcome, number>;
} {
  const counts: Counts = {};
  const boards: Record<Outcome, number> = { clean: 0, explained: 0, error: 0, crash: 0 };
  const rank: Outcome[] = ["clean", "explained", "error", "crash"];
  for (const r of results) {
    let worst = 0;
    for (const [name, c] of Object.entries(r.checks)) {
      counts[name] ??= { clean: 0, explained: 0, error: 0, crash: 0 };
      counts[name][c.outcome]++;
      if (name === "boot") worst = Math.max(worst, rank.indexOf(c.outcome));
      if (c.outcome === "crash") worst = 3;
    }
    boards[rank[worst]]++;
  }
  return { counts, boards };
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      workload: { type: "string", default: "sram-memset" },
      policy: { type: "string" },
      timeout: { type: "string", default: "30000" },
      jobs: { type: "string", default: String(Math.max(1, navigator.hardwareConcurrency || 2)) },
      "no-lint": { type: "boolean" },
      "no-roundtrip": { type: "boolean" },
      filter: { type: "string" },
      json: { type: "string" },
      list: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(
      "Usage: deno run -A scripts/boards_check.ts [DIR] [--workload NAME] [--timeout MS] " +
        "[--policy NAME] [--jobs N] [--no-lint] [--no-roundtrip] [--filter TEXT] [--json FILE] [--list]",
    );
    return 0;
  }
  const dir = positionals[0] ?? defaultBoardsDir();
  let files: string[];
  try {
    files = findDtbs(dir);
  } catch {
    console.error(
      `boards_check: no board directory at ${dir} (run: sh scripts/boards_fetch.sh, or pass DIR)`,
    );
    return 2;
  }
  if (values.filter) files = files.filter((f) => f.includes(values.filter!));
  const timeout = Number(values.timeout);
  const jobs = Math.max(1, Number(values.jobs));
  const dtc = values["no-roundtrip"] ? "" : which("dtc");

  const url = new URL("./boards_check_worker.ts", import.meta.url);
  const slots = Array.from({ length: Math.min(jobs, files.length) }, () => new Slot(url));
  const results: BoardResult[] = new Array(files.length);
  let next = 0;
  let done = 0;
  const t0 = performance.now();
  const tty = Deno.stderr.isTerminal();
  await Promise.all(slots.map(async (slot) => {
    while (next < files.length) {
      const i = next++;
      const board = files[i];
      const req: BoardRequest = {
        board,
        bytes: Deno.readFileSync(`${dir}/${board}`),
        sramWorkload: values.workload ?? "",
        sramPolicy: values.policy,
        lint: !values["no-lint"],
        roundtrip: !values["no-roundtrip"],
        dtc,
      };
      const t = performance.now();
      const r = await slot.run(req, timeout);
      const ms = Math.round(performance.now() - t);
      if (typeof r === "string") {
        const detail = r === "timeout" ? `no result within ${timeout} ms (hang)` : r;
        const c: CheckResult = { outcome: "crash", detail, ms };
        results[i] = { board, checks: { boot: c } };
      } else results[i] = r;
      done++;
      if (tty) {
        Deno.stderr.writeSync(
          new TextEncoder().encode(`\r${done}/${files.length} ${board.padEnd(60).slice(0, 60)}`),
        );
      }
    }
  }));
  for (const s of slots) s.close();
  if (tty) Deno.stderr.writeSync(new TextEncoder().encode("\r" + " ".repeat(80) + "\r"));
  const seconds = (performance.now() - t0) / 1000;

  const { counts, boards } = summarizeResults(results);
  if (values.list) {
    for (const r of results) {
      const cells = Object.entries(r.checks).map(([k, c]) => `${k}=${c.outcome}`).join(" ");
      console.log(`${r.board}  ${cells}`);
    }
    console.log();
  }
  console.log(
    `${files.length} boards from ${dir} in ${seconds.toFixed(1)} s (${jobs} workers, ` +
      `timeout ${timeout} ms per board)`,
  );
  console.log(
    `boards (worst of their checks; lint findings count as explained): clean ${boards.clean}, ` +
      `explained fault ${boards.explained}, clear error ${boards.error}, crash ${boards.crash}`,
  );
  const names = Object.keys(counts);
  const w = Math.max(...names.map((n) => n.length), 5);
  console.log(
    `${"check".padEnd(w)}  ${"clean".padStart(6)}  ${"explained".padStart(9)}  ${
      "error".padStart(6)
    }  ${"crash".padStart(6)}`,
  );
  for (const n of names) {
    const c = counts[n];
    console.log(
      `${n.padEnd(w)}  ${String(c.clean).padStart(6)}  ${String(c.explained).padStart(9)}  ${
        String(c.error).padStart(6)
      }  ${String(c.crash).padStart(6)}`,
    );
  }
  for (const kind of ["error", "explained", "crash"] as Outcome[]) {
    const groups = new Map<string, string[]>();
    for (const r of results) {
      for (const [name, c] of Object.entries(r.checks)) {
        if (c.outcome !== kind) continue;
        if (kind === "explained" && name === "lint") continue;
        const k = `${name}: ${kind === "crash" ? c.detail : reasonKey(c.detail)}`;
        if (!groups.has(k)) groups.set(k, []);
        groups.get(k)!.push(kind === "crash" && c.stack ? `${r.board} [${c.stack}]` : r.board);
      }
    }
    if (groups.size === 0) continue;
    console.log(
      `\n${
        kind === "error" ? "clear errors" : kind === "explained" ? "explained faults" : "CRASHES"
      } by reason:`,
    );
    for (const [k, v] of [...groups].sort((a, b) => b[1].length - a[1].length)) {
      const eg = kind === "crash" ? v.join("\n      ") : v.slice(0, 3).join(", ");
      console.log(`  ${String(v.length).padStart(4)}  ${k}\n        e.g. ${eg}`);
    }
  }
  if (values.json) {
    Deno.writeTextFileSync(
      values.json,
      JSON.stringify({ dir, seconds, boards, counts, results }, null, 1) + "\n",
    );
  }
  return boards.crash > 0 ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main());
