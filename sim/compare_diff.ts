/**
 * A line diff (Myers' O(ND) algorithm, "An O(ND) Difference Algorithm and Its Variations",
 * 1986) and its unified-diff rendering, for comparing the device trees Xen writes for dom0.
 *
 * @module
 */

/** One line of a diff: kept, removed (only in `a`) or added (only in `b`). */
export interface DiffLine {
  /** `=` kept, `-` removed, `+` added. */
  op: "=" | "-" | "+";
  /** The line. */
  text: string;
}

/**
 * The shortest edit script from `a` to `b`, as lines.
 *
 * @example
 * ```ts
 * import { diffLines } from "./compare_diff.ts";
 * const d = diffLines(["a", "b", "c"], ["a", "c", "d"]);
 * console.assert(d.map((l) => l.op + l.text).join(" ") === "=a -b =c +d");
 * ```
 */
export function diffLines(a: readonly string[], b: readonly string[]): DiffLine[] {
  const n = a.length, m = b.length;
  const max = n + m;
  const off = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    const nv = v.slice();
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && v[off + k - 1] < v[off + k + 1])) x = v[off + k + 1];
      else x = v[off + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      nv[off + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
    v = nv;
  }
  trace.push(v.slice());
  // Walk back through the saved frontiers.
  const out: DiffLine[] = [];
  let x = n, y = m;
  for (let d = trace.length - 2; d >= 0 && (x > 0 || y > 0); d--) {
    const vd = trace[d];
    const k = x - y;
    let prevK: number;
    if (d === 0) prevK = 0;
    else if (k === -d || (k !== d && vd[off + k - 1] < vd[off + k + 1])) prevK = k + 1;
    else prevK = k - 1;
    const prevX = d === 0 ? 0 : vd[off + prevK];
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      out.push({ op: "=", text: a[--x] });
      y--;
    }
    if (d === 0) break;
    if (x === prevX) out.push({ op: "+", text: b[--y] });
    else out.push({ op: "-", text: a[--x] });
  }
  while (x > 0 && y > 0) {
    out.push({ op: "=", text: a[--x] });
    y--;
  }
  return out.reverse();
}

/** A unified diff (`--- a` / `+++ b` / `@@ -l,n +l,n @@` hunks) with `context` lines. */
export function unifiedDiff(
  a: readonly string[],
  b: readonly string[],
  aName: string,
  bName: string,
  context = 3,
): string {
  const d = diffLines(a, b);
  if (d.every((l) => l.op === "=")) return "";
  const out = [`--- ${aName}`, `+++ ${bName}`];
  // Positions in a and b of each diff line.
  const ai: number[] = [], bi: number[] = [];
  let pa = 0, pb = 0;
  for (const l of d) {
    ai.push(pa);
    bi.push(pb);
    if (l.op !== "+") pa++;
    if (l.op !== "-") pb++;
  }
  let i = 0;
  while (i < d.length) {
    if (d[i].op === "=") {
      i++;
      continue;
    }
    let start = Math.max(0, i - context);
    let end = i;
    // Extend the hunk while changes are within 2*context of each other.
    for (;;) {
      while (end < d.length && d[end].op !== "=") end++;
      let j = end;
      while (j < d.length && d[j].op === "=" && j - end < 2 * context) j++;
      if (j < d.length && d[j].op !== "=") {
        end = j;
        continue;
      }
      end = Math.min(d.length, end + context);
      break;
    }
    if (start < 0) start = 0;
    const lines = d.slice(start, end);
    const aLen = lines.filter((l) => l.op !== "+").length;
    const bLen = lines.filter((l) => l.op !== "-").length;
    out.push(
      `@@ -${aLen ? ai[start] + 1 : ai[start]},${aLen} +${
        bLen ? bi[start] + 1 : bi[start]
      },${bLen} @@`,
    );
    for (const l of lines) out.push((l.op === "=" ? " " : l.op) + l.text);
    i = end;
  }
  return out.join("\n") + "\n";
}
