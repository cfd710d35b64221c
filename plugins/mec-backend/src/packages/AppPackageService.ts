import { AppPackageRecord, AppPackageStore } from '../database/AppPackageStore';

/**
 * The MEO's application package management: what the Mm1/Mm3 app_pkgm API
 * and the portal ask of packages.
 */
export class AppPackageService {
  constructor(private readonly store: AppPackageStore) {}

  async listAppPackages(): Promise<AppPackageRecord[]> {
    return this.store.listAppPackages();
  }
}
