/*
 * Op occurrences keep the typed command they execute (lifecycle/model.ts
 * LcmCommand) instead of the ETSI request body, and grants keep the resources
 * they grant instead of the Grant JSON; the HTTP layer rebuilds both wire
 * forms. Existing rows are converted, in either direction.
 */

// @ts-check

/**
 * @param {unknown} v
 * @returns {v is Record<string, any>}
 */
const isObject = v => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * InstantiateAppRequest.selectedMECHostInfo as a HostSelection.
 * @param {unknown} selected
 */
function hostSelectionOf(selected) {
  if (!Array.isArray(selected) || !selected.length) return undefined;
  /** @type {string[]} */
  const candidates = [];
  /** @type {Record<string, string>} */
  const requiredLabels = {};
  for (const info of selected.filter(isObject)) {
    if (typeof info.hostId === 'string') {
      candidates.push(info.hostId);
      continue;
    }
    const { name, ...labels } = isObject(info.hostId) ? info.hostId : {};
    const hostName = typeof name === 'string' ? name : info.hostName;
    if (typeof hostName === 'string') candidates.push(hostName);
    for (const [k, v] of Object.entries(labels)) requiredLabels[k] = String(v);
  }
  return {
    ...(candidates.length ? { candidates } : {}),
    ...(Object.keys(requiredLabels).length ? { requiredLabels } : {}),
  };
}

/**
 * @param {string} operation
 * @param {Record<string, any>} params
 */
function commandOf(operation, params) {
  switch (operation) {
    case 'INSTANTIATE': {
      const lc = isObject(params.locationConstraints)
        ? params.locationConstraints
        : {};
      const constraints = {
        ...(typeof lc.countryCode === 'string'
          ? { countryCode: lc.countryCode }
          : {}),
        ...(isObject(lc.area) && Array.isArray(lc.area.coordinates)
          ? { area: lc.area.coordinates }
          : {}),
      };
      const selection = hostSelectionOf(params.selectedMECHostInfo);
      return {
        lcmOperation: operation,
        ...(selection ? { hostSelection: selection } : {}),
        ...(Object.keys(constraints).length
          ? { locationConstraints: constraints }
          : {}),
        values: isObject(params.additionalParams)
          ? params.additionalParams
          : {},
      };
    }
    case 'OPERATE':
      return {
        lcmOperation: operation,
        changeStateTo: params.changeStateTo,
        ...(params.stopType ? { stopType: params.stopType } : {}),
        ...(params.gracefulStopTimeout !== undefined
          ? { gracefulStopTimeout: Number(params.gracefulStopTimeout) }
          : {}),
      };
    default:
      return {
        lcmOperation: operation,
        terminationType:
          params.terminationType === 'GRACEFUL' ? 'GRACEFUL' : 'FORCEFUL',
        ...(params.gracefulTerminationTimeout !== undefined
          ? {
              gracefulTerminationTimeout: Number(
                params.gracefulTerminationTimeout,
              ),
            }
          : {}),
      };
  }
}

/**
 * A command back as the ETSI request it came from.
 * @param {Record<string, any>} command
 */
function requestOf(command) {
  const { lcmOperation, ...rest } = command;
  if (lcmOperation !== 'INSTANTIATE') return rest;
  const { candidates, requiredLabels = {} } = command.hostSelection ?? {};
  let selected;
  if (candidates) {
    selected = candidates.map((/** @type {string} */ name) => ({
      hostId: { name, ...requiredLabels },
    }));
  } else if (Object.keys(requiredLabels).length) {
    selected = [{ hostId: requiredLabels }];
  }
  const lc = command.locationConstraints;
  return {
    ...(selected ? { selectedMECHostInfo: selected } : {}),
    ...(lc
      ? {
          locationConstraints: {
            ...(lc.countryCode ? { countryCode: lc.countryCode } : {}),
            ...(lc.area
              ? { area: { type: 'Polygon', coordinates: lc.area } }
              : {}),
          },
        }
      : {}),
    ...(Object.keys(command.values ?? {}).length
      ? { additionalParams: command.values }
      : {}),
  };
}

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  const opOccs = await knex('app_lcm_op_occs').select(
    'id',
    'lcm_operation',
    'operation_params',
  );
  for (const row of opOccs) {
    const params = JSON.parse(row.operation_params);
    if (isObject(params) && 'lcmOperation' in params) continue;
    await knex('app_lcm_op_occs')
      .where({ id: row.id })
      .update({
        operation_params: JSON.stringify(
          commandOf(row.lcm_operation, isObject(params) ? params : {}),
        ),
      });
  }
  const grants = await knex('grants').select('id', 'grant');
  for (const row of grants) {
    const grant = JSON.parse(row.grant);
    if (isObject(grant) && 'addedResources' in grant) continue;
    const added = (Array.isArray(grant?.addResources) ? grant.addResources : [])
      .filter(isObject)
      .map((/** @type {Record<string, any>} */ r) => ({
        resourceDefinitionId: String(r.resourceDefinitionId),
        containerNamespace: String(r.containerNamespace),
      }));
    await knex('grants')
      .where({ id: row.id })
      .update({ grant: JSON.stringify({ addedResources: added }) });
  }
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  const opOccs = await knex('app_lcm_op_occs').select('id', 'operation_params');
  for (const row of opOccs) {
    const command = JSON.parse(row.operation_params);
    if (!isObject(command) || !('lcmOperation' in command)) continue;
    await knex('app_lcm_op_occs')
      .where({ id: row.id })
      .update({ operation_params: JSON.stringify(requestOf(command)) });
  }
  const grants = await knex('grants').select();
  for (const row of grants) {
    const stored = JSON.parse(row.grant);
    if (!isObject(stored) || !('addedResources' in stored)) continue;
    const host = row.host_name;
    await knex('grants')
      .where({ id: row.id })
      .update({
        grant: JSON.stringify({
          id: row.id,
          appInstanceId: row.app_instance_id,
          appLcmOpOccId: row.app_lcm_op_occ_id,
          vimConnections: {
            [host]: { id: host, vimId: host, vimType: 'KUBERNETES' },
          },
          zones: [{ id: `zone-${host}`, zoneId: host, vimConnectionId: host }],
          addResources: stored.addedResources.map(
            (/** @type {object} */ r) => ({
              ...r,
              vimConnectionId: host,
              zoneId: host,
            }),
          ),
        }),
      });
  }
};
