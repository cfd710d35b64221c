/*
 * Fast checks of the build cache, lock and zip reader (no Go build, no cluster).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { ALL_BINARIES, cachedBinaries } from './binaries';
import { versionDir } from './paths';
import { acquireLock, freePorts, isPortFree } from './processes';
import { extractZipEntry } from './zip';

describe('build cache', () => {
  const saved = process.env.HELMMEC_CACHE_DIR;
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'helmmec-cache-test-'));
    process.env.HELMMEC_CACHE_DIR = tmp;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.HELMMEC_CACHE_DIR;
    else process.env.HELMMEC_CACHE_DIR = saved;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  function fakeCache(opts: { buildJson: boolean; skip?: string }) {
    const bin = path.join(versionDir(), 'bin');
    fs.mkdirSync(bin, { recursive: true });
    for (const b of ALL_BINARIES) {
      if (b !== opts.skip)
        fs.writeFileSync(path.join(bin, b), '#!/bin/sh\n', { mode: 0o755 });
    }
    if (opts.buildJson)
      fs.writeFileSync(
        path.join(versionDir(), 'build.json'),
        JSON.stringify({ totalSeconds: 1 }),
      );
  }

  it('lives under HELMMEC_CACHE_DIR, keyed by versions', () => {
    expect(
      versionDir().startsWith(path.join(tmp, 'edge-cluster', 'k8s-v1.')),
    ).toBe(true);
  });

  it('accepts a complete cache', () => {
    fakeCache({ buildJson: true });
    expect(cachedBinaries()?.bin['kube-apiserver']).toBe(
      path.join(versionDir(), 'bin', 'kube-apiserver'),
    );
  });

  it('treats a cache without build.json (interrupted build) as missing', () => {
    fakeCache({ buildJson: false });
    expect(cachedBinaries()).toBeUndefined();
  });

  it('treats a cache with a missing binary as missing', () => {
    fakeCache({ buildJson: true, skip: 'etcd' });
    expect(cachedBinaries()).toBeUndefined();
  });
});

describe('lock file', () => {
  it('is exclusive, and a lock left by a dead process is taken over', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helmmec-lock-test-'));
    const file = path.join(dir, 'x.lock');
    try {
      const release = await acquireLock(file, { timeoutMs: 0 });
      await expect(acquireLock(file, { timeoutMs: 0 })).rejects.toThrow(
        /held by pid/,
      );
      release();
      expect(fs.existsSync(file)).toBe(false);
      // A pid that has exited: run a process and take its pid after it ends.
      const dead = spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim();
      fs.writeFileSync(file, `${dead}\n`);
      const release2 = await acquireLock(file, { timeoutMs: 0 });
      expect(fs.readFileSync(file, 'utf8').trim()).toBe(String(process.pid));
      release2();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ports', () => {
  it('picks distinct free loopback ports', async () => {
    const ports = await freePorts(5);
    expect(new Set(ports).size).toBe(5);
    for (const p of ports) expect(await isPortFree(p)).toBe(true);
  });
});

describe('zip reader', () => {
  it('extracts a deflated entry', () => {
    // Build a one-entry zip by hand.
    const name = Buffer.from('dir/hello.txt');
    const data = Buffer.from('hello edge\n'.repeat(50));
    const comp = zlib.deflateRawSync(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(comp.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(comp.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(0, 42);
    const cdOffset = local.length + name.length + comp.length;
    const eocd = Buffer.alloc(22);
    eocd.writeUInt32LE(0x06054b50, 0);
    eocd.writeUInt16LE(1, 8);
    eocd.writeUInt16LE(1, 10);
    eocd.writeUInt32LE(central.length + name.length, 12);
    eocd.writeUInt32LE(cdOffset, 16);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helmmec-zip-test-'));
    const zip = path.join(dir, 't.zip');
    fs.writeFileSync(
      zip,
      Buffer.concat([local, name, comp, central, name, eocd]),
    );
    try {
      expect(extractZipEntry(zip, 'dir/hello.txt').equals(data)).toBe(true);
      expect(() => extractZipEntry(zip, 'nope')).toThrow(/no entry nope/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
