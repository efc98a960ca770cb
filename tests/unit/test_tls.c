/* daemon/ingest/tls.c: allowed_peers patterns, certificate names (exact,
 * wildcard, deeper labels, case, IP SAN, CN fallback only without a DNS
 * SAN, NUL bytes), server contexts and their errors, and handshakes run in
 * memory (BIO pairs) for each failure reason.  Certificates are built with
 * the OpenSSL API. */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "spoor/cleanup.h"
#include "spoor/tls.h"

static char tmpdir[] = "/tmp/spoor-tls-XXXXXX";

/* ---- building certificates ------------------------------------------ */

struct name {
        const char *s;
        size_t len;             /* 0: strlen(s); else the bytes, NULs included */
};

struct cert_spec {
        const char *cn;
        size_t cn_len;                  /* 0: strlen(cn) */
        struct name dns[4];             /* SAN DNS names, until s == NULL */
        const char *ip[3];              /* SAN IP addresses, until NULL */
        long from_days, to_days;        /* validity, relative to now (default -1 .. 365) */
        bool ca;
        bool client;                    /* extendedKeyUsage clientAuth */
};

static EVP_PKEY *make_key(void)
{
        EVP_PKEY *k = EVP_EC_gen("P-256");

        ck_assert_ptr_nonnull(k);
        return k;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
        X509V3_CTX ctx;
        X509_EXTENSION *e;

        X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
        e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
        ck_assert_ptr_nonnull(e);
        ck_assert_int_eq(X509_add_ext(x, e, -1), 1);
        X509_EXTENSION_free(e);
}

/* A certificate for `key`, signed by issuer/ikey (self-signed when NULL). */
static X509 *make_cert(const struct cert_spec *sp, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey)
{
        static long serial = 1;
        X509 *x = X509_new();
        X509_NAME *n = X509_NAME_new();
        GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
        long from = sp->from_days ? sp->from_days : -1, to = sp->to_days ? sp->to_days : 365;

        ck_assert_ptr_nonnull(x);
        ck_assert_int_eq(X509_set_version(x, 2), 1);
        ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
        ck_assert_ptr_nonnull(X509_time_adj_ex(X509_getm_notBefore(x), (int)from, 0, NULL));
        ck_assert_ptr_nonnull(X509_time_adj_ex(X509_getm_notAfter(x), (int)to, 0, NULL));
        if (sp->cn)
                ck_assert_int_eq(X509_NAME_add_entry_by_NID(n, NID_commonName, MBSTRING_ASC,
                                                            (const unsigned char *)sp->cn,
                                                            sp->cn_len ? (int)sp->cn_len : -1, -1, 0),
                                 1);
        ck_assert_int_eq(X509_set_subject_name(x, n), 1);
        ck_assert_int_eq(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n), 1);
        ck_assert_int_eq(X509_set_pubkey(x, key), 1);
        for (size_t i = 0; i < 4 && sp->dns[i].s; i++) {
                GENERAL_NAME *g = GENERAL_NAME_new();
                ASN1_IA5STRING *s = ASN1_IA5STRING_new();
                size_t len = sp->dns[i].len ? sp->dns[i].len : strlen(sp->dns[i].s);

                ck_assert_int_eq(ASN1_STRING_set(s, sp->dns[i].s, (int)len), 1);
                GENERAL_NAME_set0_value(g, GEN_DNS, s);
                sk_GENERAL_NAME_push(gens, g);
        }
        for (size_t i = 0; i < 3 && sp->ip[i]; i++) {
                GENERAL_NAME *g = GENERAL_NAME_new();
                ASN1_OCTET_STRING *os = a2i_IPADDRESS(sp->ip[i]);

                ck_assert_ptr_nonnull(os);
                GENERAL_NAME_set0_value(g, GEN_IPADD, os);
                sk_GENERAL_NAME_push(gens, g);
        }
        if (sk_GENERAL_NAME_num(gens) > 0)
                ck_assert_int_eq(X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT), 1);
        add_ext(x, issuer ? issuer : x, NID_basic_constraints, sp->ca ? "critical,CA:TRUE" : "CA:FALSE");
        if (sp->ca)
                add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
        if (sp->client)
                add_ext(x, issuer ? issuer : x, NID_ext_key_usage, "clientAuth");
        add_ext(x, issuer ? issuer : x, NID_subject_key_identifier, "hash");
        ck_assert_int_gt(X509_sign(x, ikey ? ikey : key, EVP_sha256()), 0);
        GENERAL_NAMES_free(gens);
        X509_NAME_free(n);
        return x;
}

