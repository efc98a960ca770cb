/* TLS on stream listeners: server contexts, client-certificate
 * verification, peer names, handshake failure reasons (include/spoor/tls.h).
 *
 * Decisions:
 *   - TLS 1.2 is the minimum; ciphers are OpenSSL's defaults (the system's
 *     security level applies).
 *   - No session resumption (no cache, no tickets): a resumed session skips
 *     certificate verification, so allowed_peers would be checked against a
 *     certificate seen on an earlier connection.  Forwarders hold long-lived
 *     connections; a full handshake per connection costs nothing that
 *     matters.  Renegotiation is refused.
 *   - allowed_peers is checked inside certificate verification (depth 0),
 *     so a refused peer fails the handshake with an alert, exactly like an
 *     unknown CA: it never gets a connection that is then dropped.
 *   - Matching is OpenSSL's (X509_check_host, X509_check_ip_asc), never
 *     hand-parsed names.  Flags: X509_CHECK_FLAG_NO_WILDCARDS (a `*` in a
 *     client certificate is a literal character, not a licence to be every
 *     host), and for a `*.domain` pattern the ".domain" reference form with
 *     X509_CHECK_FLAG_SINGLE_LABEL_SUBDOMAINS (exactly one label in front).
 *     Neither ALWAYS_ nor NEVER_CHECK_SUBJECT: the subject CN counts only
 *     when the certificate has no DNS name.  Partial-label wildcards
 *     ("nxlog*.corp.example") are refused by the loader: OpenSSL has no
 *     matcher for them on the reference side, RFC 6125 deprecates them, and
 *     the CA already decides who holds a name under corp.example.
 *   - Encrypted private keys are refused (no passphrase prompt may block a
 *     daemon): keep the key unencrypted and readable by the service user
 *     only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "spoor/cleanup.h"
#include "spoor/tls.h"
#include "spoor/winevent.h"

#define TLS_NAME_MAX 253        /* a DNS name, without a trailing dot */
#define TLS_LABEL_MAX 63
#define TLS_VERIFY_DEPTH 10

struct tls_server {
        unsigned refs;                  /* the listener, and each session */
        SSL_CTX *ctx;
        enum tls_client_cert verify;
        char **peers;                   /* allowed_peers, lower case */
        size_t npeers;
        uint64_t handshake_timeout_s;
};

struct tls_session {
        struct tls_server *srv;
        SSL *ssl;                       /* one reference of ours */
        X509 *peer_cert;                /* after the handshake; NULL without one */
        char peer[256];                 /* tls_cert_identity(peer_cert) */
        enum tls_fail_reason verdict;   /* what certificate verification refused, or _TLS_FAIL_INVALID */
        char verdict_detail[512];
        char cached_host[EVENT_HOST_MAX + 1];
        int cached_answer;              /* -1: nothing cached */
};

static int tls_ex_index = -1;          /* SSL ex_data slot holding the struct tls_session */

static const char *const tls_fail_names[_TLS_FAIL_MAX] = {
        [TLS_FAIL_NOT_TLS] = "not_tls",
        [TLS_FAIL_PROTOCOL_VERSION] = "protocol_version",
        [TLS_FAIL_NO_CLIENT_CERT] = "no_client_cert",
        [TLS_FAIL_UNKNOWN_CA] = "unknown_ca",
        [TLS_FAIL_CERT_EXPIRED] = "cert_expired",
        [TLS_FAIL_CERT_NOT_YET_VALID] = "cert_not_yet_valid",
        [TLS_FAIL_CERT_INVALID] = "cert_invalid",
        [TLS_FAIL_PEER_NOT_ALLOWED] = "peer_not_allowed",
        [TLS_FAIL_CLIENT_ALERT] = "client_alert",
        [TLS_FAIL_TIMEOUT] = "timeout",
        [TLS_FAIL_CLOSED] = "closed",
        [TLS_FAIL_ERROR] = "error",
};

const char *tls_fail_reason_name(enum tls_fail_reason r)
{
        return r >= 0 && r < _TLS_FAIL_MAX ? tls_fail_names[r] : "unknown";
}

const char *tls_conf_key_name(enum tls_conf_key k)
{
        static const char *const names[_TLS_KEY_MAX] = { "cert", "key", "ca" };

        return k < _TLS_KEY_MAX ? names[k] : "?";
}

/* ---- patterns and names --------------------------------------------- */

