/*
 * A HelmMEC MEPM (MEC Platform Manager): the mec plugin with `mec.role:
 * mepm`, beside its edge clusters and without the portal. It serves Mm3
 * app_lcm and the hosts API to its MEO, and asks the MEO for grants and
 * packages (`mec.mepm.meo`).
 */
import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();

// Users have no business on a MEPM: only the MEO and OSS clients, with
// tokens (backend.auth.externalAccess) and what mec.clients allows them.
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(import('@helmmec/plugin-permission-backend-module-mec-policy'));
backend.add(import('@helmmec/plugin-mec-backend'));
// In-process events (the mec plugin announces its changes).
backend.add(import('@backstage/plugin-events-backend'));

backend.start();
