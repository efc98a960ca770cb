/* decode.c and dialect.c: JSON frame → struct winevent.
 *
 * One fixture per dialect under tests/data/dialects/ (the project's own
 * events), a table of every rejection, tables for numbers and times, the
 * fallbacks, and a replay of every shared sample event when ../shared is
 * there.  Inputs are copied into exact-size heap buffers without a NUL, so
 * ASan sees any read past `len`. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "spoor/cleanup.h"
#include "spoor/decode.h"
#include "spoor/intern.h"

#ifndef SPOOR_TEST_DATA
#error "SPOOR_TEST_DATA must name tests/data"
#endif

static struct decoder *dec;
static struct winevent ev;
static enum reject_reason why;
static char detail[160];

static void setup(void)
{
        dec = decoder_new(DECODE_DEFAULT_MAX_DEPTH);
        ck_assert_ptr_nonnull(dec);
        winevent_init(&ev);
        why = REJ_NONE;
        detail[0] = '\0';
}

static void teardown(void)
{
        decoder_free(dec);
        winevent_free(&ev);
}

static int64_t utc_us(int y, int mo, int d, int h, int mi, int s, int us)
{
        struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
                         .tm_hour = h, .tm_min = mi, .tm_sec = s };

        return (int64_t)timegm(&tm) * 1000000 + us;
}

static int decode_len(const char *json, size_t len, const struct decode_ctx *ctx)
{
        _cleanup_free_ char *copy = malloc(len ? len : 1);

        memcpy(copy, json, len);
        detail[0] = '\0';
        why = REJ_NONE;
        return decode_event(dec, copy, len, ctx, &ev, &why, detail, sizeof(detail));
}

static int decode_str(const char *json, const struct decode_ctx *ctx)
{
        return decode_len(json, strlen(json), ctx);
}

static char *read_fixture(const char *name, size_t *len)
{
        char path[512];
        snprintf(path, sizeof(path), "%s/dialects/%s", SPOOR_TEST_DATA, name);
        FILE *f = fopen(path, "rb");
        ck_assert_msg(f != NULL, "cannot open %s", path);
        char *buf = malloc(1 << 16);
        *len = fread(buf, 1, 1 << 16, f);
        ck_assert(*len > 0 && *len < (1 << 16));
        fclose(f);
        return buf;
}

static void decode_fixture(const char *name, const struct decode_ctx *ctx)
{
        size_t len;
        _cleanup_free_ char *json = read_fixture(name, &len);
        int r = decode_len(json, len, ctx);

        ck_assert_msg(r == 0, "%s: rejected %s: %s", name, reject_reason_name(why), detail);
}

static void field_is(const char *name, const char *want)
{
        const struct winevent_field *f = winevent_get(&ev, name);

        ck_assert_msg(f != NULL, "no field %s", name);
        ck_assert_msg(f->len == strlen(want) && memcmp(f->value, want, f->len) == 0,
                      "%s = \"%s\", want \"%s\"", name, f->value, want);
}

static void no_field(const char *name)
{
        const struct winevent_field *f = winevent_get(&ev, name);

        ck_assert_msg(f == NULL, "unexpected field %s = \"%s\"", name, f ? f->value : "");
}

static void no_duplicate_names(void)
{
        for (size_t i = 0; i < ev.nfields; i++)
                for (size_t j = i + 1; j < ev.nfields; j++)
                        ck_assert_msg(strcmp(ev.fields[i].name, ev.fields[j].name) != 0,
                                      "field %s twice", ev.fields[i].name);
}

/* ---- dialects, from fixtures -------------------------------------------- */

START_TEST(test_nxlog_ce)
{
        struct decode_ctx ctx = { .recv_us = 123 };

        decode_fixture("nxlog-ce.json", &ctx);
        ck_assert_int_eq(ev.dialect, DIALECT_NXLOG_CE);
        ck_assert_str_eq(ev.host, "ws042.corp.example");
        ck_assert_str_eq(ev.channel, "Security");
        ck_assert_str_eq(ev.provider, "Microsoft-Windows-Security-Auditing");
        ck_assert_uint_eq(ev.event_id, 4698);
        ck_assert(ev.has_record_id);
        ck_assert_uint_eq(ev.record_id, 981234);
        ck_assert_int_eq(ev.time_us, utc_us(2026, 3, 29, 1, 30, 0, 0));     /* zone-less, UTC */
        ck_assert_int_eq(ev.recv_us, 123);

        ck_assert_str_eq(ev.fields[0].name, "EventTime");      /* input order */
        field_is("EventID", "4698");
        field_is("Channel", "Security");
        field_is("Computer", "WS042.Corp.Example");            /* as the event wrote it */
        field_is("Hostname", "WS042.Corp.Example");
        field_is("Provider_Name", "Microsoft-Windows-Security-Auditing");
        field_is("SourceName", "Microsoft-Windows-Security-Auditing");
        field_is("EventRecordID", "981234");
        field_is("Keywords", "-9218868437227405312");          /* int64, exact */
        field_is("TaskName", "\\Updater\\Refresh");
        field_is("SubjectUserName", "jdoe");
        field_is("Flags", "");                                  /* null */
        field_is("Enabled", "true");
        field_is("Ratio", "0.50");                              /* as written */
        const struct winevent_field *tc = winevent_get(&ev, "TaskContent");
        ck_assert_ptr_nonnull(tc);
        ck_assert_ptr_nonnull(strstr(tc->value, "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\r\n<Task>"));
        ck_assert_ptr_nonnull(strstr(tc->value, "<Command>C:\\Users\\Public\\upd.exe</Command>"));
        /* 33 keys + Computer, Provider_Name, EventRecordID, + the task XML's 7
         * derived fields (taskxml.h; test_taskxml.c checks them) */
        field_is("TaskCommandLine", "C:\\Users\\Public\\upd.exe /quiet");
        ck_assert_uint_eq(ev.nfields, 43);
        no_duplicate_names();
}
END_TEST

