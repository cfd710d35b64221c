import { spawn } from 'node:child_process';
import https from 'node:https';

/** Run a CLI (kubectl, helm) and collect its output; rejects on non-zero exit. */
export function run(
  exe: string,
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(exe, args, {
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => (stdout += d));
    child.stderr.on('data', d => (stderr += d));
    const timer = opts.timeoutMs
      ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs)
      : undefined;
    child.on('error', err => {
      if (timer) clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else {
        const name = exe.split('/').pop();
        reject(
          Object.assign(
            new Error(
              `${name} ${args.join(' ')} failed (${
                signal ?? `exit ${code}`
              }): ${stderr.trim() || stdout.trim()}`,
            ),
            { stdout, stderr, code },
          ),
        );
      }
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** GET an HTTPS URL on loopback; returns status and body (never throws on HTTP status). */
export function httpsGet(
  url: string,
  tls: {
    ca?: Buffer | string;
    cert?: Buffer | string;
    key?: Buffer | string;
    insecure?: boolean;
  },
  timeoutMs = 5000,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      url,
      {
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        rejectUnauthorized: !tls.insecure,
        timeout: timeoutMs,
      },
      res => {
        let body = '';
        res.on('data', d => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`timeout after ${timeoutMs}ms`)),
    );
    req.on('error', reject);
  });
}
