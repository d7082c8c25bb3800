import { keyed, token, type Rule } from "../rule.js";

const hex = "a-fA-F0-9";

/**
 * A bearer JWT names its issuer, subject, audience, lifetime or scope. A token whose payload
 * has none of these (`{"some": "payload"}`, `{"test": 1234}`) is a library's worked example,
 * usable against nothing.
 */
function hasRegisteredClaim(jwt: string): boolean {
  const payload = jwt.split(".")[1] ?? "";
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return true; // not JSON after all: keep the finding, the shape is a JWT's
  }
  if (!claims || typeof claims !== "object") return true;
  return Object.keys(claims).some((k) => /^(?:iss|sub|aud|exp|nbf|iat|jti|azp|scope|scp|email|client_id|cid|uid|user_id|username|role|roles|tid|oid|appid|groups|permissions|sid|session_id|token_use|typ)$/i.test(k));
}
const b64 = String.raw`\w+/`;
const dash = String.raw`\w-`;

/**
 * Provider tokens with distinctive prefixes or shapes, written for hush from the providers'
 * published token formats. Each is covered by true- and false-positive cases in
 * testdata/corpus.yaml.
 */
export const tokenRules: readonly Rule[] = [
  // ---- cloud providers ----
  token("aws-access-key-id", "AWS access key ID", ["akia", "asia", "abia", "acca", "a3t"], String.raw`(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}`),
  keyed("aws-secret-access-key", "AWS secret access key", ["aws", "secret_access", "secretaccess"], String.raw`aws[\w.-]{0,20}?secret|secret[_.-]?access[_.-]?key`, String.raw`[A-Za-z0-9/+]{40}`, { entropy: 4 }),
  token("aws-bedrock-api-key", "Amazon Bedrock long-term API key", ["absk"], String.raw`ABSK[A-Za-z0-9+/]{109,269}={0,2}`, { alphabet: b64 }),
  token("gcp-api-key", "Google Cloud / Firebase API key", ["aiza"], String.raw`AIza[\w-]{35}`, { alphabet: dash }),
  // A service account's private_key_id names the key (it is public); its private_key is the
  // private-key rule's finding.
  token("gcp-oauth-client-secret", "Google OAuth client secret", ["gocspx"], String.raw`GOCSPX-[\w-]{28}`, { alphabet: dash }),
  token("google-oauth-access-token", "Google OAuth access token", ["ya29."], String.raw`ya29\.[\w-]{30,512}`, { alphabet: String.raw`\w.-` }),
  token("azure-ad-client-secret", "Azure AD client secret", ["q~"], String.raw`[\w.~]{3}\dQ~[\w.~-]{31,34}`, { alphabet: String.raw`\w.~-` , anchor: { literal: "Q~", before: 4, after: 34 } }),
  keyed("azure-storage-account-key", "Azure storage account key", ["accountkey", "account_key", "storage"], String.raw`account[_-]?key|azure[_-]?storage[\w-]{0,10}key`, String.raw`[A-Za-z0-9+/]{86}==`, { entropy: 4 }),
  token("azure-sas-signature", "Azure shared access signature", ["sig="], String.raw`sv=\d{4}-\d\d-\d\d&[\w%&=:.-]{0,300}?sig=[A-Za-z0-9%+/]{40,70}`, { alphabet: String.raw`\w%&=:.-` }),
  token("azure-devops-pat", "Azure DevOps personal access token", ["azdo"], String.raw`[A-Za-z0-9]{52}AZDO[A-Za-z0-9]{4}`, { anchor: { literal: "AZDO", before: 52, after: 4 } }),
  token("digitalocean-pat", "DigitalOcean personal access token", ["dop_v1_"], String.raw`dop_v1_[a-f0-9]{64}`),
  token("digitalocean-oauth-token", "DigitalOcean OAuth access token", ["doo_v1_"], String.raw`doo_v1_[a-f0-9]{64}`),
  token("digitalocean-refresh-token", "DigitalOcean OAuth refresh token", ["dor_v1_"], String.raw`dor_v1_[a-f0-9]{64}`),
  token("alibaba-access-key-id", "Alibaba Cloud AccessKey ID", ["ltai"], String.raw`LTAI[a-zA-Z0-9]{20}`),
  token("heroku-api-key", "Heroku platform API key", ["hrku-"], String.raw`HRKU-AA[\w-]{58}`, { alphabet: dash }),
  token("cloudflare-origin-ca-key", "Cloudflare origin CA key", ["v1.0-"], String.raw`v1\.0-[a-f0-9]{24}-[a-f0-9]{146}`, { alphabet: String.raw`\w.-` }),
  keyed("cloudflare-api-token", "Cloudflare API token", ["cloudflare", "cf_api"], String.raw`cloudflare|cf_api`, String.raw`[\w-]{40}`, { entropy: 3.5 }),
  token("flyio-token", "Fly.io access token", ["fo1_", "fm1", "fm2"], String.raw`(?:fo1_[\w-]{43}|fm[12][ar]?_[A-Za-z0-9+/]{100,900}={0,3})`, { alphabet: String.raw`\w+/-` }),
  token("vault-service-token", "HashiCorp Vault service token", ["hvs."], String.raw`hvs\.[\w-]{24,512}`, { alphabet: String.raw`\w.-` }),
  token("vault-batch-token", "HashiCorp Vault batch token", ["hvb."], String.raw`hvb\.[\w-]{138,300}`, { alphabet: String.raw`\w.-` }),
  token("terraform-cloud-token", "Terraform Cloud / HCP API token", ["atlasv1"], String.raw`[a-zA-Z0-9]{14}\.atlasv1\.[\w=-]{60,70}`, { alphabet: String.raw`\w.-` , anchor: { literal: ".atlasv1.", before: 14, after: 70 } }),
  token("pulumi-access-token", "Pulumi access token", ["pul-"], String.raw`pul-[a-f0-9]{40}`, { alphabet: dash }),
  token("doppler-token", "Doppler API token", ["dp.pt.", "dp.st.", "dp.ct.", "dp.sa."], String.raw`dp\.(?:pt|st|ct|sa|scim|audit)\.[a-zA-Z0-9]{40,44}`, { alphabet: String.raw`\w.` }),
  token("databricks-token", "Databricks access token", ["dapi"], String.raw`dapi[a-f0-9]{32}(?:-\d)?`, { alphabet: dash }),
  token("supabase-access-token", "Supabase personal access token", ["sbp_"], String.raw`sbp_[a-f0-9]{40}`),
  token("supabase-secret-key", "Supabase secret API key", ["sb_secret_"], String.raw`sb_secret_[\w-]{31,64}`, { alphabet: dash }),
  token("planetscale-token", "PlanetScale token or password", ["pscale_"], String.raw`pscale_(?:tkn|pw|oauth)_[\w=.-]{32,64}`, { alphabet: String.raw`\w.-` }),
  token("grafana-cloud-token", "Grafana Cloud API token", ["glc_"], String.raw`glc_[A-Za-z0-9+/]{32,400}={0,2}`, { alphabet: b64 }),
  token("grafana-service-account-token", "Grafana service account token", ["glsa_"], String.raw`glsa_[A-Za-z0-9]{32}_[${hex}]{8}`),
  token("newrelic-user-api-key", "New Relic user API key", ["nrak-"], String.raw`NRAK-[A-Z0-9]{27}`, { alphabet: dash }),
  token("newrelic-browser-key", "New Relic browser API key", ["nrjs-"], String.raw`NRJS-[a-f0-9]{19}`, { alphabet: dash }),
  token("newrelic-insert-key", "New Relic insert key", ["nrii-"], String.raw`NRII-[\w-]{32}`, { alphabet: dash }),
  keyed("datadog-api-key", "Datadog API or application key", ["datadog", "dd_api", "dd_app"], String.raw`datadog|dd_api|dd_app`, String.raw`[a-f0-9]{32}|[a-f0-9]{40}`),
  token("sentry-org-token", "Sentry organization token", ["sntrys_"], String.raw`sntrys_eyJ[\w=+/]{60,400}`, { alphabet: b64 }),
  token("sentry-user-token", "Sentry user auth token", ["sntryu_"], String.raw`sntryu_[a-f0-9]{64}`),
  token("dynatrace-token", "Dynatrace API token", ["dt0c", "dt0s", "dt0a"], String.raw`dt0[a-z]\d\d\.[A-Z0-9]{24}\.[A-Z0-9]{64}`, { alphabet: String.raw`\w.` }),
  token("scalingo-token", "Scalingo API token", ["tk-us-"], String.raw`tk-us-[\w-]{48}`, { alphabet: dash }),
  keyed("linode-token", "Linode personal access token", ["linode"], "linode", String.raw`[a-f0-9]{64}`),
  keyed("heroku-legacy-api-key", "Heroku legacy API key", ["heroku"], "heroku", String.raw`[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}`),
  keyed("netlify-token", "Netlify access token", ["netlify"], "netlify", String.raw`[\w=-]{40,46}`, { entropy: 3.5 }),
  keyed("vercel-token", "Vercel access token", ["vercel"], "vercel", String.raw`[A-Za-z0-9]{24}`, { entropy: 3.5 }),

  // ---- source hosting and CI ----
  token("github-pat", "GitHub personal access token (classic)", ["ghp_"], String.raw`ghp_[0-9a-zA-Z]{36}`),
  token("github-fine-grained-pat", "GitHub fine-grained personal access token", ["github_pat_"], String.raw`github_pat_\w{82}`),
  token("github-oauth-token", "GitHub OAuth access token", ["gho_"], String.raw`gho_[0-9a-zA-Z]{36}`),
  token("github-app-token", "GitHub App user-to-server or installation token", ["ghu_", "ghs_"], String.raw`(?:ghu|ghs)_[0-9a-zA-Z]{36}`),
  token("github-refresh-token", "GitHub refresh token", ["ghr_"], String.raw`ghr_[0-9a-zA-Z]{36,76}`),
  token("gitlab-pat", "GitLab personal access token", ["glpat-"], String.raw`glpat-[\w.-]{20,300}`, { alphabet: String.raw`\w.-` }),
  token("gitlab-pipeline-trigger-token", "GitLab pipeline trigger token", ["glptt-"], String.raw`glptt-[0-9a-f]{40}`, { alphabet: dash }),
  token("gitlab-runner-registration-token", "GitLab runner registration token", ["gr1348941"], String.raw`GR1348941[\w-]{20}`, { alphabet: dash }),
  token("gitlab-runner-auth-token", "GitLab runner authentication token", ["glrt-"], String.raw`glrt-[\w.-]{20,64}`, { alphabet: String.raw`\w.-` }),
  token("gitlab-deploy-token", "GitLab deploy token", ["gldt-"], String.raw`gldt-[\w-]{20}`, { alphabet: dash }),
  token("gitlab-feed-token", "GitLab feed token", ["glft-"], String.raw`glft-[\w-]{20}`, { alphabet: dash }),
  token("gitlab-oauth-secret", "GitLab OAuth application secret", ["gloas-"], String.raw`gloas-[\w-]{64}`, { alphabet: dash }),
  token("gitlab-cicd-job-token", "GitLab CI/CD job token", ["glcbt-"], String.raw`glcbt-[0-9a-fA-F]{1,5}_[\w-]{20}`, { alphabet: dash }),
  token("gitlab-scim-token", "GitLab SCIM token", ["glsoat-"], String.raw`glsoat-[\w-]{20}`, { alphabet: dash }),
  token("gitlab-incoming-mail-token", "GitLab incoming mail token", ["glimt-"], String.raw`glimt-[0-9a-zA-Z]{25}`, { alphabet: dash }),
  token("gitlab-agent-token", "GitLab Kubernetes agent token", ["glagent-"], String.raw`glagent-[\w-]{50}`, { alphabet: dash }),
  token("bitbucket-app-password", "Bitbucket / Atlassian app password", ["atbb"], String.raw`ATBB[A-Za-z0-9_=.-]{32,}`.replace(",}", ",64}"), { alphabet: String.raw`\w.-` }),
  token("atlassian-api-token", "Atlassian API token", ["atatt3"], String.raw`ATATT3[\w=-]{186}`, { alphabet: dash }),
  keyed("bitbucket-client-secret", "Bitbucket OAuth client secret", ["bitbucket"], "bitbucket", String.raw`[\w=-]{64}`),
  token("npm-access-token", "npm access token", ["npm_"], String.raw`npm_[a-zA-Z0-9]{36}`),
  token("pypi-upload-token", "PyPI upload token", ["pypi-ageichlwas5vcmc"], String.raw`pypi-AgEIcHlwaS5vcmc[\w-]{50,1000}`, { alphabet: dash }),
  token("rubygems-api-token", "RubyGems API token", ["rubygems_"], String.raw`rubygems_[a-f0-9]{48}`),
  token("nuget-api-key", "NuGet API key", ["oy2"], String.raw`oy2[a-z0-9]{43}`),
  token("dockerhub-pat", "Docker Hub personal access token", ["dckr_pat_", "dckr_oat_"], String.raw`dckr_(?:pat|oat)_[\w-]{27,32}`, { alphabet: dash }),
  token("circleci-pat", "CircleCI personal API token", ["ccipat_"], String.raw`CCIPAT_[A-Za-z0-9]{22}_[a-f0-9]{40}`),
  token("jfrog-api-key", "JFrog Artifactory API key", ["akcp"], String.raw`AKCp[A-Za-z0-9]{69}`),
  token("jfrog-identity-token", "JFrog identity / reference token", ["cmvmdgtuojaxoj"], String.raw`cmVmdGtuOjAxOj[A-Za-z0-9]{40,60}`),
  token("sonarqube-token", "SonarQube token", ["squ_", "sqp_", "sqa_"], String.raw`sq[upa]_[a-f0-9]{40}`),
  token("buildkite-token", "Buildkite agent or API token", ["bkua_", "bkat_"], String.raw`bk(?:ua|at)_[a-f0-9]{40}`),
  keyed("travis-ci-token", "Travis CI access token", ["travis"], "travis", String.raw`[A-Za-z0-9_-]{22}`, { entropy: 3.5 }),
  keyed("drone-ci-token", "Drone CI token", ["drone"], "drone", String.raw`[a-zA-Z0-9]{32}`, { entropy: 3.5 }),
  token("prefect-api-key", "Prefect API key", ["pnu_"], String.raw`pnu_[a-zA-Z0-9]{36}`),
  token("readme-api-key", "ReadMe API key", ["rdme_"], String.raw`rdme_[a-z0-9]{70}`),
  keyed("codecov-token", "Codecov access token", ["codecov"], "codecov", String.raw`[a-f0-9]{32}`),
  token("octopus-deploy-api-key", "Octopus Deploy API key", ["api-"], String.raw`API-[A-Z0-9]{26}`, { alphabet: dash, entropy: 3.5 }),

  // ---- chat, e-mail and webhooks ----
  token("slack-bot-token", "Slack bot token", ["xoxb-"], String.raw`xoxb-\d{10,13}-\d{10,13}[a-zA-Z0-9-]{0,40}`, { alphabet: dash }),
  token("slack-user-token", "Slack user or enterprise token", ["xoxp-", "xoxe-"], String.raw`xox[pe](?:-\d{10,13}){3}-[a-zA-Z0-9-]{28,34}`, { alphabet: dash }),
  token("slack-app-token", "Slack app-level token", ["xapp-"], String.raw`xapp-\d-[A-Z0-9]{9,12}-\d{10,14}-[a-z0-9]{64}`, { alphabet: dash, flags: "i" }),
  token("slack-config-token", "Slack configuration token", ["xoxe.xox"], String.raw`xoxe\.xox[bp]-\d-[A-Z0-9]{163,166}`, { alphabet: String.raw`\w.-`, flags: "i" }),
  token("slack-legacy-token", "Slack legacy token", ["xoxo-", "xoxs-", "xoxa-", "xoxr-"], String.raw`xox[osar]-\d{1,13}-\d{1,13}(?:-\d{1,13})?-[a-fA-F\d]{8,64}`, { alphabet: dash }),
  token("slack-webhook-url", "Slack incoming webhook URL", ["hooks.slack.com"], String.raw`hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56}`, { alphabet: String.raw`\w.-` }),
  token("discord-webhook-url", "Discord webhook URL", ["discord"], String.raw`discord(?:app)?\.com/api/webhooks/\d{17,20}/[\w-]{60,70}`, { alphabet: String.raw`\w.-` }),
  token("discord-bot-token", "Discord bot token", ["discord", "bot"], String.raw`[MNO][A-Za-z\d_-]{23,27}\.[\w-]{6}\.[\w-]{27,38}`, { alphabet: String.raw`\w.-`, entropy: 4 }),
  token("teams-webhook-url", "Microsoft Teams incoming webhook URL", ["webhook.office.com"], String.raw`webhook\.office\.com/webhookb2/[a-f0-9-]{36}@[a-f0-9-]{36}/IncomingWebhook/[a-f0-9]{32}/[a-f0-9-]{36}`, { alphabet: dash }),
  token("telegram-bot-token", "Telegram bot token", [":aa"], String.raw`\d{8,10}:AA[\w-]{33}`, { alphabet: String.raw`\w:-` , anchor: { literal: ":AA", before: 10, after: 33 } }),
  // The secret is the random tail: the run of A's would read as filler to the placeholder gate.
  { ...token("twitter-bearer-token", "Twitter/X bearer token", ["aaaaaaaaaaaaaaaaaaaaa"], String.raw`A{22}([A-Za-z0-9%]{30,120})`, { alphabet: String.raw`\w%` }), secretGroup: 2 },
  token("facebook-access-token", "Facebook / Meta access token", ["eaa"], String.raw`EAA[A-Za-z0-9]{90,400}`, { entropy: 4 }),
  token("mailchimp-api-key", "Mailchimp API key", ["-us"], String.raw`[a-f0-9]{32}-us\d{1,2}`, { alphabet: dash , anchor: { literal: "-us", before: 32, after: 2 } }),
  keyed("mailgun-api-key", "Mailgun API key", ["mailgun"], "mailgun", String.raw`key-[a-f0-9]{32}|[a-f0-9]{32}-[a-f0-9]{8}-[a-f0-9]{8}`),
  token("sendgrid-api-key", "SendGrid API key", ["sg."], String.raw`SG\.[\w-]{22}\.[\w-]{43}`, { alphabet: String.raw`\w.-` }),
  token("twilio-api-key", "Twilio API key SID", ["sk"], String.raw`SK[0-9a-fA-F]{32}`, { entropy: 3.2 }),
  keyed("twilio-auth-token", "Twilio auth token", ["twilio"], "twilio", String.raw`[a-f0-9]{32}`),
  token("brevo-api-key", "Brevo (Sendinblue) API key", ["xkeysib-"], String.raw`xkeysib-[a-f0-9]{64}-[a-z0-9]{16}`, { alphabet: dash, flags: "i" }),
  keyed("postmark-server-token", "Postmark server token", ["postmark"], "postmark", String.raw`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`),
  keyed("mailjet-api-key", "Mailjet API key", ["mailjet", "mj_apikey"], String.raw`mailjet|mj_apikey`, String.raw`[a-f0-9]{32}`),
  keyed("mattermost-token", "Mattermost access token", ["mattermost"], "mattermost", String.raw`[a-z0-9]{26}`, { entropy: 3.5 }),
  keyed("twitch-api-token", "Twitch API token", ["twitch"], "twitch", String.raw`[a-z0-9]{30}`, { entropy: 3.5 }),
  keyed("zendesk-secret", "Zendesk secret key", ["zendesk"], "zendesk", String.raw`[a-z0-9]{40}`),

  // ---- payments and SaaS ----
  token("stripe-secret-key", "Stripe secret or restricted key", ["sk_live_", "sk_test_", "rk_live_", "rk_test_", "sk_prod_", "rk_prod_"], String.raw`(?:sk|rk)_(?:live|test|prod)_[a-zA-Z0-9]{10,99}`, { entropy: 3.2 }),
  token("stripe-webhook-secret", "Stripe webhook signing secret", ["whsec_"], String.raw`whsec_[a-zA-Z0-9]{32,64}`),
  token("square-access-token", "Square access token", ["eaaa", "sq0atp-"], String.raw`(?:EAAA[\w-]{60}|sq0atp-[\w-]{22})`, { alphabet: dash }),
  token("square-oauth-secret", "Square OAuth secret", ["sq0csp-"], String.raw`sq0csp-[\w-]{43}`, { alphabet: dash }),
  token("braintree-access-token", "PayPal Braintree access token", ["access_token$production$"], String.raw`access_token\$production\$[0-9a-z]{16}\$[0-9a-f]{32}`, { alphabet: String.raw`\w$` }),
  token("shopify-token", "Shopify access token or shared secret", ["shpat_", "shpca_", "shppa_", "shpss_"], String.raw`shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}`),
  token("adyen-api-key", "Adyen API key", ["aqe"], String.raw`AQE[a-zA-Z0-9]{4}\+[\w+/=.-]{60,200}`, { alphabet: String.raw`\w+/.-` }),
  token("flutterwave-secret-key", "Flutterwave secret key", ["flwseck"], String.raw`FLWSECK(?:_TEST)?-[a-h0-9]{32}-X`, { alphabet: dash }),
  token("coinbase-api-key", "Coinbase CDP API key name", ["organizations/"], String.raw`organizations/[a-f0-9-]{36}/apiKeys/[a-f0-9-]{36}`, { alphabet: String.raw`\w/-`, entropy: 3.5 }),
  token("openai-api-key", "OpenAI API key", ["t3blbkfj"], String.raw`sk-(?:proj-|svcacct-|admin-)?[\w-]{20,200}T3BlbkFJ[\w-]{20,200}`, { alphabet: dash }),
  {
    ...token("openai-project-key", "OpenAI project API key", ["sk-proj-", "sk-svcacct-", "sk-admin-"], String.raw`sk-(?:proj|svcacct|admin)-[\w-]{80,200}`, { alphabet: dash, entropy: 4 }),
    veto: (secret) => secret.includes("T3BlbkFJ"),
  },
  token("anthropic-api-key", "Anthropic API key", ["sk-ant-api03", "sk-ant-admin01"], String.raw`sk-ant-(?:api03|admin01)-[\w-]{93}AA`, { alphabet: dash }),
  token("huggingface-token", "Hugging Face access token", ["hf_"], String.raw`hf_[a-zA-Z0-9]{34}`, { entropy: 3.5 }),
  token("huggingface-org-token", "Hugging Face organization API token", ["api_org_"], String.raw`api_org_[a-zA-Z]{34}`, { entropy: 3.5 }),
  token("groq-api-key", "Groq API key", ["gsk_"], String.raw`gsk_[a-zA-Z0-9]{52}`),
  token("perplexity-api-key", "Perplexity API key", ["pplx-"], String.raw`pplx-[a-zA-Z0-9]{48}`, { alphabet: dash }),
  token("replicate-api-token", "Replicate API token", ["r8_"], String.raw`r8_[a-zA-Z0-9]{37}`),
  token("xai-api-key", "xAI API key", ["xai-"], String.raw`xai-[a-zA-Z0-9]{80}`, { alphabet: dash }),
  keyed("cohere-api-key", "Cohere API key", ["cohere", "co_api_key"], String.raw`cohere|co_api_key`, String.raw`[a-zA-Z0-9]{40}`, { entropy: 3.5 }),
  keyed("mistral-api-key", "Mistral AI API key", ["mistral"], "mistral", String.raw`[a-zA-Z0-9]{32}`, { entropy: 3.5 }),
  keyed("deepseek-api-key", "DeepSeek API key", ["deepseek"], "deepseek", String.raw`sk-[a-f0-9]{32}`),
  token("langsmith-api-key", "LangSmith API key", ["lsv2_"], String.raw`lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}`),
  token("notion-token", "Notion integration token", ["ntn_"], String.raw`ntn_\d{11}[A-Za-z0-9]{35}`),
  token("airtable-pat", "Airtable personal access token", ["pat"], String.raw`pat[a-zA-Z0-9]{14}\.[a-f0-9]{64}`, { alphabet: String.raw`\w.` }),
  token("figma-pat", "Figma personal access token", ["figd_"], String.raw`figd_[\w-]{40,64}`, { alphabet: dash }),
  token("postman-api-key", "Postman API key", ["pmak-"], String.raw`PMAK-[a-f0-9]{24}-[a-f0-9]{34}`, { alphabet: dash, flags: "i" }),
  token("linear-api-key", "Linear API key", ["lin_api_"], String.raw`lin_api_[a-zA-Z0-9]{40}`),
  token("clickup-token", "ClickUp personal token", ["pk_"], String.raw`pk_\d{6,10}_[A-Z0-9]{32}`),
  token("asana-token", "Asana personal access token", [":"], String.raw`\d/\d{13,20}(?:/\d{13,20})?:[a-f0-9]{32}`, { alphabet: String.raw`\w/:` }),
  token("contentful-token", "Contentful delivery/management token", ["cfpat-"], String.raw`CFPAT-[\w-]{43}`, { alphabet: dash }),
  token("shippo-api-token", "Shippo API token", ["shippo_"], String.raw`shippo_(?:live|test)_[a-f0-9]{40}`),
  token("easypost-api-token", "EasyPost API token", ["ezak", "eztk"], String.raw`EZ[AT]K[a-zA-Z0-9]{54}`),
  token("typeform-token", "Typeform personal access token", ["tfp_"], String.raw`tfp_[\w.=-]{59}`, { alphabet: String.raw`\w.-` }),
  token("frameio-token", "Frame.io API token", ["fio-u-"], String.raw`fio-u-[\w=-]{64}`, { alphabet: dash }),
  keyed("intercom-token", "Intercom access token", ["intercom"], "intercom", String.raw`[\w=-]{60}`),
  keyed("algolia-admin-key", "Algolia admin API key", ["algolia"], "algolia", String.raw`[a-f0-9]{32}`),
  keyed("okta-api-token", "Okta API token", ["okta"], "okta", String.raw`00[\w-]{40}`, { entropy: 3.5 }),
  token("onepassword-service-token", "1Password service account token", ["ops_eyj"], String.raw`ops_eyJ[A-Za-z0-9+/]{250,}`.replace(",}", ",1200}") + "={0,3}", { alphabet: b64 }),
  token("onepassword-secret-key", "1Password account secret key", ["a3-"], String.raw`A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}`, { alphabet: dash }),
  token("tailscale-key", "Tailscale auth or API key", ["tskey-"], String.raw`tskey-(?:(?:api|auth|client|scim|webhook)-)?[A-Za-z0-9]{9,20}-[A-Za-z0-9]{20,40}`, { alphabet: dash }),
  keyed("ngrok-api-key", "ngrok API key / authtoken", ["ngrok"], "ngrok", String.raw`[\w]{40,50}`),
  token("age-secret-key", "age secret key", ["age-secret-key-"], String.raw`AGE-SECRET-KEY-(?:PQ-)?1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58,2000}`, { alphabet: dash }),
  { ...token("jwt", "JSON Web Token", ["eyj"], String.raw`eyJ[\w-]{8,2000}\.eyJ[\w-]{8,4000}\.[\w-]{8,2000}`, { alphabet: String.raw`\w.-`, entropy: 3.5 }), veto: (secret) => !hasRegisteredClaim(secret) },
];
