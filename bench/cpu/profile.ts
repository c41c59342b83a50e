import type { CpuProfile } from "../lib/workerd.ts";

/**
 * Self time by source module and by function, in % and µs per request. The bundle is unminified
 * for profiling, and esbuild starts every module's code with a `// path/to/module` comment, which
 * maps a bundle line back to its module. Code with no file is workerd's C++ APIs (`set`,
 * `Response`, ...) and V8's builtins, by function name; "(v8)" is V8 itself (GC, "(program)").
 */
export function summarize(result: CpuProfile, bundleUrl: string, code: string, requests: number): void {
  const starts: { line: number; module: string }[] = [];
  code.split("\n").forEach((text, line) => {
    const match = /^\/\/ ((?:node_modules|src|bench)\/\S+)$/.exec(text);
    if (match) starts.push({ line, module: match[1]!.replace(/^node_modules\//, "") });
  });
  const moduleAt = (line: number) => starts.findLast((start) => start.line <= line)?.module ?? "(bundle prelude)";
  const byNode = new Map<number, number>();
  result.samples.forEach((node, i) => {
    byNode.set(node, (byNode.get(node) ?? 0) + (result.timeDeltas[i] ?? 0));
  });
  const total = [...byNode.values()].reduce((a, b) => a + b, 0);
  const modules = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const node of result.nodes) {
    const us = byNode.get(node.id) ?? 0;
    if (us === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const inBundle = url.endsWith(bundleUrl);
    const module = inBundle
      ? moduleAt(lineNumber)
      : /^\(.*\)$/.test(functionName)
        ? `(v8) ${functionName}`
        : `(native) ${functionName}`;
    modules.set(module, (modules.get(module) ?? 0) + us);
    const fn = `${functionName || "(anonymous)"}  ${module}${inBundle ? `:${lineNumber + 1}` : ""}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  }
  const top = (map: Map<string, number>, count: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(
        ([name, us]) =>
          `  ${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / requests).toFixed(2).padStart(6)} µs  ${name}`,
      );
  console.log(
    `\nSelf time by module (${(total / 1000).toFixed(0)} ms sampled over ${requests} requests; µs per request)`,
  );
  for (const line of top(modules, 25)) console.log(line);
  console.log("\nSelf time by function");
  for (const line of top(functions, 30)) console.log(line);
}
