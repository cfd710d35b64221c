import { NotAllowedError, NotFoundError } from '@backstage/errors';
import { randomUUID } from 'node:crypto';
import { AppInstanceStore } from '../database/AppInstanceStore';
import { GrantStore } from '../database/GrantStore';
import { HostDirectory } from '../hosts/HostDirectory';
import { AppPackageService } from '../packages/AppPackageService';
import { AppPackageRef } from '../packages/model';
import {
  Grant,
  GrantDecision,
  GrantRequest,
  IssuedGrant,
  PlacementPreview,
} from './model';
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

/** Starts deciding a grant in the background (asynchronous mode). */
export interface GrantDecisionTrigger {
  trigger(grantId: string): void;
}

/** Options of {@link GrantingService}. */
export interface GrantingOptions {
  /**
   * `mec.granting.asynchronous`: POST grants answers 202 and the decision
   * is made in the background by whoever this trigger wakes.
   */
  asynchronous?: GrantDecisionTrigger;
}

/**
 * The MEO's granting (ETSI GS MEC 010-2 clause 5.4 and 7.5): before an
 * operation goes to PROCESSING, the MEPM asks for a grant; for INSTANTIATE the
 * MEO places the instance on a host and decides its namespace
 * (containerNamespace); other operations stay where the instance runs.
 *
 * Any MEPM may ask, also for an instance this MEO did not create (one its
 * MEPMs created for another orchestrator, or a third-party MEPM's): such a
 * request is judged on its appDId (onboarded, and ENABLED to instantiate),
 * the resources the AppD asks for, and placement among the candidate hosts
 * it names (additionalParams.selectedMECHostInfo; every host without it).
 * When it names only hosts this MEO does not know, the MEO cannot judge
 * their capacity: it grants without naming a host, and the MEPM places the
 * instance on one of its candidates itself. OPERATE and TERMINATE of such
 * an instance stay on the host of its newest INSTANTIATE grant.
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
    private readonly options: GrantingOptions = {},
  ) {}

  /**
   * The Granting port of this MEO's own lifecycle management: its own
   * instances always get a host. A refusal throws with the reason.
   */
  async grant(request: GrantRequest): Promise<Grant> {
    const grant = await this.issue(request);
    if (!grant.hostName || !grant.containerNamespace) {
      throw new NotAllowedError(
        `The grant for application instance ${request.appInstanceId} names no edge host`,
      );
    }
    return {
      ...grant,
      hostName: grant.hostName,
      containerNamespace: grant.containerNamespace,
    };
  }

  /**
   * POST grants: decided at once (201), or in asynchronous mode recorded
   * and decided in the background (202, then GET until decided).
   */
  async request(
    request: GrantRequest,
  ): Promise<Exclude<GrantDecision, { state: 'REFUSED' }>> {
    if (!this.options.asynchronous) {
      return { state: 'GRANTED', grant: await this.issue(request) };
    }
    const id = randomUUID();
    await this.grants.insertPending(id, request, new Date());
    this.options.asynchronous.trigger(id);
    return { state: 'PROCESSING', id };
  }

  /** Decides a grant and records it; a refusal throws with the reason. */
  async issue(request: GrantRequest): Promise<IssuedGrant> {
    const grant = await this.decide(request, randomUUID());
    await this.grants.insert(grant);
    return grant;
  }

  /**
   * Decides a grant without recording it: a refusal throws
   * (NotAllowedError, PlacementError) with the reason.
   */
  async decide(request: GrantRequest, id: string): Promise<IssuedGrant> {
    const instance = await this.instances.get(request.appInstanceId);
    const placement = instance
      ? await this.placeOwn(request, instance)
      : await this.placeForeign(request);
    const { hostName, containerNamespace } = placement;
    const added =
      request.operation === 'INSTANTIATE'
        ? // The chart's workloads (the AppD's MCIOP) unless the MEPM named its resources.
          (request.addResources?.map(r => r.id) ?? ['mciop']).map(
            resourceDefinitionId => ({
              resourceDefinitionId,
              ...(containerNamespace ? { containerNamespace } : {}),
            }),
          )
        : [];
    return {
      id,
      appInstanceId: request.appInstanceId,
      appLcmOpOccId: request.appLcmOpOccId,
      operation: request.operation,
      ...(hostName ? { hostName } : {}),
      ...(containerNamespace ? { containerNamespace } : {}),
      addedResources: added,
      ...(!instance && request.links ? { links: request.links } : {}),
      createdAt: new Date(),
    };
  }

  /** An instance of this MEO: placed among its hosts, or where it runs. */
  private async placeOwn(
    request: GrantRequest,
    instance: { id: string; hostName?: string; namespace?: string },
  ): Promise<{ hostName: string; containerNamespace: string }> {
    if (request.operation === 'INSTANTIATE') {
      const hostName = await this.chooseHost(request, request.hostSelection);
      return {
        hostName,
        containerNamespace: await this.hosts.namespaceFor(
          hostName,
          instance.id,
        ),
      };
    }
    if (!instance.hostName || !instance.namespace) {
      throw new NotAllowedError(
        `Application instance ${instance.id} runs on no edge host`,
      );
    }
    return {
      hostName: instance.hostName,
      containerNamespace: instance.namespace,
    };
  }

  /** An instance another MEPM created without this MEO. */
  private async placeForeign(
    request: GrantRequest,
  ): Promise<{ hostName?: string; containerNamespace?: string }> {
    if (request.operation !== 'INSTANTIATE') {
      return (
        (await this.grants.latestInstantiation(request.appInstanceId)) ?? {}
      );
    }
    const pkg = await this.packages
      .getAppPackage({ appDId: request.appDId })
      .catch(error => {
        if (error instanceof NotFoundError) {
          throw new NotAllowedError(
            `No onboarded application package has appDId '${request.appDId}'`,
          );
        }
        throw error;
      });
    if (pkg.operationalState !== 'ENABLED') {
      throw new NotAllowedError(
        `The package of appDId '${request.appDId}' is DISABLED; only an ENABLED package can be instantiated`,
      );
    }
    let selection = request.hostSelection;
    if (selection?.candidates) {
      const known = new Set(
        (await this.hosts.listPlacementHosts()).map(h => h.name),
      );
      const candidates = selection.candidates.filter(c => known.has(c));
      if (!candidates.length) return {};
      selection = { ...selection, candidates };
    }
    const hostName = await this.chooseHost(request, selection);
    return {
      hostName,
      containerNamespace: await this.hosts.namespaceFor(
        hostName,
        request.appInstanceId,
      ),
    };
  }

  private async chooseHost(
    request: GrantRequest,
    selection: GrantRequest['hostSelection'],
  ): Promise<string> {
    const { decision } = await this.place(
      { appDId: request.appDId },
      {
        candidates: selection?.candidates,
        requiredLabels: selection?.requiredLabels,
        countryCode: request.locationConstraints?.countryCode,
        area: request.locationConstraints?.area,
      },
    );
    if (!decision.host) {
      throw new PlacementError(decision);
    }
    return decision.host.name;
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

  /** A granted grant (tests, and this MEO's own op occurrences). */
  async getGrant(id: string): Promise<IssuedGrant> {
    const grant = await this.grants.get(id);
    if (!grant) {
      throw new NotFoundError(`No grant ${id}`);
    }
    return grant;
  }

  /** GET grants/{grantId}: still being decided, granted, or refused. */
  async getDecision(id: string): Promise<GrantDecision> {
    const decision = await this.grants.getDecision(id);
    if (!decision) {
      throw new NotFoundError(`No grant ${id}`);
    }
    return decision;
  }
}
