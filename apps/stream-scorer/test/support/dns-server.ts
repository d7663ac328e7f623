// A tiny authoritative DNS server on loopback UDP, standing in for CoreDNS's answers about a headless Service:
// the A records of the Ready replicas, NXDOMAIN when there is none, NODATA for AAAA, or SERVFAIL when told
// to fail. The scorer's real resolver (c-ares, through node:dns) queries it over the wire.
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import dnsPacket, { type Answer, type DecodedPacket } from 'dns-packet';

const RCODE = { noError: 0, serverFailure: 2, nameError: 3 } as const;

export interface TestDnsServer {
  /** `127.0.0.1:<port>`, for Resolver#setServers. */
  server: string;
  /** What `name` resolves to from now on; an empty list answers NXDOMAIN. */
  setAddresses: (name: string, addresses: readonly string[]) => void;
  /** While true, every query gets SERVFAIL. */
  setFailing: (failing: boolean) => void;
  /** Queries answered so far. */
  queries: () => number;
  close: () => Promise<void>;
}

/** The answer to one query: pure, so that what the server says is readable in one place. */
export function answerQuery(
  query: DecodedPacket,
  zone: ReadonlyMap<string, readonly string[]>,
  failing: boolean,
): Buffer {
  const question = query.questions?.[0];
  const reply = (rcode: number, answers: Answer[] = []): Buffer =>
    dnsPacket.encode({
      type: 'response',
      id: query.id ?? 0,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | rcode,
      questions: query.questions ?? [],
      answers,
    });
  if (failing || question === undefined) return reply(RCODE.serverFailure);
  const addresses = zone.get(question.name.toLowerCase());
  if (addresses === undefined || addresses.length === 0) return reply(RCODE.nameError);
  // Only IPv4 replicas here: AAAA gets NOERROR with no answer (NODATA), as for a pod without an IPv6 address.
  if (question.type !== 'A') return reply(RCODE.noError);
  // TTL 1 s: CoreDNS's default for cluster records is 5 s; the scorer's interval, not the TTL, paces it.
  return reply(
    RCODE.noError,
    addresses.map((data) => ({ type: 'A', class: 'IN', name: question.name, ttl: 1, data })),
  );
}

export async function startDnsServer(): Promise<TestDnsServer> {
  const zone = new Map<string, readonly string[]>();
  let failing = false;
  let queries = 0;
  const socket: Socket = createSocket('udp4');
  socket.on('message', (message, peer) => {
    let query: DecodedPacket;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return; // not DNS: no answer, as a real server would drop it
    }
    queries++;
    socket.send(answerQuery(query, zone, failing), peer.port, peer.address);
  });
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const { port } = socket.address();
  return {
    server: `127.0.0.1:${port}`,
    setAddresses: (name, addresses) => zone.set(name.toLowerCase(), [...addresses]),
    setFailing: (value) => {
      failing = value;
    },
    queries: () => queries,
    close: async () => {
      const closed = once(socket, 'close');
      socket.close();
      await closed;
    },
  };
}