static bool tls_is_address(const char *s)
{
        unsigned char buf[sizeof(struct in6_addr)];

        return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static int tls_fail_why(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int tls_fail_why(char *why, size_t len, const char *fmt, ...)
{
        va_list ap;

        if (why && len) {
                va_start(ap, fmt);
                vsnprintf(why, len, fmt, ap);
                va_end(ap);
        }
        return -EINVAL;
}

int tls_pattern_check(const char *pattern, char *why, size_t len)
{
        const char *host = pattern, *p;
        size_t label = 0;

        if (!pattern || !*pattern)
                return tls_fail_why(why, len, "empty pattern");
        if (tls_is_address(pattern))
                return 0;
        if (strcmp(pattern, "*") == 0)
                return tls_fail_why(why, len, "'*' alone is not a pattern (leave allowed_peers out to accept "
                                              "every client with a valid certificate)");
        if (pattern[0] == '*' && pattern[1] == '.')
                host = pattern + 2;
        if (strchr(host, '*'))
                return tls_fail_why(why, len,
                                    "'%s': a wildcard must be the whole leftmost label, as in '*.corp.example' "
                                    "(partial-label wildcards such as 'nxlog*.corp.example' are not supported)",
                                    pattern);
        if (strlen(host) > TLS_NAME_MAX)
                return tls_fail_why(why, len, "'%s': longer than %d characters", pattern, TLS_NAME_MAX);
        for (p = host;; p++) {
                if (*p == '.' || *p == '\0') {
                        if (label == 0)
                                return tls_fail_why(why, len, "'%s': empty label (leading, trailing or double dot)",
                                                    pattern);
                        if (*p == '\0')
                                return 0;
                        label = 0;
                        continue;
                }
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      *p == '-' || *p == '_'))
                        return tls_fail_why(why, len,
                                            "'%s': not a host name, '*.' and a host name, or an IP address", pattern);
                if (++label > TLS_LABEL_MAX)
                        return tls_fail_why(why, len, "'%s': a label is longer than %d characters", pattern,
                                            TLS_LABEL_MAX);
        }
}

static int tls_check_result(int r)
{
        if (r == 1)
                return 1;
        if (r == 0)
                return 0;
        return r == -2 ? -EINVAL : -ENOMEM;
}

int tls_cert_match_pattern(X509 *cert, const char *pattern)
{
        if (!cert || tls_pattern_check(pattern, NULL, 0) < 0)
                return -EINVAL;
        if (tls_is_address(pattern))
                return tls_check_result(X509_check_ip_asc(cert, pattern, 0));
        if (pattern[0] == '*')  /* "*.corp.example": the reference ".corp.example", one label in front */
                return tls_check_result(X509_check_host(cert, pattern + 1, 0,
                                                        X509_CHECK_FLAG_NO_WILDCARDS |
                                                                X509_CHECK_FLAG_SINGLE_LABEL_SUBDOMAINS,
                                                        NULL));
        return tls_check_result(X509_check_host(cert, pattern, 0, X509_CHECK_FLAG_NO_WILDCARDS, NULL));
}

int tls_cert_names_host(X509 *cert, const char *host)
{
        if (!cert || !host || !*host || host[0] == '.')        /* ".x" would mean "any subdomain" */
                return 0;
        if (tls_is_address(host))
                return X509_check_ip_asc(cert, host, 0) == 1;
        return X509_check_host(cert, host, 0, X509_CHECK_FLAG_NO_WILDCARDS, NULL) == 1;
}

/* Copy n bytes for a log line: printable ASCII kept, the rest as '?'. */
static void tls_copy_printable(char *buf, size_t len, const unsigned char *s, size_t n)
{
        size_t i;

        if (!len)
                return;
        for (i = 0; i < n && i + 1 < len; i++)
                buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
        buf[i] = '\0';
}

void tls_cert_identity(X509 *cert, char *buf, size_t len)
{
        GENERAL_NAMES *gens;
        const ASN1_OCTET_STRING *ip = NULL;
        X509_NAME *subject;
        int i;

        if (!len)
                return;
        buf[0] = '\0';
        if (!cert)
                return;
        gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
        for (i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
                const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

                if (g->type == GEN_DNS) {
                        tls_copy_printable(buf, len, ASN1_STRING_get0_data(g->d.dNSName),
                                           (size_t)ASN1_STRING_length(g->d.dNSName));
                        GENERAL_NAMES_free(gens);
                        return;
                }
                if (g->type == GEN_IPADD && !ip)
                        ip = g->d.iPAddress;
        }
        if (ip) {
                char text[INET6_ADDRSTRLEN] = "?";
                int n = ASN1_STRING_length(ip);

                if (n == 4 || n == 16)
                        inet_ntop(n == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(ip), text, sizeof(text));
                snprintf(buf, len, "%s", text);
                GENERAL_NAMES_free(gens);
                return;
        }
        GENERAL_NAMES_free(gens);
        subject = X509_get_subject_name(cert);
        i = subject ? X509_NAME_get_index_by_NID(subject, NID_commonName, -1) : -1;
        if (i >= 0) {
                unsigned char *utf8 = NULL;
                int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i)));

                if (n >= 0)
                        tls_copy_printable(buf, len, utf8, (size_t)n);
                OPENSSL_free(utf8);
        }
}

