/**
 * The cluster inventory's schema, written once with TypeBox: it is what loadInventory validates (./load.ts), where
 * the TypeScript types come from (./types.ts), where the defaults live (`default`), and what
 * docs/inventory.schema.json is generated from for editors (`npm run inventory-schema`). `errorMessage` says what
 * to fix when a value does not match; ./schema-errors.ts turns it into "cluster "id" field: message" (editors that
 * know the keyword, such as VS Code, show it too). What a schema cannot say (one publisher, unique ids, time zones)
 * is checked after it, in ./load.ts.
 */
import { Type, type Static, type TLiteral } from '@sinclair/typebox';
import { NOTIFICATION_EVENT_KINDS } from '../notification-events';
import { OPTIONAL_GATES, type Weekday } from '../types';
import { CERTIFICATE_UNITS } from '../units';
import { APPROVER_COUNTS, GATE_KINDS } from '../policy/types';

export const DEFAULT_RENEW_BEFORE_DAYS = 60;
export const DEFAULT_WATCH_AT = '06:00';
export const DEFAULT_WATCH_TIME_ZONE = 'UTC';
export const DEFAULT_APPROVALS = ['before-start'] as const;
/** Renewals are brought forward to this many days before a freeze (docs/configuration.md, "Change freezes"). */
export const DEFAULT_FREEZE_MARGIN_DAYS = 7;
/** A gate left open is notified again after 4 hours, and escalated 4 hours after that. */
export const DEFAULT_REMIND_AFTER_SECONDS = 4 * 3600;
export const DEFAULT_ESCALATE_AFTER_SECONDS = 4 * 3600;

interface Described {
  title?: string;
  description?: string;
  errorMessage?: string;
  default?: unknown;
}

/** An object whose unknown fields are refused: a misspelt field is an error, not a silently ignored setting. */
function Strict<T extends Parameters<typeof Type.Object>[0]>(properties: T, options: Described = {}) {
  return Type.Object(properties, { additionalProperties: false, ...options });
}

/** One of a fixed list of strings; a wrong value is reported once, with the list. */
function OneOf<T extends string>(values: readonly T[], options: Described = {}) {
  const list = values.map((v) => `"${v}"`).join(', ');
  return Type.Union(
    values.map((v): TLiteral<T> => Type.Literal(v)),
    { errorMessage: `must be one of ${list}`, ...options },
  );
}

const ID_PATTERN = '^[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}$';
const ID_RULE = 'letters, digits, ".", "_" and "-", at most 63 characters, starting with a letter or a digit';
const Id = (description: string) =>
  Type.String({ pattern: ID_PATTERN, description, errorMessage: `must be a name of ${ID_RULE}` });

const NonEmpty = (description: string) =>
  Type.String({ minLength: 1, description, errorMessage: 'must be a non-empty string' });

const Port = (description: string, fallback?: number) =>
  Type.Integer({
    minimum: 1,
    maximum: 65535,
    description,
    errorMessage: 'must be a port number (1-65535)',
    ...(fallback === undefined ? {} : { default: fallback }),
  });

const SecretRef = (description: string) =>
  Type.String({
    pattern: '^(env:[A-Za-z_][A-Za-z0-9_]*|file:/.+)$',
    description: `${description}: a secret reference, env:NAME or file:/absolute/path, resolved when an activity runs`,
    errorMessage: 'must be a secret reference (env:NAME or file:/path)',
  });

const Fingerprint = (description: string) =>
  Type.String({
    pattern: '^SHA256:\\S+$',
    description: `${description}, as \`ssh-keygen -lf\` prints it`,
    errorMessage: 'must look like "SHA256:<base64>" (ssh-keygen -lf)',
  });

const HH_MM = (description: string, fallback?: string) =>
  Type.String({
    pattern: '^([01]\\d|2[0-3]):([0-5]\\d)$',
    description,
    errorMessage: 'must be a 24-hour local time HH:MM, e.g. "06:00"',
    ...(fallback === undefined ? {} : { default: fallback }),
  });