static X509 *make_named(const struct cert_spec *sp)
{
        EVP_PKEY *k = make_key();
        X509 *x = make_cert(sp, k, NULL, NULL);

        EVP_PKEY_free(k);
        return x;
}

/* ---- patterns ------------------------------------------------------- */

static const struct {
        const char *pattern;
        bool ok;
} pattern_cases[] = {
        { "nxlog1.corp.example", true },
        { "NXLog1.Corp.Example", true },
        { "*.corp.example", true },
        { "*.dc.corp.example", true },
        { "host_1", true },
        { "10.1.2.3", true },
        { "::1", true },
        { "fe80::1", true },
        { "", false },
        { "*", false },
        { "nxlog*.corp.example", false },       /* partial-label wildcard */
        { "*nxlog.corp.example", false },
        { "*.*.corp.example", false },
        { "a.*.example", false },
        { "**.corp.example", false },
        { "*.", false },
        { "corp.example.", false },
        { ".corp.example", false },
        { "a..b", false },
        { "a b.example", false },
        { "10.1.2.0/24", false },
        { "[::1]", false },
        { "a234567890123456789012345678901234567890123456789012345678901234.example", false },
};

START_TEST(test_pattern_check)
{
        char why[256] = "";
        int r = tls_pattern_check(pattern_cases[_i].pattern, why, sizeof(why));

        if (pattern_cases[_i].ok) {
                ck_assert_msg(r == 0, "'%s': %s", pattern_cases[_i].pattern, why);
        } else {
                ck_assert_msg(r == -EINVAL, "'%s' accepted", pattern_cases[_i].pattern);
                ck_assert_str_ne(why, "");
        }
}
END_TEST

START_TEST(test_pattern_partial_wildcard_says_why)
{
        char why[256];

        ck_assert_int_eq(tls_pattern_check("nxlog*.corp.example", why, sizeof(why)), -EINVAL);
        ck_assert_ptr_nonnull(strstr(why, "whole leftmost label"));
        ck_assert_ptr_nonnull(strstr(why, "partial-label wildcards"));
        ck_assert_int_eq(tls_pattern_check("*", why, sizeof(why)), -EINVAL);
        ck_assert_ptr_nonnull(strstr(why, "leave allowed_peers out"));
}
END_TEST

/* ---- matching ------------------------------------------------------- */

enum { C_SAN, C_CN_ONLY, C_IP_AND_CN, C_NUL_SAN, C_NUL_CN, C_WILD, C_DEEP, C_IP_IN_CN, C_NONE, _C_MAX };

static const struct cert_spec specs[_C_MAX] = {
        [C_SAN] = { .cn = "ignored-cn.corp.example",
                    .dns = { { "nxlog1.corp.example", 0 }, { "WS-0042.Corp.Example", 0 } },
                    .ip = { "10.1.2.3", "::1" } },
        [C_CN_ONLY] = { .cn = "nxlog2.corp.example" },
        [C_IP_AND_CN] = { .cn = "cn-only.corp.example", .ip = { "10.9.9.9" } },
        [C_NUL_SAN] = { .cn = "x", .dns = { { "nxlog1.corp.example\0.evil.example", 33 } } },
        [C_NUL_CN] = { .cn = "nxlog1.corp.example\0.evil.example", .cn_len = 33 },
        [C_WILD] = { .dns = { { "*.corp.example", 0 } } },
        [C_DEEP] = { .dns = { { "a.b.corp.example", 0 } } },
        [C_IP_IN_CN] = { .cn = "10.1.2.3" },
        [C_NONE] = { .cn = NULL },
};

static X509 *certs[_C_MAX];

static void certs_setup(void)
{
        for (int i = 0; i < _C_MAX; i++)
                certs[i] = make_named(&specs[i]);
}

static void certs_teardown(void)
{
        for (int i = 0; i < _C_MAX; i++)
                X509_free(certs[i]);
}

