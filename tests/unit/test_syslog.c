/* syslog.c: RFC 5424 / RFC 3164 headers in front of a JSON object.
 *
 * Each input is copied into an exact-size heap buffer (no NUL after it), so
 * ASan reports any read past len. */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spoor/cleanup.h"
#include "spoor/syslog.h"

struct syslog_case {
        const char *name;
        const char *in;
        int ret;                        /* 0 or -EINVAL */
        enum reject_reason why;         /* when ret < 0 */
        enum syslog_format format;
        int pri;
        bool pri_invalid;
        const char *host;               /* NULL: absent */
        const char *ts;                 /* NULL: absent */
        const char *msg;
};

/* A case that must be rejected. */
#define BAD(n, i, w) { .name = (n), .in = (i), .ret = -EINVAL, .why = (w) }

#define J "{\"EventID\":4624,\"Channel\":\"Security\"}"
#define T5424 "2024-11-06T10:00:00.123456+01:00"

static void check_one(const struct syslog_case *t)
{
        size_t len = strlen(t->in);
        char *buf = malloc(len ? len : 1);
        struct syslog_msg m;
        enum reject_reason why = _REJ_INVALID;
        int r;

        ck_assert_ptr_nonnull(buf);
        memcpy(buf, t->in, len);
        r = syslog_parse(buf, len, &m, &why);
        ck_assert_msg(r == t->ret, "%s: returned %d, want %d (why %d)", t->name, r, t->ret, why);
        if (r < 0) {
                ck_assert_msg(why == t->why, "%s: why %d, want %d", t->name, why, t->why);
                free(buf);
                return;
        }
        ck_assert_msg(m.format == t->format, "%s: format %d, want %d", t->name, m.format, t->format);
        ck_assert_msg(m.pri == t->pri, "%s: pri %d, want %d", t->name, m.pri, t->pri);
        ck_assert_msg(m.pri_invalid == t->pri_invalid, "%s: pri_invalid", t->name);
        if (t->host) {
                ck_assert_msg(m.hostname && m.hostname_len == strlen(t->host) &&
                              memcmp(m.hostname, t->host, m.hostname_len) == 0,
                              "%s: hostname \"%.*s\", want \"%s\"", t->name,
                              m.hostname ? (int)m.hostname_len : 6, m.hostname ? m.hostname : "(null)",
                              t->host);
        } else {
                ck_assert_msg(!m.hostname, "%s: hostname \"%.*s\", want none", t->name,
                              (int)m.hostname_len, m.hostname);
        }
        if (t->ts) {
                ck_assert_msg(m.timestamp && m.timestamp_len == strlen(t->ts) &&
                              memcmp(m.timestamp, t->ts, m.timestamp_len) == 0,
                              "%s: timestamp \"%.*s\", want \"%s\"", t->name,
                              m.timestamp ? (int)m.timestamp_len : 6, m.timestamp ? m.timestamp : "(null)",
                              t->ts);
        } else {
                ck_assert_msg(!m.timestamp, "%s: timestamp \"%.*s\", want none", t->name,
                              (int)m.timestamp_len, m.timestamp);
        }
        ck_assert_msg(m.msg && m.msg >= buf && m.msg + m.msg_len == buf + len, "%s: msg bounds", t->name);
        ck_assert_msg(m.msg_len == strlen(t->msg) && memcmp(m.msg, t->msg, m.msg_len) == 0,
                      "%s: msg \"%.*s\", want \"%s\"", t->name, (int)m.msg_len, m.msg, t->msg);
        free(buf);
}

#define RUN_TABLE(tbl) \
        for (size_t i = 0; i < ELEMENTSOF(tbl); i++) \
                check_one(&(tbl)[i])

/* ---- forwarders, as they send ------------------------------------------ */