const TimeZone = (description: string, fallback?: string) =>
  Type.String({
    minLength: 1,
    description,
    errorMessage: 'must be an IANA time zone, e.g. "Europe/Paris"',
    ...(fallback === undefined ? {} : { default: fallback }),
  });

// Deliberately loose: one @, something either side, no spaces or angle brackets (RFC 5322 display names are not
// accepted here; the SMTP server is the judge of the rest).
const Address = (description: string) =>
  Type.String({ pattern: '^[^\\s@<>]+@[^\\s@<>]+$', description, errorMessage: 'must be an e-mail address' });

export const CredentialSchema = Strict(
  {
    username: NonEmpty('The account name'),
    passwordRef: SecretRef("The account's password"),
  },
  { errorMessage: 'must be an object with "username" and "passwordRef"' },
);

export const NodeRoleSchema = OneOf(['publisher', 'subscriber'] as const, {
  description: 'Exactly one node of a cluster is the publisher',
});

export const NodeSchema = Strict(
  {
    id: Id("Stable id used in workflow arguments and API documents (the node's hostname on a real cluster)"),
    role: NodeRoleSchema,
    host: NonEmpty('Address the worker connects to'),
    sshPort: Type.Optional(Port('SSH port of the platform CLI', 22)),
    httpsPort: Type.Optional(
      Port('HTTPS port of Tomcat (AXL, RisPort70, Control Center Services, certificate REST API)', 8443),
    ),
    sshHostKeySha256: Type.Optional(Fingerprint('Pinned SSH host key; a mismatch refuses the connection')),
  },
  { errorMessage: 'must be an object with "id", "role" and "host"' },
);

export const TlsSchema = Strict(
  {
    mode: OneOf(['pin-tomcat', 'ca', 'insecure'] as const, {
      description:
        "pin-tomcat: trust exactly the node's tomcat certificate read over SSH; ca: verify against caFile; insecure: labs only",
    }),
    caFile: Type.Optional(Type.String({ description: 'CA bundle on the worker, an absolute path (mode "ca")' })),
  },
  { default: { mode: 'pin-tomcat' }, errorMessage: 'must be an object like {"mode":"pin-tomcat"}' },
);

export const UccxNodeSchema = Strict(
  {
    id: Id("The UCCX node's hostname; unique among the cluster's CUCM and UCCX nodes"),
    host: NonEmpty('Address the worker connects to'),
    sshPort: Type.Optional(Port('SSH port of the UCCX platform CLI', 22)),
    sshHostKeySha256: Type.Optional(
      Fingerprint("Pinned SSH host key; required unless the cluster's hostKeyPolicy is record-on-first-use"),
    ),
    osAdmin: CredentialSchema,
  },
  { errorMessage: 'must be an object with "id", "host" and "osAdmin"' },
);

const channelBase = {
  id: Id('Unique within the cluster; named in metrics, logs and the run state'),
  events: Type.Optional(
    Type.Array(OneOf(NOTIFICATION_EVENT_KINDS), {
      minItems: 1,
      description: 'Only these events; all of them when absent',
      errorMessage: `must be a non-empty list of ${NOTIFICATION_EVENT_KINDS.join(', ')}`,
    }),
  ),
};

export const WebhookChannelSchema = Strict(
  {
    ...channelBase,
    kind: Type.Literal('webhook'),
    urlRef: SecretRef('The webhook URL'),
    hmacKeyRef: SecretRef('The HMAC-SHA256 signing key'),
  },
  { description: 'A generic JSON webhook: the event as JSON, signed with HMAC-SHA256' },
);

