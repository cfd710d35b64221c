import { InfoCard } from '@backstage/core-components';
import {
  Entity,
  RELATION_DEPENDENCY_OF,
  RELATION_DEPENDS_ON,
} from '@backstage/catalog-model';
import {
  EntityRefLinks,
  getEntityRelations,
  useEntity,
} from '@backstage/plugin-catalog-react';
import {
  MEC_APP_INSTANCE_KIND,
  MEC_APP_PACKAGE_KIND,
} from '@helmmec/plugin-mec-common';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';

interface RelationGroup {
  label: string;
  relation: string;
  kind: string;
  empty: string;
}

/** What each kind of MEC entity is related to, in MEC words. */
function groupsOf(entity: Entity): RelationGroup[] {
  if (entity.kind === MEC_APP_INSTANCE_KIND) {
    return [
      {
        label: 'Application package',
        relation: RELATION_DEPENDS_ON,
        kind: MEC_APP_PACKAGE_KIND,
        empty: 'The package is no longer onboarded',
      },
      {
        label: 'Edge host',
        relation: RELATION_DEPENDS_ON,
        kind: 'Resource',
        empty: 'Not instantiated on a host',
      },
    ];
  }
  // A package, or an edge host: the instances that depend on it.
  return [
    {
      label: 'Application instances',
      relation: RELATION_DEPENDENCY_OF,
      kind: MEC_APP_INSTANCE_KIND,
      empty: 'No application instances',
    },
  ];
}

/**
 * A card on the overview of MEC entities: an instance's package and edge
 * host, or the instances of a package or an edge host, as catalog links.
 */
export function MecRelationsCard() {
  const { entity } = useEntity();
  return (
    <InfoCard title="MEC relations">
      <Stack spacing={2}>
        {groupsOf(entity).map(group => {
          const refs = getEntityRelations(entity, group.relation, {
            kind: group.kind,
          });
          return (
            <Stack key={group.label} spacing={0.5}>
              <Typography variant="overline" color="text.secondary">
                {group.label}
              </Typography>
              {refs.length > 0 ? (
                <Typography component="div">
                  <EntityRefLinks entityRefs={refs} />
                </Typography>
              ) : (
                <Typography color="text.secondary">{group.empty}</Typography>
              )}
            </Stack>
          );
        })}
      </Stack>
    </InfoCard>
  );
}
