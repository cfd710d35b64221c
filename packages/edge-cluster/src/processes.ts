import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** True if a process with this pid exists (and is not a zombie). */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e: any) {
    if (e.code !== 'EPERM') return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(
      stat.lastIndexOf(')') + 2,
      stat.lastIndexOf(')') + 3,
    );
    return state !== 'Z' && state !== 'X';
  } catch {
    return true;
  }
}

/** The executable path of a running process, or undefined. */
export function processExe(pid: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
  } catch {
    return undefined;
  }
}

export const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** A process started by {@link spawnDaemon}. */
export interface DaemonRecord {
  component: string;
  pid: number;
  exe: string;
  args: string[];
  log: string;
  startedAt: string;
}

/**
 * Start a long-running process detached in its own process group, with
 * stdout/stderr appended to `logFile`, and write `<pidDir>/<component>.pid`.
 */
export function spawnDaemon(opts: {
  component: string;
  exe: string;
  args: string[];
  logFile: string;
  pidDir: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}): DaemonRecord {
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  fs.mkdirSync(opts.pidDir, { recursive: true });
  const fd = fs.openSync(opts.logFile, 'a');
  try {
    const child = spawn(opts.exe, opts.args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
    });
    child.unref();
    if (!child.pid)
      throw new Error(`failed to start ${opts.component} (${opts.exe})`);
    // Swallow async spawn errors; liveness is checked by pid.
    child.on('error', () => {});
    const rec: DaemonRecord = {
      component: opts.component,
      pid: child.pid,
      exe: opts.exe,
      args: opts.args,
      log: opts.logFile,
      startedAt: new Date().toISOString(),
    };
    fs.writeFileSync(
      path.join(opts.pidDir, `${opts.component}.pid`),
      `${child.pid}\n`,
    );
    return rec;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * True if `pid` is still the process we started (guards against pid reuse):
 * alive and running the recorded executable.
 */
export function isOurProcess(rec: { pid: number; exe: string }): boolean {
  if (!isAlive(rec.pid)) return false;
  const exe = processExe(rec.pid);
  if (exe === undefined) return true;
  let want = path.resolve(rec.exe);
  try {
    want = fs.realpathSync(want);
  } catch {
    /* binary removed: compare the recorded path */
  }
  return path.resolve(exe) === want;
}

/**
 * Stop a process we started: SIGTERM to it (and its process group), wait up
 * to `graceMs`, then SIGKILL. Returns how it ended.
 */
export async function stopPid(
  rec: { pid: number; exe: string },
  graceMs = 10_000,
): Promise<'not-running' | 'terminated' | 'killed'> {
  if (!isOurProcess(rec)) return 'not-running';
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-rec.pid, sig);
    } catch {
      try {
        process.kill(rec.pid, sig);
      } catch {
        /* gone */
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(rec.pid)) return 'terminated';
    await sleep(100);
  }
  signal('SIGKILL');
  for (let i = 0; i < 50 && isAlive(rec.pid); i++) await sleep(100);
  return 'killed';
}

/** Synchronous SIGKILL, for exit handlers. */
export function killNow(rec: { pid: number; exe: string }) {
  if (!isOurProcess(rec)) return;
  try {
    process.kill(-rec.pid, 'SIGKILL');
  } catch {
    try {
      process.kill(rec.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** Last `lines` lines of a file, or '' if missing. */
export function tailFile(file: string, lines = 20): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Resolve when something accepts TCP connections on 127.0.0.1:port? No: check whether a port is free to bind. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      srv.close(() => resolve(true));
    });
  });
}

/** Ask the kernel for `count` distinct free loopback ports. */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  const ports: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const srv = net.createServer();
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen({ host: '127.0.0.1', port: 0, exclusive: true }, resolve);
      });
      servers.push(srv);
      ports.push((srv.address() as net.AddressInfo).port);
    }
  } finally {
    await Promise.all(servers.map(s => new Promise(r => s.close(r))));
  }
  return ports;
}

/** Poll `check` until it returns a truthy value or the timeout elapses. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  opts: { timeoutMs: number; intervalMs?: number; onFail?: () => string },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > deadline) {
      const extra = opts.onFail ? `\n${opts.onFail()}` : '';
      const why = lastErr
        ? ` (last error: ${(lastErr as Error).message ?? lastErr})`
        : '';
      throw new Error(
        `timed out after ${Math.round(
          opts.timeoutMs / 1000,
        )}s waiting for ${what}${why}${extra}`,
      );
    }
    await sleep(opts.intervalMs ?? 250);
  }
}

/**
 * Exclusive lock file created with O_EXCL, holding our pid. A lock whose pid
 * is dead is stale and taken over. Returns a release function.
 */
export async function acquireLock(
  file: string,
  opts: {
    timeoutMs: number;
    onWait?: (holderPid: number, waitedMs: number) => void;
  },
): Promise<() => void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const start = Date.now();
  let lastReport = 0;
  for (;;) {
    try {
      const fd = fs.openSync(file, 'wx');
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      return () => {
        try {
          if (fs.readFileSync(file, 'utf8').trim() === String(process.pid))
            fs.unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
    } catch (e: any) {
      if (e.code !== 'EEXIST') throw e;
    }
    let holder = NaN;
    try {
      holder = parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    } catch {
      continue; // removed between open and read
    }
    if (!isAlive(holder)) {
      // Stale lock (holder died, or an empty file from a crash mid-write).
      if (
        Number.isNaN(holder) &&
        Date.now() - fs.statSync(file).mtimeMs < 2000
      ) {
        await sleep(200);
        continue;
      }
      try {
        fs.unlinkSync(file);
      } catch {
        /* raced */
      }
      continue;
    }
    const waited = Date.now() - start;
    if (waited > opts.timeoutMs) {
      throw new Error(
        `lock ${file} is held by pid ${holder}; gave up after ${Math.round(
          waited / 1000,
        )}s`,
      );
    }
    if (opts.onWait && waited - lastReport >= 15_000) {
      lastReport = waited;
      opts.onWait(holder, waited);
    }
    await sleep(1000);
  }
}