static const struct {
        int cert;
        const char *pattern;
        int want;
} match_cases[] = {
        /* exact, any case, on both sides */
        { C_SAN, "nxlog1.corp.example", 1 },
        { C_SAN, "NXLOG1.CORP.EXAMPLE", 1 },
        { C_SAN, "ws-0042.corp.example", 1 },
        { C_SAN, "nxlog2.corp.example", 0 },
        { C_SAN, "nxlog1.corp", 0 },
        { C_SAN, "corp.example", 0 },
        /* leftmost-label wildcard: one label, never the bare domain */
        { C_SAN, "*.corp.example", 1 },
        { C_SAN, "*.CORP.example", 1 },
        { C_SAN, "*.example", 0 },
        { C_SAN, "*.other.example", 0 },
        { C_DEEP, "*.corp.example", 0 },
        { C_DEEP, "*.b.corp.example", 1 },
        { C_DEEP, "a.b.corp.example", 1 },
        /* IP SANs */
        { C_SAN, "10.1.2.3", 1 },
        { C_SAN, "10.1.2.4", 0 },
        { C_SAN, "::1", 1 },
        { C_SAN, "0:0:0:0:0:0:0:1", 1 },
        { C_IP_AND_CN, "10.9.9.9", 1 },
        { C_IP_IN_CN, "10.1.2.3", 0 },          /* an address is matched against IP SANs only */
        /* the CN counts only without a DNS SAN */
        { C_SAN, "ignored-cn.corp.example", 0 },
        { C_CN_ONLY, "nxlog2.corp.example", 1 },
        { C_CN_ONLY, "*.corp.example", 1 },
        { C_IP_AND_CN, "cn-only.corp.example", 1 },     /* an IP SAN is no DNS SAN */
        /* a NUL inside a certificate name never matches */
        { C_NUL_SAN, "nxlog1.corp.example", 0 },
        { C_NUL_SAN, "*.corp.example", 0 },
        { C_NUL_SAN, "x", 0 },                  /* the DNS SAN hides the CN */
        { C_NUL_CN, "nxlog1.corp.example", 0 },
        { C_NUL_CN, "*.corp.example", 0 },
        /* a wildcard in a certificate is a literal character */
        { C_WILD, "nxlog1.corp.example", 0 },
        { C_WILD, "corp.example", 0 },
        /* nothing to match */
        { C_NONE, "nxlog1.corp.example", 0 },
        { C_NONE, "10.1.2.3", 0 },
        /* a pattern the loader refuses never matches */
        { C_SAN, "nxlog*.corp.example", -EINVAL },
        { C_SAN, "*", -EINVAL },
};

START_TEST(test_match_pattern)
{
        int r = tls_cert_match_pattern(certs[match_cases[_i].cert], match_cases[_i].pattern);

        ck_assert_msg(r == match_cases[_i].want, "cert %d, '%s': %d, expected %d", match_cases[_i].cert,
                      match_cases[_i].pattern, r, match_cases[_i].want);
}
END_TEST

static const struct {
        int cert;
        const char *host;
        int want;
} host_cases[] = {
        { C_SAN, "nxlog1.corp.example", 1 },
        { C_SAN, "ws-0042.corp.example", 1 },
        { C_SAN, "ws-0043.corp.example", 0 },
        { C_SAN, "corp.example", 0 },
        { C_SAN, ".corp.example", 0 },          /* would mean "any subdomain" to OpenSSL */
        { C_SAN, "", 0 },
        { C_SAN, "10.1.2.3", 1 },
        { C_SAN, "ignored-cn.corp.example", 0 },
        { C_CN_ONLY, "nxlog2.corp.example", 1 },
        { C_WILD, "a.corp.example", 0 },
        { C_NUL_SAN, "nxlog1.corp.example", 0 },
        { C_NUL_CN, "nxlog1.corp.example", 0 },
        { C_NONE, "x", 0 },
};

START_TEST(test_names_host)
{
        ck_assert_int_eq(tls_cert_names_host(certs[host_cases[_i].cert], host_cases[_i].host), host_cases[_i].want);
}
END_TEST

