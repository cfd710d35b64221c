import { nextPageUrl } from './paging';

describe('nextPageUrl', () => {
  const current =
    'http://localhost:7007/api/mec/app_lcm/v1/app_instances?fields=_links';

  it('takes the next page query onto the URL in use', () => {
    expect(
      nextPageUrl(
        current,
        '<https://meo.example.com/api/mec/app_lcm/v1/app_instances?fields=_links&nextpage_opaque_marker=abc>; rel="next"',
      ),
    ).toBe(
      'http://localhost:7007/api/mec/app_lcm/v1/app_instances?fields=_links&nextpage_opaque_marker=abc',
    );
  });

  it('has no next page without a next link', () => {
    expect(nextPageUrl(current, null)).toBeUndefined();
    expect(nextPageUrl(current, '<https://x/y>; rel="prev"')).toBeUndefined();
  });
});
