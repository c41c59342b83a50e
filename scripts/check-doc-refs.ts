/**
 * What code and docs say about each other must stay true (part of `npm test`):
 * - every `docs/api.md#<heading>` cited anywhere in the repo (and every `api.md#<heading>` or `#<heading>`
 *   link inside docs/) names a heading of docs/api.md, so renaming a heading breaks the build
 *   rather than a reader's link;
 * - no comment under src/ quotes a measured timing ("~4 µs", "20 us"): measurements rot in
 *   comments; state the invariant there and keep figures in docs/performance.md.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const root = new URL("..", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");

/** GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading) {
      const text = heading[1]!.replace(/`/g, "").replace(/\[([^\]]*)\]\([^)]*\)/g, "$1");
      const slug = text
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-");
      const count = seen.get(slug) ?? 0;
      seen.set(slug, count + 1);
      anchors.add(count === 0 ? slug : `${slug}-${count}`);
    }
    for (const id of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id[1]!);
  }
  return anchors;
}

const anchors = anchorsOf(read("docs/api.md"));
const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
  cwd: root,
  encoding: "utf8",
})
  .split("\n")
  .filter((path) => /\.(ts|md|json|toml|sh|js)$/.test(path) || path === ".ci/run");
const problems: string[] = [];

for (const path of files) {
  let text: string;
  try {
    text = read(path);
  } catch {
    continue; // listed but deleted in the work tree
  }
  const patterns = [/docs\/api\.md#([\w-]+)/g];
  if (path.startsWith("docs/")) patterns.push(/\]\((?:\.\/)?api\.md#([\w-]+)\)/g);
  if (path === "docs/api.md") patterns.push(/\]\(#([\w-]+)\)/g);
  text.split("\n").forEach((line, i) => {
    for (const pattern of patterns) {
      for (const match of line.matchAll(pattern)) {
        if (!anchors.has(match[1]!)) {
          problems.push(`${path}:${i + 1}: docs/api.md has no heading for #${match[1]} (cited as "${match[0]}")`);
        }
      }
    }
    if (path.startsWith("src/") && path.endsWith(".ts") && /[0-9] ?(µs|us)\b/.test(line)) {
      problems.push(
        `${path}:${i + 1}: a measured timing in a source comment; state the invariant instead: ${line.trim()}`,
      );
    }
  });
}

if (problems.length > 0) {
  console.error(`check-doc-refs: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join("\n")}`);
  process.exit(1);
}
console.log(
  `check-doc-refs: ${files.length} files, every docs/api.md anchor cited exists, no timings in src/ comments`,
);