START_TEST(test_identity)
{
        char buf[128];

        tls_cert_identity(certs[C_SAN], buf, sizeof(buf));
        ck_assert_str_eq(buf, "nxlog1.corp.example");
        tls_cert_identity(certs[C_CN_ONLY], buf, sizeof(buf));
        ck_assert_str_eq(buf, "nxlog2.corp.example");
        tls_cert_identity(certs[C_IP_AND_CN], buf, sizeof(buf));
        ck_assert_str_eq(buf, "10.9.9.9");
        tls_cert_identity(certs[C_NUL_SAN], buf, sizeof(buf));
        ck_assert_str_eq(buf, "nxlog1.corp.example?.evil.example");
        tls_cert_identity(certs[C_NUL_CN], buf, sizeof(buf));
        ck_assert_str_eq(buf, "nxlog1.corp.example?.evil.example");
        tls_cert_identity(certs[C_NONE], buf, sizeof(buf));
        ck_assert_str_eq(buf, "");
        tls_cert_identity(NULL, buf, sizeof(buf));
        ck_assert_str_eq(buf, "");
        tls_cert_identity(certs[C_SAN], buf, 7);
        ck_assert_str_eq(buf, "nxlog1");
}
END_TEST

START_TEST(test_reason_names)
{
        for (int i = 0; i < _TLS_FAIL_MAX; i++) {
                const char *n = tls_fail_reason_name(i);

                ck_assert_str_ne(n, "unknown");
                for (const char *p = n; *p; p++)
                        ck_assert(*p == '_' || (*p >= 'a' && *p <= 'z'));
                for (int j = 0; j < i; j++)
                        ck_assert_str_ne(n, tls_fail_reason_name(j));
        }
        ck_assert_str_eq(tls_fail_reason_name(_TLS_FAIL_MAX), "unknown");
        ck_assert_str_eq(tls_fail_reason_name(_TLS_FAIL_INVALID), "unknown");
        ck_assert_str_eq(tls_fail_reason_name(TLS_FAIL_NOT_TLS), "not_tls");
        ck_assert_str_eq(tls_fail_reason_name(TLS_FAIL_PEER_NOT_ALLOWED), "peer_not_allowed");
}
END_TEST

/* ---- a PKI on disk, server contexts, handshakes in memory ------------ */

struct party {
        X509 *cert;
        EVP_PKEY *key;
        char cert_path[128], key_path[128];
};

static struct party ca, other_ca, server, client_ok, client_other_ca, client_expired, client_future,
        client_not_allowed, client_no_clientauth;

static void write_party(struct party *p, const char *name)
{
        FILE *f;

        snprintf(p->cert_path, sizeof(p->cert_path), "%s/%s.crt", tmpdir, name);
        snprintf(p->key_path, sizeof(p->key_path), "%s/%s.key", tmpdir, name);
        f = fopen(p->cert_path, "w");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(PEM_write_X509(f, p->cert), 1);
        fclose(f);
        f = fopen(p->key_path, "w");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(PEM_write_PrivateKey(f, p->key, NULL, NULL, 0, NULL, NULL), 1);
        fclose(f);
}

static void make_party(struct party *p, const char *name, const struct cert_spec *sp, struct party *issuer)
{
        p->key = make_key();
        p->cert = make_cert(sp, p->key, issuer ? issuer->cert : NULL, issuer ? issuer->key : NULL);
        write_party(p, name);
}

static void free_party(struct party *p)
{
        X509_free(p->cert);
        EVP_PKEY_free(p->key);
        memset(p, 0, sizeof(*p));
}

