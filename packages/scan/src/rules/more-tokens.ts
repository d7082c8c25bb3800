import { shannonEntropy } from "../entropy.js";
import { isPlaceholderValue } from "../allowlist.js";
import { jsPattern } from "../pattern.js";
import { keyed, token, type Rule } from "../rule.js";
import type { RawHit } from "../types.js";

const dash = String.raw`\w-`;
const uuid = String.raw`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`;

/** Base64 of a PEM private key (`LS0tLS1CRUdJTi…`), as found in kubeconfigs and env vars. */
function detectEncodedPrivateKeys(text: string): RawHit[] {
  const hits: RawHit[] = [];
  const re = /(?<![A-Za-z0-9+/])LS0tLS1CRUdJTi[A-Za-z0-9+/]{60,16000}={0,2}/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const decoded = Buffer.from(m[0], "base64").toString("latin1");
    if (!/-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY/.test(decoded)) continue;
    if (shannonEntropy(m[0]) < 4.5) continue;
    hits.push({ rule: "private-key-base64", offset: m.index, secret: m[0] });
  }
  return hits;
}

/**
 * kubeadm bootstrap tokens, `[a-z0-9]{6}.[a-z0-9]{16}`, lower case only (so `oauth1.RequestTokenOpts`
 * is not one), on a line that mentions a token, with a digit in the secret half.
 */
function detectBootstrapTokens(text: string): RawHit[] {
  const hits: RawHit[] = [];
  const re = /(?<![\w.-])([a-z0-9]{6})\.([a-z0-9]{16})(?![\w.-])/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    // `abcdef.0123456789abcdef` is the token kubeadm's documentation uses.
    if (!/\d/.test(m[2]!) || !/[a-z]/.test(m[2]!) || /abcdef|012345/.test(m[0]) || shannonEntropy(m[0]) <= 3) continue;
    const ls = text.lastIndexOf("\n", m.index) + 1;
    const le = text.indexOf("\n", m.index);
    const line = text.slice(Math.max(ls, m.index - 200), le === -1 ? Math.min(text.length, m.index + 222) : Math.min(le, m.index + 222));
    if (!/token|kubeadm|bootstrap/i.test(line)) continue;
    hits.push({ rule: "kubernetes-bootstrap-token", offset: m.index, secret: m[0] });
  }
  return hits;
}

