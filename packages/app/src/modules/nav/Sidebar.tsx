import {
  Sidebar,
  SidebarDivider,
  SidebarItem,
  SidebarScrollWrapper,
  SidebarSpace,
} from '@backstage/core-components';
import { NavContentBlueprint } from '@backstage/plugin-app-react';
import { NotificationsSidebarItem } from '@backstage/plugin-notifications';

/**
 * The sidebar: the catalog, its APIs and the MEC pages on top, settings at
 * the bottom. Items come from the installed page extensions, so a page added
 * later shows up among the rest without an edit here.
 */
export const SidebarContent = NavContentBlueprint.make({
  params: {
    component: ({ navItems }) => {
      const nav = navItems.withComponent(item => (
        <SidebarItem icon={() => item.icon} to={item.href} text={item.title} />
      ));
      return (
        <Sidebar>
          <SidebarDivider />
          {nav.take('page:catalog')}
          {nav.take('page:api-docs')}
          {nav.take('page:mec')}
          {/* The plugin's own item: an unread badge, kept live by signals. */}
          {nav.take('page:notifications') && <NotificationsSidebarItem />}
          <SidebarScrollWrapper>
            {nav.rest({ sortBy: 'title' })}
          </SidebarScrollWrapper>
          <SidebarSpace />
          <SidebarDivider />
          {nav.take('page:user-settings')}
        </Sidebar>
      );
    },
  },
});