static void pki_setup(void)
{
        make_party(&ca, "ca", &(struct cert_spec) { .cn = "spoor test CA", .ca = true, .to_days = 3650 }, NULL);
        make_party(&other_ca, "other-ca", &(struct cert_spec) { .cn = "another CA", .ca = true }, NULL);
        make_party(&server, "server",
                   &(struct cert_spec) { .cn = "localhost", .dns = { { "localhost", 0 } }, .ip = { "127.0.0.1" } },
                   &ca);
        make_party(&client_ok, "client-ok",
                   &(struct cert_spec) { .cn = "nxlog1", .dns = { { "nxlog1.corp.example", 0 } }, .client = true },
                   &ca);
        make_party(&client_other_ca, "client-other-ca",
                   &(struct cert_spec) { .dns = { { "nxlog1.corp.example", 0 } }, .client = true }, &other_ca);
        make_party(&client_expired, "client-expired",
                   &(struct cert_spec) { .dns = { { "nxlog1.corp.example", 0 } }, .client = true,
                                         .from_days = -60, .to_days = -30 },
                   &ca);
        make_party(&client_future, "client-future",
                   &(struct cert_spec) { .dns = { { "nxlog1.corp.example", 0 } }, .client = true,
                                         .from_days = 30, .to_days = 60 },
                   &ca);
        make_party(&client_not_allowed, "client-not-allowed",
                   &(struct cert_spec) { .dns = { { "web1.corp.example", 0 } }, .client = true }, &ca);
        /* a server certificate is no client certificate (purpose) */
        make_party(&client_no_clientauth, "client-serverauth",
                   &(struct cert_spec) { .dns = { { "nxlog1.corp.example", 0 } } }, &ca);
        {
                /* give it serverAuth only */
                X509 *x = client_no_clientauth.cert;

                add_ext(x, ca.cert, NID_ext_key_usage, "serverAuth");
                ck_assert_int_gt(X509_sign(x, ca.key, EVP_sha256()), 0);
                write_party(&client_no_clientauth, "client-serverauth");
        }
}

static void pki_teardown(void)
{
        free_party(&ca);
        free_party(&other_ca);
        free_party(&server);
        free_party(&client_ok);
        free_party(&client_other_ca);
        free_party(&client_expired);
        free_party(&client_future);
        free_party(&client_not_allowed);
        free_party(&client_no_clientauth);
}

static struct listen_tls_conf server_conf(enum tls_client_cert verify)
{
        static char *peers[] = { "nxlog1.corp.example", "*.dc.corp.example", "10.1.2.3" };
        struct listen_tls_conf t = { .cert = server.cert_path, .key = server.key_path,
                                     .ca = verify == TLS_CLIENT_CERT_NONE ? NULL : ca.cert_path,
                                     .verify = verify, .handshake_timeout_s = 10 };

        if (verify == TLS_CLIENT_CERT_REQUIRED) {
                for (size_t i = 0; i < ELEMENTSOF(peers); i++)
                        t.allowed_peers[i] = peers[i];
                t.nallowed_peers = ELEMENTSOF(peers);
        }
        return t;
}

START_TEST(test_server_loads)
{
        struct listen_tls_conf t = server_conf(TLS_CLIENT_CERT_REQUIRED);
        struct tls_server *srv = NULL;
        enum tls_conf_key bad;
        char why[512] = "", desc[128];

        ck_assert_msg(tls_server_new(&t, &srv, &bad, why, sizeof(why)) == 0, "%s", why);
        tls_server_describe(srv, desc, sizeof(desc));
        ck_assert_str_eq(desc, "client_cert required, 3 allowed peers");
        ck_assert_uint_eq(tls_server_handshake_timeout_s(srv), 10);
        tls_server_free(srv);

        t = server_conf(TLS_CLIENT_CERT_NONE);
        ck_assert_msg(tls_server_new(&t, &srv, &bad, why, sizeof(why)) == 0, "%s", why);
        tls_server_describe(srv, desc, sizeof(desc));
        ck_assert_str_eq(desc, "client_cert none");
        tls_server_free(srv);
}
END_TEST