/** `Authorization: Bearer|Basic|Token <credential>` headers in curl lines, HTTP files and docs. */
const authHeader = jsPattern(/authorization["']?\s{0,3}[:=]\s{0,3}["']?(?:bearer|basic|token)\s{1,3}([\w.~+/=-]{16,500})/i);

/** More provider tokens and credential shapes: SaaS, observability, AI platforms, config files. */
export const moreTokenRules: readonly Rule[] = [
  token("aws-mws-key", "Amazon MWS auth token", ["amzn.mws."], String.raw`amzn\.mws\.${uuid}`, { alphabet: String.raw`\w.-` }),
  keyed("aws-session-token", "AWS session token", ["session_token", "sessiontoken"], String.raw`aws[\w.-]{0,20}?session[_.-]?token`, String.raw`[A-Za-z0-9/+=]{100,1200}`, { entropy: 4 }),
  token("adobe-client-secret", "Adobe client secret", ["p8e-"], String.raw`p8e-[a-zA-Z0-9]{32}`, { alphabet: dash }),
  keyed("alibaba-secret-key", "Alibaba Cloud AccessKey secret", ["alibaba", "aliyun"], String.raw`alibaba|aliyun`, String.raw`[a-zA-Z0-9]{30}`, { entropy: 3.5 }),
  token("clojars-api-token", "Clojars deploy token", ["clojars_"], String.raw`CLOJARS_[a-z0-9]{60}`, { flags: "i" }),
  keyed("confluent-secret", "Confluent Cloud API secret", ["confluent"], "confluent", String.raw`[a-zA-Z0-9+/]{64}`, { entropy: 4 }),
  keyed("dropbox-token", "Dropbox access token", ["dropbox"], "dropbox", String.raw`sl\.[\w=-]{130,160}|[a-z0-9]{11}(?:AAAAAAAAAA)[\w=-]{43}`),
  token("duffel-api-token", "Duffel API token", ["duffel_"], String.raw`duffel_(?:test|live)_[\w=-]{43}`, { alphabet: dash }),
  keyed("etsy-api-key", "Etsy API key", ["etsy"], "etsy", String.raw`[a-z0-9]{24}`, { entropy: 3.5 }),
  keyed("fastly-api-token", "Fastly API token", ["fastly"], "fastly", String.raw`[\w=-]{32}`, { entropy: 3.5 }),
  keyed("finnhub-token", "Finnhub access token", ["finnhub"], "finnhub", String.raw`[a-z0-9]{20}`, { entropy: 3.5 }),
  keyed("flickr-api-key", "Flickr API key", ["flickr"], "flickr", String.raw`[a-z0-9]{32}`, { entropy: 3.5 }),
  keyed("freshbooks-token", "FreshBooks access token", ["freshbooks"], "freshbooks", String.raw`[a-z0-9]{64}`, { entropy: 3.5 }),
  keyed("gocardless-token", "GoCardless API token", ["gocardless"], "gocardless", String.raw`live_[\w=-]{40}`),
  token("grafana-legacy-api-key", "Grafana legacy API key", ["eyjrijoi"], String.raw`eyJrIjoi[A-Za-z0-9]{70,400}={0,2}`, { alphabet: String.raw`\w+/` }),
  token("hubspot-private-app-token", "HubSpot private app token", ["pat-na1-", "pat-eu1-"], String.raw`pat-(?:na|eu)1-${uuid}`, { alphabet: dash }),
  keyed("hubspot-api-key", "HubSpot API key", ["hubspot"], "hubspot", uuid),
  token("infracost-api-token", "Infracost API token", ["ico-"], String.raw`ico-[a-zA-Z0-9]{32}`, { alphabet: dash }),
  keyed("kraken-api-key", "Kraken API secret", ["kraken"], "kraken", String.raw`[a-zA-Z0-9/=_+-]{80,90}`, { entropy: 4 }),
  keyed("kucoin-api-secret", "KuCoin API secret", ["kucoin"], "kucoin", uuid),
  keyed("launchdarkly-token", "LaunchDarkly access token", ["launchdarkly"], "launchdarkly", String.raw`(?:api|sdk)-${uuid}|[\w=-]{40}`),
  token("lob-api-key", "Lob API key", ["live_", "test_"], String.raw`(?:live|test)_[a-f0-9]{35}`),
  token("mapbox-secret-token", "Mapbox secret access token", ["sk.eyj"], String.raw`sk\.eyJ[\w-]{20,300}\.[\w-]{20,60}`, { alphabet: String.raw`\w.-` }),
  keyed("messagebird-api-key", "MessageBird API key", ["messagebird"], "messagebird", String.raw`[a-z0-9]{25}`, { entropy: 3.5 }),
  token("openshift-user-token", "OpenShift user token", ["sha256~"], String.raw`sha256~[\w-]{43}`, { alphabet: String.raw`\w~-` }),
  token("plaid-access-token", "Plaid access token", ["access-sandbox-", "access-development-", "access-production-"], String.raw`access-(?:sandbox|development|production)-${uuid}`, { alphabet: dash }),
  keyed("rapidapi-key", "RapidAPI key", ["rapidapi"], "rapidapi", String.raw`[\w-]{50}`, { entropy: 3.5 }),
  keyed("sendbird-token", "Sendbird access token", ["sendbird"], "sendbird", String.raw`[a-f0-9]{40}`),
  keyed("snyk-api-token", "Snyk API token", ["snyk"], "snyk", uuid),
  keyed("trello-api-key", "Trello API key or token", ["trello"], "trello", String.raw`[a-zA-Z0-9]{32}|[a-zA-Z0-9]{64}`, { entropy: 3.5 }),
  token("yandex-api-key", "Yandex Cloud API key", ["aqvn"], String.raw`AQVN[\w-]{35,38}`, { alphabet: dash }),
  keyed("yandex-access-token", "Yandex Cloud IAM token", ["yandex"], "yandex", String.raw`t1\.[\w-]{20,200}={0,2}\.[\w-]{86}={0,2}`),
  keyed("meraki-api-key", "Cisco Meraki API key", ["meraki"], "meraki", String.raw`[0-9a-f]{40}`),
  keyed("gitter-token", "Gitter access token", ["gitter"], "gitter", String.raw`[a-z0-9_-]{40}`, { entropy: 3.5 }),
  token("harness-token", "Harness personal or service account token", ["pat.", "sat."], String.raw`(?:pat|sat)\.[\w-]{22}\.[a-zA-Z0-9]{24}\.[a-zA-Z0-9]{20}`, { alphabet: String.raw`\w.-` }),
  token("sourcegraph-token", "Sourcegraph access token", ["sgp_"], String.raw`sgp_(?:[a-fA-F0-9]{16}|local)_[a-fA-F0-9]{40}`),
  keyed("cloudflare-global-api-key", "Cloudflare global API key", ["cloudflare"], String.raw`cloudflare[\w.-]{0,20}?(?:global|api)[_.-]?key`, String.raw`[a-f0-9]{37}`),
  keyed("pagerduty-token", "PagerDuty API token", ["pagerduty", "pager_duty"], String.raw`pager_?duty`, String.raw`[\w+-]{20}`, { entropy: 3.5 }),
  keyed("opsgenie-api-key", "Opsgenie API key", ["opsgenie"], "opsgenie", uuid),
  keyed("rollbar-token", "Rollbar access token", ["rollbar"], "rollbar", String.raw`[a-f0-9]{32}`),
  keyed("bugsnag-api-key", "Bugsnag API key", ["bugsnag"], "bugsnag", String.raw`[a-f0-9]{32}`),
  keyed("honeycomb-api-key", "Honeycomb API key", ["honeycomb"], "honeycomb", String.raw`[a-zA-Z0-9]{22,32}`, { entropy: 3.5 }),
  keyed("segment-write-key", "Segment write key", ["segment"], String.raw`segment[\w.-]{0,10}?(?:write|key|token)`, String.raw`[A-Za-z0-9]{32}`, { entropy: 3.5 }),
  keyed("mixpanel-secret", "Mixpanel API secret", ["mixpanel"], "mixpanel", String.raw`[a-f0-9]{32}`),
  keyed("auth0-client-secret", "Auth0 client secret", ["auth0"], "auth0", String.raw`[\w-]{64}`, { entropy: 4 }),
  token("fcm-server-key", "Firebase Cloud Messaging server key", [":apa91b"], String.raw`AAAA[\w-]{7}:APA91b[\w-]{134}`, { alphabet: String.raw`\w:-` }),
  keyed("pusher-secret", "Pusher app secret", ["pusher"], "pusher", String.raw`[a-f0-9]{20}`),
  keyed("azure-openai-key", "Azure OpenAI API key", ["openai"], String.raw`azure[\w.-]{0,20}?openai`, String.raw`[a-f0-9]{32}`),
  keyed("ibm-cloud-api-key", "IBM Cloud API key", ["ibm"], String.raw`ibm[\w.-]{0,10}?(?:cloud|api)`, String.raw`[\w-]{44}`, { entropy: 4 }),
  token("scaleway-access-key", "Scaleway access key", ["scw"], String.raw`SCW[A-Z0-9]{17}`),
  keyed("scaleway-secret-key", "Scaleway secret key", ["scw_secret", "scaleway"], String.raw`scw_secret|scaleway`, uuid),
  token("neon-api-key", "Neon API key", ["napi_"], String.raw`napi_[a-z0-9]{64}`),
  token("render-api-key", "Render API key", ["rnd_"], String.raw`rnd_[a-zA-Z0-9]{32}`),
  token("mailersend-token", "MailerSend API token", ["mlsn."], String.raw`mlsn\.[a-f0-9]{64}`, { alphabet: String.raw`\w.` }),
  token("resend-api-key", "Resend API key", ["re_"], String.raw`re_[a-zA-Z0-9]{8}_[a-zA-Z0-9]{24}`, { entropy: 3.5 }),
  token("openrouter-api-key", "OpenRouter API key", ["sk-or-v1-"], String.raw`sk-or-v1-[a-f0-9]{64}`, { alphabet: dash }),
  token("elevenlabs-api-key", "ElevenLabs API key", ["sk_"], String.raw`sk_[a-f0-9]{48}`),
  token("pinecone-api-key", "Pinecone API key", ["pcsk_"], String.raw`pcsk_[a-zA-Z0-9]{5,6}_[\w]{60,70}`),
  token("fireworks-api-key", "Fireworks AI API key", ["fw_"], String.raw`fw_[a-zA-Z0-9]{24}`),
  token("langfuse-secret-key", "Langfuse secret key", ["sk-lf-"], String.raw`sk-lf-${uuid}`, { alphabet: dash }),
  keyed("wandb-api-key", "Weights & Biases API key", ["wandb"], "wandb", String.raw`[a-f0-9]{40}`),
  keyed("gitea-token", "Gitea / Forgejo access token", ["gitea", "forgejo"], String.raw`gitea|forgejo`, String.raw`[a-f0-9]{40}`),
  keyed("nuget-config-password", "Cleartext password in nuget.config", ["cleartextpassword"], String.raw`ClearTextPassword["']?\s{0,3}value`, String.raw`[^"'\s<>]{8,128}`),
  {
    ...keyed("npmrc-auth", "npm legacy _auth / _password / _authToken credential in .npmrc", ["_auth", "_password"], String.raw`(?:^|[\s:])_(?:auth|password|authToken)`, String.raw`[A-Za-z0-9+/=._-]{12,512}`),
    path: jsPattern(/(?:^|\/)\.?npmrc$/),
  },
  {
    ...keyed("docker-config-auth", "Docker config.json registry auth", ['"auth"'], String.raw`"auth"`, String.raw`[A-Za-z0-9+/]{16,400}={0,2}`, { entropy: 3.2 }),
    // The value is base64 of `user:password`: judge the password (`dXNlcjpwYXNzd29yZA==` is "user:password").
    veto: (secret) => {
      const plain = Buffer.from(secret, "base64").toString("latin1");
      const colon = plain.indexOf(":");
      return colon === -1 || isPlaceholderValue(plain.slice(colon + 1));
    },
  },
  { id: "kubernetes-bootstrap-token", description: "Kubernetes bootstrap token (kubeadm join / bootstrap Secret)", keywords: ["token"], detect: detectBootstrapTokens },
  keyed("kubeconfig-client-key", "Client key data in a kubeconfig", ["client-key-data"], "client-key-data", String.raw`[A-Za-z0-9+/]{60,16000}={0,2}`, { entropy: 4.5 }),
  {
    id: "authorization-header",
    description: "Credential in an HTTP Authorization header (curl, HTTP files, docs)",
    keywords: ["authorization"],
    pattern: authHeader,
    entropy: 3.5,
    // Generic: yields to a specific rule on the same line (`Bearer ghp_…` is a github-pat).
    generic: true,
    veto: (secret) => isPlaceholderValue(secret) || secret.startsWith("ey"),
  },
  { id: "private-key-base64", description: "Base64-encoded PEM private key", keywords: ["ls0tls1crudjti"], detect: detectEncodedPrivateKeys },
];

/** Files whose mere presence is the finding (gitleaks' path-only rules). Checked before the binary skip. */
export const pathRules: readonly { readonly id: string; readonly description: string; readonly path: RegExp }[] = [
  { id: "pkcs12-file", description: "PKCS#12 key store (.p12/.pfx) committed", path: /\.(?:p12|pfx)$/i },
  { id: "pgpass-file", description: "PostgreSQL password file (.pgpass) committed", path: /(?:^|\/)\.pgpass$/ },
  { id: "kerberos-keytab", description: "Kerberos keytab (long-term keys of a principal) committed", path: /\.keytab$/i },
];