START_TEST(test_nxlog_ce_zones)
{
        struct timefmt_zone berlin, plus2;
        struct decode_ctx ctx = { .zone = &berlin };

        ck_assert_int_eq(timefmt_zone_init(&berlin, "Europe/Berlin"), 0);
        ck_assert_int_eq(timefmt_zone_init(&plus2, "+02:00"), 0);
        decode_fixture("nxlog-ce.json", &ctx);
        ck_assert_int_eq(ev.time_us, utc_us(2026, 3, 29, 0, 30, 0, 0));     /* still CET */
        ctx.zone = &plus2;
        decode_fixture("nxlog-ce.json", &ctx);
        ck_assert_int_eq(ev.time_us, utc_us(2026, 3, 28, 23, 30, 0, 0));
}
END_TEST

START_TEST(test_nxlog_ee)
{
        struct timefmt_zone berlin;
        struct decode_ctx ctx = { .zone = &berlin };

        ck_assert_int_eq(timefmt_zone_init(&berlin, "Europe/Berlin"), 0);
        decode_fixture("nxlog-ee.json", &ctx);
        ck_assert_int_eq(ev.dialect, DIALECT_NXLOG_EE);
        ck_assert_str_eq(ev.host, "srv-file01.corp.example");
        ck_assert_uint_eq(ev.event_id, 4688);
        ck_assert_uint_eq(ev.record_id, 0x1A2B3C);
        ck_assert_int_eq(ev.time_us, utc_us(2026, 3, 29, 1, 30, 0, 123456));  /* offset wins */
        field_is("EventID", "4688");
        field_is("EventRecordID", "1715004");
        field_is("RecordNumber", "0x1A2B3C");
        field_is("Keywords", "9232379236109516800");
        field_is("ExecutionProcessID", "4");
        field_is("TaskValue", "13312");
        field_is("CommandLine", "schtasks /create /tn \"Refresh\" /tr C:\\Users\\Public\\upd.exe /sc minute");
        field_is("SubjectUserName", "SRV-FILE01$");
        no_duplicate_names();
}
END_TEST

START_TEST(test_winlogbeat)
{
        struct decode_ctx ctx = { .recv_us = 1 };

        decode_fixture("winlogbeat.json", &ctx);
        ck_assert_int_eq(ev.dialect, DIALECT_WINLOGBEAT);
        ck_assert_str_eq(ev.host, "ws17.corp.example");        /* computer_name, not host.name */
        ck_assert_str_eq(ev.channel, "Security");
        ck_assert_str_eq(ev.provider, "Microsoft-Windows-Security-Auditing");
        ck_assert_uint_eq(ev.event_id, 4624);
        ck_assert_uint_eq(ev.record_id, 771203);
        ck_assert_int_eq(ev.time_us, utc_us(2026, 1, 15, 8, 0, 1, 987000));
        field_is("EventID", "4624");
        field_is("Computer", "WS17.corp.example");
        field_is("EventRecordID", "771203");
        field_is("TargetUserName", "alice");
        field_is("LogonType", "3");
        field_is("LogonProcessName", "NtLmSsp ");              /* kept as sent */
        field_is("KeyLength", "128");
        field_is("xml_name", "EventXML");                       /* user_data */
        no_field("message");
        no_field("event_data");
        no_field("winlog");
        ck_assert_str_eq(ev.fields[0].name, "SubjectUserSid");
        no_duplicate_names();
}
END_TEST

/* event.code and host.name / host.hostname when winlog lacks them. */
START_TEST(test_winlogbeat_fallbacks)
{
        struct decode_ctx ctx = { .recv_us = 1 };

        ck_assert_int_eq(decode_str("{\"@timestamp\":\"2026-01-15T08:00:01Z\",\"event\":{\"code\":4625},"
                                    "\"host\":{\"name\":\"WS18\"},\"winlog\":{\"channel\":\"Security\","
                                    "\"event_data\":{\"Status\":\"0xc000006d\"}}}", &ctx), 0);
        ck_assert_uint_eq(ev.event_id, 4625);
        ck_assert_str_eq(ev.host, "ws18");
        ck_assert(!ev.has_record_id);
        ck_assert_str_eq(ev.provider, "");
        no_field("Provider_Name");
        no_field("EventRecordID");
        field_is("Status", "0xc000006d");

        ck_assert_int_eq(decode_str("{\"host\":{\"hostname\":\"ws19\"},\"winlog\":{\"channel\":\"System\","
                                    "\"event_id\":7045,\"user_data\":{\"Param\":[1,\"a/b\"]}}}", &ctx), 0);
        ck_assert_str_eq(ev.host, "ws19");
        ck_assert_uint_eq(ev.event_id, 7045);
        field_is("Param", "[1,\"a/b\"]");
}
END_TEST

