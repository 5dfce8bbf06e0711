/**
 * Connection facts for Node requests: the socket's address and TLS flag, or the PROXY
 * protocol facts when the connection came through proxytrust's PROXY protocol listener.
 */
import type { IncomingMessage } from 'node:http';
import { connectionFacts, getProxyHeader } from '../proxy-protocol/facts.js';
import type { ConnectionInfo } from './options.js';

const NO_SOCKET: ConnectionInfo = Object.freeze({ peer: undefined, encrypted: false });

/**
 * The default `connection` for Node requests. A socket that carries an accepted PROXY
 * header (see `proxytrust/proxy-protocol`) reports the PROXY source as the peer and the
 * header's TLS facts; any other socket reports `remoteAddress` and `encrypted`.
 */
export function nodeConnection(req: IncomingMessage): ConnectionInfo {
  const s = req.socket;
  if (s === null || s === undefined) return NO_SOCKET;
  if (getProxyHeader(s) !== undefined) {
    const f = connectionFacts(s);
    return { peer: f.peer, encrypted: f.encrypted };
  }
  return { peer: s.remoteAddress, encrypted: (s as { encrypted?: boolean }).encrypted === true };
}
