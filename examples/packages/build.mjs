#!/usr/bin/env node
/*
 * Builds the example MEC application packages from examples/charts:
 *
 *   charts/<name>-<version>.tgz   the Helm chart, as `helm package` would
 *   <name>.zip                    the MEC package: TOSCA.meta, AppD, manifest, chart
 *   checksums.json                SHA-256 of every file above (ETSI Checksum form)
 *
 * Output is deterministic (sorted entries, fixed timestamps and modes), so a
 * rebuild without chart changes leaves git clean.
 *
 * Usage: node examples/packages/build.mjs
 */
import archiver from 'archiver';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tar from 'tar';
import YAML from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const chartsDir = resolve(here, '../charts');
// Directories under examples/charts; each builds <directory>.zip. A second
// version of an application lives in its own directory (video-analytics-1.1.0),
// so that an instance can be upgraded from one to the other.
const EXAMPLES = [
  'video-analytics',
  'video-analytics-1.1.0',
  'location-service',
];
// Fixed timestamps: tar stores UTC seconds; ZIP stores local "DOS" time, so
// its date is built from local components to read 2026-01-01 00:00 anywhere.
const TAR_MTIME = new Date(Date.UTC(2026, 0, 1));
const ZIP_DATE = new Date(2026, 0, 1);

const sha256 = data => createHash('sha256').update(data).digest('hex');

function listFiles(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap(entry => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return listFiles(path);
      return entry.isFile() ? [path] : [];
    })
    .sort();
}

/**
 * The simple part of .helmignore: one glob per line (`*`, `?`), matched
 * against the path relative to the chart or its last segment; a trailing
 * `/` matches a directory. Negations are not supported.
 */
function helmIgnore(chartDir) {
  let text = '';
  try {
    text = readFileSync(join(chartDir, '.helmignore'), 'utf8');
  } catch {
    return () => false;
  }
  const patterns = text
    .split(/\r?\n/)
    .map(line => line.trim())
    .filter(line => line && !line.startsWith('#'));
  if (patterns.some(p => p.startsWith('!'))) {
    throw new Error(
      `${chartDir}/.helmignore: negated patterns are not supported`,
    );
  }
  const regexes = patterns.map(pattern => {
    const dirOnly = pattern.endsWith('/');
    const glob = pattern.replace(/\/$/, '').replace(/^\//, '');
    const body = glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]');
    return { dirOnly, regex: new RegExp(`^${body}$`) };
  });
  return path => {
    const segments = path.split('/');
    return regexes.some(({ dirOnly, regex }) =>
      segments.some((_, i) => {
        const isDir = i < segments.length - 1;
        if (dirOnly && !isDir) return false;
        return (
          regex.test(segments[i]) ||
          regex.test(segments.slice(0, i + 1).join('/'))
        );
      }),
    );
  };
}

async function packChart(dir, name) {
  const chartDir = join(chartsDir, dir);
  const ignored = helmIgnore(chartDir);
  const files = listFiles(chartDir)
    .map(f => relative(chartDir, f).split('\\').join('/'))
    .filter(f => !ignored(f));
  const chunks = [];
  // Files only, as helm writes them, under the chart's name whatever the
  // directory; portable drops uid/gid/user names and normalises modes to
  // the umask 022 ones.
  const stream = tar.c(
    {
      cwd: chartDir,
      prefix: name,
      gzip: { level: 9 },
      portable: true,
      mtime: TAR_MTIME,
    },
    files,
  );
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function zip(entries) {
  return new Promise((resolvePromise, reject) => {
    const archive = archiver('zip', { zlib: { level: 9 } });
    const chunks = [];
    archive.on('data', chunk => chunks.push(chunk));
    archive.on('end', () => resolvePromise(Buffer.concat(chunks)));
    archive.on('warning', reject);
    archive.on('error', reject);
    for (const entry of entries) {
      archive.append(entry.data, {
        name: entry.name,
        date: ZIP_DATE,
        mode: 0o644,
        // The chart is already gzip-compressed.
        store: entry.name.endsWith('.tgz'),
      });
    }
    archive.finalize();
  });
}

async function buildPackage(name) {
  const chartDir = join(chartsDir, name);
  const chartYaml = YAML.parse(
    readFileSync(join(chartDir, 'Chart.yaml'), 'utf8'),
  );
  const appdRelative =
    chartYaml.annotations?.['helmmec.io/appd'] ?? 'mec/appd.yaml';
  const appdText = readFileSync(join(chartDir, appdRelative), 'utf8');
  const appd = YAML.parse(appdText);
  const chartFileName = `${chartYaml.name}-${chartYaml.version}.tgz`;
  const chart = await packChart(name, chartYaml.name);

  const appdPath = 'Definitions/appd.yaml';
  const chartPath = `Artifacts/${chartFileName}`;
  const manifestPath = `${name}.mf`;
  const toscaMeta = [
    'TOSCA-Meta-File-Version: 1.0',
    'CSAR-Version: 1.1',
    'Created-By: HelmMEC examples/packages/build.mjs',
    `Entry-Definitions: ${appdPath}`,
    `ETSI-Entry-Manifest: ${manifestPath}`,
    `Other-Definitions: ${chartPath}`,
    '',
  ].join('\n');
  const digested = [
    { name: 'TOSCA-Metadata/TOSCA.meta', data: Buffer.from(toscaMeta) },
    { name: appdPath, data: Buffer.from(appdText) },
    { name: chartPath, data: chart },
  ];
  // ETSI GS NFV-SOL 004 style manifest (MEC 010-2 AppPkt.005): metadata,
  // then each file with its digest.
  const manifest = [
    'metadata:',
    `app_name: ${appd.appName}`,
    `app_provider_id: ${appd.appProvider}`,
    `app_package_version: ${chartYaml.version}`,
    `appd_id: ${appd.appDId}`,
    '',
    ...digested.flatMap(entry => [
      `Source: ${entry.name}`,
      'Algorithm: SHA-256',
      `Hash: ${sha256(entry.data)}`,
      '',
    ]),
  ].join('\n');
  const entries = [
    ...digested,
    { name: manifestPath, data: Buffer.from(manifest) },
  ].sort((a, b) => a.name.localeCompare(b.name));
  return { name, chartFileName, chart, packageZip: await zip(entries) };
}

async function main() {
  mkdirSync(join(here, 'charts'), { recursive: true });
  const checksums = {};
  for (const name of EXAMPLES) {
    const built = await buildPackage(name);
    const outputs = {
      [`${name}.zip`]: built.packageZip,
      [`charts/${built.chartFileName}`]: built.chart,
    };
    for (const [file, data] of Object.entries(outputs)) {
      writeFileSync(join(here, file), data);
      checksums[file] = { algorithm: 'SHA-256', hash: sha256(data) };
      console.log(`${file}  ${data.length} bytes  sha256:${sha256(data)}`);
    }
  }
  writeFileSync(
    join(here, 'checksums.json'),
    `${JSON.stringify(checksums, null, 2)}\n`,
  );
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
