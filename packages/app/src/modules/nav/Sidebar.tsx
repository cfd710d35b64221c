import {
  Sidebar,
  SidebarDivider,
  SidebarGroup,
  SidebarItem,
  SidebarScrollWrapper,
  SidebarSpace,
} from '@backstage/core-components';
import { NavContentBlueprint } from '@backstage/plugin-app-react';
import { NotificationsSidebarItem } from '@backstage/plugin-notifications';
import { SidebarSearchModal } from '@backstage/plugin-search';

/**
 * The sidebar in the order of Backstage's create-app: Search on top (a modal
 * over any page, with a link to the full search page), then the catalog, its
 * APIs, the MEC pages and software templates, Notifications and Settings at
 * the bottom. Items come from the installed page extensions, so a page added
 * later shows up among the rest without an edit here.
 */
export const SidebarContent = NavContentBlueprint.make({
  params: {
    component: ({ navItems }) => {
      // The search page is reached through the modal's "View Full Results".
      const search = navItems.take('page:search');
      const nav = navItems.withComponent(item => (
        <SidebarItem icon={() => item.icon} to={item.href} text={item.title} />
      ));
      return (
        <Sidebar>
          {search && (
            <SidebarGroup label="Search" icon={search.icon} to={search.href}>
              <SidebarSearchModal />
            </SidebarGroup>
          )}
          <SidebarDivider />
          {nav.take('page:catalog')}
          {nav.take('page:api-docs')}
          {nav.take('page:mec')}
          {nav.take('page:scaffolder')}
          <SidebarScrollWrapper>
            {nav.rest({ sortBy: 'title' })}
          </SidebarScrollWrapper>
          <SidebarSpace />
          <SidebarDivider />
          {/* The plugin's own item: an unread badge, kept live by signals. */}
          {nav.take('page:notifications') && <NotificationsSidebarItem />}
          {nav.take('page:user-settings')}
        </Sidebar>
      );
    },
  },
});
