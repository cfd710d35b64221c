import { screen, within } from '@testing-library/react';
import { renderTestApp } from '@backstage/frontend-test-utils';
import apiDocsPlugin from '@backstage/plugin-api-docs/alpha';
import userSettingsPlugin from '@backstage/plugin-user-settings/alpha';
import mecPlugin from '@helmmec/plugin-mec';
import { navModule } from './modules/nav';

describe('the app shell', () => {
  it('has a sidebar with APIs, MEC and Settings', async () => {
    renderTestApp({
      features: [apiDocsPlugin, mecPlugin, userSettingsPlugin, navModule],
      initialRouteEntries: ['/settings'],
    });
    const nav = await screen.findByRole('navigation', {}, { timeout: 20_000 });
    const links = within(nav)
      .getAllByRole('link')
      .map(link => link.textContent);
    expect(links).toEqual(expect.arrayContaining(['APIs', 'MEC', 'Settings']));
    // Settings sits at the bottom, after the pages.
    expect(links.indexOf('Settings')).toBeGreaterThan(links.indexOf('MEC'));
  }, 60_000);

  it('shows NotFound for an unknown route', async () => {
    renderTestApp({
      features: [mecPlugin, navModule],
      initialRouteEntries: ['/no-such-page'],
    });
    expect(
      await screen.findByText(/page not found/i, {}, { timeout: 20_000 }),
    ).toBeInTheDocument();
  }, 60_000);
});
