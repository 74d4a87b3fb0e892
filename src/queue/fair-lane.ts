import type { ServiceLedger } from "./service-ledger.js";

/** What the line needs of a waiting job: jobs themselves change, their place does not. */
export interface LineEntry {
  readonly id: string;
  readonly userId: string;
  readonly guildId: string;
  readonly priority: boolean;
  /** Admission order: breaks ties between members (and servers) never served. */
  readonly seq: number;
}

/** Where a member (or a server) stands: what it has in flight, when it was last served, when it joined the line. */
interface Standing {
  inFlight: number;
  lastServed: number;
  /** The admission seq of the job that brought it into the line; a cancelled job does not change it. */
  joinedSeq: number;
  /** Jobs waiting. */
  waiting: number;
}

interface MemberLine {
  readonly userId: string;
  readonly joinedSeq: number;
  readonly fifo: LineEntry[];
}

interface GuildLine {
  readonly joinedSeq: number;
  readonly members: Map<string, MemberLine>;
}

/**
 * One lane of the waiting line, fair in two levels: servers take turns, then members take turns
 * within a server, and each member keeps a FIFO.
 *
 * "Taking turns" counts service, not only waiting lists: the next job goes to the server (then the
 * member) with the least in flight, then the one served longest ago. So a member with nothing
 * running goes before another member's second or third job, even if that member asked first.
 *
 * Positions come from the same rule without simulating: a member's d-th waiting job is served at
 * "level" inFlight + d, and jobs are served level by level. Within a level the member with more in
 * flight goes first (its job reached that level without being served meanwhile), then the one
 * served longest ago, then the one that joined the line first. A server's k-th job inside its own order sits at level
 * inFlight(server) + k among the servers, by the same rule.
 */
export class FairLane {
  readonly #guilds = new Map<string, GuildLine>();
  readonly #members: ServiceLedger;
  readonly #guildLedger: ServiceLedger;
  #size = 0;

  constructor(ledgers: { members: ServiceLedger; guilds: ServiceLedger }) {
    this.#members = ledgers.members;
    this.#guildLedger = ledgers.guilds;
  }

  get size(): number {
    return this.#size;
  }

