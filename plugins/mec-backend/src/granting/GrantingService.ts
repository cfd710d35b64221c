import { NotAllowedError, NotFoundError } from '@backstage/errors';
import { randomUUID } from 'node:crypto';
import { AppInstanceStore } from '../database/AppInstanceStore';
import { GrantStore } from '../database/GrantStore';
import { HostDirectory } from '../hosts/HostDirectory';
import { AppPackageService } from '../packages/AppPackageService';
import { AppPackageRef } from '../packages/model';
import { Grant, GrantRequest, PlacementPreview } from './model';
import {
  PlacementDecision,
  placeAppInstance,
  PlacementRequirements,
  requirementsOfAppD,
} from './placement';

/** No host fits: the grant is refused, with each host's reasons. */
export class PlacementError extends NotAllowedError {
  constructor(readonly decision: PlacementDecision) {
    super(
      decision.rejected.length
        ? `No edge host fits the application: ${decision.rejected
            .map(r => `${r.host}: ${r.reasons.join('; ')}`)
            .join(' | ')}`
        : 'No edge host fits the application: no edge hosts are registered',
    );
  }
}

/**
 * The MEO's granting (ETSI GS MEC 010-2 clause 5.4 and 7.5): before an
 * operation goes to PROCESSING, the MEPM asks for a grant; for INSTANTIATE the
 * MEO places the instance on a host and decides its namespace
 * (containerNamespace); other operations stay where the instance runs.
 */
export class GrantingService {
  constructor(
    private readonly hosts: HostDirectory,
    private readonly grants: GrantStore,
    private readonly instances: AppInstanceStore,
    private readonly packages: Pick<
      AppPackageService,
      'getAppPackage' | 'getOnboardedContent'
    >,
  ) {}

  async grant(request: GrantRequest): Promise<Grant> {
    const instance = await this.instances.get(request.appInstanceId);
    if (!instance) {
      throw new NotFoundError(
        `No application instance ${request.appInstanceId}`,
      );
    }
    let hostName: string;
    let namespace: string;
    if (request.operation === 'INSTANTIATE') {
      const { decision } = await this.place(
        { appDId: request.appDId },
        {
          candidates: request.hostSelection?.candidates,
          requiredLabels: request.hostSelection?.requiredLabels,
          countryCode: request.locationConstraints?.countryCode,
          area: request.locationConstraints?.area,
        },
      );
      if (!decision.host) {
        throw new PlacementError(decision);
      }
      hostName = decision.host.name;
      namespace = await this.hosts.namespaceFor(hostName, instance.id);
    } else {
      if (!instance.hostName || !instance.namespace) {
        throw new NotAllowedError(
          `Application instance ${instance.id} runs on no edge host`,
        );
      }
      hostName = instance.hostName;
      namespace = instance.namespace;
    }
    const grant: Grant = {
      id: randomUUID(),
      appInstanceId: request.appInstanceId,
      appLcmOpOccId: request.appLcmOpOccId,
      operation: request.operation,
      hostName,
      containerNamespace: namespace,
      // The chart's workloads (the AppD's MCIOP) go into the namespace.
      addedResources:
        request.operation === 'INSTANTIATE'
          ? [{ resourceDefinitionId: 'mciop', containerNamespace: namespace }]
          : [],
      createdAt: new Date(),
    };
    await this.grants.insert(grant);
    return grant;
  }

  /**
   * Evaluates placement for an application instance (as its INSTANTIATE
   * grant would, without host selection or location constraints) or for a
   * package, and grants nothing: the portal shows it before instantiating.
   */
  async previewPlacement(
    subject: { appInstanceId: string } | { appPkgId: string },
  ): Promise<PlacementPreview> {
    let ref: AppPackageRef;
    let appInstanceId: string | undefined;
    if ('appInstanceId' in subject) {
      const instance = await this.instances.get(subject.appInstanceId);
      if (!instance) {
        throw new NotFoundError(
          `No application instance ${subject.appInstanceId}`,
        );
      }
      appInstanceId = instance.id;
      // The grant looks the package up by appDId; so does its preview.
      ref = { appDId: instance.appDId };
    } else {
      ref = { appPkgId: subject.appPkgId };
    }
    const { record, decision } = await this.place(ref, {});
    const rejected = new Map(decision.rejected.map(r => [r.host, r.reasons]));
    return {
      appPkgId: record.id,
      appDId: record.appDId ?? '',
      ...(appInstanceId ? { appInstanceId } : {}),
      ...(decision.host ? { suggestedHost: decision.host.name } : {}),
      hosts: [
        ...decision.fitting.map(h => ({
          name: h.name,
          fits: true,
          reasons: [],
        })),
        ...[...rejected].map(([name, reasons]) => ({
          name,
          fits: false,
          reasons,
        })),
      ],
    };
  }

  /** Places an onboarded package's application among the registered hosts. */
  private async place(
    ref: AppPackageRef,
    constraints: Omit<PlacementRequirements, 'cpuMillis' | 'memoryBytes'>,
  ) {
    const pkg = await this.packages.getAppPackage(ref);
    const { record } = await this.packages.getOnboardedContent({
      appPkgId: pkg.id,
    });
    const decision = placeAppInstance(await this.hosts.listPlacementHosts(), {
      ...requirementsOfAppD((record.appd ?? {}) as Record<string, any>),
      ...constraints,
    });
    return { record, decision };
  }

  async getGrant(id: string): Promise<Grant> {
    const grant = await this.grants.get(id);
    if (!grant) {
      throw new NotFoundError(`No grant ${id}`);
    }
    return grant;
  }
}
