import type { EdgeHost } from '@helmmec/plugin-mec-common';
import { Link } from 'react-router-dom';
import { useMecPaths } from '../common/useMecPaths';

/**
 * Where a host comes from: app-config, the hosts API, or a MEPM that
 * reports and manages it (linked; it changes only there).
 */
export function HostSource(props: { host: EdgeHost }) {
  const paths = useMecPaths();
  const { host } = props;
  if (host.source === 'mepm' && host.mepm) {
    return (
      <>
        managed by MEPM <Link to={paths.mepm(host.mepm)}>{host.mepm}</Link>
      </>
    );
  }
  return <>{host.source === 'config' ? 'from config' : 'registered'}</>;
}
