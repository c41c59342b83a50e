/**
 * `npm run check:client`: the typed client as an integrator gets it. Installs client/ from its own
 * lockfile, fails when its generated types are stale against public/openapi.json, packs it
 * (`npm pack`), installs the tarball into two scratch projects (a plain Node tsconfig with
 * @types/node, a browser tsconfig with the DOM lib and no Node types), type-checks both with
 * TypeScript 5 and with the repo's TypeScript (the Node one with README.md's "Typed client"
 * example in it), then runs the Node one against `npm run dev`.
 *
 *   npm run check:client
 *
 * Ends with `check:client: N passed, M failed`; exits 0 only when nothing failed.
 */
import { execFile } from "node:child_process";
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type DevServer, startDevServer } from "./lib/dev-server.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CLIENT = path.join(ROOT, "client");
const FIXTURES = path.join(ROOT, "test", "client");
const TSC5 = path.join(CLIENT, "node_modules", "typescript", "bin", "tsc");
const TSC_REPO = path.join(ROOT, "node_modules", ".bin", "tsc");
const execFileAsync = promisify(execFile);
const NPM_QUIET = ["--no-audit", "--no-fund", "--loglevel=error"];

let passed = 0;
let failed = 0;
const scratch = await mkdtemp(path.join(tmpdir(), "check-client-"));
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));

/** Runs a command; a failure is recorded with the tail of its output and ends nothing. */
async function step(name: string, file: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  try {
    const { stdout } = await execFileAsync(file, args, { ...options, timeout: 180_000, maxBuffer: 16 << 20 });
    passed += 1;
    console.log(`  ✓ ${name}`);
    return stdout;
  } catch (error) {
    failed += 1;
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    const tail = `${stdout}${stderr}`.trim().split("\n").slice(-25).join("\n      ");
    console.log(`  ✗ ${name}\n      ${tail || (error as Error).message}`);
    return undefined;
  }
}

/** The README's "Typed client" example, type-checked in the Node project so the README stays true. */
function readmeExample(): string {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("### Typed client"));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code) throw new Error('README.md has no ts example under "### Typed client"');
  return `${code}export {};\n`;
}

async function scratchProject(kind: "node" | "browser", tarball: string): Promise<string> {
  const dir = path.join(scratch, kind);
  cpSync(path.join(FIXTURES, kind), dir, { recursive: true });
  if (kind === "node") writeFileSync(path.join(dir, "readme-example.ts"), readmeExample());
  writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name: `scratch-${kind}`, private: true, type: "module" }),
  );
  const packages = [tarball];
  if (kind === "node") {
    const typesNode = JSON.parse(readFileSync(path.join(ROOT, "node_modules/@types/node/package.json"), "utf8"));
    packages.push(`@types/node@${typesNode.version}`);
  }
  await step(
    `${kind}: npm install the packed client`,
    "npm",
    ["install", "--prefer-offline", ...NPM_QUIET, ...packages],
    {
      cwd: dir,
    },
  );
  await step(`${kind}: type-checks with TypeScript 5`, process.execPath, [TSC5, "-p", "."], { cwd: dir });
  await step(`${kind}: type-checks with the repo's TypeScript`, TSC_REPO, ["-p", "."], { cwd: dir });
  return dir;
}

async function main(): Promise<void> {
  await step("client/: npm ci", "npm", ["ci", ...NPM_QUIET], { cwd: CLIENT });
  await step("client/src/schema.ts matches public/openapi.json", "npm", ["run", "-s", "check:generated"], {
    cwd: CLIENT,
  });
  const packed = await step("npm pack (builds dist/)", "npm", ["pack", "--pack-destination", scratch, ...NPM_QUIET], {
    cwd: CLIENT,
  });
  const tarballName = packed?.trim().split("\n").at(-1) ?? "";
  if (!tarballName.endsWith(".tgz")) return;
  const tarball = path.join(scratch, tarballName);
  const nodeApp = await scratchProject("node", tarball);
  await scratchProject("browser", tarball);

  let dev: DevServer | undefined;
  try {
    dev = await startDevServer();
    const env = { ...process.env, EDGE_URL: dev.url, EDGE_READ_KEY: dev.readKey, EDGE_ISSUING_KEY: dev.issuingKey };
    const output = await step("node: the client's calls against npm run dev", process.execPath, ["app.ts"], {
      cwd: nodeApp,
      env,
    });
    if (output) console.log(output.replace(/^/gm, "      ").trimEnd());
  } catch (error) {
    failed += 1;
    console.log(`  ✗ npm run dev starts\n      ${error instanceof Error ? error.message : error}`);
  } finally {
    await dev?.stop();
  }
}

await main();
console.log(`check:client: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