export const ChatChannelSchema = Strict(
  {
    ...channelBase,
    kind: OneOf(['webex', 'teams', 'slack'] as const),
    urlRef: SecretRef('The incoming-webhook URL (it carries its token)'),
  },
  { description: 'Webex, Microsoft Teams (Workflows webhook) or Slack incoming webhook' },
);

export const EmailChannelSchema = Strict(
  {
    ...channelBase,
    kind: Type.Literal('email'),
    smtp: Strict(
      {
        host: NonEmpty('SMTP server'),
        port: Type.Optional(Port('587 by default, 465 when security is "tls"')),
        security: Type.Optional(
          OneOf(['starttls', 'tls', 'none'] as const, {
            default: 'starttls',
            description: 'starttls (refuses to send in clear), tls (implicit TLS, e.g. 465), none (labs only)',
          }),
        ),
        username: Type.Optional(NonEmpty('SMTP user; with passwordRef')),
        passwordRef: Type.Optional(SecretRef('SMTP password; with username')),
      },
      { errorMessage: 'must be an object with "host"' },
    ),
    from: Address('Sender address'),
    to: Type.Array(Address('Recipient address'), {
      minItems: 1,
      errorMessage: 'must be a non-empty list of e-mail addresses',
    }),
  },
  { description: 'E-mail over SMTP' },
);

/** Channels are told apart by `kind`; ./schema-errors.ts reports the errors of the variant that `kind` names. */
const NotificationChannelSchema = Type.Union([WebhookChannelSchema, ChatChannelSchema, EmailChannelSchema], {
  errorMessage: 'must be a channel whose "kind" is one of webhook, webex, teams, slack, email',
});

const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const MaintenanceWindowSchema = Strict(
  {
    start: HH_MM('Local opening time'),
    end: HH_MM('Local closing time; earlier than start for a window past midnight'),
    timeZone: TimeZone('IANA time zone of start and end'),
    days: Type.Optional(
      Type.Array(OneOf(WEEKDAYS), {
        minItems: 1,
        uniqueItems: true,
        description: 'Days on which the window opens; every day when absent',
        errorMessage: 'must be a non-empty list of weekdays like ["sat","sun"]',
      }),
    ),
  },
  {
    description: 'The recurring window in which a renewal the watch starts may change the cluster',
    errorMessage: 'must be an object like {"start":"22:00","end":"05:00","timeZone":"Europe/Paris"}',
  },
);

const LocalDateTime = (description: string) =>
  Type.String({
    pattern: '^\\d{4}-\\d{2}-\\d{2}T([01]\\d|2[0-3]):[0-5]\\d$',
    description,
    errorMessage: 'must be a local date and time YYYY-MM-DDTHH:MM, e.g. "2026-12-24T00:00"',
  });

export const FreezeSchema = Strict(
  {
    name: NonEmpty('What the freeze is called in messages and refusals, e.g. "Quarter end"'),
    start: LocalDateTime('Local date and time at which the freeze begins (nothing starts from then)'),
    end: LocalDateTime('Local date and time at which it ends (starts are possible again from then)'),
    timeZone: TimeZone('IANA time zone of start and end'),
  },
  {
    description: 'A change-freeze period: no run starts inside it (manual or by the expiry watch)',
    errorMessage:
      'must be an object like {"name":"Quarter end","start":"2026-12-24T00:00","end":"2027-01-04T00:00","timeZone":"Europe/Paris"}',
  },
);

const DelaySeconds = (description: string, fallback: number) =>
  Type.Integer({
    minimum: 1,
    maximum: 7 * 86_400,
    default: fallback,
    description,
    errorMessage: `must be a whole number of seconds from 1 to 604800 (7 days, when a gate expires); default ${fallback}`,
  });

const VersionText = (description: string) =>
  Type.String({
    pattern: '^\\d{1,2}(\\.\\d+)?$',
    description,
    errorMessage: 'must be a CUCM major or major.minor version, e.g. "12.5" or "14"',
  });

