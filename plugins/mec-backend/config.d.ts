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
  };
}
