/**
 * The URL of the next page of a list, from its response's `Link` header
 * (`<{uri}>; rel="next"`, ETSI GS MEC 009 paging), or undefined on the last
 * page.
 *
 * The link names the list under the MEO's public `{apiRoot}`, which a
 * client inside the deployment may not reach; the next page is the same
 * list with the link's query, so it is asked for at the URL the client
 * already uses.
 *
 * @param current - the URL the page was read from
 * @param link - the response's `Link` header, if any
 * @public
 */
export function nextPageUrl(
  current: string,
  link: string | null | undefined,
): string | undefined {
  const target = /<([^>]*)>\s*;\s*rel="?next"?/.exec(link ?? '')?.[1];
  if (!target) {
    return undefined;
  }
  const next = new URL(current);
  next.search = new URL(target, current).search;
  return next.toString();
}
