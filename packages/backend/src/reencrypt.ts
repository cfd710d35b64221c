/*
 * `npm run mec:reencrypt [-- --config <file> ...]`: re-encrypts every secret
 * the mec plugin stores (edge host credentials, subscription credentials,
 * op occurrence commands with their Helm values) under the first key of
 * `mec.encryptionKeys`, so that the other keys can be removed from config.
 *
 * It reads config as the backend does (app-config.yaml and
 * app-config.local.yaml, or the --config files, with ${VAR} substitution)
 * and opens the mec plugin's database the way the backend does, on SQLite
 * or PostgreSQL. Safe while backends run: each row is rewritten only if it
 * has not changed meanwhile, and they read both keys until config drops one.
 */
import { DatabaseManager } from '@backstage/backend-defaults/database';
import { ConfigSources } from '@backstage/config-loader';
import { reencryptStoredSecrets } from '@helmmec/plugin-mec-backend';
import { resolve } from 'node:path';

// eslint-disable-next-line no-restricted-syntax
const backendDir = resolve(__dirname, '..');

/** The backend's LoggerService, on stderr. */
class ConsoleLogger {
  error(message: string, meta?: Error | object) {
    this.#write('error', message, meta);
  }
  warn(message: string, meta?: Error | object) {
    this.#write('warn', message, meta);
  }
  info(message: string, meta?: Error | object) {
    this.#write('info', message, meta);
  }
  debug() {}
  child(): ConsoleLogger {
    return this;
  }
  #write(level: string, message: string, meta?: Error | object) {
    const detail = meta instanceof Error ? `: ${meta.message}` : '';
    process.stderr.write(`${level} ${message}${detail}\n`);
  }
}

/** Runs the command with these arguments; resolves with what it printed. */
export async function runReencrypt(argv: string[]): Promise<string> {
  const config = await ConfigSources.toConfig(
    ConfigSources.default({ argv, rootDir: resolve(backendDir, '../..') }),
  );
  const shutdown: Array<() => void | Promise<void>> = [];
  // Shutdown hooks close the connection and stop its keepalive timer.
  const lifecycle = {
    addStartupHook: () => {},
    addBeforeShutdownHook: () => {},
    addShutdownHook: (hook: () => void | Promise<void>) => {
      shutdown.push(hook);
    },
  };
  const logger = new ConsoleLogger();
  // Relative SQLite directories in config are relative to the backend
  // package, where `npm start` runs the backend.
  const cwd = process.cwd();
  process.chdir(backendDir);
  try {
    const database = DatabaseManager.fromConfig(config, {
      rootLifecycle: lifecycle,
      rootLogger: logger,
    }).forPlugin('mec', { logger, lifecycle });
    const knex = await database.getClient();
    try {
      const summary = await reencryptStoredSecrets({ config, knex });
      return `Every stored secret is now encrypted under key '${summary.keyId}': re-encrypted ${summary.edgeHostCredentials} edge host credential(s), ${summary.mepmCredentials} MEPM credential(s), ${summary.subscriptionCredentials} subscription credential(s), ${summary.opOccCommands} op occurrence command(s).`;
    } finally {
      await knex.destroy();
      for (const hook of shutdown) await hook();
    }
  } finally {
    process.chdir(cwd);
    config.close();
  }
}

if (require.main === module) {
  runReencrypt(process.argv.slice(2)).then(
    summary => {
      process.stdout.write(`${summary}\n`);
    },
    error => {
      process.stderr.write(`mec:reencrypt failed: ${error.message}\n`);
      process.exitCode = 1;
    },
  );
}