START_TEST(test_evtx)
{
        struct decode_ctx ctx = { .recv_us = 1 };

        decode_fixture("evtx.json", &ctx);
        ck_assert_int_eq(ev.dialect, DIALECT_EVTX);
        ck_assert_str_eq(ev.host, "lab-win11");
        ck_assert_str_eq(ev.channel, "Microsoft-Windows-Sysmon/Operational");
        ck_assert_str_eq(ev.provider, "Microsoft-Windows-Sysmon");
        ck_assert_uint_eq(ev.event_id, 1);
        ck_assert_uint_eq(ev.record_id, 77);
        ck_assert_int_eq(ev.time_us, utc_us(2026, 2, 2, 12, 34, 56, 123456));  /* 7 digits → µs */
        field_is("EventID", "1");
        field_is("Computer", "LAB-WIN11");
        field_is("Provider_Name", "Microsoft-Windows-Sysmon");
        field_is("EventRecordID", "77");
        field_is("Level", "4");                                 /* scalar System children */
        field_is("Keywords", "0x8000000000000000");
        field_is("CommandLine", "rundll32.exe C:\\ProgramData\\x.dll,Start");
        field_is("ProcessId", "6012");
        field_is("Hashes", "");
        field_is("User", "LAB\\bob");
        no_field("#attributes");
        no_field("Execution");
        no_field("Provider");
        no_duplicate_names();
}
END_TEST

START_TEST(test_evtx_userdata)
{
        struct decode_ctx ctx = { .recv_us = 1 };

        decode_fixture("evtx-userdata.json", &ctx);
        ck_assert_uint_eq(ev.event_id, 1102);
        ck_assert_str_eq(ev.host, "dc01.corp.example");
        ck_assert_str_eq(ev.channel, "Security");
        field_is("SubjectUserName", "Administrator");
        field_is("SubjectLogonId", "0x1c3f2");
        field_is("EventRecordID", "5");
        no_field("xmlns");
        no_field("LogFileCleared");
        no_duplicate_names();
}
END_TEST

START_TEST(test_evtx_data_array)
{
        struct decode_ctx ctx = { .recv_us = 1 };

        decode_fixture("evtx-data-array.json", &ctx);
        ck_assert_uint_eq(ev.event_id, 7045);                   /* {"#text": "7045"} */
        ck_assert_uint_eq(ev.record_id, 16);                    /* {"#text": "0x10"} */
        ck_assert_str_eq(ev.provider, "Service Control Manager");
        ck_assert_int_eq(ev.time_us, utc_us(2026, 2, 3, 8, 15, 0, 500000));
        field_is("ServiceName", "PSEXESVC");
        field_is("ImagePath", "%SystemRoot%\\PSEXESVC.exe");
        field_is("ServiceType", "user mode service");
        field_is("StartType", "");
        field_is("AccountName", "LocalSystem");
        no_field("Data");
        no_duplicate_names();
}
END_TEST

START_TEST(test_evtx_data_unnamed)
{
        struct decode_ctx ctx = { .recv_us = 1 };

        decode_fixture("evtx-data-unnamed.json", &ctx);
        ck_assert_uint_eq(ev.event_id, 18456);
        ck_assert(!ev.has_record_id);
        field_is("Data", "[\"sa\",\" Reason: Password did not match that for the login provided.\","
                         "\"[CLIENT: 10.0.0.9]\"]");
        field_is("Binary", "184800000E000000");
        field_is("Provider_Name", "MSSQLSERVER");
}
END_TEST

/* ---- rejections ---------------------------------------------------------- */

#define EV(extra) "{\"EventID\":4688,\"Hostname\":\"ws1\",\"Channel\":\"Security\"" extra "}"

