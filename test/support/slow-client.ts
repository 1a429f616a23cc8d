import net from 'node:net';

/** How a raw connection ended. */
export interface SocketEnd {
  /** Epoch ms when the connection was closed. */
  at: number;
  /** The server closed it (its FIN, or a reset), not this side. */
  byServer: boolean;
  /** Everything the server sent before closing. */
  received: string;
}

/**
 * A raw TCP connection to an HTTP server that sends exactly what it is told, when it is told:
 * a client that is slow on purpose (part of the headers, part of a body, or nothing at all).
 */
export interface SlowClient {
  /** Epoch ms when the connection was established. */
  openedAt: number;
  send(bytes: string): void;
  /** Sends `bytes` every `everyMs` until the connection ends. */
  trickle(bytes: string, everyMs: number): void;
  /** What the server has sent so far. */
  received(): string;
  /** Settles once, when the connection is closed by either side. */
  ended: Promise<SocketEnd>;
  close(): void;
}

export function openSlowClient(port: number, options: { host?: string; localAddress?: string } = {}): Promise<SlowClient> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: options.host ?? '127.0.0.1', ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
    let received = '';
    let closedHere = false;
    let timer: NodeJS.Timeout | undefined;
    const ended = new Promise<SocketEnd>((settle) => {
      // 'end' is the server's FIN; 'close' also comes for a reset or for our own close.
      let end: SocketEnd | undefined;
      socket.on('end', () => {
        end ??= { at: Date.now(), byServer: !closedHere, received };
        socket.destroy();
      });
      socket.on('close', () => {
        clearInterval(timer);
        end ??= { at: Date.now(), byServer: !closedHere, received };
        settle({ ...end, received });
      });
    });
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', (e) => {
      if (!socket.connecting) return;
      reject(e);
    });
    socket.once('connect', () => {
      resolve({
        openedAt: Date.now(),
        send: (bytes) => void socket.write(bytes),
        trickle(bytes, everyMs) {
          clearInterval(timer);
          timer = setInterval(() => {
            if (!socket.destroyed) socket.write(bytes);
          }, everyMs);
        },
        received: () => received,
        ended,
        close() {
          closedHere = true;
          socket.destroy();
        },
      });
    });
  });
}
