/**
 * `GET /oauth/pbx/callback?code&state` — where the PBX sends the browser back after its consent page
 * (PBX_REDIRECT_URI). Answers a small page naming the connected account, or, when PBX_RETURN_URL is set, a 302
 * to it with `?pbxAccount=<id>` (or `?pbxError=<reason>` when the attempt failed after its state was accepted).
 * A request whose state is not ours is always answered with our own 400 page: it is never redirected.
 * The route is public (a browser comes back from the PBX without the caller's token): the state says which tenant
 * the account is for. When the request proves a caller anyway (server.ts authenticates credentials sent to a
 * public route), a caller of another tenant is refused.
 */
import type { HttpRoute } from '../../domain/capabilities.js';
import type { PbxConnectFlow } from './connect-flow.js';
import { sendPage, sendRedirect } from './pages.js';

export const PBX_CALLBACK_PATH = '/oauth/pbx/callback';

export function pbxCallbackRoute(flow: PbxConnectFlow, returnUrl: string | undefined): HttpRoute {
  return {
    method: 'GET',
    path: PBX_CALLBACK_PATH,
    async handle(_req, res, url, caller) {
      const outcome = await flow.complete(url.searchParams, caller);
      if (outcome.kind === 'connected') {
        const a = outcome.account;
        if (returnUrl) return sendRedirect(res, withParam(returnUrl, 'pbxAccount', a.id));
        return sendPage(res, 200, `PBX account ${a.login} is connected`, [
          `cxgraph can now use the Telphin PBX account ${a.login} (user id ${a.id}${a.clientId ? `, client ${a.clientId}` : ''})${outcome.replaced ? ', replacing its previous connection' : ''}.`,
          'You can close this window and return to the application.',
        ]);
      }
      if (returnUrl && outcome.stateAccepted) return sendRedirect(res, withParam(returnUrl, 'pbxError', outcome.reason));
      return sendPage(res, outcome.status, outcome.title, [outcome.message]);
    },
  };
}

function withParam(base: string, name: string, value: string): string {
  const u = new URL(base);
  u.searchParams.set(name, value);
  return u.toString();
}
