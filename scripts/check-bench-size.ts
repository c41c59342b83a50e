/**
 * The benchmarks stay proportionate to the product (part of `npm test`): bench/ holds at most
 * half as many lines of TypeScript as src/. A new scenario pays for itself by dropping one
 * whose question is settled.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const root = new URL("..", import.meta.url);
const linesUnder = (dir: string) =>
  execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "--", `${dir}/*.ts`], {
    cwd: root,
    encoding: "utf8",
  })
    .split("\n")
    .filter(Boolean)
    .reduce((sum, path) => sum + readFileSync(new URL(path, root), "utf8").split("\n").length - 1, 0);

const [bench, src] = [linesUnder("bench"), linesUnder("src")];
if (bench * 2 > src) {
  console.error(`check-bench-size: bench/ has ${bench} lines of TypeScript, more than half of src/'s ${src}`);
  process.exit(1);
}
console.log(`check-bench-size: bench/ ${bench} lines, src/ ${src} (at most half)`);
