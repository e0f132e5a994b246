/**
 * Shared set-up of the real-board benches: where the Debian board DTBs are (fetched by
 * `sh scripts/boards_fetch.sh` into a cache outside the repository), whether dtc is installed,
 * and the boards' DTS, decompiled with dtc at bench time into a temporary directory (never
 * committed). Benches that need the boards are ignored when the cache is absent.
 *
 * @module
 */

import { defaultBoardsDir, findDtbs } from "../scripts/boards_check.ts";

/** The board cache directory, or null when it is absent. */
export function boardsDir(): string | null {
  const dir = defaultBoardsDir();
  try {
    return findDtbs(dir).length > 0 ? dir : null;
  } catch {
    return null;
  }
}

/** Path of `dtc`, or "" when it is not installed. */
export function dtcPath(): string {
  for (const d of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(`${d}/dtc`).isFile) return `${d}/dtc`;
    } catch {
      // not here
    }
  }
  return "";
}

/** The board DTBs (relative names and bytes), loaded once. */
let dtbs: { name: string; bytes: Uint8Array }[] | null = null;
export function boardDtbs(): { name: string; bytes: Uint8Array }[] {
  const dir = boardsDir();
  if (!dir) return [];
  dtbs ??= findDtbs(dir).map((name) => ({ name, bytes: Deno.readFileSync(`${dir}/${name}`) }));
  return dtbs;
}

/** The boards' DTS, decompiled by dtc into a temporary directory (once per process). */
let sources: { file: string; text: string }[] | null = null;
export async function boardSources(): Promise<{ file: string; text: string }[]> {
  if (sources) return sources;
  const dir = boardsDir();
  const dtc = dtcPath();
  if (!dir || !dtc) return [];
  const tmp = await Deno.makeTempDir({ prefix: "dom0sim-bench-dts-" });
  const out: { file: string; text: string }[] = [];
  for (const name of findDtbs(dir)) {
    const file = `${tmp}/${name.replaceAll("/", "__").replace(/\.dtb$/, ".dts")}`;
    const r = await new Deno.Command(dtc, {
      args: ["-q", "-I", "dtb", "-O", "dts", "-o", file, `${dir}/${name}`],
    }).output();
    if (r.success) out.push({ file, text: Deno.readTextFileSync(file) });
  }
  sources = out;
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(tmp, { recursive: true });
    } catch {
      // already gone
    }
  });
  return out;
}