static const struct reject_case {
        const char *name;
        const char *in;
        size_t len;             /* 0: strlen(in) */
        enum reject_reason want;
        const char *detail;     /* substring of the detail, or NULL */
} reject_cases[] = {
        { "empty", "", 0, REJ_NOT_JSON, "empty" },
        { "spaces_only", "   ", 0, REJ_NOT_JSON, "incomplete" },
        { "truncated", "{\"EventID\":4688,\"Hostname\":\"ws1\"", 0, REJ_NOT_JSON, "incomplete" },
        { "nonsense", "hello", 0, REJ_NOT_JSON, NULL },
        { "trailing_comma", "{\"EventID\":1,}", 0, REJ_NOT_JSON, NULL },
        { "raw_nul_in_string", "{\"a\":\"x\0y\"}", 11, REJ_NOT_JSON, NULL },
        { "array", "[1,2]", 0, REJ_NOT_OBJECT, "array" },
        { "string", "\"x\"", 0, REJ_NOT_OBJECT, "string" },
        { "number", "42", 0, REJ_NOT_OBJECT, NULL },
        { "null", "null", 0, REJ_NOT_OBJECT, NULL },
        { "garbage_after", EV("") " x", 0, REJ_TRAILING_GARBAGE, "byte" },
        { "nul_after", EV("") "\0", sizeof(EV("")), REJ_TRAILING_GARBAGE, NULL },
        { "comma_after", EV("") ",", 0, REJ_TRAILING_GARBAGE, NULL },
        { "second_object", EV("") " " EV(""), 0, REJ_MULTIPLE_OBJECTS, NULL },
        { "second_object_nl", EV("") "\n{\"a\":", 0, REJ_MULTIPLE_OBJECTS, NULL },
        { "array_after", EV("") "[1]", 0, REJ_MULTIPLE_OBJECTS, NULL },
        { "string_after", EV("") " \"x\"", 0, REJ_MULTIPLE_OBJECTS, NULL },
        { "true_after", EV("") " true", 0, REJ_MULTIPLE_OBJECTS, NULL },
        { "too_deep", EV(",\"a\":[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]"), 0, REJ_TOO_DEEP, "deeper than 16" },
        { "dup_event_id", "{\"EventID\":1,\"Hostname\":\"h\",\"Channel\":\"S\",\"EventID\":4688}", 0,
          REJ_DUPLICATE_KEY, "duplicate key EventID" },
        { "dup_channel", EV(",\"Channel\":\"System\""), 0, REJ_DUPLICATE_KEY, "duplicate key Channel" },
        { "dup_hostname", EV(",\"Hostname\":\"ws2\""), 0, REJ_DUPLICATE_KEY, "duplicate key Hostname" },
        { "dup_escaped", EV(",\"Event\\u0049D\":5"), 0, REJ_DUPLICATE_KEY, "duplicate key EventID" },
        { "dup_single_quoted", EV(",'Channel':\"System\""), 0, REJ_DUPLICATE_KEY, "duplicate key Channel" },
        /* json-c cuts a key at \u0000: "EventID\u0000" would override EventID unseen */
        { "dup_behind_nul", EV(",\"EventID\\u0000\":1"), 0, REJ_NOT_JSON, "a key holds" },
        { "dup_behind_nul_host", EV(",\"Hostname\\u0000x\":\"evil\""), 0, REJ_NOT_JSON, "a key holds" },
        { "dup_winlog_event_id",
          "{\"winlog\":{\"event_id\":1,\"channel\":\"Security\",\"computer_name\":\"h\",\"event_id\":4688}}", 0,
          REJ_DUPLICATE_KEY, "duplicate key event_id" },
        { "dup_winlog", "{\"winlog\":{\"event_id\":1},\"winlog\":{\"event_id\":2}}", 0, REJ_DUPLICATE_KEY,
          "duplicate key winlog" },
        { "dup_evtx_computer",
          "{\"Event\":{\"System\":{\"EventID\":1,\"Channel\":\"S\",\"Computer\":\"a\",\"Computer\":\"b\"}}}", 0,
          REJ_DUPLICATE_KEY, "duplicate key Computer" },
        { "unknown_dialect", "{\"foo\":1,\"bar\":{\"EventID\":1}}", 0, REJ_UNKNOWN_DIALECT, NULL },
        { "empty_object", "{}", 0, REJ_UNKNOWN_DIALECT, NULL },
        { "missing_event_id", "{\"Hostname\":\"ws1\",\"Channel\":\"Security\"}", 0, REJ_MISSING_EVENT_ID, NULL },
        { "null_event_id", "{\"EventID\":null,\"Hostname\":\"ws1\",\"Channel\":\"Security\"}", 0,
          REJ_MISSING_EVENT_ID, NULL },
        { "evtx_no_system", "{\"Event\":{\"EventData\":{}}}", 0, REJ_MISSING_EVENT_ID, NULL },
        { "event_id_text", "{\"EventID\":\"abc\",\"Hostname\":\"ws1\",\"Channel\":\"Security\"}", 0,
          REJ_BAD_EVENT_ID, "EventID \"abc\" is not a number" },
        { "event_id_70000", "{\"EventID\":70000,\"Hostname\":\"ws1\",\"Channel\":\"Security\"}", 0,
          REJ_BAD_EVENT_ID, "EventID 70000 out of range" },
        { "event_id_negative", "{\"EventID\":-1,\"Hostname\":\"ws1\",\"Channel\":\"Security\"}", 0,
          REJ_BAD_EVENT_ID, "EventID -1 out of range" },
        { "event_id_hex_range", "{\"EventID\":\"0x10000\",\"Hostname\":\"ws1\",\"Channel\":\"Security\"}", 0,
          REJ_BAD_EVENT_ID, "out of range" },
        { "event_id_huge", "{\"EventID\":\"99999999999999999999999\",\"Hostname\":\"ws1\",\"Channel\":\"S\"}", 0,
          REJ_BAD_EVENT_ID, "out of range" },
        { "event_id_float", "{\"EventID\":4688.5,\"Hostname\":\"ws1\",\"Channel\":\"Security\"}", 0,
          REJ_BAD_EVENT_ID, "not a number" },
        { "event_id_bool", "{\"EventID\":true,\"Hostname\":\"ws1\",\"Channel\":\"Security\"}", 0,
          REJ_BAD_EVENT_ID, NULL },
        { "event_id_empty", "{\"EventID\":\"\",\"Hostname\":\"ws1\",\"Channel\":\"Security\"}", 0,
          REJ_BAD_EVENT_ID, NULL },
        { "event_id_space", "{\"EventID\":\" 4688\",\"Hostname\":\"ws1\",\"Channel\":\"Security\"}", 0,
          REJ_BAD_EVENT_ID, NULL },
        { "event_id_bare_0x", "{\"EventID\":\"0x\",\"Hostname\":\"ws1\",\"Channel\":\"Security\"}", 0,
          REJ_BAD_EVENT_ID, NULL },
        { "event_id_object", "{\"EventID\":{\"a\":1},\"Hostname\":\"ws1\",\"Channel\":\"Security\"}", 0,
          REJ_BAD_EVENT_ID, NULL },
        { "missing_host", "{\"EventID\":1,\"Channel\":\"Security\"}", 0, REJ_MISSING_HOST, NULL },
        { "empty_host", "{\"EventID\":1,\"Hostname\":\"\",\"Channel\":\"Security\"}", 0, REJ_MISSING_HOST, NULL },
        { "host_traversal", "{\"EventID\":1,\"Hostname\":\"../../etc\",\"Channel\":\"Security\"}", 0,
          REJ_BAD_HOST, "bad host \"../../etc\"" },
        { "host_nul", "{\"EventID\":1,\"Hostname\":\"ws\\u00001\",\"Channel\":\"Security\"}", 0,
          REJ_BAD_HOST, NULL },
        { "host_newline", "{\"EventID\":1,\"Hostname\":\"ws1\\n\",\"Channel\":\"Security\"}", 0, REJ_BAD_HOST, NULL },
        { "host_number", "{\"EventID\":1,\"Hostname\":42,\"Channel\":\"Security\"}", 0, REJ_BAD_HOST, NULL },
        { "missing_channel", "{\"EventID\":1,\"Hostname\":\"ws1\"}", 0, REJ_MISSING_CHANNEL, NULL },
        { "empty_channel", "{\"EventID\":1,\"Hostname\":\"ws1\",\"Channel\":\"\"}", 0, REJ_MISSING_CHANNEL, NULL },
        { "winlog_no_channel", "{\"winlog\":{\"event_id\":1,\"computer_name\":\"ws1\"}}", 0,
          REJ_MISSING_CHANNEL, NULL },
        { "channel_control", "{\"EventID\":1,\"Hostname\":\"ws1\",\"Channel\":\"Sec\\nurity\"}", 0,
          REJ_BAD_CHANNEL, "control character" },
        { "channel_nul", "{\"EventID\":1,\"Hostname\":\"ws1\",\"Channel\":\"Security\\u0000x\"}", 0,
          REJ_BAD_CHANNEL, NULL },
        { "channel_number", "{\"EventID\":1,\"Hostname\":\"ws1\",\"Channel\":5}", 0, REJ_BAD_CHANNEL, NULL },
        { "channel_too_long", "{\"EventID\":1,\"Hostname\":\"ws1\",\"Channel\":\""
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}", 0, REJ_BAD_CHANNEL, "longer than 255" },
        { "provider_control", EV(",\"SourceName\":\"a\\tb\""), 0, REJ_BAD_PROVIDER, NULL },
        { "provider_object", EV(",\"SourceName\":{}"), 0, REJ_BAD_PROVIDER, NULL },
        { "record_text", EV(",\"RecordNumber\":\"x\""), 0, REJ_BAD_RECORD_ID, NULL },
        { "record_negative", EV(",\"RecordNumber\":-5"), 0, REJ_BAD_RECORD_ID, NULL },
        { "record_too_big", EV(",\"RecordNumber\":\"18446744073709551616\""), 0, REJ_BAD_RECORD_ID, NULL },
        { "time_text", EV(",\"EventTime\":\"yesterday\""), 0, REJ_BAD_TIME, "bad event time \"yesterday\"" },
        { "time_number", EV(",\"EventTime\":1795342272"), 0, REJ_BAD_TIME, NULL },
        { "time_feb_30", EV(",\"EventTime\":\"2026-02-30 00:00:00\""), 0, REJ_BAD_TIME, NULL },
        { "winlogbeat_bad_timestamp",
          "{\"@timestamp\":\"2026-13-01T00:00:00Z\",\"winlog\":{\"event_id\":1,\"channel\":\"S\",\"computer_name\":\"h\"}}",
          0, REJ_BAD_TIME, NULL },
};

