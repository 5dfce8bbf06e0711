/**
 * Connection facts for Node requests: the socket's address and TLS flag, or the PROXY
 * protocol facts when the connection came through proxytrust's PROXY protocol listener.
 */
import type { IncomingMessage } from 'node:http';
import { connectionFacts, getProxyHeader } from '../proxy-protocol/facts.js';
import type { ConnectionInfo } from './options.js';

const NO_SOCKET: ConnectionInfo = Object.freeze({ peer: undefined, encrypted: false });

/** Where a socket keeps its facts once read: they do not change while it is open. */
const FACTS: unique symbol = Symbol('proxytrust.connection') as never;

type Carrier = { [FACTS]?: ConnectionInfo; encrypted?: boolean };

/**
 * The default `connection` for Node requests. A socket that carries an accepted PROXY
 * header (see `proxytrust/proxy-protocol`) reports the PROXY source as the peer and the
 * header's TLS facts; any other socket reports `remoteAddress` and `encrypted`.
 *
 * The answer is kept on the socket, so the requests after the first on a keep-alive
 * connection read one property (a socket's address and TLS, and the PROXY header that the
 * listener accepted before any HTTP, are fixed for its life). A socket without an
 * address yet (or any more) is not remembered.
 */
export function nodeConnection(req: IncomingMessage): ConnectionInfo {
  const s = req.socket;
  if (s === null || s === undefined) return NO_SOCKET;
  const known = (s as Carrier)[FACTS];
  if (known !== undefined) return known;
  let info: ConnectionInfo;
  if (getProxyHeader(s) !== undefined) {
    const f = connectionFacts(s);
    info = Object.freeze({ peer: f.peer, encrypted: f.encrypted });
  } else {
    info = Object.freeze({ peer: s.remoteAddress, encrypted: (s as Carrier).encrypted === true });
  }
  if (info.peer) (s as Carrier)[FACTS] = info;
  return info;
}