export const ApprovalRuleSchema = Strict(
  {
    units: Type.Optional(
      Type.Array(OneOf(CERTIFICATE_UNITS), {
        minItems: 1,
        uniqueItems: true,
        description: 'The certificate units it covers; every unit when absent',
        errorMessage: `must be a non-empty list of ${CERTIFICATE_UNITS.join(', ')}`,
      }),
    ),
    gates: Type.Optional(
      Type.Array(OneOf(GATE_KINDS), {
        minItems: 1,
        uniqueItems: true,
        description: 'The gate kinds it covers; every kind when absent',
        errorMessage: `must be a non-empty list of ${GATE_KINDS.join(', ')}`,
      }),
    ),
    securityMode: Type.Optional(
      OneOf(['mixed', 'non-secure'] as const, { description: "Only while the cluster's security mode is this" }),
    ),
    cucmVersion: Type.Optional(
      Strict(
        {
          atLeast: Type.Optional(VersionText('From this version on (inclusive)')),
          below: Type.Optional(VersionText('Before this version (exclusive)')),
        },
        {
          description: 'Only for a publisher version in this range',
          errorMessage: 'must be an object like {"atLeast":"12.5","below":"15"}',
        },
      ),
    ),
    run: Type.Optional(
      OneOf(['regeneration', 'trust-recovery'] as const, {
        description: 'Only for this kind of run; both when absent',
      }),
    ),
    approvers: OneOf(APPROVER_COUNTS, {
      description:
        'automatic (no person; only low-risk units and gates, only inside the maintenance window), one, or two distinct approvers',
    }),
    approverGroups: Type.Optional(
      Type.Array(NonEmpty('A role or group'), {
        minItems: 1,
        description:
          "Roles or groups an approver must hold one of (an API token's role, an OpenID Connect roles claim); any approver when absent",
        errorMessage: 'must be a non-empty list of role or group names',
      }),
    ),
    verified: Type.Optional(
      Type.Boolean({
        description: 'Only decisions the API authenticated count (not a name typed in the Temporal UI)',
      }),
    ),
    required: Type.Optional(
      Type.Boolean({
        description:
          "The optional gates it covers (before-start, before-restarts, before-phone-reset) are asked even when a run's approvals leave them out",
      }),
    ),
  },
  { errorMessage: 'must be an object with "approvers" (automatic, one or two) and the conditions it applies under' },
);

export const ApprovalPolicySchema = Strict(
  {
    rules: Type.Array(ApprovalRuleSchema, {
      description: 'Tried in order; the first rule whose conditions all hold decides a gate (docs/inventory.md)',
      errorMessage: 'must be a list of rules',
    }),
  },
  {
    description:
      "Who decides the gates: the cluster's rules first, then the inventory's, then the built-in ones (two approvers for CallManager, CallManager-ECDSA, TVS, ITLRecovery in mixed mode and for a trust recovery; one elsewhere). The requester never approves their own run.",
    errorMessage: 'must be an object like {"rules":[{"units":["tomcat"],"approvers":"one"}]}',
  },
);

/** The fraction of a certificate's lifetime after which an ACME issuer renews it when the CA offers no ARI. */
export const DEFAULT_RENEW_AT_FRACTION = 2 / 3;
/** The issuer every CA-signed unit has unless the cluster says otherwise: a person posts the CA's chain. */
export const MANUAL_ISSUER = 'manual';

const HostPort = (description: string) =>
  Type.String({
    pattern: '^(\\[[0-9a-fA-F:.]+\\]|[^\\s:\\[\\]]+):([1-9][0-9]{0,4})$',
    description,
    errorMessage: 'must be "host:port", e.g. "ns1.example.com:53" or "[2001:db8::53]:53"',
  });

const AbsolutePath = (description: string) =>
  Type.String({ pattern: '^/', description, errorMessage: 'must be an absolute path on the worker' });