static const struct syslog_case forwarder_cases[] = {
        { "NXLog to_syslog_ietf()",
          "<14>1 " T5424 " WIN-DC01.corp.example.com Microsoft-Windows-Security-Auditing 640 - "
          "[NXLOG@14506 Keywords=\"-9214364837600034816\" EventType=\"AUDIT_SUCCESS\" EventID=\"4624\" "
          "ProviderGuid=\"{54849625-5478-4994-A5BA-3E3B0328C30D}\" Version=\"2\" Task=\"12544\" "
          "OpcodeValue=\"0\" RecordNumber=\"3146051\" ThreadID=\"700\" Channel=\"Security\" "
          "Category=\"Logon\" Opcode=\"Info\" EventReceivedTime=\"2024-11-06 10:00:01\" "
          "SourceModuleName=\"eventlog\" SourceModuleType=\"im_msvistalog\"] " J,
          0, REJ_NONE, SYSLOG_RFC5424, 14, false, "WIN-DC01.corp.example.com", T5424, J },
        { "NXLog to_syslog_ietf() without SD",
          "<13>1 2024-11-06T09:00:00.000000Z WIN-WS7 Service_Control_Manager 596 - - " J,
          0, REJ_NONE, SYSLOG_RFC5424, 13, false, "WIN-WS7", "2024-11-06T09:00:00.000000Z", J },
        { "NXLog to_syslog_bsd()",
          "<14>Nov  6 10:00:00 WIN-DC01 Microsoft-Windows-Security-Auditing[640]: " J,
          0, REJ_NONE, SYSLOG_RFC3164, 14, false, "WIN-DC01", "Nov  6 10:00:00", J },
        { "NXLog to_syslog_bsd() source with spaces",
          "<13>Nov 16 23:59:59 WIN-WS7 Service Control Manager[596]: " J,
          0, REJ_NONE, SYSLOG_RFC3164, 13, false, "WIN-WS7", "Nov 16 23:59:59", J },
        { "logger --tcp --rfc5424",
          "<13>1 " T5424 " buildhost alice - - [timeQuality tzKnown=\"1\" isSynced=\"1\" "
          "syncAccuracy=\"81500\"] " J,
          0, REJ_NONE, SYSLOG_RFC5424, 13, false, "buildhost", T5424, J },
        { "logger --tcp --rfc3164",
          "<13>Nov  6 10:00:00 buildhost alice: " J,
          0, REJ_NONE, SYSLOG_RFC3164, 13, false, "buildhost", "Nov  6 10:00:00", J },
        { "rsyslog RSYSLOG_SyslogProtocol23Format",
          "<13>1 " T5424 " WIN-DC01 nxlog - - -  " J,
          0, REJ_NONE, SYSLOG_RFC5424, 13, false, "WIN-DC01", T5424, J },
        { "rsyslog RSYSLOG_ForwardFormat",
          "<13>" T5424 " WIN-DC01 nxlog: " J,
          0, REJ_NONE, SYSLOG_RFC3164, 13, false, "WIN-DC01", T5424, J },
        { "rsyslog RSYSLOG_TraditionalForwardFormat",
          "<134>Nov  6 10:00:00 WIN-DC01 nxlog: " J,
          0, REJ_NONE, SYSLOG_RFC3164, 134, false, "WIN-DC01", "Nov  6 10:00:00", J },
        { "syslog-ng default network()",
          "<13>Nov  6 10:00:00 WIN-DC01 nxlog[640]: " J,
          0, REJ_NONE, SYSLOG_RFC3164, 13, false, "WIN-DC01", "Nov  6 10:00:00", J },
        { "syslog-ng syslog() driver",
          "<13>1 2024-11-06T10:00:00+01:00 WIN-DC01 nxlog 640 - [meta sequenceId=\"7\"] " J,
          0, REJ_NONE, SYSLOG_RFC5424, 13, false, "WIN-DC01", "2024-11-06T10:00:00+01:00", J },
};

/* ---- raw JSON ----------------------------------------------------------- */

static const struct syslog_case raw_cases[] = {
        { "object", J, 0, REJ_NONE, SYSLOG_NONE, -1, false, NULL, NULL, J },
        { "lone brace", "{", 0, REJ_NONE, SYSLOG_NONE, -1, false, NULL, NULL, "{" },
        { "object with trailing text", "{} x", 0, REJ_NONE, SYSLOG_NONE, -1, false, NULL, NULL, "{} x" },
};

/* ---- RFC 5424 ----------------------------------------------------------- */

