import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";

/** The parts of a V8 .cpuprofile that the summary reads. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** A V8 inspector session: this process's own, or workerd's over its inspector port (workerd.ts). */
export interface Inspector {
  post(method: string, params?: object): Promise<unknown>;
  disconnect(): void;
}

/** This Node process's own inspector. */
export function nodeInspector(): Inspector {
  const session = new Session();
  session.connect();
  return session;
}

/** Samples `run` with V8's CPU profiler (every `intervalUs`), writes the .cpuprofile to `file`. */
export async function profile(
  session: Inspector,
  run: () => Promise<void>,
  file: string,
  intervalUs = 50,
): Promise<CpuProfile> {
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: intervalUs });
  await session.post("Profiler.start");
  let result: CpuProfile;
  try {
    await run();
  } finally {
    result = ((await session.post("Profiler.stop")) as { profile: CpuProfile }).profile;
    session.disconnect();
  }
  writeFileSync(file, JSON.stringify(result));
  return result;
}

/**
 * Self time by source module and by function. The bundle is unminified for profiling, and
 * esbuild starts every module's code with a `// path/to/module` comment, which maps a
 * bundle line back to its module. Everything outside the bundle is the runtime: in Node,
 * undici's Request, Response and Headers and WebCrypto, by file; "(native)" is code with no
 * file, by function name: V8's builtins (`stringify`) and, inside workerd, its C++ APIs
 * (`set`, `Response`, ...); "(v8)" is V8 itself (GC, "(program)").
 */
export function summarize(
  result: CpuProfile,
  bundleUrl: string,
  bundleCode: string,
  requests: number,
  print: (line: string) => void,
): void {
  const starts: { line: number; module: string }[] = [];
  bundleCode.split("\n").forEach((text, line) => {
    const match = /^\/\/ ((?:node_modules|src|bench)\/\S+)$/.exec(text);
    if (match) starts.push({ line, module: match[1]!.replace(/^node_modules\//, "") });
  });
  const moduleAt = (line: number) => {
    let found = "(bundle prelude)";
    for (const start of starts) if (start.line <= line) found = start.module;
    return found;
  };
  const byNode = new Map<number, number>();
  for (let i = 0; i < result.samples.length; i++) {
    byNode.set(result.samples[i]!, (byNode.get(result.samples[i]!) ?? 0) + (result.timeDeltas[i] ?? 0));
  }
  const total = [...byNode.values()].reduce((a, b) => a + b, 0);
  const modules = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const node of result.nodes) {
    const us = byNode.get(node.id) ?? 0;
    if (us === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const module =
      url === bundleUrl
        ? moduleAt(lineNumber)
        : url
          ? `(node) ${url.replace(/^node:internal\//, "")}`
          : /^\(.*\)$/.test(functionName)
            ? `(v8) ${functionName}`
            : `(native) ${functionName}`;
    modules.set(module, (modules.get(module) ?? 0) + us);
    const fn = `${functionName || "(anonymous)"}  ${module}${url === bundleUrl ? `:${lineNumber + 1}` : ""}`;
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
  print(`\nSelf time by module (${(total / 1000).toFixed(0)} ms sampled over ${requests} requests; µs per request)`);
  for (const line of top(modules, 25)) print(line);
  print("\nSelf time by function");
  for (const line of top(functions, 30)) print(line);
}
