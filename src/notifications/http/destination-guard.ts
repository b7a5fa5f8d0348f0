import { lookup } from 'node:dns/promises';
import { addressLiteral, isPublicUnicast } from './address-policy';

/** Where a request may go: the URL and the one address its connection is pinned to. */
export interface PinnedTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

export type ResolveHost = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

/**
 * A destination the SSRF guard refused. `reason` is a stable code with no part of the URL in
 * it: it is what the outbox records and the logs show.
 */
export class DestinationRefusedError extends Error {
  constructor(
    readonly reason:
      | 'invalid_url'
      | 'https_required'
      | 'credentials_in_url'
      | 'unresolvable'
      | 'not_public_address',
  ) {
    super(`destination refused: ${reason}`);
    this.name = 'DestinationRefusedError';
  }
}

export interface DestinationGuardOptions {
  /** Production: https only. */
  requireHttps: boolean;
  /** Tests and simulators: any address class (the connection is still pinned). */
  allowPrivateHosts: boolean;
  resolve?: ResolveHost;
}

const systemResolve: ResolveHost = (hostname) => lookup(hostname, { all: true, verbatim: true });

/**
 * The SSRF guard of §17, used at save time and again before every send: the host is resolved
 * once; every address it resolves to must be public unicast (one private answer refuses the
 * name: a DNS server that mixes them is not to be trusted), and the caller connects to the
 * address checked here, never resolving again (no DNS rebinding between check and connect).
 */
export class DestinationGuard {
  private readonly resolve: ResolveHost;

  constructor(private readonly options: DestinationGuardOptions) {
    this.resolve = options.resolve ?? systemResolve;
  }

  /** The checked, pinned target; DestinationRefusedError otherwise. */
  async check(rawUrl: string): Promise<PinnedTarget> {
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      throw new DestinationRefusedError('invalid_url');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new DestinationRefusedError('invalid_url');
    }
    if (this.options.requireHttps && url.protocol !== 'https:') {
      throw new DestinationRefusedError('https_required');
    }
    if (url.username || url.password) throw new DestinationRefusedError('credentials_in_url');

    const literal = addressLiteral(url.hostname);
    let candidates: Array<{ address: string; family: number }>;
    if (literal !== undefined) {
      candidates = [{ address: literal, family: literal.includes(':') ? 6 : 4 }];
    } else {
      try {
        candidates = await this.resolve(url.hostname);
      } catch {
        throw new DestinationRefusedError('unresolvable');
      }
    }
    if (candidates.length === 0) throw new DestinationRefusedError('unresolvable');
    if (!this.options.allowPrivateHosts) {
      if (candidates.some((candidate) => !isPublicUnicast(candidate.address))) {
        throw new DestinationRefusedError('not_public_address');
      }
    }
    const chosen = candidates[0];
    return { url, address: chosen.address, family: chosen.family === 6 ? 6 : 4 };
  }
}
