/* TLS on stream listeners (OpenSSL): a listener's server context, the
 * verification of client certificates against `ca` and `allowed_peers`,
 * the names a certificate vouches for, and why a handshake failed.
 *
 * No libevent here: conn.c runs the handshake on an OpenSSL bufferevent and
 * asks this file what the outcome means.  Nothing here logs; conn.c and the
 * config loader report what these functions return.
 *
 * Name matching (allowed_peers, bind_host_to_peer) is OpenSSL's
 * X509_check_host / X509_check_ip_asc: a pattern is matched against the
 * certificate's subjectAltName DNS names, or its subject CN only when it has
 * no DNS name; an address pattern against its subjectAltName IP addresses.
 * ASCII case is ignored; a name holding a NUL byte never matches; a `*` in
 * a certificate is taken literally (X509_CHECK_FLAG_NO_WILDCARDS), so only
 * the pattern side has wildcards: `*.corp.example` stands for exactly one
 * label in front of corp.example. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "spoor/config.h"

struct ssl_st;          /* OpenSSL's SSL */
struct x509_st;         /* OpenSSL's X509 */

/* Why a handshake failed: the label of spoor_tls_handshakes_failed_total. */
enum tls_fail_reason {
        TLS_FAIL_NOT_TLS,               /* the first byte is not a TLS handshake: plain TCP */
        TLS_FAIL_PROTOCOL_VERSION,      /* older than TLS 1.2, or no version in common */
        TLS_FAIL_NO_CLIENT_CERT,        /* client_cert: required, none presented */
        TLS_FAIL_UNKNOWN_CA,            /* the client certificate does not chain to `ca` */
        TLS_FAIL_CERT_EXPIRED,
        TLS_FAIL_CERT_NOT_YET_VALID,
        TLS_FAIL_CERT_INVALID,          /* any other verification failure (purpose, signature, ...) */
        TLS_FAIL_PEER_NOT_ALLOWED,      /* valid, but no name of it matches allowed_peers */
        TLS_FAIL_CLIENT_ALERT,          /* the client gave up (e.g. it does not trust our certificate) */
        TLS_FAIL_TIMEOUT,               /* not done within handshake_timeout */
        TLS_FAIL_CLOSED,                /* the client closed the connection during the handshake */
        TLS_FAIL_ERROR,                 /* anything else: no shared cipher, a malformed message */
        _TLS_FAIL_MAX,
        _TLS_FAIL_INVALID = -1,
};

/* "not_tls", "protocol_version", ...; "unknown" when out of range. */
const char *tls_fail_reason_name(enum tls_fail_reason r);

/* Which listen[].tls key a problem is about. */
enum tls_conf_key {
        TLS_KEY_CERT,
        TLS_KEY_KEY,
        TLS_KEY_CA,
        _TLS_KEY_MAX,
};

const char *tls_conf_key_name(enum tls_conf_key k);   /* "cert", "key", "ca" */

/* ---- patterns (allowed_peers) ---------------------------------------- */

/* Whether `pattern` is a valid allowed_peers entry: an IPv4 or IPv6
 * address, a host name, or `*.` followed by a host name.  A `*` anywhere
 * else (partial-label wildcards such as nxlog*.corp.example) is refused.
 * 0, or -EINVAL with the reason in why. */
int tls_pattern_check(const char *pattern, char *why, size_t len);

/* Whether `cert` names a peer `pattern` (as tls_pattern_check accepted it,
 * any case) stands for.  1 yes, 0 no, -EINVAL for a pattern
 * tls_pattern_check refuses, -ENOMEM. */
int tls_cert_match_pattern(struct x509_st *cert, const char *pattern);

/* Whether `cert` names `host` exactly (bind_host_to_peer): an address
 * against its IP addresses, anything else as a DNS name.  1 or 0. */
int tls_cert_names_host(struct x509_st *cert, const char *host);

/* The name a certificate is known by, for logs and SpoorPeerMismatch: its
 * first subjectAltName DNS name, else its first IP address, else its
 * subject CN; bytes outside printable ASCII shown as '?'; "" when it has
 * none. */
void tls_cert_identity(struct x509_st *cert, char *buf, size_t len);

/* ---- a listener's server context ------------------------------------- */

struct tls_server;

/* Load conf's certificate, key and CA into a server context (TLS 1.2 at
 * least, no session resumption, client certificates per conf->verify).
 * 0, or -errno with the key at fault in *bad and the reason in why (which
 * names the file). */
int tls_server_new(const struct listen_tls_conf *conf, struct tls_server **out, enum tls_conf_key *bad,
                   char *why, size_t len);
void tls_server_free(struct tls_server *srv);

/* What the listener logs when it starts: "client_cert required, 3 allowed peers". */
void tls_server_describe(const struct tls_server *srv, char *buf, size_t len);

uint64_t tls_server_handshake_timeout_s(const struct tls_server *srv);

/* ---- one connection -------------------------------------------------- */

struct tls_session;

/* A session for a new connection on `srv`, holding its SSL (server mode).
 * 0 or -ENOMEM. */
int tls_session_new(struct tls_server *srv, struct tls_session **out);

/* Frees the session and drops its reference to the SSL; the SSL's other
 * owner (the bufferevent) may outlive it. */
void tls_session_free(struct tls_session *s);

/* The session's SSL with one more reference, for a bufferevent that frees
 * it (BEV_OPT_CLOSE_ON_FREE).  NULL on error. */
struct ssl_st *tls_session_ssl_ref(struct tls_session *s);

/* The handshake completed: keep the client certificate, if any.  0, or
 * -EPERM with *why and a detail when the connection must not be used after
 * all (what verification should already have refused: belt and braces). */
int tls_session_established(struct tls_session *s, enum tls_fail_reason *why, char *detail, size_t len);

/* The handshake failed: why.  errs are the OpenSSL error codes the
 * bufferevent collected (any order), eof whether the client closed the
 * connection.  A reason the certificate verification recorded wins.
 * detail gets one line for the log. */
enum tls_fail_reason tls_session_failure(struct tls_session *s, const unsigned long *errs, size_t nerrs,
                                         bool eof, char *detail, size_t len);

/* The client certificate's name (tls_cert_identity), "" without one. */
const char *tls_session_peer(const struct tls_session *s);

/* "TLSv1.3 TLS_AES_256_GCM_SHA384", after the handshake. */
void tls_session_describe(const struct tls_session *s, char *buf, size_t len);

/* At shutdown, outside libevent: decrypted bytes the session can still
 * read without blocking.  > 0 bytes, 0 nothing more (would block, closed,
 * or an error). */
size_t tls_session_read_now(struct tls_session *s, void *buf, size_t len);

/* One OpenSSL error code as text, for a log line. */
void tls_error_string(unsigned long e, char *buf, size_t len);

/* Whether the client certificate names `host` (tls_cert_names_host); the
 * last answer is cached, as a connection mostly carries one host.  1 yes,
 * 0 no (also without a client certificate). */
int tls_session_names_host(struct tls_session *s, const char *host);
