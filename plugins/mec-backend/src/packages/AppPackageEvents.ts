import { Knex } from 'knex';
import { AppPackage } from './model';

/** What happened to a package, as ETSI AppPkgNotification types name it. */
export type AppPackageEventType =
  | 'AppPackageOnBoarded'
  | 'AppPackageEnabled'
  | 'AppPackageDisabled'
  | 'AppPackageDeleted';

/**
 * Receives package events inside the transaction that caused them, so that a
 * state change and its notifications are committed together.
 */
export interface AppPackageEvents {
  publish(
    trx: Knex.Transaction,
    type: AppPackageEventType,
    appPackage: AppPackage,
  ): Promise<void>;
}
