// Running the dom0sim command line from the tests: `deno run main.ts ...` in the repository,
// with the permissions the tasks grant and NO_COLOR set (colour tests use their own terminal).
import { spawnSync } from "node:child_process";

/** The repository root. */
export const ROOT = new URL("../", import.meta.url).pathname;

/** `deno run` arguments that start the CLI as `deno task` does. */
export const DENO_RUN_MAIN = ["run", "--quiet", "--allow-read", "--allow-write", "main.ts"];

/** Run `dom0sim ARGS...`: exit status, stdout and stderr as text. */
export function runDom0sim(
  args: string[],
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync("deno", [...DENO_RUN_MAIN, ...args], {
    cwd: ROOT,
    env: { ...Deno.env.toObject(), NO_COLOR: "1" },
    maxBuffer: 64 << 20,
  });
  return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}
