import { NotAllowedError } from '@backstage/errors';
import type {
  Grant as WireGrant,
  GrantingSchemas,
} from '@helmmec/plugin-mec-common';
import { AppInstanceStore } from '../database/AppInstanceStore';
import { PlacementError } from '../granting/GrantingService';
import type { Grant, GrantRequest } from '../granting/model';
import { placeAppInstance, requirementsOfAppD } from '../granting/placement';
import type { HostDirectory } from '../hosts/HostDirectory';
import type { Granting } from '../lifecycle/ports';
import {
  MecApiClient,
  MecApiError,
  MecApiUnreachableError,
} from '../outbound/MecApiClient';
import type { AppPackageService } from '../packages/AppPackageService';

const GRANTS = 'granting/v1/grants';

/** The MEO refused a grant; its reason is the message. */
export class GrantRefusedError extends NotAllowedError {}

/** Options of {@link MeoGrantingClient}. */
export interface MeoGrantingClientOptions {
  meo: MecApiClient;
  /** This MEPM's own edge hosts. */
  hosts: HostDirectory;
  /** Where this MEPM's instances run (OPERATE and TERMINATE stay there). */
  instances: AppInstanceStore;
  /** The packages (the MEO's, cached): the AppD, when this MEPM places itself. */
  packages: Pick<AppPackageService, 'getAppPackage'>;
  /** This MEPM's `{apiRoot}/app_lcm/v1`, for the request's `_links`. */
  appLcmBase: () => Promise<string>;
  /** How long a grant the MEO decides asynchronously is waited for; default 5 minutes. */
  decisionTimeoutMs?: number;
}

/**
 * A MEPM's grants from its MEO (ETSI GS MEC 010-2 clause 7.5, Mm3): before
 * each INSTANTIATE, OPERATE and TERMINATE, `POST grants` with this MEPM's
 * instance and op occurrence, the appDId and, for INSTANTIATE, its own
 * hosts as the candidates (narrowed by the instantiate request's host
 * selection) with the location constraints. 201 is the grant; 202 is
 * polled at its Location until decided. A refusal, or a MEO that cannot be
 * reached, fails the operation with the MEO's reason.
 *
 * The granted zone (VIM connection) must be one of this MEPM's hosts, and
 * the namespace is the granted containerNamespace (this host's policy when
 * the MEO names none). A grant that names no zone at all (a MEO that does
 * not know this MEPM's hosts) leaves the choice here: this MEPM places the
 * instance among its candidates, as the MEO would, by the AppD's needs.
 * OPERATE and TERMINATE stay where the instance runs.
 */
export class MeoGrantingClient implements Granting {
  constructor(private readonly options: MeoGrantingClientOptions) {}

  async grant(request: GrantRequest): Promise<Grant> {
    const candidates =
      request.operation === 'INSTANTIATE' ? await this.candidates(request) : [];
    const granted = await this.ask(request, candidates);
    const { hostName, containerNamespace } =
      request.operation === 'INSTANTIATE'
        ? await this.placement(request, granted, candidates)
        : await this.whereItRuns(request.appInstanceId);
    return {
      id: granted.id,
      appInstanceId: request.appInstanceId,
      appLcmOpOccId: request.appLcmOpOccId,
      operation: request.operation,
      hostName,
      containerNamespace,
      addedResources:
        request.operation === 'INSTANTIATE'
          ? (granted.addResources ?? []).map(r => ({
              resourceDefinitionId: r.resourceDefinitionId,
              containerNamespace,
            }))
          : [],
      createdAt: new Date(),
    };
  }

  /** This MEPM's hosts that the instantiate request allows. */
  private async candidates(request: GrantRequest): Promise<string[]> {
    const own = (await this.options.hosts.listPlacementHosts()).map(
      h => h.name,
    );
    const selected = request.hostSelection?.candidates;
    const candidates = selected ? own.filter(h => selected.includes(h)) : own;
    if (!candidates.length) {
      throw new NotAllowedError(
        own.length
          ? `None of this MEPM's edge hosts (${own.join(
              ', ',
            )}) is among the selected MEC hosts (${selected!.join(', ')})`
          : 'This MEPM has no edge hosts registered',
      );
    }
    return candidates;
  }