/** RFC 2136 dynamic update, signed with TSIG (RFC 8945): what BIND, Knot, PowerDNS and Windows DNS accept. */
export const Rfc2136SolverSchema = Strict(
  {
    provider: Type.Literal('rfc2136'),
    server: HostPort('The primary name server that accepts dynamic updates for the zone (usually port 53)'),
    zone: NonEmpty('The zone the _acme-challenge records are added to, e.g. "uc.example.com"'),
    tsigKeyName: NonEmpty('The TSIG key name the server knows, e.g. "acme-update."'),
    tsigAlgorithm: Type.Optional(
      OneOf(['hmac-sha256', 'hmac-sha384', 'hmac-sha512', 'hmac-sha1'] as const, {
        default: 'hmac-sha256',
        description: 'The TSIG algorithm of the key (RFC 8945; hmac-sha256 by default)',
      }),
    ),
    tsigSecretRef: SecretRef('The TSIG key, base64 as tsig-keygen prints it'),
    ttl: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 86400, default: 60, description: 'TTL of the TXT records (60 s)' }),
    ),
  },
  { description: 'DNS-01 by RFC 2136 dynamic update with TSIG' },
);

/** Anything else: an HTTP endpoint or a command that adds and removes the TXT record. */
export const WebhookSolverSchema = Strict(
  {
    provider: Type.Literal('webhook'),
    urlRef: SecretRef('The URL that receives {"action":"present"|"cleanup","fqdn","value"} as a JSON POST'),
    hmacKeyRef: Type.Optional(SecretRef('Signs the body with HMAC-SHA256 (X-Signature-SHA256 header)')),
  },
  { description: 'DNS-01 through an HTTP endpoint of yours' },
);

export const ExecSolverSchema = Strict(
  {
    provider: Type.Literal('exec'),
    command: AbsolutePath("Run as `<command> present|cleanup <fqdn> <value>` (the convention of lego's exec provider)"),
  },
  { description: 'DNS-01 through a program on the worker' },
);

export const AcmeIssuerSchema = Strict(
  {
    id: Id('The name units and clusters refer to'),
    kind: Type.Literal('acme'),
    directoryUrl: Type.String({
      pattern: '^https://',
      description:
        "The ACME server's directory (RFC 8555 section 7.1.1), e.g. https://acme-v02.api.letsencrypt.org/directory",
      errorMessage: 'must be an https:// URL',
    }),
    email: Address('The account contact (the CA writes about expiry and incidents)'),
    accountKeyRef: SecretRef('The ACME account private key (PEM)'),
    caFile: Type.Optional(
      AbsolutePath("A CA bundle (PEM) to trust the ACME server's TLS with, for an internal ACME server"),
    ),
    rootsFile: Type.Optional(
      AbsolutePath(
        "The CA's root certificate(s), PEM: appended when the chain the server sends stops at an intermediate (CUCM's trust store needs the root)",
      ),
    ),
    renewAtFraction: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        exclusiveMaximum: 1,
        default: DEFAULT_RENEW_AT_FRACTION,
        description:
          'When the CA offers no renewal information (ARI, RFC 9773) for a certificate: renew once this fraction of its lifetime has passed (2/3 by default: a 90-day certificate at 30 days left)',
        errorMessage: 'must be a number between 0 and 1, e.g. 0.6667',
      }),
    ),
    dns01: Type.Union([Rfc2136SolverSchema, WebhookSolverSchema, ExecSolverSchema], {
      description: 'How the DNS-01 TXT records are published',
      errorMessage: 'must be a solver whose "provider" is one of rfc2136, webhook, exec',
    }),
  },
  { description: 'An ACME CA (RFC 8555), DNS-01 validation' },
);

const IssuerRef = (description: string) =>
  Type.String({
    pattern: ID_PATTERN,
    description: `${description}: "manual" (a person posts the chain) or the id of one of the cluster's issuers`,
    errorMessage: 'must be "manual" or the id of one of the cluster\'s issuers',
  });

