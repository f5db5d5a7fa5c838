/** Sangoma call arguments: permissive for anything dialable, but obvious junk never becomes a phone call. */
import { describe, expect, it } from 'vitest';
import { isCxError } from '../../src/errors/errors.js';
import { destination, tenantDomain, validateAgentCall, validateQueueCall } from '../../src/providers/sangoma/validation.js';

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (isCxError(e) && e.extensions.code === 'BAD_USER_INPUT') return e.extensions.field;
    throw e;
  }
  return undefined;
}

describe('destination', () => {
  it.each([
    ['+15550100199', '+15550100199'],
    ['+1 (555) 010-0199', '+15550100199'],
    ['  +44 20 7946 0958 ', '+442079460958'],
    ['1001', '1001'],
    ['555.010.0199', '5550100199'],
    ['*97', '*97'],
    ['sip:1001@pbx.example.com', 'sip:1001@pbx.example.com'],
    ['sips:alice@example.com:5061;transport=tls', 'sips:alice@example.com:5061;transport=tls'],
    ['SIP:1001', 'SIP:1001'],
    ['tel:+1-201-555-0123', 'tel:+1-201-555-0123'],
  ])('accepts %j and sends %j', (input, sent) => {
    expect(destination(input)).toBe(sent);
  });

  it.each([
    ['', 'blank'],
    ['   ', 'blank'],
    ['call me', 'letters'],
    ['+1 555 CALL NOW', 'letters'],
    ['alice@example.com', 'SIP scheme missing'],
    ['sip:', 'empty SIP URI'],
    ['sip:a b@example.com', 'space in SIP URI'],
    ['sip:<1001@pbx>', 'angle brackets'],
    ['1', 'one digit'],
    ['123456789012345678901', 'too many digits'],
    ['15+55', 'plus inside'],
    ['tel:', 'empty tel URI'],
    ['-', 'no digit'],
    ['1001; DROP TABLE', 'junk'],
  ])('rejects %j (%s) naming destination', (input) => {
    expect(fieldOf(() => destination(input))).toBe('destination');
  });

  it('does not echo the number in the error', () => {
    expect(() => destination('+1 777 4321 call')).toThrow();
    try {
      destination('+1 777 4321 call');
    } catch (e) {
      expect((e as Error).message).not.toContain('4321');
    }
  });
});

describe('tenantDomain', () => {
  it.each([
    ['acme.cx.example.com', 'acme.cx.example.com'],
    ['ACME.Example.COM.', 'acme.example.com'],
    [' acme ', 'acme'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
  ])('accepts %j as %j', (input, out) => {
    expect(tenantDomain(input)).toBe(out);
  });

  it.each([
    '',
    'https://acme.example.com',
    'acme.example.com/path',
    'acme.example.com:443',
    'acme corp',
    'acme_corp.example.com',
    '-acme.example.com',
    'acme..example.com',
    `${'a'.repeat(64)}.example.com`,
    'user@acme.example.com',
  ])('rejects %j naming tenantDomain', (input) => {
    expect(fieldOf(() => tenantDomain(input))).toBe('tenantDomain');
  });
});

describe('validateAgentCall / validateQueueCall', () => {
  it('builds the documented request bodies, trimmed', () => {
    expect(validateAgentCall({ agentName: ' alice ', destination: '+1 555 010 0199', tenantDomain: 'Acme.example.com' })).toEqual({
      agent_name: 'alice',
      destination: '+15550100199',
      tenant_domain: 'acme.example.com',
    });
    expect(validateQueueCall({ queueName: 'support', destination: 'sip:1001@pbx', tenantDomain: 'acme.example.com' })).toEqual({
      queue_name: 'support',
      destination: 'sip:1001@pbx',
      tenant_domain: 'acme.example.com',
    });
  });

  it('names the argument at fault', () => {
    const ok = { agentName: 'alice', destination: '1001', tenantDomain: 'acme.example.com' };
    expect(fieldOf(() => validateAgentCall({ ...ok, agentName: ' ' }))).toBe('agentName');
    expect(fieldOf(() => validateAgentCall({ ...ok, agentName: 'a\u0000b' }))).toBe('agentName');
    expect(fieldOf(() => validateAgentCall({ ...ok, agentName: 'x'.repeat(201) }))).toBe('agentName');
    expect(fieldOf(() => validateQueueCall({ queueName: '', destination: '1001', tenantDomain: 'acme.example.com' }))).toBe('queueName');
    expect(fieldOf(() => validateAgentCall({ ...ok, destination: 'nope' }))).toBe('destination');
    expect(fieldOf(() => validateAgentCall({ ...ok, tenantDomain: 'a b' }))).toBe('tenantDomain');
  });

  it('reports errors for the SANGOMA provider', () => {
    try {
      validateAgentCall({ agentName: '', destination: '1001', tenantDomain: 'a.example' });
      expect.unreachable();
    } catch (e) {
      expect(isCxError(e) && e.extensions.provider).toBe('SANGOMA');
    }
  });
});