  /** POST grants, and GET it until decided (asynchronous mode). */
  private async ask(
    request: GrantRequest,
    candidates: string[],
  ): Promise<WireGrant> {
    const { meo } = this.options;
    const appLcmBase = await this.options.appLcmBase();
    const labels = request.hostSelection?.requiredLabels ?? {};
    const constraints = request.locationConstraints;
    const body: GrantingSchemas['GrantRequest'] = {
      appInstanceId: request.appInstanceId,
      appLcmOpOccId: request.appLcmOpOccId,
      appDId: request.appDId,
      operation: request.operation,
      ...(request.operation === 'INSTANTIATE'
        ? {
            // ETSI: INSTANTIATE names what it adds; the chart's workloads.
            addResources: [
              {
                id: 'mciop',
                type: 'OSCONTAINER',
                resourceTemplateId: ['mciop'],
              },
            ],
            additionalParams: {
              selectedMECHostInfo: candidates.map(name => ({
                hostName: name,
                hostId: { name, ...labels },
              })),
              ...(constraints
                ? {
                    locationConstraints: {
                      ...(constraints.countryCode
                        ? { countryCode: constraints.countryCode }
                        : {}),
                      ...(constraints.area
                        ? {
                            area: {
                              type: 'Polygon',
                              coordinates: constraints.area,
                            },
                          }
                        : {}),
                    },
                  }
                : {}),
            },
          }
        : {}),
      _links: {
        appLcmOpOcc: {
          href: `${appLcmBase}/app_lcm_op_occs/${request.appLcmOpOccId}`,
        },
        appInstance: {
          href: `${appLcmBase}/app_instances/${request.appInstanceId}`,
        },
      },
    };
    try {
      let response = await meo.request<WireGrant>('POST', GRANTS, { body });
      const location = response.headers.get('location');
      const deadline =
        Date.now() + (this.options.decisionTimeoutMs ?? 5 * 60_000);
      for (let delay = 100; response.status === 202; ) {
        if (!location) {
          throw new Error(
            'The MEO accepted the grant request (202) without a Location to follow',
          );
        }
        if (Date.now() > deadline) {
          throw new Error(
            `The MEO did not decide the grant in time (${location})`,
          );
        }
        await new Promise(resolve => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 2000);
        response = await meo.request<WireGrant>('GET', location);
      }
      if (!response.body?.id) {
        throw new Error(
          `The MEO answered the grant request with ${response.status} and no Grant`,
        );
      }
      return response.body;
    } catch (error) {
      if (error instanceof MecApiError) {
        const { status, title, detail } = error.problem;
        throw new GrantRefusedError(
          `The MEO refused the grant: ${detail ?? title ?? `status ${status}`}`,
        );
      }
      if (error instanceof MecApiUnreachableError) {
        throw new Error(
          `The MEO could not be asked for a grant: ${error.message}`,
        );
      }
      throw error;
    }
  }

  /** The granted host, which must be this MEPM's, and its namespace. */
  private async placement(
    request: GrantRequest,
    granted: WireGrant,
    candidates: string[],
  ): Promise<{ hostName: string; containerNamespace: string }> {
    const hostName =
      hostOfGrant(granted) ?? (await this.placeHere(request, candidates));
    const own = (await this.options.hosts.listPlacementHosts()).map(
      h => h.name,
    );
    if (!own.includes(hostName)) {
      throw new GrantRefusedError(
        `The MEO granted edge host '${hostName}', which this MEPM does not manage (its hosts: ${
          own.join(', ') || 'none'
        })`,
      );
    }
    const containerNamespace =
      granted.addResources?.find(r => r.containerNamespace)
        ?.containerNamespace ??
      (await this.options.hosts.namespaceFor(hostName, request.appInstanceId));
    return { hostName, containerNamespace };
  }

  /** A grant without a zone: placed among the candidates here. */
  private async placeHere(
    request: GrantRequest,
    candidates: string[],
  ): Promise<string> {
    const pkg = await this.options.packages.getAppPackage({
      appDId: request.appDId,
    });
    const decision = placeAppInstance(
      await this.options.hosts.listPlacementHosts(),
      {
        ...requirementsOfAppD((pkg.appd ?? {}) as Record<string, any>),
        candidates,
        requiredLabels: request.hostSelection?.requiredLabels,
        countryCode: request.locationConstraints?.countryCode,
        area: request.locationConstraints?.area,
      },
    );
    if (!decision.host) throw new PlacementError(decision);
    return decision.host.name;
  }

  private async whereItRuns(
    appInstanceId: string,
  ): Promise<{ hostName: string; containerNamespace: string }> {
    const instance = await this.options.instances.get(appInstanceId);
    if (!instance?.hostName || !instance.namespace) {
      throw new NotAllowedError(
        `Application instance ${appInstanceId} runs on no edge host`,
      );
    }
    return {
      hostName: instance.hostName,
      containerNamespace: instance.namespace,
    };
  }
}

/**
 * The host a Grant names: the zone of what it adds, else its only zone or
 * VIM connection; undefined when it names none.
 */
export function hostOfGrant(grant: WireGrant): string | undefined {
  const zones = grant.zones ?? [];
  const connections = (grant.vimConnections ?? {}) as Record<
    string,
    { vimId?: string } | undefined
  >;
  const ofConnection = (id: string) => connections[id]?.vimId ?? id;
  const added = grant.addResources?.find(r => r.zoneId || r.vimConnectionId);
  if (added?.zoneId) {
    const zone = zones.find(z => z.zoneId === added.zoneId);
    return zone?.vimConnectionId
      ? ofConnection(zone.vimConnectionId)
      : added.zoneId;
  }
  if (added?.vimConnectionId) return ofConnection(added.vimConnectionId);
  if (zones.length) {
    const [zone] = zones;
    return zone.vimConnectionId
      ? ofConnection(zone.vimConnectionId)
      : zone.zoneId;
  }
  const ids = Object.keys(connections);
  return ids.length ? ofConnection(ids[0]) : undefined;
}
