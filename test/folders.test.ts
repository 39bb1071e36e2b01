// The folder-level import graph of src/ (a folder per capability; a file directly in src/ counts
// as its own node). Dependencies flow one way: a cycle between folders fails here, naming the
// imports that close it. Hand-written rather than madge: a regex over import/export specifiers
// is all it takes, and madge would pull a large dependency tree into the shared node_modules.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return /\.(ts|mjs)$/.test(e.name) ? [path] : [];
  });
}

/** The folder (or root file) a path under src/ belongs to; null outside src/. */
function nodeOf(path: string): string | null {
  const rel = relative(SRC, path);
  if (rel.startsWith("..")) return null;
  const [first, ...rest] = rel.split("/");
  return rest.length === 0 ? (first ?? "").replace(/\.(ts|mjs)$/, "") : (first ?? null);
}

// Static imports and re-exports (type-only ones included: they tie folders together just the
// same) and dynamic import() of relative paths.
const IMPORT = /\b(?:import|export)\s[^;]*?\bfrom\s*["'](\.[^"']+)["']|\bimport\(\s*["'](\.[^"']+)["']\s*\)/g;

/** Folder → folder → the imports behind that edge ("file -> specifier"). */
function folderGraph(): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  for (const file of sourceFiles(SRC)) {
    const from = nodeOf(file);
    if (!from) continue;
    for (const m of readFileSync(file, "utf8").matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? "";
      const to = nodeOf(resolve(dirname(file), spec));
      if (!to || to === from) continue;
      const edges = graph.get(from) ?? new Map<string, string[]>();
      graph.set(from, edges);
      edges.set(to, [...(edges.get(to) ?? []), `${relative(SRC, file)} -> ${spec}`]);
    }
  }
  return graph;
}

/** Every cycle found by a depth-first search, each as the folders around it, closed. */
function cycles(graph: Map<string, Map<string, string[]>>): string[][] {
  const found: string[][] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (node: string): void => {
    const at = path.indexOf(node);
    if (at >= 0) {
      found.push([...path.slice(at), node]);
      return;
    }
    if (done.has(node)) return;
    path.push(node);
    for (const next of graph.get(node)?.keys() ?? []) visit(next);
    path.pop();
    done.add(node);
  };
  for (const node of graph.keys()) visit(node);
  return found;
}

describe("src/ folder dependencies", () => {
  it("the checker sees a cycle between two folders", () => {
    const graph = new Map([
      ["a", new Map([["b", ["a/x.ts -> ../b/y.ts"]]])],
      ["b", new Map([["a", ["b/y.ts -> ../a/x.ts"]]])],
    ]);
    expect(cycles(graph)).toEqual([["a", "b", "a"]]);
  });

  it("the checker reads the import graph (app.ts depends on every subsystem)", () => {
    const app = folderGraph().get("app");
    expect([...(app?.keys() ?? [])]).toEqual(expect.arrayContaining(["bot", "queue", "db", "http"]));
  });

  it("flow one way: no folder imports, directly or through others, a folder that imports it", () => {
    const graph = folderGraph();
    const report = cycles(graph).map((cycle) =>
      cycle
        .slice(1)
        .map(
          (to, i) =>
            `${cycle[i]} → ${to}: ${graph
              .get(cycle[i] ?? "")
              ?.get(to)
              ?.join(", ")}`,
        )
        .join("\n"),
    );
    expect(report).toEqual([]);
  });
});
