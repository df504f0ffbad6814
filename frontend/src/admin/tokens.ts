// API tokens: their status as a list shows it, and the lifetimes offered.
import type { ApiToken } from '../api/client';

export type TokenStatus = 'active' | 'expired' | 'revoked';

export function tokenStatus(token: Pick<ApiToken, 'expires_at' | 'revoked_at'>, now: number): TokenStatus {
  if (token.revoked_at) return 'revoked';
  if (token.expires_at && Date.parse(token.expires_at) <= now) return 'expired';
  return 'active';
}

/** Lifetimes offered, the first the default: a forgotten token should stop working by itself. */
export const LIFETIMES: readonly { label: string; days: number | null }[] = [
  { label: '90 days', days: 90 },
  { label: '30 days', days: 30 },
  { label: '7 days', days: 7 },
  { label: '1 year', days: 365 },
  { label: 'Never', days: null },
];

export function expiryAfter(days: number | null, now: number): string | null {
  return days === null ? null : new Date(now + days * 86_400_000).toISOString();
}