START_TEST(test_server_errors)
{
        struct listen_tls_conf t = server_conf(TLS_CLIENT_CERT_OPTIONAL);
        struct tls_server *srv = NULL;
        enum tls_conf_key bad;
        char why[512], missing[160], garbage[160];
        FILE *f;

        snprintf(missing, sizeof(missing), "%s/nope.pem", tmpdir);
        snprintf(garbage, sizeof(garbage), "%s/garbage.pem", tmpdir);
        f = fopen(garbage, "w");
        ck_assert_ptr_nonnull(f);
        fputs("not a certificate\n", f);
        fclose(f);

        t.cert = missing;
        ck_assert_int_eq(tls_server_new(&t, &srv, &bad, why, sizeof(why)), -ENOENT);
        ck_assert_int_eq(bad, TLS_KEY_CERT);
        ck_assert_ptr_nonnull(strstr(why, "No such file or directory"));
        ck_assert_ptr_nonnull(strstr(why, missing));

        t.cert = garbage;
        ck_assert_int_eq(tls_server_new(&t, &srv, &bad, why, sizeof(why)), -EINVAL);
        ck_assert_int_eq(bad, TLS_KEY_CERT);
        ck_assert_ptr_nonnull(strstr(why, "not a PEM certificate"));

        t.cert = tmpdir;
        ck_assert_int_eq(tls_server_new(&t, &srv, &bad, why, sizeof(why)), -EINVAL);
        ck_assert_ptr_nonnull(strstr(why, "not a regular file"));

        t.cert = server.cert_path;
        t.key = client_ok.key_path;             /* another certificate's key */
        ck_assert_int_eq(tls_server_new(&t, &srv, &bad, why, sizeof(why)), -EINVAL);
        ck_assert_int_eq(bad, TLS_KEY_KEY);
        ck_assert_msg(strstr(why, "does not match the certificate"), "%s", why);

        t.key = garbage;
        ck_assert_int_eq(tls_server_new(&t, &srv, &bad, why, sizeof(why)), -EINVAL);
        ck_assert_int_eq(bad, TLS_KEY_KEY);
        ck_assert_ptr_nonnull(strstr(why, "not a PEM private key"));

        t.key = server.key_path;
        t.ca = garbage;
        ck_assert_int_eq(tls_server_new(&t, &srv, &bad, why, sizeof(why)), -EINVAL);
        ck_assert_int_eq(bad, TLS_KEY_CA);
        ck_assert_ptr_nonnull(strstr(why, "no PEM CA certificate"));

        t.ca = missing;
        ck_assert_int_eq(tls_server_new(&t, &srv, &bad, why, sizeof(why)), -ENOENT);
        ck_assert_int_eq(bad, TLS_KEY_CA);
        ck_assert_ptr_null(srv);
}
END_TEST

START_TEST(test_encrypted_key_refused)
{
        struct listen_tls_conf t = server_conf(TLS_CLIENT_CERT_NONE);
        struct tls_server *srv = NULL;
        enum tls_conf_key bad;
        char why[512], path[160];
        FILE *f;

        snprintf(path, sizeof(path), "%s/encrypted.key", tmpdir);
        f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(PEM_write_PrivateKey(f, server.key, EVP_aes_128_cbc(), NULL, 0, NULL, (void *)"secret"), 1);
        fclose(f);
        t.key = path;
        ck_assert_int_eq(tls_server_new(&t, &srv, &bad, why, sizeof(why)), -EINVAL);
        ck_assert_int_eq(bad, TLS_KEY_KEY);
        ck_assert_ptr_nonnull(strstr(why, "encrypted"));
}
END_TEST

/* Run a handshake between a session of `srv` and a client presenting
 * `who` (NULL: no certificate), in memory.  Returns 0 when it completed
 * (and tls_session_established agreed), else the failure reason. */
static int handshake(struct tls_server *srv, const struct party *who, int client_max_version, char *detail,
                     size_t len, char *peer, size_t peer_len)
{
        struct tls_session *s = NULL;
        SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
        SSL *cl, *sv;
        BIO *bs, *bc;
        unsigned long errs[8];
        size_t nerrs = 0;
        int rs = 0, rc = 0, result = -1;
        enum tls_fail_reason why;

        ck_assert_ptr_nonnull(cctx);
        if (client_max_version) {
                SSL_CTX_set_security_level(cctx, 0);
                SSL_CTX_set_min_proto_version(cctx, 0);
                SSL_CTX_set_max_proto_version(cctx, client_max_version);
                SSL_CTX_set_cipher_list(cctx, "DEFAULT@SECLEVEL=0");
        }
        SSL_CTX_set_verify(cctx, SSL_VERIFY_NONE, NULL);
        if (who) {
                ck_assert_int_eq(SSL_CTX_use_certificate(cctx, who->cert), 1);
                ck_assert_int_eq(SSL_CTX_use_PrivateKey(cctx, who->key), 1);
        }
        ck_assert_int_eq(tls_session_new(srv, &s), 0);
        sv = tls_session_ssl_ref(s);
        ck_assert_ptr_nonnull(sv);
        cl = SSL_new(cctx);
        ck_assert_int_eq(BIO_new_bio_pair(&bs, 0, &bc, 0), 1);
        SSL_set_bio(sv, bs, bs);
        SSL_set_bio(cl, bc, bc);
        SSL_set_connect_state(cl);
        ERR_clear_error();
        for (int round = 0; round < 50; round++) {
                if (rc != 1)
                        rc = SSL_do_handshake(cl);
                ERR_clear_error();              /* the client's errors are not the server's */
                if (rs != 1) {
                        rs = SSL_do_handshake(sv);
                        if (rs <= 0) {
                                int e = SSL_get_error(sv, rs);

                                if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
                                        unsigned long x;

                                        while ((x = ERR_get_error()) && nerrs < ELEMENTSOF(errs))
                                                errs[nerrs++] = x;
                                        why = tls_session_failure(s, errs, nerrs, e == SSL_ERROR_ZERO_RETURN,
                                                                  detail, len);
                                        result = (int)why;
                                        break;
                                }
                        }
                }
                /* TLS 1.3: the server learns of the client certificate
                 * after the client is done; read once to let it act */
                if (rs == 1 && rc == 1) {
                        if (tls_session_established(s, &why, detail, len) < 0)
                                result = (int)why;
                        else
                                result = 0;
                        break;
                }
        }
        if (peer)
                snprintf(peer, peer_len, "%s", tls_session_peer(s));
        ERR_clear_error();
        SSL_free(cl);
        SSL_free(sv);           /* our extra reference */
        tls_session_free(s);
        SSL_CTX_free(cctx);
        return result;
}

