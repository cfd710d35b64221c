import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import type { Request, Response } from 'express';

/** The ETSI GS MEC 009 query parameter naming the next page of a list. */
export const NEXTPAGE_MARKER = 'nextpage_opaque_marker';

/** Page size when `mec.api.pageSize` is not set. */
export const DEFAULT_PAGE_SIZE = 100;

/** Largest `mec.api.pageSize` accepted. */
export const MAX_PAGE_SIZE = 10_000;

// Markers are short; anything longer is not one of ours.
const MAX_MARKER_LENGTH = 1024;

/**
 * How a list's sort key travels inside a marker. The store sees the typed
 * key; the marker is only its wire form.
 */
export interface PageKeyCodec<K> {
  toParts(key: K): Array<string | number>;
  /** The key, or undefined when the parts are not one. */
  fromParts(parts: unknown[]): K | undefined;
}

const isId = (v: unknown): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= 255;

/** Lists ordered by creation time, then id. */
export const creationKey: PageKeyCodec<{ createdAt: Date; id: string }> = {
  toParts: key => [key.createdAt.getTime(), key.id],
  fromParts: parts => {
    const [time, id] = parts;
    return parts.length === 2 && Number.isSafeInteger(time) && isId(id)
      ? { createdAt: new Date(time as number), id }
      : undefined;
  },
};

/** Lists ordered by a unique name. */
export const nameKey: PageKeyCodec<string> = {
  toParts: name => [name],
  fromParts: parts =>
    parts.length === 1 && isId(parts[0]) ? parts[0] : undefined,
};

/** One page of a list, and the marker of the next one if there is more. */
export interface Page<R> {
  items: R[];
  nextMarker?: string;
}

function encodeMarker(list: string, parts: Array<string | number>): string {
  return Buffer.from(JSON.stringify([list, ...parts]), 'utf8').toString(
    'base64url',
  );
}

function decodeMarker<K>(
  list: string,
  marker: unknown,
  codec: PageKeyCodec<K>,
): K {
  const invalid = () =>
    new InputError(
      `Invalid ${NEXTPAGE_MARKER}: not a marker of this list; start again from the first page`,
    );
  if (
    typeof marker !== 'string' ||
    marker.length > MAX_MARKER_LENGTH ||
    !/^[A-Za-z0-9_-]+$/.test(marker)
  ) {
    throw invalid();
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(marker, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(decoded) || decoded[0] !== list) {
    throw invalid();
  }
  const key = codec.fromParts(decoded.slice(1));
  if (key === undefined) {
    throw invalid();
  }
  return key;
}

/**
 * Reads one page of a list in keyset order (ETSI GS MEC 009 paging): from
 * the position the client's `nextpage_opaque_marker` names, or the start.
 * Records that `matches` refuses do not count: more rows are read until
 * the page is full or the list ends, so a page is short only at the end.
 *
 * @param options.list - names the list inside its markers, so that a marker
 *   of another list is refused
 * @param options.read - reads up to `limit` records after `after`, in the
 *   order of `keyOf`
 * @throws InputError (HTTP 400) for a marker that is not one of this list
 */
export async function readPage<R, K>(options: {
  list: string;
  query: Request['query'];
  pageSize: number;
  codec: PageKeyCodec<K>;
  read(page: { after?: K; limit: number }): Promise<R[]>;
  keyOf(record: R): K;
  matches?(record: R): boolean;
}): Promise<Page<R>> {
  const { list, pageSize, codec, keyOf, matches } = options;
  const marker = options.query[NEXTPAGE_MARKER];
  let after =
    marker === undefined ? undefined : decodeMarker(list, marker, codec);
  // One more than a page tells whether a next page exists.
  const wanted = pageSize + 1;
  const items: R[] = [];
  let limit = wanted;
  for (;;) {
    const batch = await options.read({ after, limit });
    for (const record of batch) {
      if (!matches || matches(record)) {
        items.push(record);
        if (items.length === wanted) break;
      }
    }
    if (items.length === wanted || batch.length < limit) break;
    after = keyOf(batch[batch.length - 1]);
    // Few matches so far: read further ahead next time.
    limit = Math.min(limit * 2, Math.max(wanted, 1000));
  }
  if (items.length <= pageSize) {
    return { items };
  }
  items.length = pageSize;
  return {
    items,
    nextMarker: encodeMarker(list, codec.toParts(keyOf(items[pageSize - 1]))),
  };
}

/**
 * Sets `Link: <{listUrl}?...&nextpage_opaque_marker=...>; rel="next"` when
 * the page has a successor. The link keeps the request's other query
 * parameters (filter, attribute selectors), so every page is read alike.
 *
 * @param listUrl - the list's absolute URL, e.g. `{apiRoot}/app_lcm/v1/app_instances`
 */
export function setNextPageLink(
  req: Request,
  res: Response,
  listUrl: string,
  page: Page<unknown>,
): void {
  if (!page.nextMarker) {
    return;
  }
  const queryAt = req.originalUrl.indexOf('?');
  const params = new URLSearchParams(
    queryAt < 0 ? '' : req.originalUrl.slice(queryAt + 1),
  );
  params.delete(NEXTPAGE_MARKER);
  params.append(NEXTPAGE_MARKER, page.nextMarker);
  res.setHeader('Link', `<${listUrl}?${params.toString()}>; rel="next"`);
}

/**
 * `mec.api.pageSize`: items per page of every list.
 *
 * @throws Error when it is not an integer from 1 to {@link MAX_PAGE_SIZE}
 */
export function readPageSize(config: Config): number {
  const size = config.getOptionalNumber('mec.api.pageSize');
  if (size === undefined) {
    return DEFAULT_PAGE_SIZE;
  }
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new Error(
      `mec.api.pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}, not ${size}`,
    );
  }
  return size;
}