const IssuanceSchema = Strict(
  {
    issuer: Type.Optional(IssuerRef('The issuer of every CA-signed unit of the cluster')),
    units: Type.Optional(
      // Partial: a unit not listed takes the cluster's issuer.
      Type.Partial(
        Type.Record(
          OneOf(CERTIFICATE_UNITS),
          Strict(
            {
              issuer: Type.Optional(IssuerRef('The issuer of this unit')),
              csrDistribution: Type.Optional(
                OneOf(['per-node', 'multi-server'] as const, {
                  description:
                    'tomcat / tomcat-ECDSA: the renewals the expiry watch starts make one multi-server (SAN) CSR (TN 118731)',
                }),
              ),
            },
            { errorMessage: 'must be an object like {"issuer":"letsencrypt","csrDistribution":"multi-server"}' },
          ),
          {
            additionalProperties: false,
            description: "Per unit, overriding the cluster's issuer",
            errorMessage: 'must be an object keyed by certificate unit, e.g. {"tomcat":{"issuer":"letsencrypt"}}',
          },
        ),
      ),
    ),
  },
  {
    description: 'Where the CA-signed certificates come from; "manual" (the signed-certificate gate) by default',
    errorMessage: 'must be an object like {"issuer":"letsencrypt"}',
  },
);

