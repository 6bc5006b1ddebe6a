import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface LifecycleOptions {
  /** Most open connections; sockets past it are marked over the cap (answered 503, then closed). */
  maxConnections: number;
  /**
   * Most connections counted toward `maxConnections` from one remote address; that address's sockets past it
   * are over the cap too. Default: all of `maxConnections`.
   */
  maxConnectionsPerClient?: number;
  /**
   * How long an over-cap socket may stay open at all (whether or not it sends anything): it is closed after
   * 80–100% of this (spread, so a flood's sockets do not all close in one loop iteration). Default 5000 ms.
   */
  overCapLifetimeMs?: number;
  /**
   * Longest a counted socket may take to deliver its first request's headers: past 90–100% of it (spread, as
   * above) it is answered 408 and closed. Node's own `headersTimeout` (the same value, checked every second)
   * stays as the backstop, for later requests on a kept-alive socket; on its own it closed 768 sockets in one
   * 75 ms step (issue 21). 0: Node's check only. Default 0.
   */
  headersTimeoutMs?: number;
  /** Quiet time, after the last accepted request is answered, for bytes already on the wire to be read. Default 100 ms. */
  lingerMs?: number;
  /** Longest the drain waits for that quiet time while new requests keep arriving. Default 2000 ms. */
  lingerMaxMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The server's connections and requests over its life, and the graceful drain:
 * - connections are counted, in all and per remote address; past `maxConnections` (or the address's
 *   `maxConnectionsPerClient`) a socket is marked so its requests but health get 503 (a reset tells a client
 *   nothing), and it is dropped after 5 s;
 * - every request is tracked from the moment it is read until its response closes;
 * - `drain()` keeps the listener open (new requests are still read, and answered 503 by the caller), marks
 *   every answer still to come `Connection: close`, waits until every request is answered and the scorer is
 *   idle, then for a quiet moment (bytes already on the wire get read), and only then closes the listener and
 *   the idle connections. Closing idle keep-alive connections at the signal is what reset requests before.
 */
export class Lifecycle {
  readonly #server: Server;
  readonly #options: Required<LifecycleOptions>;
  readonly #connections = new Set<Socket>();
  readonly #overCap = new WeakSet<Socket>();
  /** Over-cap sockets still open (not counted in #connections). */
  readonly #overCapOpen = new Set<Socket>();
  /** Counted connections per remote address. */
  readonly #perClient = new Map<string, number>();
  readonly #responses = new Set<ServerResponse>();
  /** Counted sockets that have not delivered a request yet, with their header timers. */
  readonly #awaitingHeaders = new Map<Socket, NodeJS.Timeout>();
  #idleWaiters: (() => void)[] = [];
  #lastRequestAt = 0;
  #draining = false;

  constructor(server: Server, options: LifecycleOptions) {
    this.#server = server;
    this.#options = {
      lingerMs: 100,
      lingerMaxMs: 2_000,
      maxConnectionsPerClient: options.maxConnections,
      overCapLifetimeMs: 5_000,
      headersTimeoutMs: 0,
      ...options,
    };
    server.on('connection', (socket: Socket) => this.#accept(socket));
  }

  /**
   * Counts a new socket, or marks it over the cap: over the global cap, or over its address's share. An
   * over-cap socket is not counted (one client holding its share cannot also hold the others'), gets 503 on
   * any request but health, and is closed after `overCapLifetimeMs` whatever it does (dripping one byte at a
   * time keeps no idle timer from firing). Past another `maxConnections` of those, new sockets are closed at once.
   */
  #accept(socket: Socket): void {
    const address = socket.remoteAddress ?? '';
    const fromClient = this.#perClient.get(address) ?? 0;
    if (this.#connections.size < this.#options.maxConnections && fromClient < this.#options.maxConnectionsPerClient) {
      this.#connections.add(socket);
      this.#perClient.set(address, fromClient + 1);
      if (this.#options.headersTimeoutMs > 0) {
        const timer = setTimeout(() => this.#headersTimedOut(socket), this.#options.headersTimeoutMs * (0.9 + 0.1 * Math.random()));
        timer.unref();
        this.#awaitingHeaders.set(socket, timer);
      }
      socket.once('close', () => {
        clearTimeout(this.#awaitingHeaders.get(socket));
        this.#awaitingHeaders.delete(socket);
        this.#connections.delete(socket);
        const left = (this.#perClient.get(address) ?? 1) - 1;
        if (left > 0) this.#perClient.set(address, left);
        else this.#perClient.delete(address);
      });
      return;
    }
    if (this.#overCapOpen.size >= this.#options.maxConnections) {
      socket.destroy();
      return;
    }
    this.#overCap.add(socket);
    this.#overCapOpen.add(socket);
    const timer = setTimeout(() => socket.destroy(), this.#options.overCapLifetimeMs * (0.8 + 0.2 * Math.random()));
    timer.unref();
    socket.once('close', () => {
      clearTimeout(timer);
      this.#overCapOpen.delete(socket);
    });
  }

  /** A counted socket whose first request's headers did not arrive in time: 408, then closed. */
  #headersTimedOut(socket: Socket): void {
    this.#awaitingHeaders.delete(socket);
    if (socket.destroyed) return;
    socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', () => socket.destroy());
    // A peer that never reads must not keep it open either.
    setTimeout(() => socket.destroy(), 1_000).unref();
  }

  /** Connections counted toward the cap (over-cap ones excluded). */
  get connections(): number {
    return this.#connections.size;
  }

  /** Over-cap connections still open (they are closed within `overCapLifetimeMs`). */
  get overCapConnections(): number {
    return this.#overCapOpen.size;
  }

  /** Counted connections from `address`. */
  connectionsFrom(address: string): number {
    return this.#perClient.get(address) ?? 0;
  }

  /** Requests read and not yet answered. */
  get activeRequests(): number {
    return this.#responses.size;
  }

  get draining(): boolean {
    return this.#draining;
  }

  isOverCap(socket: Socket): boolean {
    return this.#overCap.has(socket);
  }

  /** Tracks a request from now until its response closes; `onClose` runs first. */
  track(response: ServerResponse, onClose: () => void): void {
    this.#lastRequestAt = performance.now();
    const socket = response.socket;
    if (socket && this.#awaitingHeaders.has(socket)) {
      clearTimeout(this.#awaitingHeaders.get(socket));
      this.#awaitingHeaders.delete(socket);
    }
    if (this.#draining) response.shouldKeepAlive = false;
    this.#responses.add(response);
    response.once('close', () => {
      onClose();
      this.#responses.delete(response);
      if (this.#responses.size === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
    });
  }

  /** Marks a request seen (also the ones answered before tracking, e.g. a bad request-target). */
  touch(): void {
    this.#lastRequestAt = performance.now();
  }

  /** Graceful drain (see the class comment); `settle` waits for the scorer to be idle. */
  async drain(settle: () => Promise<void>): Promise<void> {
    // One more I/O poll first: requests whose bytes were already received when the signal came are read (and
    // admitted as usual) before new requests start being refused.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    this.#draining = true;
    for (const response of this.#responses) if (!response.headersSent) response.shouldKeepAlive = false;
    const started = performance.now();
    for (;;) {
      if (this.#responses.size > 0) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
      await settle();
      const quiet = performance.now() - this.#lastRequestAt;
      if (this.#responses.size === 0 && (quiet >= this.#options.lingerMs || performance.now() - started > this.#options.lingerMaxMs)) break;
      await sleep(Math.max(1, this.#options.lingerMs - quiet));
    }
    // Stop listening; idle keep-alive connections close now, the others after their (Connection: close) answer.
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    const forced = setTimeout(() => this.#server.closeAllConnections(), this.#options.lingerMaxMs);
    await closed;
    clearTimeout(forced);
  }
}