START_TEST(test_reject_table)
{
        const struct reject_case *c = &reject_cases[_i];
        struct decode_ctx ctx = { .recv_us = 1 };
        size_t len = c->len ? c->len : strlen(c->in);

        int r = decode_len(c->in, len, &ctx);
        ck_assert_msg(r == -EINVAL, "%s: accepted (r=%d)", c->name, r);
        ck_assert_msg(why == c->want, "%s: why %s (%s), want %s", c->name, reject_reason_name(why), detail,
                      reject_reason_name(c->want));
        ck_assert_msg(detail[0] != '\0', "%s: no detail", c->name);
        if (c->detail)
                ck_assert_msg(strstr(detail, c->detail), "%s: detail \"%s\" lacks \"%s\"", c->name, detail,
                              c->detail);

        /* the decoder and the event are reusable after a rejection */
        ck_assert_int_eq(decode_str(EV(""), &ctx), 0);
        ck_assert_uint_eq(ev.event_id, 4688);
}
END_TEST

/* A rejection with neither *why nor detail asked for still says -EINVAL. */
START_TEST(test_reject_null_outputs)
{
        ck_assert_int_eq(decode_event(dec, "[]", 2, NULL, &ev, NULL, NULL, 0), -EINVAL);
        char small[8];
        ck_assert_int_eq(decode_event(dec, "{\"EventID\":70000}", 17, NULL, &ev, &why, small, sizeof(small)),
                         -EINVAL);
        ck_assert_int_eq(why, REJ_BAD_EVENT_ID);
        ck_assert_uint_lt(strlen(small), sizeof(small));
}
END_TEST

/* Same names in different objects are not duplicates; duplicates of keys
 * that identify nothing are json-c's business (last wins). */
START_TEST(test_duplicates_allowed)
{
        struct decode_ctx ctx = { .recv_us = 1 };

        ck_assert_int_eq(decode_str(EV(",\"Nested\":{\"EventID\":2,\"Channel\":\"x\"},\"L\":[{\"EventID\":3},"
                                       "{\"EventID\":4}]"), &ctx), 0);
        ck_assert_uint_eq(ev.event_id, 4688);
        ck_assert_int_eq(decode_str(EV(",\"Note\":\"EventID\",\"Other\":1,\"Other\":2,\"s\":\"\\\"EventID\\\":\""),
                                    &ctx), 0);
        field_is("Other", "2");
        ck_assert_int_eq(decode_str("{\"winlog\":{\"event_id\":1,\"channel\":\"S\",\"computer_name\":\"h\"},"
                                    "\"event\":{\"code\":\"1\"},\"EventData\":{\"channel\":1}}", &ctx), 0);
}
END_TEST

/* ---- identifying numbers ------------------------------------------------- */

