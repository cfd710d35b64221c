import { Content, Header, Page } from '@backstage/core-components';
import Tab from '@mui/material/Tab';
import Tabs from '@mui/material/Tabs';
import { ReactNode } from 'react';
import { Link, useLocation } from 'react-router-dom';
import { useMecPaths } from './useMecPaths';

/**
 * The frame of every MEC page: header plus tabs between packages,
 * instances, edge hosts and the MEO's MEPMs (links, so they work with keyboard and new tabs).
 */
export function MecLayout(props: {
  title: string;
  subtitle?: string;
  children: ReactNode;
}) {
  const paths = useMecPaths();
  const { pathname } = useLocation();
  let tab = paths.packages;
  if (pathname.startsWith(paths.instances)) tab = paths.instances;
  else if (pathname.startsWith(paths.hosts)) tab = paths.hosts;
  else if (pathname.startsWith(paths.mepms)) tab = paths.mepms;
  return (
    <Page themeId="tool">
      <Header title={props.title} subtitle={props.subtitle} />
      <Tabs
        value={tab}
        aria-label="MEC sections"
        component="nav"
        sx={{
          gridArea: 'pageSubheader',
          px: 3,
          borderBottom: 1,
          borderColor: 'divider',
        }}
      >
        <Tab
          label="Packages"
          value={paths.packages}
          component={Link}
          to={paths.packages}
        />
        <Tab
          label="Instances"
          value={paths.instances}
          component={Link}
          to={paths.instances}
        />
        <Tab
          label="Edge hosts"
          value={paths.hosts}
          component={Link}
          to={paths.hosts}
        />
        <Tab
          label="MEPMs"
          value={paths.mepms}
          component={Link}
          to={paths.mepms}
        />
      </Tabs>
      <Content>{props.children}</Content>
    </Page>
  );
}