  get users(): number {
    let count = 0;
    for (const guild of this.#guilds.values()) count += guild.members.size;
    return count;
  }

  waitingIn(guildId: string): number {
    const guild = this.#guilds.get(guildId);
    return guild ? this.#guildStanding(guildId, guild).waiting : 0;
  }

  push(entry: LineEntry): void {
    this.#member(entry).fifo.push(entry);
    this.#size++;
  }

  /** Back to the head of its member's FIFO. */
  unshift(entry: LineEntry): void {
    this.#member(entry).fifo.unshift(entry);
    this.#size++;
  }

  /** Leaves the line. */
  remove(entry: LineEntry): boolean {
    const guild = this.#guilds.get(entry.guildId);
    const member = guild?.members.get(entry.userId);
    const index = member ? member.fifo.findIndex((candidate) => candidate.id === entry.id) : -1;
    if (!guild || !member || index < 0) return false;
    member.fifo.splice(index, 1);
    this.#size--;
    if (member.fifo.length === 0) guild.members.delete(entry.userId);
    if (guild.members.size === 0) this.#guilds.delete(entry.guildId);
    return true;
  }

  /** Each member's next job, in the order they would be served now. */
  *heads(): Generator<LineEntry> {
    const guilds = [...this.#guilds].map(([guildId, guild]) => ({
      guildId,
      guild,
      standing: this.#guildStanding(guildId, guild),
    }));
    guilds.sort((a, b) => compareHeads(a.standing, b.standing));
    for (const { guildId, guild } of guilds) {
      const members = [...guild.members.values()].map((member) => ({
        member,
        standing: this.#memberStanding(guildId, member),
      }));
      members.sort((a, b) => compareHeads(a.standing, b.standing));
      for (const { member } of members) {
        const head = member.fifo[0];
        if (head) yield head;
      }
    }
  }

  /** How many jobs of this lane go before `entry`; undefined when it is not waiting here. */
  position(entry: LineEntry): number | undefined {
    const guild = this.#guilds.get(entry.guildId);
    const member = guild?.members.get(entry.userId);
    const depth = member ? member.fifo.findIndex((candidate) => candidate.id === entry.id) : -1;
    if (!guild || !member || depth < 0) return undefined;
    const memberStandings = [...guild.members.values()].map((other) => ({
      self: other === member,
      standing: this.#memberStanding(entry.guildId, other),
    }));
    const inGuild = ahead(memberStandings, this.#memberStanding(entry.guildId, member), depth);
    const guildStandings = [...this.#guilds].map(([guildId, other]) => ({
      self: guildId === entry.guildId,
      standing: this.#guildStanding(guildId, other),
    }));
    return ahead(guildStandings, this.#guildStanding(entry.guildId, guild), inGuild);
  }

  /** Every waiting job of this lane in the order it would be served. */
  ordered(): LineEntry[] {
    const keyed: Array<{ entry: LineEntry; key: OrderKey }> = [];
    for (const [guildId, guild] of this.#guilds) {
      const inGuild: Array<{ entry: LineEntry; key: OrderKey }> = [];
      for (const member of guild.members.values()) {
        const standing = this.#memberStanding(guildId, member);
        member.fifo.forEach((entry, depth) => inGuild.push({ entry, key: orderKey(standing, depth) }));
      }
      inGuild.sort((a, b) => compareKeys(a.key, b.key));
      const standing = this.#guildStanding(guildId, guild);
      inGuild.forEach(({ entry }, index) => keyed.push({ entry, key: orderKey(standing, index) }));
    }
    keyed.sort((a, b) => compareKeys(a.key, b.key));
    return keyed.map(({ entry }) => entry);
  }

  #member(entry: LineEntry): MemberLine {
    let guild = this.#guilds.get(entry.guildId);
    if (!guild) {
      guild = { joinedSeq: entry.seq, members: new Map() };
      this.#guilds.set(entry.guildId, guild);
    }
    let member = guild.members.get(entry.userId);
    if (!member) {
      member = { userId: entry.userId, joinedSeq: entry.seq, fifo: [] };
      guild.members.set(entry.userId, member);
    }
    return member;
  }

  #memberStanding(guildId: string, member: MemberLine): Standing {
    const key = memberKey(guildId, member.userId);
    return {
      inFlight: this.#members.inFlight(key),
      lastServed: this.#members.lastServed(key),
      joinedSeq: member.joinedSeq,
      waiting: member.fifo.length,
    };
  }

  #guildStanding(guildId: string, guild: GuildLine): Standing {
    let waiting = 0;
    for (const member of guild.members.values()) waiting += member.fifo.length;
    return {
      inFlight: this.#guildLedger.inFlight(guildId),
      lastServed: this.#guildLedger.lastServed(guildId),
      joinedSeq: guild.joinedSeq,
      waiting,
    };
  }
}

/** The ledger key of a member in one server: fairness is per server, so a member's share is per server too. */
export function memberKey(guildId: string, userId: string): string {
  return `${guildId}\u0000${userId}`;
}

type OrderKey = [level: number, inFlight: number, lastServed: number, joinedSeq: number];

/** The sort key of the `depth`-th job of a member (or server) with this standing. */
function orderKey(standing: Standing, depth: number): OrderKey {
  return [standing.inFlight + depth, standing.inFlight, standing.lastServed, standing.joinedSeq];
}

/** Level first; within a level, more in flight first, then served longest ago, then joined first. */
function compareKeys(a: OrderKey, b: OrderKey): number {
  return a[0] - b[0] || b[1] - a[1] || compareTicks(a[2], b[2]) || a[3] - b[3];
}

/** Who is served next among heads (depth 0), the same order as `compareKeys`. */
function compareHeads(a: Standing, b: Standing): number {
  return compareKeys(orderKey(a, 0), orderKey(b, 0));
}

/** -Infinity (never served) compares equal to itself, where plain subtraction would give NaN. */
function compareTicks(a: number, b: number): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

/**
 * Jobs served before the `depth`-th job of `own`: from every participant, its jobs at a lower level,
 * plus one for each participant with a job at the same level that goes first within it.
 */
function ahead(
  participants: Array<{ self: boolean; standing: Standing }>,
  own: Standing,
  depth: number,
): number {
  const mine = orderKey(own, depth);
  const level = mine[0];
  let count = 0;
  for (const { self, standing } of participants) {
    const below = Math.min(Math.max(level - standing.inFlight, 0), standing.waiting);
    count += below;
    if (self) continue;
    const atLevel = standing.inFlight <= level && level < standing.inFlight + standing.waiting;
    if (atLevel && compareKeys(orderKey(standing, level - standing.inFlight), mine) < 0) count++;
  }
  return count;
}
