import { HumanDuration } from '@backstage/types';

export interface Config {
  /** Configuration of the HelmMEC backend plugin (`@helmmec/plugin-mec-backend`). */
  mec?: {
    /**
     * The externally visible ETSI `{apiRoot}` of this MEO, used in `_links`
     * and `Location` headers, for example `https://meo.example.com/api/mec`.
     * Defaults to the mec plugin's external base URL from discovery
     * (`{backend.baseUrl}/api/mec`).
     */
    apiRoot?: string;

    /**
     * The ETSI MEC role of this backend. `combined` (the default): MEO and
     * MEPM in one process. `meo`: the MEC Orchestrator, placing on the
     * hosts its registered MEPMs report (`/api/mec/mepms`) and driving them
     * over Mm3. `mepm`: a MEC Platform Manager beside its edge clusters,
     * serving Mm3 app_lcm and the hosts API, with grants and packages from
     * its MEO (`mec.mepm.meo`).
     */
    role?: 'combined' | 'meo' | 'mepm';

    /** The MEPM role (`mec.role: mepm`): how this MEPM reaches its MEO. */
    mepm?: {
      /** The MEO this MEPM works for. */
      meo: {
        /** The MEO's ETSI `{apiRoot}`, e.g. `https://meo.example.com/api/mec`. */
        apiRoot: string;
        /**
         * How the MEPM authenticates to the MEO: a static bearer token (one
         * of the MEO's static `backend.auth.externalAccess` tokens), or
         * OAuth 2.0 client credentials (ETSI GS MEC 009): the MEPM asks the
         * token endpoint for a token (RFC 6749 section 4.4, client id and
         * secret as HTTP Basic), reuses it until shortly before `expires_in`
         * runs out and asks again after the MEO answered 401. The MEO
         * accepts those tokens through a `jwks` externalAccess entry.
         * Required outside development, where neither a development token
         * nor an http token endpoint is accepted.
         */
        auth:
          | {
              /** @visibility secret */
              token: string;
            }
          | {
              /** The token endpoint, https outside development; reached within `outbound`. */
              tokenEndpoint: string;
              clientId: string;
              /** @visibility secret */
              clientSecret: string;
              /** Space-separated scopes to ask for; none by default. */
              scope?: string;
            };
        /**
         * Which MEO URLs (its apiRoot, its token endpoint) may be reached,
         * in the format of `mec.outbound`. Without it: exactly the
         * configured apiRoot's and token endpoint's origins, also when they
         * resolve to a private network.
         */
        outbound?: {
          allow?: Array<{
            host: string;
            ports?: number[];
            schemes?: Array<'http' | 'https' | 'oci'>;
          }>;
          allowPrivateNetworks?: boolean;
        };
        /**
         * The MEO's Helm repository (`{apiRoot}/helm-repository`), which the
         * edge clusters of this MEPM pull charts from when their driver
         * pulls (Flux). Drivers that push the chart (helm) do not need it.
         */
        helmRepository?: {
          /**
           * The MEO's pull token (its `mec.helmRepository.pullToken`), sent
           * by the clusters as the HTTP Basic password of user `edge`.
           * @visibility secret
           */
          pullToken?: string;
        };
      };
    };

    /**
     * The local edge cluster of a development portal: `npm start` builds
     * and starts it in the background, registers it as an edge host through
     * the hosts API when it is up, and writes its progress meanwhile to
     * `statusFile`, which `GET {apiRoot}/local_edge_cluster` serves to the
     * edge hosts page. Set by `npm start` only.
     */
    localEdgeCluster?: {
      /** The JSON file `npm start` writes the local edge cluster's progress to. */
      statusFile?: string;
    };

    /** The MEC APIs (app_pkgm, app_lcm) and the hosts API as served. */
    api?: {
      /**
       * Items per page of every list (ETSI GS MEC 009 paging): a longer
       * list answers with a `Link: <...nextpage_opaque_marker=...>;
       * rel="next"` header to the next page. From 1 to 10000; 100 when
       * absent.
       */
      pageSize?: number;
    };

    /**
     * Which URLs the MEO may fetch (package `appPkgPath`, OCI references)
     * and call (subscription `callbackUri`, OAuth 2.0 token endpoints).
     * Without this section nothing is fetched or called.
     */
    outbound?: {
      /**
       * Allow rules; a URL is allowed when one rule matches its scheme, port
       * and host. A host name that resolves to a loopback, link-local,
       * private, unspecified or multicast address is refused all the same,
       * unless an IP/CIDR rule at least as narrow as that range names the
       * address (e.g. `127.0.0.1`, `10.0.0.0/8`) or `allowPrivateNetworks`
       * is set.
       */
      allow?: Array<{
        /**
         * `example.com` (exactly), `*.example.com` (any subdomain, not
         * `example.com` itself), an IP address such as `127.0.0.1` or
         * `::1`, or a CIDR block such as `10.0.0.0/8`. An IP/CIDR rule also
         * allows host names whose every address falls inside it.
         */
        host: string;
        /** Allowed ports; any port when absent. */
        ports?: number[];
        /** Allowed schemes; `http`, `https` and `oci` when absent. */
        schemes?: Array<'http' | 'https' | 'oci'>;
      }>;
      /**
       * Let allowed host names resolve to internal addresses (loopback,
       * link-local, private). Default false. Outside development the backend
       * does not start when an allow rule names internal addresses and this
       * is not set.
       */
      allowPrivateNetworks?: boolean;
    };

    /**
     * What each service caller may do: static `backend.auth.externalAccess`
     * tokens (by their `subject`) and other backend plugins (`plugin:<id>`).
     * Users get their permissions from the permission policy instead. A
     * subject not listed may do nothing (403 naming the permission), except
     * `plugin:catalog` (reads packages, instances, hosts) and
     * `plugin:kubernetes` (reads hosts and, through the Kubernetes proxy,
     * their workloads), whose defaults an entry here replaces.
     */
    clients?: Array<{
      /**
       * The service subject, e.g. `mec-api-client` or `plugin:catalog`: a
       * static externalAccess token's `subject` as written; for a JWT
       * accepted by a `jwks` externalAccess entry (an OAuth 2.0 client
       * such as a MEPM), `external:<subjectPrefix>:<sub>`, or
       * `external:<sub>` without `subjectPrefix`.
       */
      subject: string;
      /**
       * Permission names (`mec.package.onboard`, `mec.package.pull`, ...) or
       * bundles: `mm1` (an OSS: package management and application
       * lifecycle, with subscriptions) and `mm3` (a MEPM: reads, grants,
       * subscriptions). Helm values need `mec.instance.values.read` listed.
       */
      allow: string[];
    }>;

    /** The MEO's Helm repository ({apiRoot}/helm-repository) as edge clusters use it. */
    helmRepository?: {
      /**
       * The token edge clusters (Flux source-controller) present, as HTTP Basic
       * password, to pull charts; it must be a `backend.auth.externalAccess`
       * token allowed for the mec plugin. Required outside development, where
       * the backend does not start without it or with the development default.
       * @visibility secret
       */
      pullToken?: string;
    };

    /** The MEO's granting (granting/v1, Mm3), for its own MEPM and any other. */
    granting?: {
      /**
       * Decide grants in the background (ETSI asynchronous mode): POST
       * grants answers 202 with the grant's Location, which answers 202
       * until decided, then 200 with the Grant or 403 with the refusal.
       * Decisions survive a restart and run once across replicas. Default
       * false: 201 with the Grant at once.
       */
      asynchronous?: boolean;
    };

    /** Application lifecycle management (app_lcm). */
    lifecycle?: {
      /** Deadline of one driver operation (install, operate, uninstall), in seconds; default 300. */
      operationTimeoutSeconds?: number;
      /**
       * How long a backend replica holds an operation without renewing it
       * before another replica may resume it (after a crash), in seconds; default 60.
       * A replica that cannot renew stops its helm a quarter of the lease
       * (at least 4 s) before it runs out, so keep it at 20 or more.
       */
      leaseSeconds?: number;
      /**
       * Operations one backend replica executes at once; more wait for a
       * free slot (or for another replica). Default 10.
       */
      concurrency?: number;
      /**
       * How often instances' operational state is compared with what their
       * clusters run (a release scaled behind the MEPM's back), in seconds; default 30.
       */
      stateCheckSeconds?: number;
    };

    /** Application package onboarding (app_pkgm). */
    packages?: {
      /** Largest package archive, uploaded or fetched, in bytes; default 50 MiB. */
      maxBytes?: number;
      /** Timeout of fetching a package from its appPkgPath, in seconds; default 60. */
      fetchTimeoutSeconds?: number;
      /**
       * OCI registries (`host:port`) reached over plain http, like helm's
       * `--plain-http`; all others over https.
       */
      ociPlainHttpRegistries?: string[];
      /**
       * How long one backend replica may work on an onboarding before
       * another may take it over (after a crash), in seconds; default 300.
       */
      onboardingLeaseSeconds?: number;
      /**
       * Packages one backend replica onboards at once (each holds its
       * archive in memory and unpacks it); more wait for a free slot (or for
       * another replica). Default 2.
       */
      onboardingConcurrency?: number;
    };

    /** Notifications to ETSI subscribers (app_pkgm, app_lcm). */
    notifications?: {
      /**
       * The delivery worker: at-least-once, in order per subscription,
       * retried with exponential backoff. A subscriber that fails is parked
       * until its retry while the others keep flowing. Durations are ISO
       * 8601 strings (`PT30S`) or objects (`{ seconds: 30 }`).
       */
      delivery?: {
        /** How often each backend instance looks for due notifications; default 2 seconds (1 s minimum). */
        pollInterval?: string | HumanDuration;
        /** Wait before a failed subscriber's first retry; default 1 second. */
        initialBackoff?: string | HumanDuration;
        /** Growth factor of the wait between retries; default 2. */
        backoffFactor?: number;
        /** Longest wait between retries; default 5 minutes. */
        maxBackoff?: string | HumanDuration;
        /**
         * Give a notification up ('dead', logged) this long after it was
         * queued: how long a subscriber may be down and still get every
         * notification, in order, when it is back; default 24 hours.
         */
        maxAge?: string | HumanDuration;
        /** Timeout of one notification or token request; default 10 seconds. */
        requestTimeout?: string | HumanDuration;
        /** Timeout of opening a connection to a subscriber; default 2 seconds. */
        connectTimeout?: string | HumanDuration;
        /** Subscriptions one backend instance delivers to at once, one request in flight each; default 20. */
        concurrency?: number;
        /** Notifications of one subscription read and recorded per database round trip; default 100. */
        batchSize?: number;
        /** Kept-alive connections per callback origin and backend instance; default 8. */
        maxSocketsPerOrigin?: number;
      };
      /**
       * Portal notifications through Backstage's notifications plugin: the
       * users who asked for a lifecycle operation and created its instance,
       * and the owner of the instance's catalog entity, hear how it ended;
       * platform admins (`mec.permissions.roles.platformAdmin`) hear when an
       * edge host becomes unreachable or reachable again.
       */
      portal?: {
        /** Whether the mec plugin sends them; default true. */
        enabled?: boolean;
      };
    };

    /**
     * How long settled records are kept; one backend replica prunes them
     * each round. What live resources refer to stays: the latest op
     * occurrence of every app instance, the grant of an op occurrence in
     * progress or FAILED_TEMP, notifications still to deliver. Durations are
     * ISO 8601 strings (`P30D`) or objects (`{ days: 30 }`).
     */
    retention?: {
      /** How often a round runs; default 1 hour. */
      frequency?: string | HumanDuration;
      /**
       * Op occurrences that ended (COMPLETED, FAILED), with their grants,
       * are deleted this long after they ended; default 30 days, and never
       * less than `mec.notifications.delivery.maxAge`.
       */
      opOccurrences?: string | HumanDuration;
      /** Grants that no op occurrence in progress needs are deleted this long after they were issued; default 30 days. */
      grants?: string | HumanDuration;
      /** Delivered notifications, and given-up ones, are deleted this long after; default 1 day. */
      deliveredNotifications?: string | HumanDuration;
    };

    /**
     * Keys that encrypt secrets at rest (AES-256-GCM): edge host
     * credentials, subscription callback credentials, and op occurrences'
     * commands with their Helm values. The first key encrypts; every key
     * listed decrypts, and each ciphertext names the id of its key. To
     * rotate, put a new key first, keep the old ones after it, run `npm run
     * mec:reencrypt`, then remove the old ones. Required outside
     * development, where a missing, short or development key is refused;
     * the backend also refuses to start when it cannot decrypt a host's
     * stored credential.
     */
    encryptionKeys?: Array<{
      /** Named in each ciphertext: 1 to 64 letters, digits, `-` or `_`; unique. */
      id: string;
      /**
       * 32 random bytes in base64 (`openssl rand -base64 32`), or a
       * passphrase of at least 16 characters.
       * @visibility secret
       */
      secret: string;
    }>;

    /** Edge drivers that deploy application instances on edge hosts. */
    drivers?: {
      /** The `helm` driver: runs the helm (v4) binary against the host. */
      helm?: {
        /** Path of the helm binary; default `helm` on PATH. */
        binary?: string;
      };
      /** The `flux` driver: Flux HelmRepository and HelmRelease objects. */
      flux?: {
        /** Reconcile interval of the Flux objects (Go duration); default `10m`. */
        interval?: string;
      };
    };

    /**
     * The edge host registry: the Kubernetes clusters application instances
     * are deployed to. Hosts come from `static` below and from the portal
     * API (`/api/mec/hosts`).
     */
    hosts?: {
      /**
       * Deprecated: use `mec.encryptionKeys`. The single key of earlier
       * releases, still read so that what it encrypted decrypts (edge host
       * credentials stored before keys had ids). Alone, it encrypts as key
       * id `legacy`; with `mec.encryptionKeys`, it only decrypts.
       * @deprecated use mec.encryptionKeys
       * @visibility secret
       */
      encryptionKey?: string;
      /**
       * Which edge host URLs (the Kubernetes API server `url` of a host,
       * registered or static) the backend may connect to, in the format of
       * `mec.outbound`: checked at registration (400 otherwise), at startup
       * for static hosts, and before every connection (health checks,
       * drivers, the Kubernetes proxy) with the host name resolved again.
       * Without this section: loopback only in development, nothing
       * elsewhere. Outside development the backend does not start when an
       * allow rule names internal addresses (most edge clusters sit on
       * private networks: list them and set `allowPrivateNetworks`).
       */
      outbound?: {
        /** Allow rules, as `mec.outbound.allow`; edge hosts use https. */
        allow?: Array<{
          /** `edge.example.com`, `*.edge.example.com`, an IP address or a CIDR block. */
          host: string;
          /** Allowed ports; any port when absent. */
          ports?: number[];
          /** Allowed schemes; only `https` reaches an API server. */
          schemes?: Array<'http' | 'https' | 'oci'>;
        }>;
        /**
         * Let allowed host names resolve to internal addresses (loopback,
         * link-local, private). Default false.
         */
        allowPrivateNetworks?: boolean;
      };
      /** The scheduled health check (one backend replica per round). */
      healthCheck?: {
        /** How often every host is checked; default 30 seconds. */
        frequency?: string | HumanDuration;
        /** Bound of one host's check; default 10 seconds. */
        timeout?: string | HumanDuration;
      };
      /**
       * Hosts defined here, like the Kubernetes plugin's `clusters`; synced
       * into the registry at startup, and not changeable through the API.
       */
      static?: Array<{
        /** Unique DNS-label name. */
        name: string;
        title?: string;
        description?: string;
        /** Kubernetes API server URL (https). */
        url: string;
        /** Base64 PEM of the API server's CA, as in a kubeconfig. */
        caData?: string;
        authProvider: 'serviceAccount' | 'clientCertificate';
        /**
         * Token of the ServiceAccount (authProvider serviceAccount).
         * @visibility secret
         */
        serviceAccountToken?: string;
        /**
         * Base64 PEM client certificate (authProvider clientCertificate).
         * @visibility secret
         */
        clientCertData?: string;
        /**
         * Base64 PEM private key (authProvider clientCertificate).
         * @visibility secret
         */
        clientKeyData?: string;
        /**
         * The id of a registered edge driver: `helm` (default), `flux`, or one
         * a backend module adds. The backend does not start with an id that
         * is not registered.
         */
        driver?: string;
        /** Kubernetes-style labels for placement, e.g. `topology.kubernetes.io/zone`. */
        labels?: { [name: string]: string };
        /** Well-known placement attributes. */
        location?: {
          zone?: string;
          site?: string;
          latitude?: number;
          longitude?: number;
        };
        /**
         * `{ mode: perInstance, prefix? }` (default, namespace
         * `<prefix><appInstanceId>`, prefix default `mec-`) or
         * `{ mode: fixed, namespace }`.
         */
        namespacePolicy?:
          | { mode: 'perInstance'; prefix?: string }
          | { mode: 'fixed'; namespace: string };
      }>;
    };

    /**
     * The MEO's registry of MEPMs (combined and meo roles): MEPMs are
     * registered through `/api/mec/mepms`; these settings tune how the MEO
     * reaches them.
     */
    mepms?: {
      /** How often each MEPM's health and hosts are read; default 30 s. */
      checkIntervalSeconds?: number;
      /**
       * How long a MEPM may stay unreachable while it carries out an
       * operation for the MEO before the MEO's op occurrence ends
       * FAILED_TEMP (retry once it is back); default 30 s.
       */
      unreachableSeconds?: number;
      /**
       * The bearer token MEPMs present (as the HTTP Basic password of the
       * MEO's app_lcm subscription on each MEPM) when they post lifecycle
       * notifications to `{apiRoot}/mepms/{name}/notifications`. It must be
       * a static `backend.auth.externalAccess` token of the mec plugin whose
       * subject `mec.clients` allows `mec.mepm.notify`. Without it the MEO
       * subscribes to nothing and polls only; required outside development
       * when the MEO works with MEPMs (role `meo`, or `mec.mepms.outbound`).
       * @visibility secret
       */
      notificationToken?: string;
      /**
       * Which MEPM apiRoots (and their token endpoints) may be registered
       * and reached, in the format of `mec.outbound`: checked at
       * registration (400 otherwise) and before every call. Without this
       * section: loopback only in development, nothing elsewhere.
       */
      outbound?: {
        allow?: Array<{
          host: string;
          ports?: number[];
          schemes?: Array<'http' | 'https' | 'oci'>;
        }>;
        allowPrivateNetworks?: boolean;
      };
    };
  };
}
