/* tls.c name matching: tls_pattern_check (an allowed_peers entry), and
 * tls_cert_match_pattern / tls_cert_names_host / tls_cert_identity on a
 * certificate built from the input.  No handshake: the certificate is only
 * a carrier for names (X509_check_host does not look at signatures).
 *
 * Input: LF-separated lines.
 *   line 0   the pattern (up to its first NUL: config strings are C strings)
 *   line 1   the host for tls_cert_names_host (the same)
 *   line 2+  one certificate name each, its first byte the kind:
 *              'D'  a subjectAltName DNS name (the rest, any bytes)
 *              'I'  a subjectAltName IP address: the rest as text when
 *                   inet_pton takes it, else its bytes as the octets
 *              'C'  a subject CN (UTF8String, any bytes)
 *            anything else is ignored.  At most 8 names.
 * The expected answers come from a model written from tls.h's contract,
 * applied to the names as OpenSSL decodes them back from the certificate:
 *   - a pattern tls_pattern_check refuses: -EINVAL, with a reason;
 *   - an address pattern: yes iff an IP name holds the same address;
 *   - a host pattern: yes iff one DNS name (or, only when there is none, a
 *     CN) equals it ignoring ASCII case; `*.rest` iff a name is one label
 *     (no dot) followed by ".rest"; a name holding a NUL never matches;
 *   - tls_cert_names_host: the same for an exact host (no wildcards on
 *     either side), 0 for "" and names starting with '.';
 *   - tls_cert_identity: NUL-terminated, printable ASCII only, within the
 *     buffer, and the first DNS name (bytes outside printable ASCII as '?')
 *     when there is one.
 * Known quirk accepted by the model: a certificate DNS name ".rest" (an
 * empty first label) matches `*.rest` (OpenSSL's single-label subdomain
 * rule lets the label be empty).  Non-ASCII CNs: OpenSSL converts them to
 * UTF-8 and fails the whole check (-1) on bytes that are not valid UTF-8;
 * tls.c reports that as -ENOMEM, so with such a CN consulted -ENOMEM is
 * accepted too. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "fuzz.h"
#include "spoor/tls.h"

#define MAX_NAMES 8
#define MAX_LINE 1024

struct name {
        int type;                       /* GEN_DNS, GEN_IPADD, or 0 for a CN */
        const unsigned char *p;
        size_t len;
};

static bool ascii_eq_nocase(const unsigned char *a, size_t alen, const char *b, size_t blen)
{
        if (alen != blen)
                return false;
        for (size_t i = 0; i < alen; i++) {
                unsigned char x = a[i], y = (unsigned char)b[i];

                if (x >= 'A' && x <= 'Z')
                        x = (unsigned char)(x - 'A' + 'a');
                if (y >= 'A' && y <= 'Z')
                        y = (unsigned char)(y - 'A' + 'a');
                if (x != y)
                        return false;
        }
        return true;
}

/* Does one certificate host name n stand for ref (ref: "host", or
 * ".rest" for a wildcard pattern)? */
static bool model_host_eq(const struct name *n, const char *ref)
{
        size_t rl = strlen(ref);

        if (memchr(n->p, '\0', n->len))
                return false;
        if (ref[0] != '.')
                return ascii_eq_nocase(n->p, n->len, ref, rl);
        if (n->len < rl)
                return false;
        if (memchr(n->p, '.', n->len - rl))
                return false;   /* more than one label in front */
        return ascii_eq_nocase(n->p + n->len - rl, rl, ref, rl);
}

struct model {
        struct name dns[MAX_NAMES * 4], ip[MAX_NAMES * 4], cn[MAX_NAMES * 4];
        size_t ndns, nip, ncn;
        bool cn_non_ascii;
};

/* The names as OpenSSL reads them back from the certificate. */
static void model_read(X509 *x, struct model *m, GENERAL_NAMES **gens_out)
{
        GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
        X509_NAME *subj = X509_get_subject_name(x);

        memset(m, 0, sizeof(*m));
        for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
                const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

                if (g->type == GEN_DNS && g->d.dNSName->type == V_ASN1_IA5STRING && m->ndns < MAX_NAMES * 4)
                        m->dns[m->ndns++] = (struct name){ GEN_DNS, ASN1_STRING_get0_data(g->d.dNSName),
                                                           (size_t)ASN1_STRING_length(g->d.dNSName) };
                else if (g->type == GEN_IPADD && m->nip < MAX_NAMES * 4)
                        m->ip[m->nip++] = (struct name){ GEN_IPADD, ASN1_STRING_get0_data(g->d.iPAddress),
                                                         (size_t)ASN1_STRING_length(g->d.iPAddress) };
        }
        for (int i = -1; subj && (i = X509_NAME_get_index_by_NID(subj, NID_commonName, i)) >= 0;) {
                const ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, i));
                const unsigned char *p = ASN1_STRING_get0_data(s);
                size_t len = (size_t)ASN1_STRING_length(s);

                if (m->ncn == MAX_NAMES * 4)
                        break;
                m->cn[m->ncn++] = (struct name){ 0, p, len };
                for (size_t k = 0; k < len; k++)
                        if (p[k] >= 0x80)
                                m->cn_non_ascii = true;
        }
        *gens_out = gens;
}

