import { isError } from '@backstage/errors';
import {
  isMainThread,
  parentPort,
  Worker,
  workerData,
} from 'node:worker_threads';
import { PackageContentError, PackageContentErrorKind } from '../content';
import { PackageContent, readPackageContent } from './readPackageContent';

/** Marks a worker thread started by {@link PackageReaderPool}. */
const WORKER_MARK = 'helmmecPackageReader';

/**
 * The worker first lowers its own CPU priority, on Linux where a nice
 * value is per thread (elsewhere it would be the whole process's): loading
 * code and reading packages then yield the cores to the threads answering
 * requests. Then it loads this very module. Under jest and
 * `backstage-cli package start` that is a .ts source: the thread inherits the CLI's
 * `--require nodeTransform.cjs` in the latter, but not jest's transform, so
 * the bootstrap registers Backstage's node transform itself when the
 * thread has no TypeScript hook. A built backend loads the .cjs.js file.
 */
const BOOTSTRAP = `
if (process.platform === 'linux') {
  try {
    const os = require('node:os');
    os.setPriority(os.constants.priority.PRIORITY_LOW);
  } catch {}
}
const { workerData } = require('node:worker_threads');
const entry = workerData.entry;
if (/\\.[cm]?ts$/.test(entry) && !require.extensions['.ts']) {
  require(require.resolve('@backstage/cli/config/nodeTransform.cjs', { paths: [entry] }));
}
require(entry);
`;

/** Heap of one reader thread; a YAML or archive that needs more fails alone. */
const READER_HEAP_MB = 512;

type Reply =
  | { content: PackageContent }
  | {
      contentError: {
        kind: PackageContentErrorKind;
        title: string;
        detail: string;
        problems: string[];
      };
    }
  | { message: string };

/** One worker thread, reading one archive at a time. */
class ReaderThread {
  private pending?: {
    resolve: (content: PackageContent) => void;
    reject: (error: unknown) => void;
  };
  dead = false;

  constructor(private readonly worker: Worker) {
    worker.on('message', (reply: Reply) => this.settle(reply));
    worker.on('error', error => this.die(crashError(error)));
    worker.on('exit', code =>
      this.die(new Error(`The package reader thread exited (code ${code})`)),
    );
    worker.unref();
  }

  read(archive: Buffer, signal?: AbortSignal): Promise<PackageContent> {
    return new Promise<PackageContent>((resolve, reject) => {
      const onAbort = () => {
        // The thread may be deep in synchronous parsing: only ending it stops it.
        this.die(signal!.reason);
        this.terminate();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => {
        signal?.removeEventListener('abort', onAbort);
        this.worker.unref();
      };
      this.pending = {
        resolve: content => {
          done();
          resolve(content);
        },
        reject: error => {
          done();
          reject(error);
        },
      };
      this.worker.ref();
      // Copied (structured clone), so the caller's buffer stays usable.
      this.worker.postMessage({ archive });
    });
  }

  terminate(): void {
    this.dead = true;
    this.worker.terminate().catch(() => {});
  }

  private settle(reply: Reply) {
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) return;
    if ('content' in reply) {
      pending.resolve(toBuffers(reply.content));
    } else if ('contentError' in reply) {
      pending.reject(new PackageContentError(reply.contentError));
    } else {
      pending.reject(new Error(reply.message));
    }
  }

  private die(error: unknown) {
    this.dead = true;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
  }
}

/**
 * Reads package archives ({@link readPackageContent}) in worker threads,
 * so that unpacking and YAML parsing, bounded but CPU-bound, never hold
 * the event loop that answers requests. At most `size` threads, started
 * when first needed and kept for the next archive; reads beyond `size`
 * wait for a free thread.
 */
export class PackageReaderPool {
  private readonly idle: ReaderThread[] = [];
  private readonly busy = new Set<ReaderThread>();
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly options: { size: number }) {
    if (!(Number.isInteger(options.size) && options.size >= 1)) {
      throw new Error('PackageReaderPool: size must be at least 1');
    }
  }

  /**
   * Reads an archive in a worker thread; same result and same
   * PackageContentError as {@link readPackageContent}. Aborting `signal`
   * ends the thread reading it.
   */
  async read(
    archive: Buffer,
    options?: { signal?: AbortSignal },
  ): Promise<PackageContent> {
    const signal = options?.signal;
    signal?.throwIfAborted();
    const thread = await this.acquire();
    try {
      signal?.throwIfAborted();
      return await thread.read(archive, signal);
    } finally {
      this.release(thread);
    }
  }

  /** Ends every thread; reads under way fail, later reads start new threads. */
  async close(): Promise<void> {
    for (const thread of [...this.idle.splice(0), ...this.busy]) {
      thread.terminate();
    }
  }

  private async acquire(): Promise<ReaderThread> {
    for (;;) {
      const thread = this.idle.pop();
      if (thread && !thread.dead) {
        this.busy.add(thread);
        return thread;
      }
      if (!thread && this.busy.size < this.options.size) {
        const started = startThread();
        this.busy.add(started);
        return started;
      }
      if (!thread) {
        await new Promise<void>(resolve => this.waiting.push(resolve));
      }
    }
  }

  private release(thread: ReaderThread) {
    this.busy.delete(thread);
    if (!thread.dead) this.idle.push(thread);
    this.waiting.shift()?.();
  }
}

function startThread(): ReaderThread {
  return new ReaderThread(
    new Worker(BOOTSTRAP, {
      eval: true,
      // eslint-disable-next-line no-restricted-syntax
      workerData: { [WORKER_MARK]: true, entry: __filename },
      resourceLimits: { maxOldGenerationSizeMb: READER_HEAP_MB },
    }),
  );
}

function crashError(error: Error): Error {
  if ((error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new PackageContentError({
      kind: 'limits',
      title: 'Package too demanding',
      detail: `Reading the package needed more than ${READER_HEAP_MB} MiB of memory.`,
    });
  }
  return error;
}

/** Buffers come back from a thread as plain Uint8Arrays. */
function toBuffers(content: PackageContent): PackageContent {
  const buffer = (u: Uint8Array) =>
    Buffer.from(u.buffer, u.byteOffset, u.byteLength);
  return {
    ...content,
    chart: { ...content.chart, archive: buffer(content.chart.archive) },
    builtPackageArchive:
      content.builtPackageArchive && buffer(content.builtPackageArchive),
  };
}

/** The worker side: reads each archive it is sent and replies. */
function serve() {
  const port = parentPort!;
  port.on('message', async ({ archive }: { archive: Uint8Array }) => {
    let reply: Reply;
    try {
      reply = {
        content: await readPackageContent(
          Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength),
        ),
      };
    } catch (error) {
      reply =
        error instanceof PackageContentError
          ? {
              contentError: {
                kind: error.kind,
                title: error.title,
                detail: error.detail,
                problems: error.problems,
              },
            }
          : { message: isError(error) ? error.message : String(error) };
    }
    port.postMessage(reply);
  });
}

if (!isMainThread && workerData?.[WORKER_MARK]) {
  serve();
}