static const struct number_case {
        const char *event_id;   /* JSON text */
        const char *record;     /* JSON text, or NULL */
        uint32_t want_id;
        uint64_t want_record;
} number_cases[] = {
        { "4688", "1", 4688, 1 },
        { "\"4688\"", "\"202791\"", 4688, 202791 },
        { "\"0x1250\"", "\"0x1A\"", 4688, 26 },
        { "\"0X1250\"", "\"0xffffffffffffffff\"", 4688, UINT64_MAX },
        { "0", "0", 0, 0 },
        { "65535", "18446744073709551615", 65535, UINT64_MAX },
        { "\"0xFFFF\"", "\"18446744073709551615\"", 65535, UINT64_MAX },
        { "\"00042\"", "9223372036854775807", 42, INT64_MAX },
        { "\"-0\"", "\"0x0\"", 0, 0 },
};

START_TEST(test_numbers_table)
{
        const struct number_case *c = &number_cases[_i];
        struct decode_ctx ctx = { .recv_us = 1 };
        char json[256];

        snprintf(json, sizeof(json), "{\"EventID\":%s,\"Hostname\":\"h\",\"Channel\":\"S\",\"RecordNumber\":%s}",
                 c->event_id, c->record);
        ck_assert_msg(decode_str(json, &ctx) == 0, "%s: %s", json, detail);
        ck_assert_uint_eq(ev.event_id, c->want_id);
        ck_assert(ev.has_record_id);
        ck_assert_msg(ev.record_id == c->want_record, "%s: record %llu", json,
                      (unsigned long long)ev.record_id);
        char want[32];
        snprintf(want, sizeof(want), "%u", c->want_id);
        field_is("EventID", want);
        snprintf(want, sizeof(want), "%llu", (unsigned long long)c->want_record);
        field_is("EventRecordID", want);
}
END_TEST

/* ---- field values --------------------------------------------------------- */

START_TEST(test_values)
{
        struct decode_ctx ctx = { .recv_us = 1 };

        ck_assert_int_eq(decode_str(EV(",\"Big\":18446744073709551615,\"Neg\":-9218868437227405312,"
                                       "\"BigStr\":\"18446744073709551616\",\"Null\":null,\"T\":true,\"F\":false,"
                                       "\"Dbl\":1.5e3,\"Obj\":{\"a\":[1,\"x/y\"],\"b\":null},\"Arr\":[],"
                                       "\"Nul\":\"a\\u0000b\",\"Uni\":\"\\u00e4\\/\",\"Empty\":\"\""), &ctx), 0);
        field_is("Big", "18446744073709551615");
        field_is("Neg", "-9218868437227405312");
        field_is("BigStr", "18446744073709551616");
        field_is("Null", "");
        field_is("T", "true");
        field_is("F", "false");
        field_is("Dbl", "1.5e3");
        field_is("Obj", "{\"a\":[1,\"x/y\"],\"b\":null}");
        field_is("Arr", "[]");
        field_is("Uni", "\xc3\xa4/");
        field_is("Empty", "");
        const struct winevent_field *f = winevent_get(&ev, "Nul");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(f->len, 3);
        ck_assert_mem_eq(f->value, "a\0b", 4);
}
END_TEST

/* Whitespace around the object is fine (CRLF framing leftovers, pretty JSON). */
START_TEST(test_whitespace_ok)
{
        struct decode_ctx ctx = { .recv_us = 1 };

        ck_assert_int_eq(decode_str(" \t" EV("") "\r\n  \n", &ctx), 0);
        ck_assert_int_eq(decode_str("{\n  \"EventID\" : 1 ,\n  \"Hostname\":\"h\",\"Channel\":\"S\"\n}\n", &ctx), 0);
}
END_TEST

/* ---- fallbacks ------------------------------------------------------------ */

START_TEST(test_fallback_host)
{
        struct decode_ctx ctx = { .recv_us = 1, .fallback_host = "Relay-7.Corp", .fallback_host_len = 5 };

        ck_assert_int_eq(decode_str("{\"EventID\":1,\"Channel\":\"Security\"}", &ctx), 0);
        ck_assert_str_eq(ev.host, "relay");
        field_is("Computer", "Relay");
        /* the event's own host wins */
        ck_assert_int_eq(decode_str(EV(""), &ctx), 0);
        ck_assert_str_eq(ev.host, "ws1");
        /* a bad fallback is a bad host */
        ctx.fallback_host = "../x";
        ctx.fallback_host_len = 4;
        ck_assert_int_eq(decode_str("{\"EventID\":1,\"Channel\":\"Security\",\"Hostname\":null}", &ctx), -EINVAL);
        ck_assert_int_eq(why, REJ_BAD_HOST);
}
END_TEST

START_TEST(test_fallback_time)
{
        struct decode_ctx ctx = { .recv_us = 1000, .fallback_time_us = 2000 };

        ck_assert_int_eq(decode_str(EV(""), &ctx), 0);
        ck_assert_int_eq(ev.time_us, 2000);
        ck_assert_int_eq(ev.recv_us, 1000);
        ctx.fallback_time_us = 0;
        ck_assert_int_eq(decode_str(EV(",\"EventTime\":null"), &ctx), 0);
        ck_assert_int_eq(ev.time_us, 1000);
        ck_assert_int_eq(decode_str(EV(",\"EventTime\":\"2026-11-22 10:11:12\""), &ctx), 0);
        ck_assert_int_eq(ev.time_us, utc_us(2026, 11, 22, 10, 11, 12, 0));
}
END_TEST

/* Events of ETW / debug logs name a provider but no channel: kept, with
 * ev->channel "" and no Channel field. */
START_TEST(test_channel_absent_with_provider)
{
        struct decode_ctx ctx = { .recv_us = 1 };

        ck_assert_int_eq(decode_str("{\"EventID\":6,\"Hostname\":\"ws1\",\"SourceName\":\"Microsoft-Windows-RPC\"}",
                                    &ctx), 0);
        ck_assert_str_eq(ev.channel, "");
        ck_assert_str_eq(ev.provider, "Microsoft-Windows-RPC");
        no_field("Channel");
        field_is("Provider_Name", "Microsoft-Windows-RPC");
}
END_TEST

