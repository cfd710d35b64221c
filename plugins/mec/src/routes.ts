import { createRouteRef } from '@backstage/frontend-plugin-api';

/** The MEC pages, rooted at /mec. */
export const rootRouteRef = createRouteRef();
