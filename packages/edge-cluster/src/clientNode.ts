/** The `@kubernetes/client-node` module (ESM-only since 1.0). */
export type ClientNode = typeof import('@kubernetes/client-node');

/**
 * Load `@kubernetes/client-node` from CommonJS code in every runtime we use:
 * plain `require` works on Node 20.19+ and under jest without
 * `--experimental-vm-modules` (the package is transformed); with that flag,
 * jest refuses to `require` ES modules and a dynamic `import()` is needed.
 */
export async function loadClientNode(): Promise<ClientNode> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('@kubernetes/client-node');
  } catch (e: any) {
    if (
      !/ES Module|ERR_REQUIRE_ESM|require\(\) of ES/i.test(
        `${e?.code} ${e?.message}`,
      )
    )
      throw e;
    return await import('@kubernetes/client-node');
  }
}
