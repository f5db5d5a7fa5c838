/** The CloudCX simulator's constants, default credentials and sample user directory. */
import { stableUuid } from '../common/stable-uuid.js';

export const CLOUDCX_ISSUER = 'http://cloudcx.cloudfon.net';
export const USER_PAGE_PATH = '/openapi/v2/user/page';

export interface CloudCxOAuthClient {
  clientId: string;
  clientSecret: string;
}

/** A platform user who may sign in with the password grant; `loginCode` must be in the directory. */
export interface CloudCxAccount {
  username: string;
  password: string;
}

/** A directory entry, in the API's shape. */
export interface CloudCxSimUser {
  id: string;
  loginCode: string;
  roles: string[];
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phoneNumber: string | null;
  uniqueCode: string | null;
}

export const DEFAULT_CLOUDCX_CLIENT: Readonly<CloudCxOAuthClient> = Object.freeze({
  clientId: '260390634491792831800001',
  clientSecret: 'cloudcx-secret-local',
});
export const DEFAULT_CLOUDCX_ACCOUNT: Readonly<CloudCxAccount> = Object.freeze({
  username: 'simon.admin',
  password: 'cloudcx-password-local',
});
export const DEFAULT_CLOUDCX_API_KEY = 'cxk-local-7d1f0c9a4e2b48f6a3c5d8e0b1f2a3c4d5e6f708192a3b4c';

/** The guide's sample user first (with an example.com address), then a small contact centre. */
export const SAMPLE_CLOUDCX_USERS: readonly CloudCxSimUser[] = Object.freeze(
  [
    {
      id: '75d86d40-f7d9-4025-8a1c-8a868f918289',
      loginCode: 'freesiaTest',
      roles: ['Admin', 'Agents'],
      firstName: 'freesia',
      lastName: 'Test',
      email: 'frees1aa@example.com',
      phoneNumber: null,
      uniqueCode: null,
    },
    ...(
      [
        ['simon.admin', 'Simon', 'Okafor', ['Admin'], '+44 20 7946 0101'],
        ['silvia.rossi', 'Silvia', 'Rossi', ['Agents'], '+39 06 6988 1201'],
        ['jessica.lin', 'Jessica', 'Lin', ['Agents'], null],
        ['marco.bianchi', 'Marco', 'Bianchi', ['Agents'], '+39 02 8845 2210'],
        ['amelia.hughes', 'Amelia', 'Hughes', ['Supervisor', 'Agents'], '+44 161 496 0302'],
        ['liam.oconnor', 'Liam', "O'Connor", ['Agents'], null],
        ['priya.natarajan', 'Priya', 'Natarajan', ['Agents'], '+91 80 4718 3300'],
        ['kenji.watanabe', 'Kenji', 'Watanabe', ['Agents'], null],
        ['fatima.zahra', 'Fatima', 'Zahra', ['Supervisor'], '+212 522 44 10 20'],
        ['noah.schmidt', 'Noah', 'Schmidt', ['Agents'], '+49 30 901820'],
        ['chloe.martin', 'Chloé', 'Martin', ['Agents'], '+33 1 70 36 39 50'],
        ['mateo.garcia', 'Mateo', 'García', ['Agents'], null],
        ['olivia.brown', 'Olivia', 'Brown', ['Admin', 'Supervisor'], '+1 212 555 0142'],
        ['ethan.wilson', 'Ethan', 'Wilson', ['Agents'], '+1 415 555 0199'],
        ['sofia.kowalska', 'Zofia', 'Kowalska', ['Agents'], null],
        ['lucas.silva', 'Lucas', 'Silva', ['Agents'], '+55 11 3456 7890'],
        ['hana.kim', 'Hana', 'Kim', ['Agents'], null],
        ['omar.haddad', 'Omar', 'Haddad', ['Agents'], '+971 4 123 4567'],
        ['isla.campbell', 'Isla', 'Campbell', ['Supervisor', 'Agents'], '+44 131 496 0777'],
        ['daniel.cohen', 'Daniel', 'Cohen', ['Agents'], null],
        ['aisha.bello', 'Aisha', 'Bello', ['Agents'], '+234 1 460 0900'],
        ['erik.lindqvist', 'Erik', 'Lindqvist', ['Agents'], '+46 8 123 456 00'],
        ['mia.jensen', 'Mia', 'Jensen', ['Agents'], null],
        ['lucia.fernandez', 'Lucía', 'Fernández', ['Agents'], '+34 91 123 45 67'],
        ['tom.nguyen', 'Tom', 'Nguyen', ['Agents'], null],
        ['grace.mwangi', 'Grace', 'Mwangi', ['Agents'], '+254 20 765 4321'],
        ['ivan.petrov', 'Ivan', 'Petrov', ['Agents'], null],
        ['sienna.moore', 'Sienna', 'Moore', ['Agents'], '+61 2 9876 5432'],
        ['queue.bot', null, null, [], null],
      ] as const
    ).map(([loginCode, firstName, lastName, roles, phoneNumber], i): CloudCxSimUser => ({
      id: stableUuid(`cloudcx-user/${loginCode}`),
      loginCode,
      roles: [...roles],
      firstName,
      lastName,
      email: firstName === null ? null : `${loginCode}@cx.example.com`,
      phoneNumber,
      uniqueCode: i % 3 === 0 ? String(1001 + i) : null,
    })),
  ].map((u) => Object.freeze(u)),
);

/**
 * Another demo tenant's CloudCX domain (CXGRAPH_SIMULATORS=multi-tenant): its own client and password, the same logins
 * under other ids and addresses, and each named user's surname moved half the directory along, so no name repeats.
 */
export function demoTenantData(tenant: string): { clients: CloudCxOAuthClient[]; accounts: CloudCxAccount[]; apiKeys: string[]; users: CloudCxSimUser[] } {
  const named = SAMPLE_CLOUDCX_USERS.filter((u) => u.lastName !== null);
  return {
    clients: [{ clientId: `${tenant}-cloudcx-client`, clientSecret: `${tenant}-cloudcx-secret-local` }],
    accounts: [{ username: DEFAULT_CLOUDCX_ACCOUNT.username, password: `${tenant}-cloudcx-password-local` }],
    apiKeys: [`cxk-${tenant}-local-0f1e2d3c4b5a69788796a5b4c3d2e1f0`],
    users: SAMPLE_CLOUDCX_USERS.map((u) => {
      const i = named.indexOf(u);
      return {
        ...u,
        roles: [...u.roles],
        id: stableUuid(`cloudcx-user/${tenant}/${u.loginCode}`),
        lastName: i < 0 ? u.lastName : named[(i + Math.floor(named.length / 2)) % named.length]!.lastName,
        email: u.email === null ? null : `${u.loginCode}@${tenant}.example`,
      };
    }),
  };
}
