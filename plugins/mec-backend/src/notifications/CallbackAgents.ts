import http from 'node:http';
import https from 'node:https';
import { Socket } from 'node:net';

/** Limits of the connections {@link CallbackAgents} keeps. */
export interface CallbackAgentOptions {
  /** Connections at once to one origin; default 8. */
  maxSocketsPerOrigin: number;
  /** A connection not established within this is given up; default 2 s. */
  connectTimeoutMs: number;
  /** An idle kept-alive connection is closed after this; default 5 s. */
  idleTimeoutMs: number;
}

const DEFAULTS: CallbackAgentOptions = {
  maxSocketsPerOrigin: 8,
  connectTimeoutMs: 2_000,
  idleTimeoutMs: 5_000,
};

interface Entry {
  agent: http.Agent;
  lastUsed: number;
}

/**
 * Keep-alive connection pools for notification requests, one agent per
 * callback origin, with a bounded number of sockets each. A subscriber
 * that does not accept connections fails fast (the connect timeout), so
 * that it is parked for a retry rather than holding a delivery slot.
 * Agents of origins unused for a while are closed.
 */
export class CallbackAgents {
  static create(options: Partial<CallbackAgentOptions> = {}): CallbackAgents {
    const defined = Object.fromEntries(
      Object.entries(options).filter(([, v]) => v !== undefined),
    );
    return new CallbackAgents({ ...DEFAULTS, ...defined });
  }

  private readonly agents = new Map<string, Entry>();
  private lastSweep = Date.now();

  private constructor(private readonly options: CallbackAgentOptions) {}

  /** The agent for requests to `url`'s origin. */
  forUrl(url: string | URL): http.Agent {
    const { origin, protocol } = new URL(url);
    const now = Date.now();
    this.sweep(now);
    let entry = this.agents.get(origin);
    if (!entry) {
      entry = { agent: this.createAgent(protocol), lastUsed: now };
      this.agents.set(origin, entry);
    }
    entry.lastUsed = now;
    return entry.agent;
  }

  /** Closes every pooled connection; for stopping. */
  destroy(): void {
    for (const { agent } of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  private sweep(now: number): void {
    const idle = this.options.idleTimeoutMs * 2;
    if (now - this.lastSweep < idle) return;
    this.lastSweep = now;
    for (const [origin, entry] of this.agents) {
      if (now - entry.lastUsed > idle) {
        entry.agent.destroy();
        this.agents.delete(origin);
      }
    }
  }

  private createAgent(protocol: string): http.Agent {
    const options = {
      keepAlive: true,
      maxSockets: this.options.maxSocketsPerOrigin,
      maxFreeSockets: this.options.maxSocketsPerOrigin,
      // Idle sockets close (and so stop pointing at an old address) soon.
      timeout: this.options.idleTimeoutMs,
      scheduling: 'lifo' as const,
    };
    const agent =
      protocol === 'https:'
        ? new https.Agent(options)
        : new http.Agent(options);
    const connectTimeoutMs = this.options.connectTimeoutMs;
    // Node's agents have no connect timeout of their own: wrap theirs.
    const withConnection = agent as unknown as {
      createConnection: (...args: unknown[]) => Socket;
    };
    const createConnection = withConnection.createConnection.bind(agent);
    withConnection.createConnection = (...args: unknown[]) => {
      const socket = createConnection(...args);
      const timer = setTimeout(() => {
        const error: NodeJS.ErrnoException = new Error(
          `connect timeout after ${connectTimeoutMs} ms`,
        );
        error.code = 'ECONNECTTIMEOUT';
        socket.destroy(error);
      }, connectTimeoutMs);
      timer.unref();
      const clear = () => clearTimeout(timer);
      socket.once('connect', clear);
      socket.once('close', clear);
      return socket;
    };
    return agent;
  }
}
