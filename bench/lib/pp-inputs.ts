/**
 * The PROXY protocol inputs that bench/proxy-protocol.ts times and bench/instructions.ts
 * counts: each header followed by the start of an HTTP request, as a socket's first chunk.
 */
import type * as Codec from '../../src/proxy-protocol/index.js';

export interface ProxyInputs {
  /** The HTTP request after every header. */
  readonly request: Buffer;
  readonly v1: Buffer;
  /** v2 without TLVs. */
  readonly v2bare: Buffer;
  /** v2 with the TLVs HAProxy sends with `proxy-v2-options ssl,cert-cn,authority,unique-id`. */
  readonly v2tlvs: Buffer;
  /** The same plus CRC32C (`proxy-v2-options ...,crc32c`). */
  readonly v2crc32c: Buffer;
}

/** The source address every input carries, and every parser must read. */
export const SOURCE = '203.0.113.7';

/** Build the inputs with the codec under test (the built package). */
export function proxyInputs(codec: typeof Codec): ProxyInputs {
  const { encodeProxyHeader, SslClientFlags, sslTlv, TlvType, tlv } = codec;
  const request = Buffer.from('GET / HTTP/1.1\r\nHost: app.example.com\r\n\r\n');
  const addresses = {
    kind: 'ip',
    sourceAddress: SOURCE,
    sourcePort: 56324,
    destinationAddress: '10.0.0.5',
    destinationPort: 443,
  } as const;
  const tlvs = [
    tlv(TlvType.ALPN, 'http/1.1'),
    tlv(TlvType.AUTHORITY, 'app.example.com'),
    tlv(TlvType.UNIQUE_ID, '203.0.113.7:56324_10.0.0.5:443_1700000000_0001'),
    sslTlv({
      client: SslClientFlags.SSL | SslClientFlags.CERT_CONN | SslClientFlags.CERT_SESS,
      version: 'TLSv1.3',
      commonName: 'edge-client-7',
      cipher: 'TLS_AES_256_GCM_SHA384',
      signatureAlgorithm: 'ecdsa-with-SHA256',
      keyAlgorithm: 'EC256',
    }),
  ];
  const chunk = (header: Uint8Array) => Buffer.concat([Buffer.from(header), request]);
  return {
    request,
    v1: chunk(Buffer.from(`PROXY TCP4 ${SOURCE} 10.0.0.5 56324 443\r\n`)),
    v2bare: chunk(encodeProxyHeader({ version: 2, addresses })),
    v2tlvs: chunk(encodeProxyHeader({ version: 2, addresses, tlvs })),
    v2crc32c: chunk(encodeProxyHeader({ version: 2, addresses, tlvs }, { crc32c: true })),
  };
}