/* System fields replace same-named event fields and are not duplicated. */
START_TEST(test_system_fields_win)
{
        struct decode_ctx ctx = { .recv_us = 1 };

        ck_assert_int_eq(decode_str("{\"EventID\":\"0x1250\",\"Hostname\":\"WS1\",\"Channel\":\"Security\","
                                    "\"Computer\":\"spoofed\",\"Provider_Name\":\"x\",\"SourceName\":\"P\","
                                    "\"EventRecordID\":\"y\",\"RecordNumber\":9}", &ctx), 0);
        field_is("EventID", "4688");
        field_is("Computer", "WS1");
        field_is("Provider_Name", "P");
        field_is("EventRecordID", "9");
        no_duplicate_names();
}
END_TEST

/* CE vs EE: ExecutionProcessID or an ISO EventTime make it EE. */
static const struct {
        const char *extra;
        enum dialect want;
} flat_cases[] = {
        { "", DIALECT_NXLOG_CE },
        { ",\"EventTime\":\"2026-01-01 00:00:00\"", DIALECT_NXLOG_CE },
        { ",\"EventTime\":\"2026-01-01T00:00:00.000000+01:00\"", DIALECT_NXLOG_EE },
        { ",\"ExecutionProcessID\":4", DIALECT_NXLOG_EE },
        { ",\"ExecutionProcessID\":4,\"EventTime\":\"2026-01-01 00:00:00\"", DIALECT_NXLOG_EE },
};

START_TEST(test_flat_detection)
{
        struct decode_ctx ctx = { .recv_us = 1 };
        char json[256];

        snprintf(json, sizeof(json), "{\"EventID\":1,\"Hostname\":\"h\",\"Channel\":\"S\"%s}", flat_cases[_i].extra);
        ck_assert_int_eq(decode_str(json, &ctx), 0);
        ck_assert_int_eq(ev.dialect, flat_cases[_i].want);
}
END_TEST

/* A decoder with a small depth bound. */
START_TEST(test_max_depth)
{
        struct decoder *d2 = decoder_new(3);
        struct decode_ctx ctx = { .recv_us = 1 };
        const char *ok = EV(",\"a\":{\"b\":[1]}");
        const char *deep = EV(",\"a\":{\"b\":[[1]]}");

        ck_assert_ptr_nonnull(d2);
        ck_assert_int_eq(decode_event(d2, ok, strlen(ok), &ctx, &ev, &why, detail, sizeof(detail)), 0);
        ck_assert_int_eq(decode_event(d2, deep, strlen(deep), &ctx, &ev, &why, detail, sizeof(detail)), -EINVAL);
        ck_assert_int_eq(why, REJ_TOO_DEEP);
        decoder_free(d2);
        decoder_free(NULL);
}
END_TEST

/* json-c's tokener kept surrogate state across json_tokener_reset(): after
 * a frame cut inside "\ud83d", the next frame's key "H\ud800e" became
 * "H" U+FFFD U+FFFD "e" instead of one U+FFFD (found by fuzz_flatscan: two
 * decoders with different histories disagreed).  The next frame must decode
 * as a fresh decoder decodes it. */
START_TEST(test_regress_tokener_surrogate_state)
{
        static const char *const cut[] = { "{\"a\":\"\\ud83d", "{\"a\":\"\\ud83d\\u", "{\"a\":\"\\ud83d\\u00" };
        const char *next = "{\"EventTime\":\"2026-03-29 01:30:00\",\"H\\ud800e\":\"x\",\"EventID\":4688,"
                           "\"Hostname\":\"ws3\",\"Channel\":\"Security\"}";
        struct decoder *fresh = decoder_new(DECODE_DEFAULT_MAX_DEPTH);
        struct winevent want;

        ck_assert_ptr_nonnull(fresh);
        winevent_init(&want);
        ck_assert_int_eq(decode_event(fresh, next, strlen(next), NULL, &want, NULL, NULL, 0), 0);
        ck_assert_ptr_nonnull(winevent_get(&want, "H\xef\xbf\xbd" "e"));
        for (size_t i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
                ck_assert_int_eq(decode_event(dec, cut[i], strlen(cut[i]), NULL, &ev, NULL, NULL, 0), -EINVAL);
                ck_assert_int_eq(decode_event(dec, next, strlen(next), NULL, &ev, NULL, NULL, 0), 0);
                ck_assert_msg(winevent_get(&ev, "H\xef\xbf\xbd" "e") != NULL, "after \"%s\": the key decodes otherwise",
                              cut[i]);
                ck_assert_uint_eq(ev.nfields, want.nfields);
        }
        winevent_free(&want);
        decoder_free(fresh);
}
END_TEST

/* ---- every shared sample event ------------------------------------------- */

struct shared_stats {
        size_t files, events, rejected;
        char first[4400];
        struct decoder *slow;           /* json-c only */
        struct winevent ev_slow;
};

