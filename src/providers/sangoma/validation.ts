/**
 * Input checks for the Sangoma call mutations, made before any token or call request: a call placed with
 * junk costs a real phone call (or at least a platform rejection), so obvious junk never leaves cxgraph.
 * The checks are permissive on purpose (formats beyond these are undocumented: docs/providers/sangoma.md#arguments): anything
 * that looks like a dialable number or a SIP/tel URI passes, and the platform has the last word.
 */
import { badInput } from '../../errors/errors.js';
import type { AgentCallRequest, QueueCallRequest } from './types.js';

const MAX_NAME = 200;
const MAX_DESTINATION = 256;
const MIN_DIGITS = 2;
/** E.164 allows 15 digits; international and carrier prefixes add a few. */
const MAX_DIGITS = 20;

/** Digits, an optional leading +, the separators people write (space . - ( )), and * # for feature codes. */
const PHONE = /^\+?[0-9*#][0-9*#\s().-]*$/;
/** sip:/sips: URI (RFC 3261 §19.1): no whitespace, no angle brackets or quotes, something after the scheme. */
const SIP_URI = /^sips?:[^\s<>"@]+(@[^\s<>"@]+)?$/i;
/** tel: URI (RFC 3966), e.g. tel:+1-201-555-0123 or tel:1001;phone-context=example.com */
const TEL_URI = /^tel:\+?[0-9*#][0-9*#().-]*(;[^\s<>"]*)?$/i;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function validateAgentCall(args: { agentName: string; destination: string; tenantDomain: string }): AgentCallRequest {
  return {
    agent_name: name(args.agentName, 'agentName'),
    destination: destination(args.destination),
    tenant_domain: tenantDomain(args.tenantDomain),
  };
}

export function validateQueueCall(args: { queueName: string; destination: string; tenantDomain: string }): QueueCallRequest {
  return {
    queue_name: name(args.queueName, 'queueName'),
    destination: destination(args.destination),
    tenant_domain: tenantDomain(args.tenantDomain),
  };
}

/** An agent or queue name: non-blank, no control characters; surrounding whitespace removed. */
function name(value: unknown, field: string): string {
  const v = nonBlank(value, field);
  if (v.length > MAX_NAME) throw bad(`${field} must be at most ${MAX_NAME} characters, got ${v.length}`, field);

  if (/[\u0000-\u001f\u007f]/.test(v)) throw bad(`${field} must not contain control characters`, field);
  return v;
}

/**
 * A phone number (visual separators are removed before sending: "+1 (555) 010-0199" → "+15550100199") or a
 * SIP/tel URI (sent as given). The value is not echoed in the error: it is a phone number.
 */
export function destination(value: unknown): string {
  const field = 'destination';
  const v = nonBlank(value, field);
  const expected = 'a phone number such as +15550100199 or 1001, or a SIP URI such as sip:1001@pbx.example.com';
  if (v.length > MAX_DESTINATION) throw bad(`${field} must be ${expected}; got ${v.length} characters`, field);
  if (/^sips?:/i.test(v)) {
    if (!SIP_URI.test(v)) throw bad(`${field} must be ${expected}; got a malformed SIP URI`, field);
    return v;
  }
  if (/^tel:/i.test(v)) {
    if (!TEL_URI.test(v) || !digitsWithin(v)) throw bad(`${field} must be ${expected}; got a malformed tel: URI`, field);
    return v;
  }
  if (!PHONE.test(v)) {
    const why = /[a-z]/i.test(v) ? 'a value with letters' : /@/.test(v) ? 'an address without sip:' : 'a value with characters a number cannot have';
    throw bad(`${field} must be ${expected}; got ${why}`, field);
  }
  if (!digitsWithin(v)) throw bad(`${field} must have ${MIN_DIGITS} to ${MAX_DIGITS} digits`, field);
  return v.replace(/[\s().-]/g, '');
}

/** The tenant's domain as a hostname (RFC 1123): lower-cased, a trailing dot removed, no scheme, port or path. */
export function tenantDomain(value: unknown): string {
  const field = 'tenantDomain';
  const v = nonBlank(value, field).toLowerCase().replace(/\.$/, '');
  const shown = JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(v) || /[/:?#@]/.test(v)) {
    throw bad(`${field} must be a bare hostname such as acme.example.com (no scheme, port or path), got ${shown}`, field);
  }
  const labels = v.split('.');
  if (v.length > 253 || !labels.every((l) => LABEL.test(l))) {
    throw bad(`${field} must be a hostname such as acme.example.com (letters, digits and hyphens in dot-separated labels), got ${shown}`, field);
  }
  return v;
}

function nonBlank(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    const got = value === undefined || value === null ? 'nothing' : typeof value === 'string' ? 'a blank string' : `a ${typeof value}`;
    throw bad(`${field} must be a non-blank string, got ${got}`, field);
  }
  return value.trim();
}

function digitsWithin(v: string): boolean {
  const digits = (v.split(';', 1)[0]!.match(/[0-9]/g) ?? []).length;
  return digits >= MIN_DIGITS && digits <= MAX_DIGITS;
}

function bad(message: string, field: string) {
  return badInput(message, field, 'SANGOMA');
}
