// Every limit of the built-in HTTP server in one place.

/** Whole request (headers + body) must arrive within this; slowloris clients are cut off. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Headers must arrive within this (Node checks it independently of the body). */
export const HEADERS_TIMEOUT_MS = 10_000;
/** How often Node sweeps for requests past those deadlines (its default of 30 s would let a
 * slowloris client hold a connection for up to 40 s). */
export const TIMEOUT_CHECK_INTERVAL_MS = 2_000;
/** Idle keep-alive connections close after this (a little above typical proxy keep-alives). */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/**
 * A socket with no traffic in either direction for this long is closed, and a download whose
 * client takes no chunk (FILE_READ_CHUNK) for this long is reset: a client that stops reading holds
 * a file handle and a connection slot, never memory (backpressure), and not past this limit.
 */
export const SOCKET_IDLE_TIMEOUT_MS = 120_000;
/** Plenty for a bot's provider callbacks, probes and downloads; refuses floods beyond it. */
export const MAX_CONNECTIONS = 1024;
/** Requests per keep-alive connection before Node closes it. */
export const MAX_REQUESTS_PER_SOCKET = 1000;
export const MAX_HEADER_BYTES = 16 * 1024;

/** kie.ai posts its task record (prompt, params, result URLs): small JSON. */
export const KIE_CALLBACK_MAX_BYTES = 256 * 1024;
/** Telegram updates are far below this (a message is at most a few KB). */
export const WEBHOOK_MAX_BYTES = 1024 * 1024;

/** /healthz answers from a result at most this old, so probes can never hammer the database. */
export const HEALTH_CACHE_MS = 250;
/** A health source slower than this counts as down. */
export const HEALTH_CHECK_TIMEOUT_MS = 2_000;
/** Job gauges on /metrics are recounted at most this often (counting jobs is a table scan). */
export const METRICS_REFRESH_MS = 5_000;

/** Read size for file streaming: fewer, larger reads than the 64 KB default. */
export const FILE_READ_CHUNK = 256 * 1024;