static const struct {
        const char *name;
        struct party *who;
        enum tls_client_cert verify;
        int max_version;
        int want;               /* 0 or enum tls_fail_reason */
        const char *detail;     /* in the detail, or NULL */
} hs_cases[] = {
        { "valid", &client_ok, TLS_CLIENT_CERT_REQUIRED, 0, 0, NULL },
        { "no client certificate", NULL, TLS_CLIENT_CERT_REQUIRED, 0, TLS_FAIL_NO_CLIENT_CERT, "no client certificate" },
        { "another CA", &client_other_ca, TLS_CLIENT_CERT_REQUIRED, 0, TLS_FAIL_UNKNOWN_CA, "another CA" },
        { "expired", &client_expired, TLS_CLIENT_CERT_REQUIRED, 0, TLS_FAIL_CERT_EXPIRED, "expired" },
        { "not yet valid", &client_future, TLS_CLIENT_CERT_REQUIRED, 0, TLS_FAIL_CERT_NOT_YET_VALID, "not yet valid" },
        { "not allowed", &client_not_allowed, TLS_CLIENT_CERT_REQUIRED, 0, TLS_FAIL_PEER_NOT_ALLOWED,
          "'web1.corp.example'" },
        { "wrong purpose", &client_no_clientauth, TLS_CLIENT_CERT_REQUIRED, 0, TLS_FAIL_CERT_INVALID, "purpose" },
        { "TLS 1.1", &client_ok, TLS_CLIENT_CERT_REQUIRED, TLS1_1_VERSION, TLS_FAIL_PROTOCOL_VERSION, "TLS 1.2" },
        { "TLS 1.2 is enough", &client_ok, TLS_CLIENT_CERT_REQUIRED, TLS1_2_VERSION, 0, NULL },
        { "optional, none given", NULL, TLS_CLIENT_CERT_OPTIONAL, 0, 0, NULL },
        { "optional, valid", &client_ok, TLS_CLIENT_CERT_OPTIONAL, 0, 0, NULL },
        { "optional, another CA", &client_other_ca, TLS_CLIENT_CERT_OPTIONAL, 0, TLS_FAIL_UNKNOWN_CA, NULL },
        { "none, a certificate is ignored", &client_other_ca, TLS_CLIENT_CERT_NONE, 0, 0, NULL },
};