static const struct syslog_case rfc5424_cases[] = {
        { "nil timestamp and host", "<13>1 - - app - - - " J,
          0, REJ_NONE, SYSLOG_RFC5424, 13, false, NULL, NULL, J },
        { "BOM before MSG", "<13>1 2024-11-06T10:00:00Z h a - - - \xef\xbb\xbf" J,
          0, REJ_NONE, SYSLOG_RFC5424, 13, false, "h", "2024-11-06T10:00:00Z", J },
        { "text before the object", "<13>1 2024-11-06T10:00:00Z h a - - - event: " J,
          0, REJ_NONE, SYSLOG_RFC5424, 13, false, "h", "2024-11-06T10:00:00Z", J },
        { "SD escapes and a brace in a value",
          "<13>1 2024-11-06T10:00:00Z h a - - [ex@32473 a=\"x\\\"{y\\]\" b=\"c\\\\\"][second k=\"v\"] " J,
          0, REJ_NONE, SYSLOG_RFC5424, 13, false, "h", "2024-11-06T10:00:00Z", J },
        { "SD unescaped ] in a value", "<13>1 2024-11-06T10:00:00Z h a - - [id k=\"a]b{\"] " J,
          0, REJ_NONE, SYSLOG_RFC5424, 13, false, "h", "2024-11-06T10:00:00Z", J },
        { "SD element without params", "<13>1 2024-11-06T10:00:00Z h a - - [id] " J,
          0, REJ_NONE, SYSLOG_RFC5424, 13, false, "h", "2024-11-06T10:00:00Z", J },
        { "lowercase t and z", "<13>1 2024-11-06t10:00:00z h a - - - " J,
          0, REJ_NONE, SYSLOG_RFC5424, 13, false, "h", "2024-11-06t10:00:00z", J },
        BAD("no SD", "<13>1 2024-11-06T10:00:00Z h a - - " J, REJ_BAD_SYSLOG),
        BAD("bad SD", "<13>1 2024-11-06T10:00:00Z h a - - x " J, REJ_BAD_SYSLOG),
        BAD("SD unterminated", "<13>1 2024-11-06T10:00:00Z h a - - [id k=\"v\" " J, REJ_BAD_SYSLOG),
        BAD("SD value unterminated", "<13>1 2024-11-06T10:00:00Z h a - - [id k=\"v] " J, REJ_BAD_SYSLOG),
        BAD("SD param without quotes", "<13>1 2024-11-06T10:00:00Z h a - - [id k=v] " J, REJ_BAD_SYSLOG),
        BAD("SD empty id", "<13>1 2024-11-06T10:00:00Z h a - - [ k=\"v\"] " J, REJ_BAD_SYSLOG),
        BAD("SD id too long",
          "<13>1 2024-11-06T10:00:00Z h a - - [abcdefghijklmnopqrstuvwxyz0123456] " J, REJ_BAD_SYSLOG),
        BAD("SD glued to MSG", "<13>1 2024-11-06T10:00:00Z h a - - [id]" J, REJ_BAD_SYSLOG),
        BAD("escape at the end", "<13>1 2024-11-06T10:00:00Z h a - - [id k=\"\\", REJ_BAD_SYSLOG),
        BAD("bad timestamp", "<13>1 2024-11-06 10:00:00 h a - - - " J, REJ_BAD_SYSLOG),
        BAD("timestamp junk", "<13>1 2024-11-06T10:00:00Q h a - - - " J, REJ_BAD_SYSLOG),
        BAD("missing fields", "<13>1 2024-11-06T10:00:00Z h", REJ_BAD_SYSLOG),
        BAD("no MSG", "<13>1 2024-11-06T10:00:00Z h a - - -", REJ_BAD_SYSLOG),
        BAD("MSG without object", "<13>1 2024-11-06T10:00:00Z h a - - - hello", REJ_BAD_SYSLOG),
        BAD("version only", "<13>1 ", REJ_BAD_SYSLOG),
};

/* ---- RFC 3164 ----------------------------------------------------------- */

