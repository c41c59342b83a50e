/**
 * Runs wrangler for `npm run setup`, or, with --dry-run, only prints what it would run. A secret
 * goes to wrangler on stdin, never in argv, and is printed only as a mask.
 */
import { spawn } from "node:child_process";
import { ROOT, WRANGLER_BIN } from "./deploy-config.ts";

export const MASK = "********";

const shellWord = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`);

/** How a command is shown: runnable as printed, the secret replaced by a note. */
export function formatCommand(args: string[], secret?: string): string {
  const line = `npx wrangler ${args.map(shellWord).join(" ")}`;
  return secret === undefined ? line : `${line}   (value on stdin: ${MASK})`;
}

export interface WranglerRunner {
  readonly dryRun: boolean;
  /** A read-only command; a dry run prints it and answers `assumed` instead. */
  query(args: string[], assumed: string): Promise<string>;
  /** A command that changes something; a dry run only prints it. */
  run(args: string[], secret?: string): Promise<string>;
}

export class WranglerError extends Error {
  readonly output: string;
  constructor(message: string, output: string) {
    super(message);
    this.name = "WranglerError";
    this.output = output;
  }
}

export function dryRunner(log: (line: string) => void): WranglerRunner {
  return {
    dryRun: true,
    async query(args, assumed) {
      log(`  would run: ${formatCommand(args)}`);
      return assumed;
    },
    async run(args, secret) {
      log(`  would run: ${formatCommand(args, secret)}`);
      return "";
    },
  };
}

export function realRunner(log: (line: string) => void): WranglerRunner {
  return {
    dryRun: false,
    query: (args) => wrangler(args),
    async run(args, secret) {
      log(`  running: ${formatCommand(args, secret)}`);
      return wrangler(args, secret);
    },
  };
}

function wrangler(args: string[], secret?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRANGLER_BIN, ...args], {
      cwd: ROOT,
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdin.end(secret ?? "");
    child.once("error", reject);
    child.once("close", (code) => {
      if (code === 0) return resolve(stdout);
      const output = `${stdout}\n${stderr}`.trim();
      const tail = output.split("\n").slice(-15).join("\n");
      reject(new WranglerError(`${formatCommand(args, secret)} failed (exit ${code}):\n${tail}`, output));
    });
  });
}
