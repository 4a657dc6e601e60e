// A real OpenID Connect provider for the tests: oidc-provider (OpenID-certified), the same
// protocol the BankID / MitID brokers speak. Started by the pytest fixture `oidc_provider`
// (tests/conftest.py) on a free port:
//
//   PORT=… CLIENT_ID=… CLIENT_SECRET=… REDIRECT_URIS=a,b node provider.js
//
// It prints "listening <issuer>" once it serves. devInteractions gives the login page (any
// login, any password) and the consent page that Playwright drives. The login's acr is the
// first `acr_values` the client asked for (a broker sets it from the method the person used).
//
// The accounts also carry a national identity number (`nin` and `ssn` claims, behind scopes
// of the same names), as a broker can: the portal must never ask for them, and the tests
// check that no table holds one after a verification.
import Provider from 'oidc-provider';

const port = Number(process.env.PORT || 0);
const issuer = process.env.ISSUER || `http://127.0.0.1:${port}`;

// A test-only identity number: 11 digits shaped like a fødselsnummer.
const NIN = '01019012345';

const ACCOUNTS = {
  kari: { given_name: 'Kari', family_name: 'Nordmann', name: 'Kari Marie Nordmann' },
  soren: { given_name: 'Søren', family_name: 'Kierkegaard', name: 'Søren Aabye Kierkegaard' },
};

// The broker's subject is "broker-<login>", so a test can tell it from the login.
function account(sub) {
  const login = sub.replace(/^broker-/, '');
  const known = ACCOUNTS[login] || { name: login, given_name: login, family_name: '' };
  return {
    accountId: sub,
    async claims() {
      return { sub, ...known, nin: NIN, ssn: NIN, birthdate: '1990-01-01' };
    },
  };
}

const ACR_VALUES = [
  'urn:grn:authn:no:bankid', 'urn:grn:authn:no:bankid:substantial',
  'urn:grn:authn:no:bankid:high',
  'urn:grn:authn:dk:mitid:low', 'urn:grn:authn:dk:mitid:substantial',
  'urn:grn:authn:dk:mitid:high',
  'urn:grn:authn:se:bankid',
];

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.CLIENT_ID || 'portal',
    client_secret: process.env.CLIENT_SECRET || 'secret',
    redirect_uris: (process.env.REDIRECT_URIS || 'http://127.0.0.1:8000/eid/callback/').split(','),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  acrValues: ACR_VALUES,
  claims: {
    openid: ['sub'],
    profile: ['name', 'given_name', 'family_name', 'birthdate'],
    nin: ['nin'],
    ssn: ['ssn'],
  },
  scopes: ['openid', 'profile', 'nin', 'ssn'],
  // Brokers put the person's claims in the ID token of the code flow.
  conformIdTokenClaims: false,
  cookies: { keys: ['test-only-cookie-key'] },
  features: { devInteractions: { enabled: true } },
  pkce: { methods: ['S256'], required: () => true },
  findAccount: async (ctx, sub) => account(sub),
  ttl: { AuthorizationCode: 60, IdToken: 300, Session: 600, Interaction: 600, Grant: 600 },
});
provider.proxy = false;

// The login's acr: the first acr_values asked for, as a broker reports the method used.
const finished = provider.interactionFinished.bind(provider);
provider.interactionFinished = async (req, res, result, options) => {
  if (result && result.login) {
    const details = await provider.interactionDetails(req, res);
    const asked = String(details.params.acr_values || '').split(' ').filter(Boolean);
    result.login.acr = asked[0] || ACR_VALUES[1];
    result.login.accountId = `broker-${result.login.accountId}`;
  }
  return finished(req, res, result, options);
};

const server = provider.listen(port, '127.0.0.1', () => {
  const actual = server.address().port;
  process.stdout.write(`listening http://127.0.0.1:${actual}\n`);
});