/* The address a text names: 4 or 16 bytes into buf, 0 when not one. */
static size_t model_address(const char *s, unsigned char buf[16])
{
        if (inet_pton(AF_INET, s, buf) == 1)
                return 4;
        if (inet_pton(AF_INET6, s, buf) == 1)
                return 16;
        return 0;
}

/* Expected yes / no for a host reference (after the wildcard rewrite). */
static bool model_host(const struct model *m, const char *ref, bool *cn_used)
{
        *cn_used = m->ndns == 0;
        if (m->ndns) {
                for (size_t i = 0; i < m->ndns; i++)
                        if (model_host_eq(&m->dns[i], ref))
                                return true;
                return false;
        }
        for (size_t i = 0; i < m->ncn; i++)
                if (model_host_eq(&m->cn[i], ref))
                        return true;
        return false;
}

static bool model_ip(const struct model *m, const unsigned char *a, size_t alen)
{
        for (size_t i = 0; i < m->nip; i++)
                if (m->ip[i].len == alen && memcmp(m->ip[i].p, a, alen) == 0)
                        return true;
        return false;
}

/* A pattern accepted by tls_pattern_check must have this shape. */
static void check_pattern_shape(const char *pat)
{
        unsigned char a[16];
        const char *h = pat;

        if (model_address(pat, a))
                return;
        if (pat[0] == '*' && pat[1] == '.')
                h += 2;
        fuzz_assert(*h != '\0' && *h != '.');
        fuzz_assert(strlen(h) <= 253);
        fuzz_assert(h[strlen(h) - 1] != '.');
        fuzz_assert(strstr(h, "..") == NULL);
        for (const char *c = h; *c; c++)
                fuzz_assert((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                            *c == '-' || *c == '_' || *c == '.');
}

static void add_cn(X509 *x, const unsigned char *p, size_t len)
{
        X509_NAME *nm = X509_get_subject_name(x);

        if (len <= MAX_LINE)
                X509_NAME_add_entry_by_NID(nm, NID_commonName, V_ASN1_UTF8STRING, (unsigned char *)p, (int)len, -1, 0);
}

static void add_gen(GENERAL_NAMES *gens, int type, const unsigned char *p, size_t len)
{
        GENERAL_NAME *g = GENERAL_NAME_new();
        ASN1_STRING *s = type == GEN_DNS ? ASN1_IA5STRING_new() : ASN1_OCTET_STRING_new();

        fuzz_assert(g && s);
        fuzz_assert(ASN1_STRING_set(s, p, (int)len) == 1);
        GENERAL_NAME_set0_value(g, type, s);
        fuzz_assert(sk_GENERAL_NAME_push(gens, g) > 0);
}

/* line [p, p + n) as a C string (up to its first NUL) */
static char *line_str(const char *p, size_t n)
{
        const char *z = memchr(p, '\0', n);
        size_t k = z ? (size_t)(z - p) : n;
        char *s = malloc(k + 1);

        fuzz_assert(s != NULL);
        memcpy(s, p, k);
        s[k] = '\0';
        return s;
}

static void check_identity(X509 *x, const struct model *m)
{
        static const size_t sizes[] = { 1, 2, 8, 64, 256 };
        char buf[257];

        for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
                size_t len = sizes[k], n;

                memset(buf, 'Z', sizeof(buf));
                tls_cert_identity(x, buf, len);
                fuzz_assert(memchr(buf, '\0', len) != NULL);
                n = strlen(buf);
                fuzz_assert(n < len);
                fuzz_assert(buf[len] == 'Z');   /* nothing written past len */
                for (size_t i = 0; i < n; i++)
                        fuzz_assert(buf[i] >= 0x20 && buf[i] < 0x7f);
                if (m->ndns) {
                        fuzz_assert(n == (m->dns[0].len < len - 1 ? m->dns[0].len : len - 1));
                        for (size_t i = 0; i < n; i++) {
                                unsigned char c = m->dns[0].p[i];

                                fuzz_assert(buf[i] == ((c >= 0x20 && c < 0x7f) ? (char)c : '?'));
                        }
                }
        }
        tls_cert_identity(NULL, buf, sizeof(buf));
        fuzz_assert(buf[0] == '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *in = (const char *)data, *end = in + size, *p = in;
        const char *lines[2 + MAX_NAMES] = { NULL };
        size_t lens[2 + MAX_NAMES] = { 0 }, nlines = 0;
        char *pattern, *host, why[512];
        GENERAL_NAMES *gens, *decoded = NULL;
        struct model m;
        X509 *x;
        int r, rc;

        if (size > 8192)
                return 0;
        while (p <= end && nlines < 2 + MAX_NAMES) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));

                lines[nlines] = p;
                lens[nlines] = (size_t)((nl ? nl : end) - p);
                nlines++;
                if (!nl)
                        break;
                p = nl + 1;
        }
        pattern = line_str(lines[0], lens[0]);
        host = nlines > 1 ? line_str(lines[1], lens[1]) : line_str("", 0);

        /* the pattern on its own */
        memset(why, 'x', sizeof(why));
        r = tls_pattern_check(pattern, why, sizeof(why));
        fuzz_assert(r == 0 || r == -EINVAL);
        if (r < 0) {
                fuzz_assert(memchr(why, '\0', sizeof(why)) != NULL && why[0] != '\0');
        } else {
                check_pattern_shape(pattern);
                fuzz_assert(strcmp(pattern, "*") != 0);
        }
        fuzz_assert(tls_pattern_check(pattern, NULL, 0) == r);
        fuzz_assert(tls_cert_match_pattern(NULL, pattern) == -EINVAL);

        /* the certificate */
        x = X509_new();
        gens = sk_GENERAL_NAME_new_null();
        fuzz_assert(x && gens);
        for (size_t i = 2; i < nlines; i++) {
                const unsigned char *q = (const unsigned char *)lines[i] + 1;
                size_t n = lens[i] ? lens[i] - 1 : 0;

                if (!lens[i] || n > MAX_LINE)
                        continue;
                if (lines[i][0] == 'D') {
                        add_gen(gens, GEN_DNS, q, n);
                } else if (lines[i][0] == 'I') {
                        char *t = line_str((const char *)q, n);
                        unsigned char a[16];
                        size_t al = model_address(t, a);

                        if (al)
                                add_gen(gens, GEN_IPADD, a, al);
                        else
                                add_gen(gens, GEN_IPADD, q, n);
                        free(t);
                } else if (lines[i][0] == 'C') {
                        add_cn(x, q, n);
                }
        }
        if (sk_GENERAL_NAME_num(gens) > 0)
                X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT);
        GENERAL_NAMES_free(gens);
        model_read(x, &m, &decoded);

        /* tls_cert_match_pattern against the model */
        rc = tls_cert_match_pattern(x, pattern);
        if (r < 0) {
                fuzz_assert(rc == -EINVAL);
        } else {
                unsigned char a[16];
                size_t al = model_address(pattern, a);
                bool want, cn_used = false;

                if (al) {
                        want = model_ip(&m, a, al);
                } else if (pattern[0] == '*') {
                        want = model_host(&m, pattern + 1, &cn_used);
                } else {
                        want = model_host(&m, pattern, &cn_used);
                }
                if (rc != (int)want && !(rc == -ENOMEM && cn_used && m.cn_non_ascii)) {
                        fprintf(stderr, "pattern '%s': tls_cert_match_pattern %d, model %d\n", pattern, rc, want);
                        fuzz_assert(rc == (int)want);
                }
        }

        /* tls_cert_names_host against the model */
        rc = tls_cert_names_host(x, host);
        fuzz_assert(rc == 0 || rc == 1);
        fuzz_assert(tls_cert_names_host(NULL, host) == 0);
        {
                unsigned char a[16];
                size_t al = model_address(host, a);
                bool want, cn_used = false;

                if (!host[0] || host[0] == '.') {
                        want = false;
                } else if (al) {
                        want = model_ip(&m, a, al);
                } else {
                        want = model_host(&m, host, &cn_used);
                }
                if (rc != (int)want && !(rc == 0 && cn_used && m.cn_non_ascii)) {
                        fprintf(stderr, "host '%s': tls_cert_names_host %d, model %d\n", host, rc, want);
                        fuzz_assert(rc == (int)want);
                }
        }

        check_identity(x, &m);
        GENERAL_NAMES_free(decoded);
        X509_free(x);
        free(pattern);
        free(host);
        return 0;
}