static void decode_file(const char *path, struct shared_stats *st)
{
        FILE *f = fopen(path, "r");
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        struct decode_ctx ctx = { .recv_us = 1 };
        size_t lineno = 0;

        ck_assert_msg(f != NULL, "cannot open %s", path);
        st->files++;
        while ((n = getline(&line, &cap, f)) > 0) {
                lineno++;
                while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                        n--;
                if (n == 0)
                        continue;
                st->events++;
                /* the json-c path gives the same event as the flat fast path */
                int rs = decode_event(st->slow, line, (size_t)n, &ctx, &st->ev_slow, NULL, NULL, 0);
                int rf = decode_event(dec, line, (size_t)n, &ctx, &ev, &why, detail, sizeof(detail));
                ck_assert_msg(rs == rf, "%s:%zu: json-c path %d, fast path %d", path, lineno, rs, rf);
                if (rf == 0) {
                        ck_assert_msg(strcmp(ev.host, st->ev_slow.host) == 0 && ev.nfields == st->ev_slow.nfields &&
                                              ev.time_us == st->ev_slow.time_us, "%s:%zu: paths differ", path, lineno);
                        for (size_t k = 0; k < ev.nfields; k++)
                                ck_assert_msg(strcmp(ev.fields[k].name, st->ev_slow.fields[k].name) == 0 &&
                                                      ev.fields[k].len == st->ev_slow.fields[k].len &&
                                                      memcmp(ev.fields[k].value, st->ev_slow.fields[k].value,
                                                             ev.fields[k].len) == 0,
                                              "%s:%zu: field %s differs between the paths", path, lineno,
                                              ev.fields[k].name);
                }
                if (rf < 0) {
                        if (st->rejected++ == 0)
                                snprintf(st->first, sizeof(st->first), "%s:%zu: %s: %s", path, lineno,
                                         reject_reason_name(why), detail);
                        continue;
                }
                ck_assert_msg(ev.host[0] && ev.event_id <= 65535 && ev.nfields > 0, "%s:%zu", path, lineno);
        }
        free(line);
        fclose(f);
}

static void decode_tree(const char *dir, struct shared_stats *st)
{
        struct dirent **names;
        int n = scandir(dir, &names, NULL, alphasort);

        ck_assert_msg(n >= 0, "cannot read %s", dir);
        for (int i = 0; i < n; i++) {
                const char *name = names[i]->d_name;
                char path[4096];
                struct stat sb;
                size_t len = strlen(name);

                snprintf(path, sizeof(path), "%s/%s", dir, name);
                if (name[0] != '.' && stat(path, &sb) == 0) {
                        if (S_ISDIR(sb.st_mode))
                                decode_tree(path, st);
                        else if (len > 6 && strcmp(name + len - 6, ".jsonl") == 0)
                                decode_file(path, st);
                }
                free(names[i]);
        }
        free(names);
}

START_TEST(test_shared_samples)
{
        const char *shared = getenv("SPOOR_SHARED");
        char dir[4096];
        struct stat sb;
        struct shared_stats st = { 0 };

        snprintf(dir, sizeof(dir), "%s/data/windows-events", shared ? shared : "../shared");
        if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
                printf("SKIP: %s not found (set SPOOR_SHARED): shared sample events not decoded\n", dir);
                return;
        }
        st.slow = decoder_new(DECODE_DEFAULT_MAX_DEPTH);
        ck_assert(st.slow && decoder_set_fast_path(st.slow, false) == 0);
        winevent_init(&st.ev_slow);
        decode_tree(dir, &st);
        winevent_free(&st.ev_slow);
        decoder_free(st.slow);
        printf("decoded %zu shared sample events from %zu files, %zu rejected\n", st.events, st.files,
               st.rejected);
        ck_assert_msg(st.events > 0, "no events under %s", dir);
        ck_assert_msg(st.rejected == 0, "%zu of %zu rejected; first: %s", st.rejected, st.events, st.first);
}
END_TEST

static Suite *decode_suite(void)
{
        Suite *s = suite_create("decode");
        TCase *tc;

#define TC(name, fn)                                            \
        tc = tcase_create(name);                                \
        tcase_add_checked_fixture(tc, setup, teardown);         \
        tcase_add_test(tc, fn);                                 \
        suite_add_tcase(s, tc)
#define TC_LOOP(name, fn, table)                                                \
        tc = tcase_create(name);                                                \
        tcase_add_checked_fixture(tc, setup, teardown);                         \
        tcase_add_loop_test(tc, fn, 0, (int)ELEMENTSOF(table));                 \
        suite_add_tcase(s, tc)

        TC("nxlog_ce", test_nxlog_ce);
        TC("nxlog_ce_zones", test_nxlog_ce_zones);
        TC("nxlog_ee", test_nxlog_ee);
        TC_LOOP("flat_detection", test_flat_detection, flat_cases);
        TC("winlogbeat", test_winlogbeat);
        TC("winlogbeat_fallbacks", test_winlogbeat_fallbacks);
        TC("evtx", test_evtx);
        TC("evtx_userdata", test_evtx_userdata);
        TC("evtx_data_array", test_evtx_data_array);
        TC("evtx_data_unnamed", test_evtx_data_unnamed);
        TC_LOOP("reject_table", test_reject_table, reject_cases);
        TC("reject_null_outputs", test_reject_null_outputs);
        TC("duplicates_allowed", test_duplicates_allowed);
        TC("max_depth", test_max_depth);
        TC_LOOP("numbers_table", test_numbers_table, number_cases);
        TC("values", test_values);
        TC("whitespace_ok", test_whitespace_ok);
        TC("fallback_host", test_fallback_host);
        TC("fallback_time", test_fallback_time);
        TC("channel_absent_with_provider", test_channel_absent_with_provider);
        TC("system_fields_win", test_system_fields_win);
        TC("shared_samples", test_shared_samples);
        TC("regress_tokener_surrogate_state", test_regress_tokener_surrogate_state);
        tcase_set_timeout(tc, 120);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(decode_suite());

        srunner_run_all(sr, CK_NORMAL);
        int failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        intern_reset();
        return failed ? 1 : 0;
}
