/** What channel "workers" record: messages posted from each caller end, failure handlers, terminations. */
export interface ChannelLog {
  requests: number[];
  terminated: number;
  fail: Array<(why: string) => void>;
}

/** A fresh log. */
export const channelLog = (): ChannelLog => ({ requests: [], terminated: 0, fail: [] });

/** The port shape the worker pools take (deflate-serve's DeflatePort, layer-pool's LayerPort). */
interface Port<M> {
  postMessage(msg: M, transfer: Transferable[]): void;
  onMessage(handler: (msg: unknown) => void): void;
  onFailure?(handler: (why: string) => void): void;
  terminate?(): void;
}

/**
 * "Workers" on the two ends of MessageChannels (structured clone and transfer as between threads):
 * each call opens a channel, runs `serve` on its far end and returns the near end, counting its
 * messages in `log.requests` and keeping its failure handlers in `log.fail`.
 */
export function channelWorkers<M, P extends Port<M>>(log: ChannelLog, serve: (port: P) => void): () => P {
  return () => {
    const { port1, port2 } = new MessageChannel();
    const n = log.requests.push(0) - 1;
    const wrap = (p: MessagePort, caller: boolean): Port<M> => ({
      postMessage: (msg, transfer) => {
        if (caller) log.requests[n]++;
        p.postMessage(msg, transfer);
      },
      onMessage: (handler) => {
        p.addEventListener('message', (e) => handler((e as MessageEvent).data));
        p.start();
      },
      onFailure: (handler) => void log.fail.push(handler),
      terminate: () => {
        log.terminated++;
        port1.close();
        port2.close();
      },
    });
    serve(wrap(port2, false) as P);
    return wrap(port1, true) as P;
  };
}
