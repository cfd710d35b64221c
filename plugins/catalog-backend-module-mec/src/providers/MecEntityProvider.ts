import { LoggerService } from '@backstage/backend-plugin-api';
import {
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';

/**
 * Mirrors the MEO's application packages, application instances and edge
 * hosts into the catalog. For now it claims its place in the catalog with an
 * empty snapshot; the entities follow with the package and lifecycle APIs.
 *
 * @public
 */
export class MecEntityProvider implements EntityProvider {
  private connection?: EntityProviderConnection;

  constructor(private readonly logger: LoggerService) {}

  /** {@inheritdoc @backstage/plugin-catalog-node#EntityProvider.getProviderName} */
  getProviderName(): string {
    return 'mec';
  }

  /** {@inheritdoc @backstage/plugin-catalog-node#EntityProvider.connect} */
  async connect(connection: EntityProviderConnection): Promise<void> {
    this.connection = connection;
    await this.connection.applyMutation({ type: 'full', entities: [] });
    this.logger.info('MEC entity provider connected');
  }
}
