import { NotFoundErrorPage } from '@backstage/frontend-plugin-api';
import { Route, Routes } from 'react-router-dom';
import { AppInstancePage } from '../AppInstancePage/AppInstancePage';
import { AppInstancesPage } from '../AppInstancesPage/AppInstancesPage';
import { AppPackagePage } from '../AppPackagePage/AppPackagePage';
import { AppPackagesPage } from '../AppPackagesPage/AppPackagesPage';
import { EdgeHostPage } from '../EdgeHostsPage/EdgeHostPage';
import { EdgeHostsPage } from '../EdgeHostsPage/EdgeHostsPage';
import { MepmPage } from '../MepmsPage/MepmPage';
import { MepmsPage } from '../MepmsPage/MepmsPage';

/**
 * Everything under /mec: the app mounts this page at the plugin's root and
 * it routes the rest itself, so links between the pages stay in the plugin.
 */
export function MecPage() {
  return (
    <Routes>
      <Route path="/" element={<AppPackagesPage />} />
      <Route path="/packages/:appPkgId" element={<AppPackagePage />} />
      <Route path="/instances" element={<AppInstancesPage />} />
      <Route path="/instances/:appInstanceId" element={<AppInstancePage />} />
      <Route path="/hosts" element={<EdgeHostsPage />} />
      <Route path="/hosts/:hostName" element={<EdgeHostPage />} />
      <Route path="/mepms" element={<MepmsPage />} />
      <Route path="/mepms/:mepmName" element={<MepmPage />} />
      <Route path="*" element={<NotFoundErrorPage />} />
    </Routes>
  );
}
