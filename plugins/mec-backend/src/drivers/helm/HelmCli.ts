import type { EdgeHostConnection } from '@helmmec/plugin-mec-node';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Deadline } from '../Deadline';
import { EdgeDriverError } from '../errors';

/** Result of a helm run that exited 0. */
export interface HelmResult {
  stdout: string;
  stderr: string;
}

/** A helm run that exited non-zero; `message` holds the first lines of stderr. */
export class HelmCommandError extends EdgeDriverError {
  readonly stderr: string;

  constructor(message: string, stderr: string) {
    // Connection failures are worth a retry once the cluster is back.
    super(
      /cluster unreachable|connection refused|no such host|i\/o timeout|TLS handshake timeout|EOF$/im.test(
        stderr,
      )
        ? 'unreachable'
        : 'failed',
      message,
    );
    this.stderr = stderr;
  }
}

/**
 * A private working directory for helm calls against one host: a kubeconfig
 * (0600) so the credential never appears in argv or the environment, and
 * helm's cache/config/data homes so calls do not share state.
 */
export class HelmWorkspace {
  readonly dir: string;
  readonly #binary: string;
  readonly #secrets: string[];

  /** Creates the directory and writes the host's kubeconfig into it. */
  static async create(
    binary: string,
    host: EdgeHostConnection,
  ): Promise<HelmWorkspace> {
    const dir = await mkdtemp(join(tmpdir(), 'helmmec-helm-'));
    await chmod(dir, 0o700);
    const secrets =
      host.credential.type === 'serviceAccountToken'
        ? [host.credential.token]
        : [host.credential.certData, host.credential.keyData];
    const workspace = new HelmWorkspace(binary, dir, secrets);
    const user =
      host.credential.type === 'serviceAccountToken'
        ? { token: host.credential.token }
        : {
            'client-certificate-data': host.credential.certData,
            'client-key-data': host.credential.keyData,
          };
    const kubeconfig = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'edge',
          cluster: {
            server: host.server,
            ...(host.caData
              ? { 'certificate-authority-data': host.caData }
              : {}),
          },
        },
      ],
      users: [{ name: 'edge', user }],
      contexts: [{ name: 'edge', context: { cluster: 'edge', user: 'edge' } }],
      'current-context': 'edge',
    };
    try {
      await writeFile(workspace.kubeconfigPath, stringify(kubeconfig), {
        mode: 0o600,
      });
    } catch (e) {
      await workspace.dispose();
      throw e;
    }
    return workspace;
  }

  private constructor(binary: string, dir: string, secrets: string[]) {
    this.#binary = binary;
    this.dir = dir;
    this.#secrets = secrets.filter(s => s.length >= 8);
  }

  get kubeconfigPath(): string {
    return join(this.dir, 'kubeconfig');
  }

  /** Removes the directory with the kubeconfig, chart and values. */
  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Masks anything that looks like the credential, in case a tool echoes it. */
  redact(text: string): string {
    let out = text;
    for (const s of this.#secrets) out = out.split(s).join('[redacted]');
    return out;
  }

  /**
   * Runs helm; killed (SIGTERM, then SIGKILL {@link Deadline.abortGraceMs}
   * later) on abort or when the deadline passes, so a cancelled operation,
   * or one whose lease is lost, does not keep working on the cluster. Settles
   * only once the process has exited.
   */
  run(args: string[], deadline: Deadline): Promise<HelmResult> {
    deadline.check();
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: this.dir,
      KUBECONFIG: this.kubeconfigPath,
      HELM_CACHE_HOME: join(this.dir, '.cache'),
      HELM_CONFIG_HOME: join(this.dir, '.config'),
      HELM_DATA_HOME: join(this.dir, '.data'),
    };
    return new Promise((resolve, reject) => {
      const child = spawn(this.#binary, args, {
        env,
        cwd: this.dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      let killedFor: 'aborted' | 'timeout' | undefined;
      child.stdout.on('data', d => (stdout += d));
      child.stderr.on('data', d => (stderr += d));
      const kill = (why: 'aborted' | 'timeout') => {
        if (killedFor) return;
        killedFor = why;
        child.kill('SIGTERM');
        setTimeout(() => {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGKILL');
          }
        }, Deadline.abortGraceMs).unref();
      };
      const onAbort = () => kill('aborted');
      deadline.signal?.addEventListener('abort', onAbort, { once: true });
      // A little slack past helm's own --timeout, so its error message wins.
      const timer = setTimeout(
        () => kill('timeout'),
        deadline.remainingMs() + 5000,
      );
      const finish = () => {
        clearTimeout(timer);
        deadline.signal?.removeEventListener('abort', onAbort);
      };
      child.on('error', err => {
        finish();
        reject(
          new EdgeDriverError(
            'failed',
            `Cannot run helm (${this.#binary}): ${err.message}`,
            err,
          ),
        );
      });
      child.on('close', code => {
        finish();
        if (killedFor === 'aborted') {
          reject(deadline.abortError());
        } else if (killedFor === 'timeout') {
          reject(deadline.timeoutError(firstLines(this.redact(stderr))));
        } else if (code === 0) {
          resolve({ stdout, stderr });
        } else {
          const detail = firstLines(this.redact(stderr)) || `exit code ${code}`;
          reject(
            new HelmCommandError(
              `helm ${args[0]} failed: ${detail}`,
              this.redact(stderr),
            ),
          );
        }
      });
    });
  }
}

/** The first meaningful lines of helm's stderr, without warnings and the "Error: " prefix. */
export function firstLines(stderr: string, count = 4): string {
  return stderr
    .split('\n')
    .map(l => l.trim())
    .filter(l => l && !/^(WARNING|level=WARN)/i.test(l))
    .slice(0, count)
    .map(l => l.replace(/^Error:\s*/, ''))
    .join(' | ')
    .slice(0, 1000);
}
