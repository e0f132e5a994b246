/**
 * Plain-text tables for terminal reports: columns padded to their widest cell, numbers
 * right-aligned, two spaces between columns.
 *
 * @module
 */

/** A column: header text and alignment. */
export interface Column {
  /** Header. */
  title: string;
  /** Right-align (numbers). */
  right?: boolean;
}

/**
 * Render rows under headers, indented by `indent` spaces.
 *
 * @example
 * ```ts
 * import { renderTable } from "./text_table.ts";
 * const t = renderTable([{ title: "a" }, { title: "n", right: true }], [["x", "1"], ["yy", "22"]]);
 * console.assert(t.split("\n")[2] === "  yy  22");
 * ```
 */
export function renderTable(columns: Column[], rows: string[][], indent = 2): string {
  const w = columns.map((c, i) =>
    Math.max(c.title.length, ...rows.map((r) => (r[i] ?? "").length))
  );
  const pad = " ".repeat(indent);
  const line = (cells: string[]) =>
    pad +
    cells.map((c, i) => (columns[i].right ? c.padStart(w[i]) : c.padEnd(w[i]))).join("  ")
      .trimEnd();
  return [line(columns.map((c) => c.title)), ...rows.map((r) => line(r))].join("\n");
}

/** A byte count the way people read it: 4K, 1.5M, 2G (binary units), or bytes below 1K. */
export function humanSize(n: number): string {
  const units = ["", "K", "M", "G", "T"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${n}`;
  return `${Number.isInteger(v) ? v : v.toFixed(1)}${units[u]}`;
}

/** A number with thousands separators (`12,345`). */
export function grouped(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