START_TEST(test_handshake)
{
        struct listen_tls_conf t = server_conf(hs_cases[_i].verify);
        struct tls_server *srv = NULL;
        enum tls_conf_key bad;
        char why[512] = "", detail[512] = "", peer[128];
        int r;

        ck_assert_msg(tls_server_new(&t, &srv, &bad, why, sizeof(why)) == 0, "%s", why);
        r = handshake(srv, hs_cases[_i].who, hs_cases[_i].max_version, detail, sizeof(detail), peer, sizeof(peer));
        ck_assert_msg(r == hs_cases[_i].want, "%s: %s (%s), expected %s", hs_cases[_i].name,
                      r ? tls_fail_reason_name(r) : "established", detail,
                      hs_cases[_i].want ? tls_fail_reason_name(hs_cases[_i].want) : "established");
        if (hs_cases[_i].detail)
                ck_assert_msg(strstr(detail, hs_cases[_i].detail), "%s: detail '%s'", hs_cases[_i].name, detail);
        if (r == 0 && hs_cases[_i].who && hs_cases[_i].verify != TLS_CLIENT_CERT_NONE)
                ck_assert_str_eq(peer, "nxlog1.corp.example");
        tls_server_free(srv);   /* after its sessions, or before: refcounted */
}
END_TEST

START_TEST(test_session_names_host)
{
        struct listen_tls_conf t = server_conf(TLS_CLIENT_CERT_REQUIRED);
        struct tls_server *srv = NULL;
        struct tls_session *s = NULL;
        enum tls_conf_key bad;
        char why[512];

        ck_assert_int_eq(tls_server_new(&t, &srv, &bad, why, sizeof(why)), 0);
        ck_assert_int_eq(tls_session_new(srv, &s), 0);
        tls_server_free(srv);                   /* the session keeps it */
        /* no handshake, no certificate: nothing is named */
        ck_assert_int_eq(tls_session_names_host(s, "nxlog1.corp.example"), 0);
        ck_assert_str_eq(tls_session_peer(s), "");
        tls_session_free(s);
}
END_TEST

START_TEST(test_failure_without_errors)
{
        struct listen_tls_conf t = server_conf(TLS_CLIENT_CERT_NONE);
        struct tls_server *srv = NULL;
        struct tls_session *s = NULL;
        enum tls_conf_key bad;
        char why[512], detail[256];
        unsigned long alert = ERR_PACK(ERR_LIB_SSL, 0, SSL_R_TLSV1_ALERT_UNKNOWN_CA);

        ck_assert_int_eq(tls_server_new(&t, &srv, &bad, why, sizeof(why)), 0);
        ck_assert_int_eq(tls_session_new(srv, &s), 0);
        ck_assert_int_eq(tls_session_failure(s, NULL, 0, true, detail, sizeof(detail)), TLS_FAIL_CLOSED);
        ck_assert_int_eq(tls_session_failure(s, NULL, 0, false, detail, sizeof(detail)), TLS_FAIL_ERROR);
        ck_assert_int_eq(tls_session_failure(s, &alert, 1, false, detail, sizeof(detail)), TLS_FAIL_CLIENT_ALERT);
        ck_assert_ptr_nonnull(strstr(detail, "trust"));
        tls_session_free(s);
        tls_server_free(srv);
}
END_TEST

static Suite *tls_suite(void)
{
        Suite *s = suite_create("tls");
        TCase *tc;

        tc = tcase_create("patterns");
        tcase_add_loop_test(tc, test_pattern_check, 0, (int)ELEMENTSOF(pattern_cases));
        tcase_add_test(tc, test_pattern_partial_wildcard_says_why);
        tcase_add_test(tc, test_reason_names);
        suite_add_tcase(s, tc);

        tc = tcase_create("names");
        tcase_add_unchecked_fixture(tc, certs_setup, certs_teardown);
        tcase_add_loop_test(tc, test_match_pattern, 0, (int)ELEMENTSOF(match_cases));
        tcase_add_loop_test(tc, test_names_host, 0, (int)ELEMENTSOF(host_cases));
        tcase_add_test(tc, test_identity);
        suite_add_tcase(s, tc);

        tc = tcase_create("server");
        tcase_add_unchecked_fixture(tc, pki_setup, pki_teardown);
        tcase_add_test(tc, test_server_loads);
        tcase_add_test(tc, test_server_errors);
        tcase_add_test(tc, test_encrypted_key_refused);
        tcase_add_loop_test(tc, test_handshake, 0, (int)ELEMENTSOF(hs_cases));
        tcase_add_test(tc, test_session_names_host);
        tcase_add_test(tc, test_failure_without_errors);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        int rc;

        if (!mkdtemp(tmpdir)) {
                perror("mkdtemp");
                return EXIT_FAILURE;
        }
        rc = unit_run(tls_suite());
        unit_rmtree(tmpdir);
        return rc;
}
