// Helpers shared by the DTB golden test and the fixture recorder: the manifest, reading
// fixtures (transparently gunzipping *.gz) and running the installed dtc.

/** The fixture directory. */
export const FIX = new URL("./fixtures/dtb/", import.meta.url);

/** One DTS source compiled by dtc with flags (see fixtures/dtb/manifest.json). */
export interface Compile {
  source: string;
  flags: string[];
  out: string;
  from?: string;
}

/** The manifest: blobs to read/print/write and dtc compiles. */
export interface Manifest {
  blobs: string[];
  compiles: Compile[];
}

/** Load fixtures/dtb/manifest.json. */
export function manifest(): Manifest {
  return JSON.parse(Deno.readTextFileSync(new URL("manifest.json", FIX)));
}

async function gunzip(b: Uint8Array): Promise<Uint8Array> {
  const s = new Blob([b as BlobPart]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(s).arrayBuffer());
}

/** Gzip bytes. */
export async function gzip(b: Uint8Array): Promise<Uint8Array> {
  const s = new Blob([b as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(s).arrayBuffer());
}

/** The path of a fixture that may be stored gzipped, or undefined when neither exists. */
export function fixturePath(rel: string): string | undefined {
  const base = rel.endsWith(".gz") ? rel.slice(0, -3) : rel;
  for (const r of [base, base + ".gz"]) {
    try {
      Deno.statSync(new URL(r, FIX));
      return r;
    } catch {
      // try the next name
    }
  }
  return undefined;
}

/** Read a fixture (`rel` with or without `.gz`), gunzipped. */
export async function readFixture(rel: string): Promise<Uint8Array> {
  const p = fixturePath(rel);
  if (!p) throw new Error(`missing fixture ${rel}`);
  const b = Deno.readFileSync(new URL(p, FIX));
  return p.endsWith(".gz") ? await gunzip(b) : b;
}

/** Name of a recorded dtc output for a blob: kind "dtb" | "dts" | "s.dts". */
export function outName(blob: string, kind: string): string {
  return (blob.endsWith(".gz") ? blob.slice(0, -3) : blob) + ".out." + kind;
}

/** Whether dtc is on PATH. */
export function haveDtc(): boolean {
  try {
    const r = new Deno.Command("dtc", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync();
    return r.success;
  } catch {
    return false;
  }
}

/** Run dtc with `args` (reading `stdin` when given); stdout bytes, or throws with stderr. */
export async function dtc(args: string[], stdin?: Uint8Array): Promise<Uint8Array> {
  const p = new Deno.Command("dtc", {
    args,
    cwd: decodeURIComponent(FIX.pathname),
    stdin: stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin) {
    const w = p.stdin.getWriter();
    await w.write(stdin);
    await w.close();
  }
  const r = await p.output();
  if (!r.success) throw new Error(`dtc ${args.join(" ")}: ${new TextDecoder().decode(r.stderr)}`);
  return r.stdout;
}
