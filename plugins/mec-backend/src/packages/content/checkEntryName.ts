import { PackageContentError } from './PackageContentError';

/**
 * Validates an archive entry name and returns it normalised (no `.` or
 * empty segments, no trailing slash). Rejects anything that could escape
 * an extraction directory or be read differently on another OS, even
 * though we never extract: a package that could harm another tool is not
 * a package we pass on to edge clusters.
 */
export function checkEntryName(name: string, archiveLabel: string): string {
  const reject = (why: string) =>
    new PackageContentError({
      kind: 'archive',
      title: 'Unsafe archive entry',
      detail: `${archiveLabel} contains an entry named "${printable(
        name,
      )}", which is not allowed: ${why}.`,
    });
  if (name.length === 0) throw reject('the name is empty');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) {
    throw reject('the name contains control characters');
  }
  if (name.includes('\\')) {
    throw reject('the name contains a backslash');
  }
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) {
    throw reject('the path is absolute');
  }
  const segments = name.split('/');
  if (segments.includes('..')) {
    throw reject('the path contains ".." (path traversal)');
  }
  const normalised = segments.filter(s => s !== '' && s !== '.').join('/');
  if (normalised.length === 0) throw reject('the name is empty');
  return normalised;
}

/**
 * Records an entry name (as {@link checkEntryName} returned it) and refuses
 * one seen before: which copy counts would depend on the tool reading it.
 */
export function checkUniqueEntry(
  seen: Set<string>,
  name: string,
  archiveLabel: string,
): void {
  if (seen.has(name)) {
    throw new PackageContentError({
      kind: 'archive',
      title: 'Duplicate archive entry',
      detail: `${archiveLabel} contains "${name}" more than once; it is ambiguous which one counts.`,
    });
  }
  seen.add(name);
}

function printable(name: string): string {
  // eslint-disable-next-line no-control-regex
  return name.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 200);
}