/* ---- server context ------------------------------------------------- */

/* The reason of the oldest queued OpenSSL error ("no start line", "key
 * values mismatch"), then an empty queue. */
static const char *tls_ssl_reason(char *buf, size_t len)
{
        unsigned long e = ERR_get_error();
        const char *r = e ? ERR_reason_error_string(e) : NULL;

        snprintf(buf, len, "%s", r ? r : e ? "unknown OpenSSL error" : "no detail");
        ERR_clear_error();
        return buf;
}

/* A regular file we can open; else -errno with why. */
static int tls_check_file(const char *path, char *why, size_t len)
{
        struct stat st;
        FILE *f;

        if (stat(path, &st) < 0) {
                int r = -errno;
                snprintf(why, len, "%s: %s", path, strerror(-r));
                return r;
        }
        if (!S_ISREG(st.st_mode)) {
                snprintf(why, len, "%s: not a regular file", path);
                return -EINVAL;
        }
        f = fopen(path, "r");
        if (!f) {
                int r = -errno;
                snprintf(why, len, "%s: %s", path, strerror(-r));
                return r;
        }
        fclose(f);
        return 0;
}

static int tls_no_passphrase(char *buf, int size, int rwflag, void *ud)
{
        *(bool *)ud = true;
        return -1;
}

static int tls_verify_cb(int ok, X509_STORE_CTX *xs);

static void tls_server_unref(struct tls_server *srv)
{
        if (!srv || --srv->refs > 0)
                return;
        SSL_CTX_free(srv->ctx);
        for (size_t i = 0; i < srv->npeers; i++)
                free(srv->peers[i]);
        free(srv->peers);
        free(srv);
}

void tls_server_free(struct tls_server *srv)
{
        tls_server_unref(srv);
}

