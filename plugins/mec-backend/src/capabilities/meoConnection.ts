import { MEC_API_ROOTS } from '@helmmec/plugin-mec-common';
import { AppInstanceStore } from '../database/AppInstanceStore';
import { AppPackageStore } from '../database/AppPackageStore';
import type { HostDirectory } from '../hosts/HostDirectory';
import { HELM_REPOSITORY_PATH } from '../http/createRouter';
import type { ChartRepositoryAccess } from '../lifecycle/OpOccExecutor';
import type { Granting } from '../lifecycle/ports';
import { MeoGrantingClient, MeoPackageMirror } from '../meo';
import {
  createMecApiAuth,
  MecApiAuthSettings,
  MecApiClient,
  OutboundAllowRule,
  OutboundScheme,
  OutboundUrlPolicy,
  readMecApiAuthSettings,
} from '../outbound';
import type { AppPackageService } from '../packages/AppPackageService';
import { MecCore } from './types';

/** What a MEPM takes from its MEO (`mec.mepm.meo`). */
export interface MeoConnection {
  /**
   * The packages lifecycle management reads: the MEO's, fetched by appDId
   * over Mm3 app_pkgm and kept in the local store as a verified cache.
   */
  packages: AppPackageService;
  /** Grants from the MEO's granting/v1. */
  granting: Granting;
  /** The MEO's Helm repository, for drivers whose cluster pulls charts. */
  chartRepository: ChartRepositoryAccess;
}

/**
 * The MEPM role's link to its MEO: grants and packages over Mm3.
 */
export async function buildMeoConnection(
  core: MecCore,
  deps: { appPackages: AppPackageService; hosts: HostDirectory },
): Promise<MeoConnection> {
  const { config, knex, logger } = core;
  const settings = config.getConfig('mec.mepm.meo');
  const apiRoot = settings.getString('apiRoot').replace(/\/+$/, '');
  const auth = readMecApiAuthSettings(settings.getConfig('auth'));
  const outboundPolicy = meoOutboundPolicy(config, apiRoot, auth);
  const meo = MecApiClient.create({
    peer: 'The MEO',
    apiRoot,
    auth: createMecApiAuth(auth, { outboundPolicy }),
    outboundPolicy,
  });
  const packages = new MeoPackageMirror({
    local: deps.appPackages,
    store: AppPackageStore.create({ knex }),
    meo,
    logger,
  });
  return {
    packages,
    granting: new MeoGrantingClient({
      meo,
      hosts: deps.hosts,
      instances: AppInstanceStore.create({ knex }),
      packages,
      appLcmBase: async () => `${await core.apiRoot()}/${MEC_API_ROOTS.appLcm}`,
    }),
    chartRepository: {
      url: async () => `${apiRoot}/${HELM_REPOSITORY_PATH}`,
      username: 'edge',
      password: settings.getOptionalString('helmRepository.pullToken') ?? '',
    },
  };
}

/**
 * Which MEO URLs may be reached: `mec.mepm.meo.outbound`, or exactly the
 * configured apiRoot's (and token endpoint's) origins, also when they are
 * on a private network, as the MEO next to a MEPM usually is.
 */
function meoOutboundPolicy(
  config: MecCore['config'],
  apiRoot: string,
  auth: MecApiAuthSettings,
): OutboundUrlPolicy {
  const key = 'mec.mepm.meo.outbound';
  if (config.has(key)) {
    return OutboundUrlPolicy.fromConfig(config, { key });
  }
  const originOf = (url: string): OutboundAllowRule => {
    const parsed = new URL(url);
    const scheme = parsed.protocol.replace(':', '') as OutboundScheme;
    return {
      host: parsed.hostname.replace(/^\[|\]$/g, ''),
      ports: [Number(parsed.port || (scheme === 'https' ? 443 : 80))],
      schemes: [scheme],
    };
  };
  return OutboundUrlPolicy.create({
    allow: [
      originOf(apiRoot),
      ...(auth.type === 'oauth2ClientCredentials'
        ? [originOf(auth.tokenEndpoint)]
        : []),
    ],
    allowPrivateNetworks: true,
    configKey: key,
  });
}
