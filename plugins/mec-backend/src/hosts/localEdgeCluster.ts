import { Config } from '@backstage/config';
import { NotFoundError } from '@backstage/errors';
import { readFile } from 'node:fs/promises';

/** How far `npm start` is with the local edge cluster. */
export type LocalEdgeClusterPhase =
  | 'building'
  | 'starting'
  | 'registering'
  | 'registered'
  | 'failed';

const PHASES: readonly LocalEdgeClusterPhase[] = [
  'building',
  'starting',
  'registering',
  'registered',
  'failed',
];

/** The progress of the local edge cluster, as the portal shows it. */
export interface LocalEdgeClusterProgress {
  /** The edge host name it registers as. */
  name: string;
  phase: LocalEdgeClusterPhase;
  /** While building: the Go module being built, or `lock`. */
  component?: string;
  /** While building: the components already built. */
  built?: string[];
  message: string;
  startedAt: Date;
  updatedAt: Date;
  /** Seconds from startedAt to now, or to updatedAt once it settled. */
  elapsedSeconds: number;
  /** The last lines of its log, oldest first. */
  log: string[];
  error?: string;
  hint?: string;
}

/** What the reader keeps of a long log or a long line. */
const MAX_LOG_LINES = 20;
const MAX_LINE_CHARS = 500;
/** A failed build's error carries the last lines of go's output. */
const MAX_ERROR_CHARS = 4000;
/** A status file is a few kilobytes; anything larger is not ours. */
const MAX_FILE_BYTES = 256 * 1024;

/**
 * The progress of the local edge cluster that `npm start` builds, starts
 * and registers in the background (scripts/lib/localEdgeCluster.mjs), read
 * from the file it writes (`mec.localEdgeCluster.statusFile`). Only a
 * development portal sets that option; elsewhere there is nothing to read.
 */
export class LocalEdgeClusterStatus {
  static fromConfig(
    config: Config,
    options: { now?: () => Date } = {},
  ): LocalEdgeClusterStatus {
    return new LocalEdgeClusterStatus(
      config.getOptionalString('mec.localEdgeCluster.statusFile'),
      options.now ?? (() => new Date()),
    );
  }

  constructor(
    private readonly statusFile: string | undefined,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** @throws NotFoundError when there is no local edge cluster (yet) */
  async read(): Promise<LocalEdgeClusterProgress> {
    if (!this.statusFile) {
      throw new NotFoundError(
        'This backend has no local edge cluster (mec.localEdgeCluster.statusFile is not set; npm start sets it)',
      );
    }
    let text: string;
    try {
      text = await readFile(this.statusFile, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new NotFoundError(
          'The local edge cluster has not reported any progress yet',
        );
      }
      throw error;
    }
    return this.parse(text);
  }

  /**
   * The file's content, kept to the documented shape: the writer is ours,
   * but a half-written or foreign file must not reach the wire as is.
   */
  private parse(text: string): LocalEdgeClusterProgress {
    const now = this.now();
    let raw: Record<string, unknown> = {};
    try {
      const parsed = JSON.parse(text.slice(0, MAX_FILE_BYTES));
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        raw = parsed;
      }
    } catch {
      // reported below as a failure to read
    }
    const str = (value: unknown, max = MAX_LINE_CHARS) =>
      typeof value === 'string' && value.length > 0
        ? value.slice(0, max)
        : undefined;
    const date = (value: unknown) => {
      const d = typeof value === 'string' ? new Date(value) : undefined;
      return d && !Number.isNaN(d.getTime()) ? d : undefined;
    };
    const lines = (value: unknown) =>
      Array.isArray(value)
        ? value
            .filter((l): l is string => typeof l === 'string')
            .slice(-MAX_LOG_LINES)
            .map(l => l.slice(0, MAX_LINE_CHARS))
        : [];
    const phase = PHASES.find(p => p === raw.phase);
    const startedAt = date(raw.startedAt);
    if (!phase || !startedAt) {
      return {
        name: str(raw.name) ?? 'edge-1',
        phase: 'failed',
        message: 'Its progress cannot be read',
        startedAt: startedAt ?? now,
        updatedAt: now,
        elapsedSeconds: 0,
        log: [],
        error: `${this.statusFile} does not hold the progress of a local edge cluster`,
        hint: 'Stop npm start and start it again',
      };
    }
    const updatedAt = date(raw.updatedAt) ?? startedAt;
    const settled = phase === 'registered' || phase === 'failed';
    const until = settled ? updatedAt : now;
    const built = lines(raw.built);
    const component = str(raw.component);
    const error = str(raw.error, MAX_ERROR_CHARS);
    const hint = str(raw.hint);
    return {
      name: str(raw.name) ?? 'edge-1',
      phase,
      ...(component ? { component } : {}),
      ...(built.length ? { built } : {}),
      message: str(raw.message) ?? phase,
      startedAt,
      updatedAt,
      elapsedSeconds: Math.max(
        0,
        Math.round((until.getTime() - startedAt.getTime()) / 1000),
      ),
      log: lines(raw.log),
      ...(error ? { error } : {}),
      ...(hint ? { hint } : {}),
    };
  }
}
