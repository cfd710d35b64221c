// Set-up shared by `npm start` and `npm test`: what a fresh clone is missing
// gets installed here, so that the README's two commands are all one needs.
// Plain Node (no dependencies): this runs before node_modules exists.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');

export function log(message) {
  console.log(`[helmmec] ${message}`);
}

/** Runs a command with inherited stdio; throws when it fails. */
export function run(command, args, options = {}) {
  const result = spawnSync(command, args, {
    stdio: 'inherit',
    cwd: repoRoot,
    ...options,
  });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${
        result.signal ?? `exit ${result.status}`
      })`,
    );
  }
}

const lockHashFile = join(repoRoot, 'node_modules', '.helmmec-lock-hash');

function lockHash() {
  return createHash('sha256')
    .update(readFileSync(join(repoRoot, 'package-lock.json')))
    .digest('hex');
}

/**
 * Installs the npm dependencies with `npm ci` when node_modules is missing or
 * was installed from another package-lock.json.
 */
export function ensureNodeModules() {
  const hash = lockHash();
  if (existsSync(lockHashFile) && readFileSync(lockHashFile, 'utf8') === hash) {
    return;
  }
  log('installing npm dependencies (npm ci; a few minutes on a fresh clone)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
  writeFileSync(lockHashFile, hash);
}

/** The bin directory of the newest installed PostgreSQL, if any. */
export function postgresBinDir() {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter(v => existsSync(join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(base, versions[0], 'bin') : undefined;
}

const debianPackages = {
  postgresql: () => postgresBinDir() !== undefined,
  chromium: () => existsSync('/usr/bin/chromium'),
  // the CNCF distribution registry, a real OCI registry for onboarding tests
  'docker-registry': () => existsSync('/usr/bin/docker-registry'),
};

/**
 * Installs missing Debian packages (as root, through apt-get). Services that
 * the packages would start on install are held back with policy-rc.d: tests
 * start their own servers on loopback and stop them by pid.
 */
export function ensureDebianPackages(names) {
  const missing = names.filter(name => !debianPackages[name]());
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `missing Debian packages: ${missing.join(
        ' ',
      )}. Install them with: sudo apt-get install ${missing.join(' ')}`,
    );
  }
  log(`installing Debian packages: ${missing.join(' ')}`);
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  if (ownPolicy)
    writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    run('apt-get', ['update', '-qq']);
    run(
      'apt-get',
      ['install', '-y', '-qq', '--no-install-recommends', ...missing],
      {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      },
    );
  } finally {
    if (ownPolicy) spawnSync('rm', ['-f', policy]);
  }
}

/** Starts a child process whose lifetime is tied to this script. */
export function startChild(command, args, options = {}) {
  const child = spawn(command, args, {
    cwd: repoRoot,
    stdio: 'inherit',
    ...options,
  });
  return child;
}
