import dns2 from 'dns2';

const { Packet } = dns2;
type Send = (response: dns2.Packet) => Promise<Buffer>;
/** RFC 1035's "name error"; the package's typings leave its RCODE table out. */
const NXDOMAIN = 3;

/**
 * A real DNS server on 127.0.0.1 (UDP, a free port) that answers TXT questions from records a
 * test publishes and removes at will: NXDOMAIN for a name it has nothing for, no data for a name
 * published without TXT values, and no answer at all for a name made `silent`, as a resolver that
 * does not answer in time. Names published with `publishAddresses` answer A and AAAA questions, as
 * hosts do. Answers carry a TTL of 0, so nothing is kept between lookups.
 */
export class TestDnsServer {
  private readonly records = new Map<string, string[]>();
  private readonly silent = new Set<string>();
  /** A and AAAA answers by name, for names that stand for hosts. */
  private readonly addresses = new Map<string, string[]>();
  private readonly server = dns2.createServer({
    udp: true,
    handle: (request, send) => this.answer(request, send),
  });
  /** The questions asked so far, as `TYPE name`. */
  readonly asked: string[] = [];
  port = 0;

  async start(): Promise<this> {
    const addresses = await this.server.listen({ udp: { port: 0, address: '127.0.0.1' } });
    this.port = addresses.udp!.port;
    return this;
  }

  /** `ip:port`, as DNS_RESOLVERS takes it. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Serves `values` as the TXT records of `name` (an empty list: the name exists without TXT records). */
  publish(name: string, ...values: string[]): void {
    this.silent.delete(name.toLowerCase());
    this.records.set(name.toLowerCase(), values);
  }

  /** Answers A and AAAA questions about `name` with `addresses` (IPv4 and IPv6 as written). */
  publishAddresses(name: string, ...addresses: string[]): void {
    this.addresses.set(name.toLowerCase(), addresses);
  }

  remove(name: string): void {
    this.records.delete(name.toLowerCase());
    this.silent.delete(name.toLowerCase());
  }

  /** Leaves every question about `name` unanswered. */
  mute(name: string): void {
    this.silent.add(name.toLowerCase());
  }

  async close(): Promise<void> {
    await this.server.close();
  }

  private answer(request: dns2.Packet, send: Send): void {
    const response = Packet.createResponseFromRequest(request);
    const [question] = request.questions;
    if (!question) return;
    const name = question.name.toLowerCase();
    this.asked.push(`${question.type === Packet.TYPE.TXT ? 'TXT' : String(question.type)} ${name}`);
    if (this.silent.has(name)) return;
    const hosts = this.addresses.get(name);
    if (hosts && (question.type === Packet.TYPE.A || question.type === Packet.TYPE.AAAA)) {
      const family = question.type === Packet.TYPE.A ? 'A' : 'AAAA';
      for (const address of hosts.filter((host) => (host.includes(':') ? 'AAAA' : 'A') === family)) {
        response.answers.push({
          name: question.name,
          type: question.type,
          class: Packet.CLASS.IN,
          ttl: 0,
          address,
        } as unknown as dns2.Packet.Resource);
      }
      void send(response);
      return;
    }
    const values = this.records.get(name);
    if (!values) {
      response.header.rcode = NXDOMAIN;
    } else if (question.type === Packet.TYPE.TXT) {
      for (const value of values) {
        // The typings want a Resource instance; the encoder reads plain fields.
        response.answers.push({
          name: question.name,
          type: Packet.TYPE.TXT,
          class: Packet.CLASS.IN,
          ttl: 0,
          data: value,
        } as unknown as dns2.Packet.Resource);
      }
    }
    void send(response);
  }
}