export const ClusterSchema = Strict(
  {
    id: Id('The id runs and the API use'),
    name: Type.Optional(Type.String({ description: 'Display name; the id by default' })),
    nodes: Type.Array(NodeSchema, {
      minItems: 1,
      description: 'The publisher, and any subscribers worth listing (the others are learned from the publisher)',
      errorMessage: 'must list at least the publisher',
    }),
    sshHostKeys: Type.Optional(
      Type.Record(Type.String({ pattern: ID_PATTERN }), Fingerprint('SSH host-key fingerprint'), {
        additionalProperties: false,
        description: 'SSH host-key fingerprints by hostname, for subscribers not listed in nodes',
        errorMessage: 'must be an object of fingerprints by hostname, e.g. {"cucm-sub1":"SHA256:..."}',
      }),
    ),
    credentials: Strict(
      {
        osAdmin: CredentialSchema,
        axl: Type.Optional(CredentialSchema),
      },
      { errorMessage: 'must be an object with "osAdmin" (and "axl")' },
    ),
    hostKeyPolicy: Type.Optional(
      OneOf(['pinned', 'record-on-first-use'] as const, {
        default: 'pinned',
        description: 'pinned refuses a node without a fingerprint; record-on-first-use records the first key seen',
      }),
    ),
    tls: Type.Optional(TlsSchema),
    risportRequestsPerMinute: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 18,
        default: 15,
        description: 'RisPort70 requests per minute for the whole cluster (CUCM allows at most 18)',
        errorMessage: 'must be an integer from 1 to 18 (CUCM allows at most 18)',
      }),
    ),
    notifications: Type.Optional(
      Type.Array(NotificationChannelSchema, {
        description: "Where to tell people about this cluster's runs; none by default",
        errorMessage: 'must be a list of channels',
      }),
    ),
    renewBeforeDays: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 3650,
        default: DEFAULT_RENEW_BEFORE_DAYS,
        description: 'The expiry watch renews a certificate unit once it has this many days left or fewer',
        errorMessage: 'must be a whole number of days from 1 to 3650 (default 60)',
      }),
    ),
    expiryWatch: Type.Optional(
      Strict(
        {
          at: Type.Optional(HH_MM('Local time of the daily watch', DEFAULT_WATCH_AT)),
          timeZone: Type.Optional(TimeZone('IANA time zone of "at"', DEFAULT_WATCH_TIME_ZONE)),
        },
        {
          default: {},
          description: 'When the daily expiry watch runs',
          errorMessage: 'must be an object like {"at":"06:00","timeZone":"UTC"}',
        },
      ),
    ),
    maintenanceWindow: Type.Optional(MaintenanceWindowSchema),
    freezes: Type.Optional(
      Type.Array(FreezeSchema, {
        description: 'Change-freeze periods: no run starts inside one; renewals due in one are brought forward',
        errorMessage: 'must be a list of freezes',
      }),
    ),
    freezeMarginDays: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 365,
        default: DEFAULT_FREEZE_MARGIN_DAYS,
        description:
          'A unit expiring before the end of a freeze plus this many days is renewed in the this-many days before the freeze begins',
        errorMessage: `must be a whole number of days from 0 to 365 (default ${DEFAULT_FREEZE_MARGIN_DAYS})`,
      }),
    ),
    gateReminders: Type.Optional(
      Strict(
        {
          remindAfterSeconds: Type.Optional(
            DelaySeconds('A gate still open this long after it opened is notified again', DEFAULT_REMIND_AFTER_SECONDS),
          ),
          escalateAfterSeconds: Type.Optional(
            DelaySeconds(
              'A gate still open this long after its reminder is escalated (the escalation channels)',
              DEFAULT_ESCALATE_AFTER_SECONDS,
            ),
          ),
        },
        {
          default: {},
          description: 'When a gate left open is notified again, then escalated; both stop when it is decided',
          errorMessage: 'must be an object like {"remindAfterSeconds":14400,"escalateAfterSeconds":14400}',
        },
      ),
    ),
    escalation: Type.Optional(
      Type.Array(NotificationChannelSchema, {
        description:
          'Where a gate left open is escalated (the gate-escalated event only); same channel kinds as notifications',
        errorMessage: 'must be a list of channels',
      }),
    ),
    renewal: Type.Optional(
      Strict(
        {
          approvals: Type.Optional(
            Type.Array(OneOf(OPTIONAL_GATES), {
              default: [...DEFAULT_APPROVALS],
              description: 'The optional gates of a renewal the watch starts ([] for none)',
              errorMessage: `must be a list of ${OPTIONAL_GATES.map((g) => `"${g}"`).join(', ')} ([] for none)`,
            }),
          ),
        },
        { default: {}, errorMessage: 'must be an object like {"approvals":["before-start"]}' },
      ),
    ),
    approvalPolicy: Type.Optional(ApprovalPolicySchema),
    issuers: Type.Optional(
      Type.Array(AcmeIssuerSchema, {
        description: 'The issuers the cluster\'s CA-signed units may use ("manual" always exists)',
        errorMessage: 'must be a list of issuers (kind "acme")',
      }),
    ),
    issuance: Type.Optional(IssuanceSchema),
    uccxNodes: Type.Optional(
      Type.Array(UccxNodeSchema, {
        description: "Unified CCX nodes that trust this cluster's tomcat certificates (docs/uccx.md)",
        errorMessage: 'must be a list of UCCX nodes',
      }),
    ),
  },
  { errorMessage: 'must be an object' },
);

export const InventorySchema = Strict(
  {
    $schema: Type.Optional(Type.String({ description: 'The JSON Schema editors check this file against' })),
    clusters: Type.Array(ClusterSchema, { errorMessage: 'must be a list of clusters' }),
    approvalPolicy: Type.Optional(ApprovalPolicySchema),
  },
  {
    title: 'cucm-cert-regen cluster inventory',
    description: 'The clusters the service manages and how to reach them (docs/inventory.md)',
    errorMessage: 'must be an object with a "clusters" array',
  },
);

/** The JSON Schema document for editors (docs/inventory.schema.json): the schema above, without TypeBox's symbols. */
export function inventoryJsonSchema(): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(InventorySchema)) as Record<string, unknown>;
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...plain };
}

/** The inventory document as written, before defaults (./types.ts has the types after loading). */
export type InventoryInput = Static<typeof InventorySchema>;
