// A real OpenID Connect provider (the `oidc-provider` package) on loopback, standing in for Google in
// tests. Pulse talks to it with its production client code: discovery, the authorization-code flow
// with PKCE, state and nonce, the token endpoint, and ID tokens signed with keys from its JWKS.
//
// Usage: node end2end/oidc/provider.mjs   (prints `OIDC_ISSUER=http://127.0.0.1:<port>` when ready)
// Env: OIDC_PORT (default 0: any free port), OIDC_CLIENT_ID, OIDC_CLIENT_SECRET.
//
// Sign-in form: the login typed is the account's email and any password is accepted (the package's
// development interactions). `unverified:alice@x.test` signs in with `email_verified: false`.
// With OIDC_WATCH_STDIN=1 it exits when its stdin closes, so a test runner that dies takes it along.
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const clientId = process.env.OIDC_CLIENT_ID || 'pulse-test-client';
const clientSecret = process.env.OIDC_CLIENT_SECRET || 'pulse-test-client-secret';

function account(login) {
  const unverified = login.startsWith('unverified:');
  const email = (unverified ? login.slice('unverified:'.length) : login).trim().toLowerCase();
  const local = email.split('@')[0] || 'user';
  const name = local.charAt(0).toUpperCase() + local.slice(1);
  return {
    // Google subjects are opaque and stable; the email may change, the subject does not.
    sub: `sub-${email}`,
    email,
    email_verified: !unverified,
    name: `${name} Google`,
    picture: `https://images.example.test/${local}.png`,
  };
}

const configuration = {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      // Native: RFC 8252 lets a loopback redirect URI use any port, so each test server (on its own
      // free port) can sign in without re-registering.
      application_type: 'native',
      redirect_uris: ['http://127.0.0.1/auth/google/callback', 'http://localhost/auth/google/callback'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      // Another application at the same provider: its ID tokens carry another audience.
      client_id: 'another-app',
      client_secret: 'another-app-secret',
      application_type: 'native',
      redirect_uris: ['http://127.0.0.1/auth/google/callback'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'picture'],
  },
  // Claims go into the ID token itself, as Google does, not only to the userinfo endpoint.
  conformIdTokenClaims: false,
  async findAccount(_ctx, id) {
    return { accountId: id, claims: async () => account(id) };
  },
  cookies: { keys: ['pulse-test-only-cookie-key'] },
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
};

// The issuer URL names the port, so listen first and build the provider for the port really bound.
const server = createServer();
await new Promise((resolve) => server.listen(Number(process.env.OIDC_PORT || 0), '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;
const provider = new Provider(issuer, configuration);
server.on('request', provider.callback());

process.stdout.write(`OIDC_ISSUER=${issuer}\n`);
if (process.env.OIDC_WATCH_STDIN === '1') {
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('close', () => process.exit(0));
}
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