static const struct syslog_case rfc3164_cases[] = {
        { "zero-padded day", "<13>Nov 06 10:00:00 h tag: " J,
          0, REJ_NONE, SYSLOG_RFC3164, 13, false, "h", "Nov 06 10:00:00", J },
        { "bare day", "<13>Nov 6 10:00:00 h tag: " J,
          0, REJ_NONE, SYSLOG_RFC3164, 13, false, "h", "Nov 6 10:00:00", J },
        { "no PRI", "Nov  6 10:00:00 WIN-DC01 nxlog: " J,
          0, REJ_NONE, SYSLOG_RFC3164, -1, false, "WIN-DC01", "Nov  6 10:00:00", J },
        { "no PRI, RFC 3339", "2024-11-06T10:00:00Z WIN-DC01 nxlog: " J,
          0, REJ_NONE, SYSLOG_RFC3164, -1, false, "WIN-DC01", "2024-11-06T10:00:00Z", J },
        { "no hostname, tag with pid", "<13>Nov  6 10:00:00 nxlog[640]: " J,
          0, REJ_NONE, SYSLOG_RFC3164, 13, false, NULL, "Nov  6 10:00:00", J },
        { "no hostname, tag", "<13>Nov  6 10:00:00 nxlog: " J,
          0, REJ_NONE, SYSLOG_RFC3164, 13, false, NULL, "Nov  6 10:00:00", J },
        { "no hostname, no tag", "<13>Nov  6 10:00:00 " J,
          0, REJ_NONE, SYSLOG_RFC3164, 13, false, NULL, "Nov  6 10:00:00", J },
        { "hostname -", "<13>Nov  6 10:00:00 - tag: " J,
          0, REJ_NONE, SYSLOG_RFC3164, 13, false, NULL, "Nov  6 10:00:00", J },
        { "IP address host", "<13>Nov  6 10:00:00 192.0.2.7 tag: " J,
          0, REJ_NONE, SYSLOG_RFC3164, 13, false, "192.0.2.7", "Nov  6 10:00:00", J },
        { "PRI then JSON", "<13>" J, 0, REJ_NONE, SYSLOG_RFC3164, 13, false, NULL, NULL, J },
        { "leap second", "<13>Dec 31 23:59:60 h t: " J,
          0, REJ_NONE, SYSLOG_RFC3164, 13, false, "h", "Dec 31 23:59:60", J },
        BAD("bad month", "<13>Nov\xc3\xa9 6 10:00:00 h t: " J, REJ_BAD_SYSLOG),
        BAD("unknown month", "<13>Foo  6 10:00:00 h t: " J, REJ_BAD_SYSLOG),
        BAD("day 32", "<13>Nov 32 10:00:00 h t: " J, REJ_BAD_SYSLOG),
        BAD("day 0", "<13>Nov  0 10:00:00 h t: " J, REJ_BAD_SYSLOG),
        BAD("hour 25", "<13>Nov  6 25:00:00 h t: " J, REJ_BAD_SYSLOG),
        BAD("minute 60", "<13>Nov  6 10:60:00 h t: " J, REJ_BAD_SYSLOG),
        BAD("no space after time", "<13>Nov  6 10:00:00" J, REJ_BAD_SYSLOG),
        BAD("no object", "<13>Nov  6 10:00:00 h tag: hello", REJ_BAD_SYSLOG),
        BAD("no header, not JSON", "hello world", REJ_NOT_JSON),
        BAD("JSON array", "[1,2]", REJ_NOT_JSON),
        BAD("leading space", " " J, REJ_NOT_JSON),
        BAD("empty", "", REJ_NOT_JSON),
        BAD("PRI only", "<13>", REJ_BAD_SYSLOG),
        BAD("PRI then text", "<13>hello " J, REJ_BAD_SYSLOG),
};

/* ---- PRI ---------------------------------------------------------------- */

static const struct syslog_case pri_cases[] = {
        { "PRI 0", "<0>1 - h a - - - " J, 0, REJ_NONE, SYSLOG_RFC5424, 0, false, "h", NULL, J },
        { "PRI 191", "<191>1 - h a - - - " J, 0, REJ_NONE, SYSLOG_RFC5424, 191, false, "h", NULL, J },
        { "PRI leading zero", "<013>1 - h a - - - " J, 0, REJ_NONE, SYSLOG_RFC5424, 13, false, "h", NULL, J },
        { "PRI 192 kept", "<192>1 - h a - - - " J, 0, REJ_NONE, SYSLOG_RFC5424, -1, true, "h", NULL, J },
        { "PRI 999 kept", "<999>Nov  6 10:00:00 h t: " J,
          0, REJ_NONE, SYSLOG_RFC3164, -1, true, "h", "Nov  6 10:00:00", J },
        BAD("PRI empty", "<>1 - h a - - - " J, REJ_BAD_PRI),
        BAD("PRI letters", "<abc>1 - h a - - - " J, REJ_BAD_PRI),
        BAD("PRI digits then letters", "<1a>1 - h a - - - " J, REJ_BAD_PRI),
        BAD("PRI negative", "<-1>1 - h a - - - " J, REJ_BAD_PRI),
        BAD("PRI four digits", "<1000>1 - h a - - - " J, REJ_BAD_PRI),
        BAD("PRI four digits small", "<0013>1 - h a - - - " J, REJ_BAD_PRI),
        BAD("PRI forty digits", "<1234567890123456789012345678901234567890>" J, REJ_BAD_PRI),
        BAD("PRI no >", "<13 1 - h a - - - " J, REJ_BAD_PRI),
        BAD("PRI cut", "<13", REJ_BAD_PRI),
        BAD("PRI lone <", "<", REJ_BAD_PRI),
};