static int tls_server_load(struct tls_server *srv, const struct listen_tls_conf *conf, enum tls_conf_key *bad,
                           char *why, size_t len)
{
        char reason[256];
        bool encrypted = false;
        int r;

        *bad = TLS_KEY_CERT;
        if (!conf->cert || !conf->key) {
                snprintf(why, len, "cert and key are both needed");
                return -EINVAL;
        }
        r = tls_check_file(conf->cert, why, len);
        if (r < 0)
                return r;
        ERR_clear_error();
        if (SSL_CTX_use_certificate_chain_file(srv->ctx, conf->cert) != 1) {
                snprintf(why, len, "%s: not a PEM certificate (%s)", conf->cert, tls_ssl_reason(reason, sizeof(reason)));
                return -EINVAL;
        }
        *bad = TLS_KEY_KEY;
        r = tls_check_file(conf->key, why, len);
        if (r < 0)
                return r;
        SSL_CTX_set_default_passwd_cb(srv->ctx, tls_no_passphrase);
        SSL_CTX_set_default_passwd_cb_userdata(srv->ctx, &encrypted);
        r = SSL_CTX_use_PrivateKey_file(srv->ctx, conf->key, SSL_FILETYPE_PEM);
        SSL_CTX_set_default_passwd_cb_userdata(srv->ctx, NULL);
        if (r != 1) {
                unsigned long e = ERR_peek_last_error();

                if (ERR_GET_LIB(e) == ERR_LIB_X509 && ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH)
                        snprintf(why, len, "%s: does not match the certificate in %s", conf->key, conf->cert);
                else if (encrypted)
                        snprintf(why, len, "%s: the key is encrypted; spoord reads unencrypted keys only "
                                           "(openssl pkey -in KEY -out KEY.plain, mode 0600)", conf->key);
                else
                        snprintf(why, len, "%s: not a PEM private key (%s)", conf->key,
                                 tls_ssl_reason(reason, sizeof(reason)));
                ERR_clear_error();
                return -EINVAL;
        }
        if (SSL_CTX_check_private_key(srv->ctx) != 1) {
                snprintf(why, len, "%s: does not match the certificate in %s (%s)", conf->key, conf->cert,
                         tls_ssl_reason(reason, sizeof(reason)));
                return -EINVAL;
        }
        if (conf->verify == TLS_CLIENT_CERT_NONE)
                return 0;
        *bad = TLS_KEY_CA;
        if (!conf->ca) {
                snprintf(why, len, "client_cert %s needs ca", conf->verify == TLS_CLIENT_CERT_REQUIRED ? "required" : "optional");
                return -EINVAL;
        }
        r = tls_check_file(conf->ca, why, len);
        if (r < 0)
                return r;
        if (SSL_CTX_load_verify_locations(srv->ctx, conf->ca, NULL) != 1) {
                snprintf(why, len, "%s: no PEM CA certificate in it (%s)", conf->ca,
                         tls_ssl_reason(reason, sizeof(reason)));
                return -EINVAL;
        }
        /* The names of the CAs, sent in the CertificateRequest: clients with
         * several certificates pick one these issued. */
        STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(conf->ca);
        if (names)
                SSL_CTX_set_client_CA_list(srv->ctx, names);
        ERR_clear_error();
        SSL_CTX_set_verify(srv->ctx,
                           SSL_VERIFY_PEER | (conf->verify == TLS_CLIENT_CERT_REQUIRED
                                                      ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
                           tls_verify_cb);
        SSL_CTX_set_verify_depth(srv->ctx, TLS_VERIFY_DEPTH);
        return 0;
}

int tls_server_new(const struct listen_tls_conf *conf, struct tls_server **out, enum tls_conf_key *bad,
                   char *why, size_t len)
{
        struct tls_server *srv;
        enum tls_conf_key dummy;
        int r;

        if (!bad)
                bad = &dummy;
        *bad = TLS_KEY_CERT;
        if (tls_ex_index < 0) {
                tls_ex_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
                if (tls_ex_index < 0) {
                        snprintf(why, len, "out of memory");
                        return -ENOMEM;
                }
        }
        srv = calloc(1, sizeof(*srv));
        if (!srv || !(srv->ctx = SSL_CTX_new(TLS_server_method()))) {
                free(srv);
                snprintf(why, len, "out of memory");
                return -ENOMEM;
        }
        srv->refs = 1;
        srv->verify = conf->verify;
        srv->handshake_timeout_s = conf->handshake_timeout_s;
        SSL_CTX_set_min_proto_version(srv->ctx, TLS1_2_VERSION);
        SSL_CTX_set_options(srv->ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                              SSL_OP_IGNORE_UNEXPECTED_EOF);
        SSL_CTX_set_session_cache_mode(srv->ctx, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_num_tickets(srv->ctx, 0);
        SSL_CTX_set_mode(srv->ctx, SSL_MODE_RELEASE_BUFFERS);
        SSL_CTX_set_verify(srv->ctx, SSL_VERIFY_NONE, NULL);
        r = tls_server_load(srv, conf, bad, why, len);
        if (r == 0 && conf->nallowed_peers) {
                srv->peers = calloc(conf->nallowed_peers, sizeof(*srv->peers));
                r = srv->peers ? 0 : -ENOMEM;
                for (size_t i = 0; r == 0 && i < conf->nallowed_peers; i++) {
                        srv->peers[i] = strdup(conf->allowed_peers[i]);
                        if (!srv->peers[i]) {
                                r = -ENOMEM;
                                break;
                        }
                        srv->npeers = i + 1;
                        for (char *p = srv->peers[i]; *p; p++)
                                if (*p >= 'A' && *p <= 'Z')
                                        *p = (char)(*p - 'A' + 'a');
                }
                if (r < 0)
                        snprintf(why, len, "out of memory");
        }
        if (r < 0) {
                ERR_clear_error();
                tls_server_unref(srv);
                return r;
        }
        *out = srv;
        return 0;
}

void tls_server_describe(const struct tls_server *srv, char *buf, size_t len)
{
        static const char *const modes[_TLS_CLIENT_CERT_MAX] = { "none", "optional", "required" };

        if (srv->npeers)
                snprintf(buf, len, "client_cert %s, %zu allowed peer%s", modes[srv->verify], srv->npeers,
                         srv->npeers == 1 ? "" : "s");
        else
                snprintf(buf, len, "client_cert %s", modes[srv->verify]);
}

uint64_t tls_server_handshake_timeout_s(const struct tls_server *srv)
{
        return srv->handshake_timeout_s;
}

/* ---- sessions ------------------------------------------------------- */

static enum tls_fail_reason tls_verify_reason(int err)
{
        switch (err) {
        case X509_V_ERR_CERT_HAS_EXPIRED:
                return TLS_FAIL_CERT_EXPIRED;
        case X509_V_ERR_CERT_NOT_YET_VALID:
                return TLS_FAIL_CERT_NOT_YET_VALID;
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
                return TLS_FAIL_UNKNOWN_CA;
        default:
                return TLS_FAIL_CERT_INVALID;
        }
}

/* Called by OpenSSL for each certificate of the client's chain. */
static int tls_verify_cb(int ok, X509_STORE_CTX *xs)
{
        SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
        struct tls_session *s = ssl ? SSL_get_ex_data(ssl, tls_ex_index) : NULL;
        X509 *cert = X509_STORE_CTX_get_current_cert(xs);
        int depth = X509_STORE_CTX_get_error_depth(xs);
        char name[128];

        if (!s)
                return 0;               /* not a connection of ours: trust nothing */
        tls_cert_identity(cert, name, sizeof(name));
        if (!ok) {
                int err = X509_STORE_CTX_get_error(xs);

                if (s->verdict == _TLS_FAIL_INVALID) {
                        char issuer[128] = "";

                        if (cert && err != X509_V_ERR_CERT_HAS_EXPIRED && err != X509_V_ERR_CERT_NOT_YET_VALID)
                                X509_NAME_oneline(X509_get_issuer_name(cert), issuer, sizeof(issuer));
                        s->verdict = tls_verify_reason(err);
                        snprintf(s->verdict_detail, sizeof(s->verdict_detail), "%s '%s'%s%s%s: %s",
                                 depth == 0 ? "client certificate" : "an issuer of the client certificate,",
                                 name, *issuer ? " (issuer " : "", issuer, *issuer ? ")" : "",
                                 X509_verify_cert_error_string(err));
                }
                return 0;
        }
        if (depth == 0 && s->srv->npeers) {
                for (size_t i = 0; i < s->srv->npeers; i++)
                        if (tls_cert_match_pattern(cert, s->srv->peers[i]) == 1)
                                return 1;
                s->verdict = TLS_FAIL_PEER_NOT_ALLOWED;
                snprintf(s->verdict_detail, sizeof(s->verdict_detail),
                         "client certificate '%s' is valid but no name of it matches allowed_peers", name);
                X509_STORE_CTX_set_error(xs, X509_V_ERR_APPLICATION_VERIFICATION);
                return 0;
        }
        return 1;
}

int tls_session_new(struct tls_server *srv, struct tls_session **out)
{
        struct tls_session *s = calloc(1, sizeof(*s));

        if (!s)
                return -ENOMEM;
        s->ssl = SSL_new(srv->ctx);
        if (!s->ssl || SSL_set_ex_data(s->ssl, tls_ex_index, s) != 1) {
                SSL_free(s->ssl);
                free(s);
                ERR_clear_error();
                return -ENOMEM;
        }
        SSL_set_accept_state(s->ssl);
        s->srv = srv;
        srv->refs++;
        s->verdict = _TLS_FAIL_INVALID;
        s->cached_answer = -1;
        *out = s;
        return 0;
}

void tls_session_free(struct tls_session *s)
{
        if (!s)
                return;
        SSL_set_ex_data(s->ssl, tls_ex_index, NULL);
        SSL_free(s->ssl);
        X509_free(s->peer_cert);
        tls_server_unref(s->srv);
        free(s);
}

SSL *tls_session_ssl_ref(struct tls_session *s)
{
        return SSL_up_ref(s->ssl) == 1 ? s->ssl : NULL;
}

int tls_session_established(struct tls_session *s, enum tls_fail_reason *why, char *detail, size_t len)
{
        long vr;

        s->peer_cert = SSL_get1_peer_certificate(s->ssl);
        tls_cert_identity(s->peer_cert, s->peer, sizeof(s->peer));
        if (!s->peer_cert) {
                if (s->srv->verify == TLS_CLIENT_CERT_REQUIRED || s->srv->npeers) {
                        *why = TLS_FAIL_NO_CLIENT_CERT;
                        snprintf(detail, len, "no client certificate (client_cert: required)");
                        return -EPERM;
                }
                return 0;
        }
        if (s->srv->verify == TLS_CLIENT_CERT_NONE)
                return 0;
        vr = SSL_get_verify_result(s->ssl);
        if (vr != X509_V_OK) {
                *why = tls_verify_reason((int)vr);
                snprintf(detail, len, "client certificate '%s': %s", s->peer, X509_verify_cert_error_string(vr));
                return -EPERM;
        }
        return 0;
}

static enum tls_fail_reason tls_ssl_error_reason(unsigned long e)
{
        int r = ERR_GET_REASON(e);

        switch (r) {
        case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
                return TLS_FAIL_NO_CLIENT_CERT;
        case SSL_R_UNSUPPORTED_PROTOCOL:
        case SSL_R_VERSION_TOO_LOW:
        case SSL_R_WRONG_VERSION_NUMBER:
        case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
                return TLS_FAIL_PROTOCOL_VERSION;
        case SSL_R_HTTP_REQUEST:
        case SSL_R_HTTPS_PROXY_REQUEST:
                return TLS_FAIL_NOT_TLS;
        case SSL_R_UNEXPECTED_EOF_WHILE_READING:
                return TLS_FAIL_CLOSED;
        case SSL_R_CERTIFICATE_VERIFY_FAILED:
                return TLS_FAIL_CERT_INVALID;
        default:
                return r >= SSL_AD_REASON_OFFSET ? TLS_FAIL_CLIENT_ALERT : TLS_FAIL_ERROR;
        }
}

enum tls_fail_reason tls_session_failure(struct tls_session *s, const unsigned long *errs, size_t nerrs, bool eof,
                                         char *detail, size_t len)
{
        enum tls_fail_reason why = _TLS_FAIL_INVALID;
        unsigned long first = 0;

        if (s->verdict != _TLS_FAIL_INVALID) {
                snprintf(detail, len, "%s", s->verdict_detail);
                return s->verdict;
        }
        for (size_t i = 0; i < nerrs; i++) {
                enum tls_fail_reason r;

                if (ERR_GET_LIB(errs[i]) != ERR_LIB_SSL)
                        continue;
                r = tls_ssl_error_reason(errs[i]);
                if (why == _TLS_FAIL_INVALID || (why == TLS_FAIL_ERROR && r != TLS_FAIL_ERROR)) {
                        why = r;
                        first = errs[i];
                }
        }
        if (why == _TLS_FAIL_INVALID) {
                why = eof ? TLS_FAIL_CLOSED : TLS_FAIL_ERROR;
                snprintf(detail, len, "%s", eof ? "the client closed the connection" : "handshake failed");
                return why;
        }
        const char *reason = ERR_reason_error_string(first);
        switch (why) {
        case TLS_FAIL_NO_CLIENT_CERT:
                snprintf(detail, len, "no client certificate (client_cert: required)");
                break;
        case TLS_FAIL_PROTOCOL_VERSION:
                snprintf(detail, len, "%s (TLS 1.2 is the minimum)", reason ? reason : "protocol version");
                break;
        case TLS_FAIL_CLIENT_ALERT:
                snprintf(detail, len, "the client ended the handshake: %s (does it trust this listener's "
                                      "certificate?)", reason ? reason : "alert");
                break;
        default:
                snprintf(detail, len, "%s", reason ? reason : "handshake failed");
                break;
        }
        return why;
}

const char *tls_session_peer(const struct tls_session *s)
{
        return s->peer;
}

void tls_session_describe(const struct tls_session *s, char *buf, size_t len)
{
        snprintf(buf, len, "%s %s", SSL_get_version(s->ssl), SSL_get_cipher_name(s->ssl));
}

size_t tls_session_read_now(struct tls_session *s, void *buf, size_t len)
{
        size_t n = 0;
        int r = SSL_read_ex(s->ssl, buf, len, &n);

        ERR_clear_error();
        return r == 1 ? n : 0;
}

void tls_error_string(unsigned long e, char *buf, size_t len)
{
        const char *r = ERR_reason_error_string(e);

        if (r)
                snprintf(buf, len, "%s", r);
        else
                snprintf(buf, len, "OpenSSL error %lu", e);
}

int tls_session_names_host(struct tls_session *s, const char *host)
{
        if (!s->peer_cert)
                return 0;
        if (s->cached_answer >= 0 && strcmp(s->cached_host, host) == 0)
                return s->cached_answer;
        s->cached_answer = tls_cert_names_host(s->peer_cert, host);
        snprintf(s->cached_host, sizeof(s->cached_host), "%s", host);
        return s->cached_answer;
}
