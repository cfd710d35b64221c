import {
  Entity,
  entityKindSchemaValidator,
  getCompoundEntityRef,
  parseEntityRef,
  RELATION_DEPENDENCY_OF,
  RELATION_DEPENDS_ON,
  RELATION_OWNED_BY,
  RELATION_OWNER_OF,
} from '@backstage/catalog-model';
import {
  CatalogProcessor,
  CatalogProcessorEmit,
  LocationSpec,
  processingResult,
} from '@backstage/plugin-catalog-node';
import {
  MEC_APP_INSTANCE_KIND,
  MEC_APP_PACKAGE_KIND,
  MecAppInstanceEntitySpec,
  MecAppPackageEntitySpec,
  mecAppInstanceEntitySchema,
  mecAppPackageEntitySchema,
} from '@helmmec/plugin-mec-common';

/**
 * A `MecAppPackage` catalog entity.
 *
 * @public
 */
export interface MecAppPackageEntity extends Entity {
  spec: MecAppPackageEntitySpec & Entity['spec'];
}

/**
 * A `MecAppInstance` catalog entity.
 *
 * @public
 */
export interface MecAppInstanceEntity extends Entity {
  spec: MecAppInstanceEntitySpec & Entity['spec'];
}

const validators = [
  entityKindSchemaValidator<MecAppPackageEntity>(mecAppPackageEntitySchema),
  entityKindSchemaValidator<MecAppInstanceEntity>(mecAppInstanceEntitySchema),
];

/**
 * Validates the `MecAppPackage` and `MecAppInstance` kinds against their
 * JSON schemas and emits their relations: owner, and an instance's
 * dependencies on its package and its edge host.
 *
 * @public
 */
export class MecEntitiesProcessor implements CatalogProcessor {
  /** {@inheritdoc @backstage/plugin-catalog-node#CatalogProcessor.getProcessorName} */
  getProcessorName(): string {
    return 'MecEntitiesProcessor';
  }

  /** {@inheritdoc @backstage/plugin-catalog-node#CatalogProcessor.validateEntityKind} */
  async validateEntityKind(entity: Entity): Promise<boolean> {
    // A validator returns false for other kinds and throws on a violation.
    return validators.some(validate => validate(entity) !== false);
  }

  /** {@inheritdoc @backstage/plugin-catalog-node#CatalogProcessor.postProcessEntity} */
  async postProcessEntity(
    entity: Entity,
    _location: LocationSpec,
    emit: CatalogProcessorEmit,
  ): Promise<Entity> {
    if (
      entity.kind !== MEC_APP_PACKAGE_KIND &&
      entity.kind !== MEC_APP_INSTANCE_KIND
    ) {
      return entity;
    }
    const self = getCompoundEntityRef(entity);
    const namespace = self.namespace;
    const relate = (
      target: string | undefined,
      defaultKind: string,
      forward: string,
      backward: string,
    ) => {
      if (!target) return;
      const other = parseEntityRef(target, {
        defaultKind,
        defaultNamespace: namespace,
      });
      emit(
        processingResult.relation({
          source: self,
          type: forward,
          target: other,
        }),
      );
      emit(
        processingResult.relation({
          source: other,
          type: backward,
          target: self,
        }),
      );
    };

    const spec = entity.spec as { owner?: string };
    relate(spec.owner, 'Group', RELATION_OWNED_BY, RELATION_OWNER_OF);
    if (entity.kind === MEC_APP_INSTANCE_KIND) {
      const instance = entity.spec as unknown as MecAppInstanceEntitySpec;
      relate(
        instance.package,
        MEC_APP_PACKAGE_KIND,
        RELATION_DEPENDS_ON,
        RELATION_DEPENDENCY_OF,
      );
      relate(
        instance.host,
        'Resource',
        RELATION_DEPENDS_ON,
        RELATION_DEPENDENCY_OF,
      );
    }
    return entity;
  }
}