/* ---- CVE regressions ---------------------------------------------------- */

static const struct syslog_case cve_cases[] = {
        /* syslog-ng: RFC 3164 timestamp parsing read past the end. */
        BAD("CVE-2022-38725 3164 time cut", "<13>Nov  6 10:00:0", REJ_BAD_SYSLOG),
        BAD("CVE-2022-38725 3164 day cut", "<13>Nov  ", REJ_BAD_SYSLOG),
        BAD("CVE-2022-38725 3164 month cut", "<13>No", REJ_BAD_SYSLOG),
        BAD("CVE-2022-38725 3339 cut", "<13>2024-11-06T10:00:0", REJ_BAD_SYSLOG),
        BAD("CVE-2022-38725 3339 at the end", "<13>2024-11-06T10:00:00Z", REJ_BAD_SYSLOG),
        BAD("CVE-2022-38725 5424 time at the end", "<13>1 2024-11-06T10:00:00.123456", REJ_BAD_SYSLOG),
};

START_TEST(test_forwarders) { RUN_TABLE(forwarder_cases); }
END_TEST
START_TEST(test_raw) { RUN_TABLE(raw_cases); }
END_TEST
START_TEST(test_rfc5424) { RUN_TABLE(rfc5424_cases); }
END_TEST
START_TEST(test_rfc3164) { RUN_TABLE(rfc3164_cases); }
END_TEST
START_TEST(test_pri) { RUN_TABLE(pri_cases); }
END_TEST
START_TEST(test_cve) { RUN_TABLE(cve_cases); }
END_TEST

/* Every prefix of every accepted message parses or is rejected cleanly,
 * never reading past its end (ASan) and never pointing outside it. */
static void check_prefixes(const struct syslog_case *t)
{
        size_t len = strlen(t->in);

        for (size_t n = 0; n <= len; n++) {
                char *buf = malloc(n ? n : 1);
                struct syslog_msg m;
                enum reject_reason why = _REJ_INVALID;
                int r;

                ck_assert_ptr_nonnull(buf);
                memcpy(buf, t->in, n);
                r = syslog_parse(buf, n, &m, &why);
                if (r < 0) {
                        ck_assert_int_eq(r, -EINVAL);
                        ck_assert_msg(why == REJ_BAD_PRI || why == REJ_BAD_SYSLOG || why == REJ_NOT_JSON, "%s[..%zu]: why %d",
                                      t->name, n, why);
                } else {
                        ck_assert_int_eq(r, 0);
                        ck_assert(m.msg >= buf && m.msg + m.msg_len == buf + n && m.msg_len > 0);
                        ck_assert(m.msg[0] == '{');
                        if (m.hostname)
                                ck_assert(m.hostname >= buf && m.hostname + m.hostname_len <= buf + n);
                        if (m.timestamp)
                                ck_assert(m.timestamp >= buf && m.timestamp + m.timestamp_len <= buf + n);
                }
                free(buf);
        }
}

START_TEST(test_prefixes)
{
        for (size_t i = 0; i < ELEMENTSOF(forwarder_cases); i++)
                check_prefixes(&forwarder_cases[i]);
        for (size_t i = 0; i < ELEMENTSOF(rfc5424_cases); i++)
                check_prefixes(&rfc5424_cases[i]);
        for (size_t i = 0; i < ELEMENTSOF(rfc3164_cases); i++)
                check_prefixes(&rfc3164_cases[i]);
        for (size_t i = 0; i < ELEMENTSOF(pri_cases); i++)
                check_prefixes(&pri_cases[i]);
}
END_TEST

static Suite *syslog_suite(void)
{
        Suite *s = suite_create("syslog");
        const struct {
                const char *name;
                const TTest *fn;
        } tc[] = {
                { "forwarders", test_forwarders },
                { "raw_json", test_raw },
                { "rfc5424", test_rfc5424 },
                { "rfc3164", test_rfc3164 },
                { "pri", test_pri },
                { "cve_regressions", test_cve },
                { "prefixes_in_bounds", test_prefixes },
        };

        for (size_t i = 0; i < ELEMENTSOF(tc); i++) {
                TCase *t = tcase_create(tc[i].name);

                tcase_add_test(t, tc[i].fn);
                suite_add_tcase(s, t);
        }
        return s;
}

int main(void)
{
        return unit_run(syslog_suite());
}
