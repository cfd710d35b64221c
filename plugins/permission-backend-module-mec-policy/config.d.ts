export interface Config {
  mec?: {
    /** Who may do what through the HelmMEC permission policy. */
    permissions?: {
      /**
       * Catalog entity refs (groups such as `group:default/edge-ops`, or
       * single users) per role; a user holds the highest role that one of
       * their ownership entity refs (themselves and their groups) is listed
       * under. `viewer` reads packages, instances, hosts and subscriptions;
       * `developer` also onboards and enables packages and runs instances'
       * lifecycle; `platformAdmin` may do everything, edge hosts and Helm
       * values included. Under `auth.environment: development` everyone may
       * do everything.
       */
      roles?: {
        viewer?: string[];
        developer?: string[];
        platformAdmin?: string[];
      };
    };
  };
}
