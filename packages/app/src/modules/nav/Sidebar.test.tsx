import { renderTestApp } from '@backstage/frontend-test-utils';
import apiDocsPlugin from '@backstage/plugin-api-docs/alpha';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import notificationsPlugin from '@backstage/plugin-notifications/alpha';
import scaffolderPlugin from '@backstage/plugin-scaffolder/alpha';
import searchPlugin from '@backstage/plugin-search/alpha';
import userSettingsPlugin from '@backstage/plugin-user-settings/alpha';
import mecPlugin from '@helmmec/plugin-mec';
import { fireEvent, screen, within } from '@testing-library/react';
import { navModule } from '.';

// The first render of the whole app is slow on a busy machine.
jest.setTimeout(60_000);

describe('the sidebar', () => {
  it('has Search on top, the pages in order and Settings at the bottom', async () => {
    renderTestApp({
      features: [
        catalogPlugin,
        apiDocsPlugin,
        mecPlugin,
        scaffolderPlugin,
        searchPlugin,
        notificationsPlugin,
        userSettingsPlugin,
        navModule,
      ],
      initialRouteEntries: ['/settings'],
    });
    const nav = await screen.findByRole('navigation', {}, { timeout: 30_000 });
    const items = Array.from(nav.querySelectorAll('a, button')).map(item =>
      item.textContent?.trim(),
    );
    const order = [
      'Search',
      'Catalog',
      'APIs',
      'MEC',
      'Create',
      'Notifications',
      'Settings',
    ];
    expect(items.filter(text => order.includes(text!))).toEqual(order);

    // Search opens the search modal over the current page.
    fireEvent.click(within(nav).getByRole('button', { name: /Search/ }));
    expect(await screen.findByRole('dialog')).toBeInTheDocument();
  });
});
